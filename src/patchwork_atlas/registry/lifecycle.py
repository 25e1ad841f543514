"""Lifecycle and events: a pure function of the ordered publications.

`rebuild` recomputes agencies, agreements, applications, sightings and events from the stored
rows, so a file that arrives late (but belongs earlier in time) changes the history around it
exactly as if it had arrived in order.

Rules (kept here, reviewable):
- Publications of a list are ordered by sort_key. A participating list is *suspect* when it
  lacks the SIGNED column or has fewer than half the rows of the median of its neighbours;
  suspect lists are stored and shown, but skipped when diffing, so they cause no mass removals.
- Between consecutive (non-suspect) lists, an agreement key that appears is `agreement_listed`
  (or `agreement_relisted`); one that disappears is `agreement_removed`.
- When, for one agency and model, a signing date disappears while another appears, the pair is a
  *correction* (`signing_date_corrected`, same agreement) if the dates are at most
  CORRECTION_DAYS apart or either is unknown, else a *re-signing*: the old agreement is
  `superseded` by the new one.
- A pending application that leaves the list is `approved` if an agreement for the same agency
  and model was first listed between APPROVAL_BEFORE_DAYS before it was first pending and
  APPROVAL_AFTER_DAYS after it left; otherwise `withdrawn` (left the list without an agreement).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from patchwork_atlas.registry.normalize import short_hash

CORRECTION_DAYS = 45
SUSPECT_SHARE = 0.5
APPROVAL_BEFORE_DAYS = 7
APPROVAL_AFTER_DAYS = 60


@dataclass
class Pub:
    publication_id: str
    list: str
    date: str | None
    sort_key: str
    canonical: str
    has_signed: bool
    n_rows: int
    suspect_reason: str | None = None


@dataclass
class Agreement:
    agreement_id: str
    agency_id: str
    state: str
    model: str
    signed_first: str | None
    signed: str | None
    first_pub: Pub
    last_pub: Pub
    status: str = "active"
    superseded_by: str | None = None
    removed_date: str | None = None
    n_pubs: int = 0
    moa_url: str | None = None
    addendum_url: str | None = None
    review: list[str] = field(default_factory=list)


@dataclass
class Application:
    application_id: str
    agency_id: str
    state: str
    model: str
    first_pub: Pub
    last_pub: Pub
    status: str = "pending"
    ended_date: str | None = None
    agreement_id: str | None = None
    approved_date: str | None = None
    ended_pub: Pub | None = None


def _days(a: str | None, b: str | None) -> int | None:
    if not a or not b or a.startswith("raw:") or b.startswith("raw:"):
        return None
    return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days


def load_publications(conn: sqlite3.Connection) -> dict[str, list[Pub]]:
    lists: dict[str, list[Pub]] = defaultdict(list)
    for r in conn.execute(
        "SELECT publication_id, list, published_date, sort_key, canonical_sha256, columns,"
        " n_rows_stored FROM publications ORDER BY list, sort_key, publication_id"
    ):
        headers = {h.strip().upper() for h in json.loads(r["columns"])}
        has_signed = any("SIGN" in h for h in headers)
        lists[r["list"]].append(
            Pub(r["publication_id"], r["list"], r["published_date"], r["sort_key"],
                r["canonical_sha256"], has_signed, r["n_rows_stored"])
        )
    for pub in lists.get("participating", []):
        if not pub.has_signed:
            pub.suspect_reason = "no SIGNED column: signing dates unknown"
    _flag_short_lists(lists.get("participating", []))
    return lists


def _flag_short_lists(pubs: list[Pub]) -> None:
    for i, pub in enumerate(pubs):
        neighbours = [p.n_rows for p in pubs[max(0, i - 3): i] + pubs[i + 1: i + 4]]
        if len(neighbours) < 2:
            continue
        median = statistics.median(neighbours)
        if median >= 20 and pub.n_rows < SUSPECT_SHARE * median:
            reason = f"{pub.n_rows} rows where neighbouring lists have about {int(median)}: plainly partial"
            pub.suspect_reason = "; ".join(filter(None, [pub.suspect_reason, reason]))


def rebuild(conn: sqlite3.Connection) -> None:
    lists = load_publications(conn)
    for table in ("events", "agreement_sightings", "applications", "agreements", "agency_names", "agencies"):
        conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
    for pubs in lists.values():
        for seq, pub in enumerate(pubs, 1):
            conn.execute(
                "UPDATE publications SET seq=?, suspect=?, suspect_reason=? WHERE publication_id=?",
                (seq, int(pub.suspect_reason is not None), pub.suspect_reason, pub.publication_id),
            )
    rows_by_file = _rows_by_file(conn)
    _build_agencies(conn)
    events: list[dict] = []
    agreements, sightings = _walk_participating(lists.get("participating", []), rows_by_file, events)
    applications = _walk_pending(lists.get("pending", []), rows_by_file, events)
    _match_approvals(applications, agreements, lists.get("participating", []), events)
    _write(conn, agreements, sightings, applications, events)


def _rows_by_file(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = defaultdict(list)
    for r in conn.execute(
        "SELECT r.sha256, r.agency_id, r.state_usps, r.model, r.signed_date, r.signed_raw,"
        " r.moa_url, r.addendum_url FROM sheet_rows r JOIN publications p"
        " ON p.canonical_sha256 = r.sha256 WHERE r.agency_id IS NOT NULL AND r.model IS NOT NULL"
    ):
        signed = r[4] or (f"raw:{r[5]}" if r[5] else None)
        out[r[0]].append((r[1], r[2], r[3], signed, r[6], r[7]))
    return out


def _build_agencies(conn: sqlite3.Connection) -> None:
    """One row per agency: its name as printed in the latest list that has it, ICE's TYPE and
    COUNTY from the latest list that prints them (older lists lack the columns), first and last
    seen. Aggregated in SQL: this runs on every ingest."""
    from patchwork_atlas.geo.reference import state as lookup_state
    from patchwork_atlas.registry.normalize import agency_identity, clean_text

    rows = conn.execute(
        """
        WITH r AS (
          SELECT r.agency_id, r.state_usps, r.agency_raw, r.type_raw, r.county_raw, r.row_number,
                 p.sort_key, p.published_date
          FROM sheet_rows r JOIN publications p ON p.canonical_sha256 = r.sha256
          WHERE r.agency_id IS NOT NULL),
        named AS (
          SELECT agency_id, state_usps, agency_raw,
                 row_number() OVER (PARTITION BY agency_id ORDER BY sort_key DESC, row_number) AS n
          FROM r),
        typed AS (
          SELECT agency_id, type_raw, county_raw,
                 row_number() OVER (PARTITION BY agency_id ORDER BY sort_key DESC, row_number) AS n
          FROM r WHERE type_raw IS NOT NULL OR county_raw IS NOT NULL),
        seen AS (
          SELECT agency_id, min(published_date) AS first_seen, max(published_date) AS last_seen
          FROM r GROUP BY agency_id)
        SELECT named.agency_id, named.state_usps, named.agency_raw, typed.type_raw, typed.county_raw,
               seen.first_seen, seen.last_seen
        FROM named JOIN seen USING (agency_id)
        LEFT JOIN typed ON typed.agency_id = named.agency_id AND typed.n = 1
        WHERE named.n = 1 ORDER BY named.agency_id
        """
    ).fetchall()
    records = []
    for agency_id, usps, name, type_raw, county_raw, first_seen, last_seen in rows:
        st = lookup_state(usps)
        key = agency_identity(usps, name)[1]
        records.append((agency_id, usps, st.fips if st else "", clean_text(name) or "", key,
                        clean_text(type_raw), clean_text(county_raw), first_seen, last_seen))
    conn.executemany(
        "INSERT INTO agencies(agency_id, state_usps, state_fips, name, name_key, agency_type,"
        " county_cell, first_seen_date, last_seen_date) VALUES (?,?,?,?,?,?,?,?,?)",
        records,
    )
    conn.execute(
        "INSERT INTO agency_names(agency_id, name_raw, n_rows) SELECT agency_id, coalesce(agency_raw, ''),"
        " count(*) FROM sheet_rows WHERE agency_id IS NOT NULL AND agency_id IN (SELECT agency_id FROM agencies)"
        " GROUP BY agency_id, coalesce(agency_raw, '')"
    )


def _event(events: list[dict], pub: Pub, kind: str, *, agency_id: str, state: str, model: str,
           agreement_id: str | None = None, application_id: str | None = None, **detail) -> None:
    events.append(
        {
            "event_id": "ev-" + short_hash(pub.publication_id, kind, agreement_id, application_id, json.dumps(detail, sort_keys=True)),
            "publication_id": pub.publication_id,
            "event_date": pub.date,
            "list": pub.list,
            "kind": kind,
            "state_usps": state,
            "agency_id": agency_id,
            "agreement_id": agreement_id,
            "application_id": application_id,
            "model": model,
            "detail": json.dumps(detail, sort_keys=True),
        }
    )


def _walk_participating(pubs: list[Pub], rows_by_file, events: list[dict]) -> tuple[dict[str, Agreement], list[tuple]]:
    agreements: dict[str, Agreement] = {}
    by_key: dict[tuple, str] = {}  # (agency, model, signed) -> agreement_id, for re-listing
    active: dict[tuple, str] = {}  # key -> agreement_id, as of the previous list
    sightings: list[tuple[str, str, str | None]] = []
    first = True
    for pub in pubs:
        if pub.suspect_reason:
            continue
        current: dict[tuple, tuple] = {}
        for agency_id, state, model, signed, moa, addendum in rows_by_file.get(pub.canonical, []):
            key = (agency_id, model, signed)
            prev = current.get(key)
            current[key] = (state, moa or (prev[1] if prev else None), addendum or (prev[2] if prev else None))
        appeared = [k for k in current if k not in active]
        gone = [k for k in active if k not in current]
        # Pair, per agency and model, a vanished signing date with a new one.
        gone_by_am: dict[tuple, list[tuple]] = defaultdict(list)
        for k in gone:
            gone_by_am[k[:2]].append(k)
        next_active: dict[tuple, str] = {k: v for k, v in active.items() if k in current}
        for key in sorted(appeared, key=lambda k: (k[0], k[1], k[2] or "")):
            state, moa, addendum = current[key]
            candidates = gone_by_am.get(key[:2]) or []
            old_key = _closest(candidates, key[2])
            if old_key is not None and not first:
                candidates.remove(old_key)
                old = agreements[active[old_key]]
                gap = _days(old_key[2], key[2])
                if gap is None or abs(gap) <= CORRECTION_DAYS:
                    old.signed = key[2]
                    if gap is None:
                        old.review.append(f"signing date changed from {old_key[2]} to {key[2]}")
                    _event(events, pub, "signing_date_corrected", agency_id=key[0], state=state, model=key[1],
                           agreement_id=old.agreement_id, old=old_key[2], new=key[2], days=gap)
                    next_active[key] = old.agreement_id
                    by_key[key] = old.agreement_id
                    continue
                new = _new_agreement(agreements, key, state, pub)
                old.status, old.superseded_by, old.removed_date = "superseded", new.agreement_id, pub.date
                by_key[key] = new.agreement_id
                next_active[key] = new.agreement_id
                _event(events, pub, "agreement_superseded", agency_id=key[0], state=state, model=key[1],
                       agreement_id=old.agreement_id, superseded_by=new.agreement_id, old=old_key[2], new=key[2])
                _event(events, pub, "agreement_listed", agency_id=key[0], state=state, model=key[1],
                       agreement_id=new.agreement_id, signed=key[2], resigning_of=old.agreement_id)
                continue
            if key in by_key:
                agr = agreements[by_key[key]]
                agr.status, agr.removed_date, agr.superseded_by = "active", None, None
                _event(events, pub, "agreement_relisted", agency_id=key[0], state=state, model=key[1],
                       agreement_id=agr.agreement_id, signed=key[2])
            else:
                agr = _new_agreement(agreements, key, state, pub)
                by_key[key] = agr.agreement_id
                _event(events, pub, "agreement_listed", agency_id=key[0], state=state, model=key[1],
                       agreement_id=agr.agreement_id, signed=key[2], **({"initial": True} if first else {}))
            next_active[key] = agr.agreement_id
        for keys in gone_by_am.values():
            for key in keys:
                agr = agreements[active[key]]
                agr.status, agr.removed_date = "removed", pub.date
                _event(events, pub, "agreement_removed", agency_id=key[0], state=agr.state, model=key[1],
                       agreement_id=agr.agreement_id, signed=key[2])
        for key, agreement_id in next_active.items():
            state, moa, addendum = current[key]
            agr = agreements[agreement_id]
            if moa and not agr.moa_url and agr.n_pubs > 0:
                _event(events, pub, "moa_posted", agency_id=key[0], state=state, model=key[1],
                       agreement_id=agreement_id, url=moa)
            agr.moa_url = moa or agr.moa_url
            agr.addendum_url = addendum or agr.addendum_url
            agr.last_pub = pub
            agr.n_pubs += 1
            sightings.append((agreement_id, pub.publication_id, key[2]))
        active = next_active
        first = False
    return agreements, sightings


def _closest(candidates: list[tuple], signed: str | None) -> tuple | None:
    if not candidates:
        return None
    return min(candidates, key=lambda k: abs(_days(k[2], signed) or 0))


def _new_agreement(agreements: dict[str, Agreement], key: tuple, state: str, pub: Pub) -> Agreement:
    agreement_id = "agr-" + short_hash(*key)
    agr = Agreement(agreement_id, key[0], state, key[1], key[2], key[2], pub, pub)
    agreements[agreement_id] = agr
    return agr


def _walk_pending(pubs: list[Pub], rows_by_file, events: list[dict]) -> dict[str, Application]:
    apps: dict[str, Application] = {}
    active: dict[tuple, str] = {}
    for pub in pubs:
        current: dict[tuple, str] = {}
        for agency_id, state, model, _signed, _moa, _add in rows_by_file.get(pub.canonical, []):
            current[(agency_id, model)] = state
        for key in sorted(k for k in current if k not in active):
            app_id = "app-" + short_hash(key[0], key[1], pub.publication_id)
            apps[app_id] = Application(app_id, key[0], current[key], key[1], pub, pub)
            active[key] = app_id
            _event(events, pub, "application_listed", agency_id=key[0], state=current[key], model=key[1],
                   application_id=app_id)
        for key in sorted(k for k in active if k not in current):
            app = apps[active[key]]
            app.status, app.ended_date, app.ended_pub = "left_list", pub.date, pub
            del active[key]
        for app_id in active.values():
            apps[app_id].last_pub = pub
    return apps


def _match_approvals(apps: dict[str, Application], agreements: dict[str, Agreement],
                     participating: list[Pub], events: list[dict]) -> None:
    by_am: dict[tuple, list[Agreement]] = defaultdict(list)
    for agr in agreements.values():
        by_am[(agr.agency_id, agr.model)].append(agr)
    for app in sorted(apps.values(), key=lambda a: a.application_id):
        start = _shift(app.first_pub.date, -APPROVAL_BEFORE_DAYS)
        end = _shift(app.ended_date or app.last_pub.date, APPROVAL_AFTER_DAYS)
        match = None
        for agr in sorted(by_am.get((app.agency_id, app.model), []), key=lambda a: a.first_pub.sort_key):
            if start and end and agr.first_pub.date and start <= agr.first_pub.date <= end:
                match = agr
                break
        if match:
            app.status, app.agreement_id, app.approved_date = "approved", match.agreement_id, match.first_pub.date
            _event(events, match.first_pub, "application_approved", agency_id=app.agency_id, state=app.state,
                   model=app.model, agreement_id=match.agreement_id, application_id=app.application_id)
        elif app.status == "left_list":
            app.status = "withdrawn"
            _event(events, app.ended_pub, "application_withdrawn", agency_id=app.agency_id,
                   state=app.state, model=app.model, application_id=app.application_id)


def _shift(iso: str | None, days: int) -> str | None:
    return (dt.date.fromisoformat(iso) + dt.timedelta(days=days)).isoformat() if iso else None


def _write(conn: sqlite3.Connection, agreements: dict[str, Agreement], sightings: list[tuple],
           apps: dict[str, Application], events: list[dict]) -> None:
    conn.executemany(
        "INSERT INTO agreements(agreement_id, agency_id, state_usps, model, signed_date, signed_date_first,"
        " status, superseded_by, first_publication_id, last_publication_id, first_seen_date,"
        " last_seen_date, removed_date, n_publications, moa_url, addendum_url, review_reason)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (a.agreement_id, a.agency_id, a.state, a.model, _iso_or_none(a.signed), _iso_or_none(a.signed_first),
             a.status, a.superseded_by, a.first_pub.publication_id, a.last_pub.publication_id,
             a.first_pub.date, a.last_pub.date, a.removed_date, a.n_pubs, a.moa_url, a.addendum_url,
             "; ".join(a.review + ([f"signing date printed as {a.signed[4:]!r}"] if a.signed and a.signed.startswith("raw:") else [])) or None)
            for a in agreements.values()
        ],
    )
    conn.executemany(
        "INSERT INTO agreement_sightings(agreement_id, publication_id, signed_date) VALUES (?,?,?)",
        [(a, p, _iso_or_none(s)) for a, p, s in sightings],
    )
    conn.executemany(
        "INSERT INTO applications(application_id, agency_id, state_usps, model, status,"
        " first_publication_id, last_publication_id, first_seen_date, last_seen_date, ended_date,"
        " agreement_id, approved_date) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (a.application_id, a.agency_id, a.state, a.model, a.status, a.first_pub.publication_id,
             a.last_pub.publication_id, a.first_pub.date, a.last_pub.date, a.ended_date,
             a.agreement_id, a.approved_date)
            for a in apps.values()
        ],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO events(event_id, publication_id, event_date, list, kind, state_usps,"
        " agency_id, agreement_id, application_id, model, detail) VALUES (:event_id, :publication_id,"
        " :event_date, :list, :kind, :state_usps, :agency_id, :agreement_id, :application_id, :model, :detail)",
        events,
    )


def _iso_or_none(value: str | None) -> str | None:
    return None if value is None or value.startswith("raw:") else value
