"""Lifecycle and events: a pure function of the ordered publications.

`rebuild` recomputes agencies, agreements, applications, sightings and events from the stored
rows, so a file that arrives late (but belongs earlier in time) changes the history around it
exactly as if it had arrived in order. `extend` is the fast path for the common case — new
publications that sort after every one already walked — and must give exactly what `rebuild`
gives (a test compares table hashes); whenever it cannot be sure, it falls back to `rebuild`.

Rules (kept here, reviewable):
- Publications of a list are ordered by sort_key. A participating list is *suspect* when it
  lacks the SIGNED column or has fewer than half the rows of the median of its neighbours;
  suspect lists are stored and shown, but skipped when diffing, so they cause no mass removals.
- Between consecutive (non-suspect) lists, an agreement key that appears is `agreement_listed`
  (or `agreement_relisted`); one that disappears is `agreement_removed`. Every agreement on the
  first list held also gets an `agreement_listed` event, with `on_first_list: true` in its detail:
  it was already in force then (since the date ICE printed), not new. One first listed more than
  LATE_LISTING_DAYS after its printed signing date carries `signed_days_before_listing` and goes
  to the review queue.
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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from patchwork_atlas.families.ice287g.normalize import short_hash

CORRECTION_DAYS = 45
SUSPECT_SHARE = 0.5
SUSPECT_NEIGHBOURS = 3
APPROVAL_BEFORE_DAYS = 7
APPROVAL_AFTER_DAYS = 60
# An agreement first listed more than this long after its printed signing date is shown as printed,
# with a note, and sent to the review queue (signed 2016, first listed 2026).
LATE_LISTING_DAYS = 365
STATE_KEY = "ice287g:walk_state"
NEW_FILES_KEY = "ice287g:new_files"  # before 2026-12-05: one JSON list (still read, then dropped)
NEW_FILE_PREFIX = "ice287g:new_file:"  # one row per file stored since the last walk
DERIVED_TABLES = ("events", "agreement_sightings", "applications", "agreements", "agency_names", "agencies")


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
    first_pub: str
    first_date: str | None
    last_pub: str
    last_date: str | None
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
    first_pub: str
    first_date: str | None
    last_pub: str
    last_date: str | None
    ended_pub: str | None = None
    ended_date: str | None = None
    status: str = "pending"
    agreement_id: str | None = None
    approved_date: str | None = None


def _days(a: str | None, b: str | None) -> int | None:
    if not a or not b or a.startswith("raw:") or b.startswith("raw:"):
        return None
    return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days


def _shift(iso: str | None, days: int) -> str | None:
    return (dt.date.fromisoformat(iso) + dt.timedelta(days=days)).isoformat() if iso else None


def _iso_or_none(value: str | None) -> str | None:
    return None if value is None or value.startswith("raw:") else value


# --- publications -----------------------------------------------------------------------------

def load_publications(conn: sqlite3.Connection) -> dict[str, list[Pub]]:
    lists: dict[str, list[Pub]] = defaultdict(list)
    for r in conn.execute(
        "SELECT publication_id, list, published_date, sort_key, canonical_sha256, columns,"
        " n_rows_stored FROM publications ORDER BY list, sort_key, publication_id"
    ):
        headers = {h.strip().upper() for h in json.loads(r["columns"])}
        lists[r["list"]].append(
            Pub(r["publication_id"], r["list"], r["published_date"], r["sort_key"],
                r["canonical_sha256"], any("SIGN" in h for h in headers), r["n_rows_stored"])
        )
    for pub in lists.get("participating", []):
        if not pub.has_signed:
            pub.suspect_reason = "no SIGNED column: signing dates unknown"
    _flag_short_lists(lists.get("participating", []))
    return lists


def _flag_short_lists(pubs: list[Pub]) -> None:
    n = SUSPECT_NEIGHBOURS
    for i, pub in enumerate(pubs):
        neighbours = [p.n_rows for p in pubs[max(0, i - n): i] + pubs[i + 1: i + 1 + n]]
        if len(neighbours) < 2:
            continue
        median = statistics.median(neighbours)
        if median >= 20 and pub.n_rows < SUSPECT_SHARE * median:
            reason = f"{pub.n_rows} rows where neighbouring lists have about {int(median)}: plainly partial"
            pub.suspect_reason = "; ".join(filter(None, [pub.suspect_reason, reason]))


# Canonical files' rows with an agency: one scan of the row store serves the walk (the rows
# with a model) and the agencies' records (a full rebuild read it twice: 0.8 s more).
_CANONICAL_ROWS = (
    "SELECT r.sha256, r.agency_id, r.state_usps, r.model, r.signed_date, r.signed_raw, r.moa_url,"
    " r.addendum_url, r.agency_raw, r.type_raw, r.county_raw, r.row_number, p.sort_key, p.published_date"
    " FROM sheet_rows r JOIN publications p ON p.canonical_sha256 = r.sha256 WHERE r.agency_id IS NOT NULL"
)


def _canonical_rows(conn: sqlite3.Connection, where: str = "", params: Sequence[Any] = ()) -> list[tuple]:
    """The rows of _CANONICAL_ROWS, as plain tuples; `where` narrows them (" AND ...")."""
    cur = conn.cursor()
    cur.row_factory = None
    if where:
        return cur.execute(_CANONICAL_ROWS + where, tuple(params)).fetchall()  # noqa: S608 - fixed SQL, ? placeholders
    # All of them: joined here, each distinct content read once (5,300 for 316,000 rows) rather
    # than once per row through the sheet_rows view (0.9 s -> 0.3 s for the history).
    lists = {r[0]: r[1:] for r in cur.execute(
        "SELECT l.list_id, l.sha256, p.sort_key, p.published_date FROM row_lists l"
        " JOIN publications p ON p.canonical_sha256 = l.sha256")}
    contents = {r[0]: r[1:] for r in cur.execute(
        "SELECT content_id, agency_id, state_usps, model, signed_date, signed_raw, moa_url, addendum_url,"
        " agency_raw, type_raw, county_raw FROM row_contents WHERE agency_id IS NOT NULL")}
    out = []
    for list_id, row_number, content_id in cur.execute(
            "SELECT list_id, row_number, content_id FROM list_rows WHERE list_id IN"
            " (SELECT l.list_id FROM row_lists l JOIN publications p ON p.canonical_sha256 = l.sha256)"
            " ORDER BY list_id, row_number"):
        c = contents.get(content_id)
        if c is not None:
            sha, sort_key, published = lists[list_id]
            out.append((sha, *c, row_number, sort_key, published))
    return out


def _rows_of(scan: list[tuple]) -> dict[str, list[tuple]]:
    """Registry rows of canonical files: (agency, state, model, signing key, moa, addendum)."""
    out: dict[str, list[tuple]] = defaultdict(list)
    for r in scan:
        if r[3] is None:
            continue
        signed = r[4] or (f"raw:{r[5]}" if r[5] else None)
        out[r[0]].append((r[1], r[2], r[3], signed, r[6], r[7]))
    return out


# --- the walk ---------------------------------------------------------------------------------

def _event(pub: Pub, kind: str, *, agency_id: str, state: str, model: str,
           agreement_id: str | None = None, application_id: str | None = None, **detail) -> dict:
    detail_json = json.dumps(detail, sort_keys=True)
    return {
        "event_id": "ev-" + short_hash(pub.publication_id, kind, agreement_id, application_id, detail_json),
        "publication_id": pub.publication_id,
        "event_date": pub.date,
        "list": pub.list,
        "kind": kind,
        "state_usps": state,
        "agency_id": agency_id,
        "agreement_id": agreement_id,
        "application_id": application_id,
        "model": model,
        "detail": detail_json,
    }


class Walk:
    """The registry as of the last publication walked; serializable, so that the next
    publication can be applied without walking the whole history again."""

    def __init__(self) -> None:
        self.agreements: dict[str, Agreement] = {}
        self.by_key: dict[tuple, str] = {}  # every (agency, model, signed) ever -> agreement
        self.active: dict[tuple, str] = {}  # keys of the last non-suspect participating list
        self.first = True
        self.apps: dict[str, Application] = {}
        self.app_active: dict[tuple, str] = {}
        self.walked: dict[str, list[list]] = {"participating": [], "pending": []}  # [id, sort_key, suspect]

    # participating lists
    def step_participating(self, pub: Pub, rows: list[tuple], events: list[dict], sightings: list[tuple]) -> None:
        self.walked["participating"].append([pub.publication_id, pub.sort_key, pub.suspect_reason])
        if pub.suspect_reason:
            return
        current: dict[tuple, tuple] = {}
        for agency_id, state, model, signed, moa, addendum in rows:
            key = (agency_id, model, signed)
            prev = current.get(key)
            current[key] = (state, moa or (prev[1] if prev else None), addendum or (prev[2] if prev else None))
        appeared = [k for k in current if k not in self.active]
        gone_by_am: dict[tuple, list[tuple]] = defaultdict(list)
        for k in self.active:
            if k not in current:
                gone_by_am[k[:2]].append(k)
        next_active = {k: v for k, v in self.active.items() if k in current}
        for key in sorted(appeared, key=lambda k: (k[0], k[1], k[2] or "")):
            next_active[key] = self._appear(pub, key, current[key][0], gone_by_am, events)
        for keys in gone_by_am.values():
            for key in keys:
                agr = self.agreements[self.active[key]]
                agr.status, agr.removed_date = "removed", pub.date
                events.append(_event(pub, "agreement_removed", agency_id=key[0], state=agr.state,
                                     model=key[1], agreement_id=agr.agreement_id, signed=key[2]))
        for key, agreement_id in next_active.items():
            state, moa, addendum = current[key]
            agr = self.agreements[agreement_id]
            if moa and not agr.moa_url and agr.n_pubs > 0:
                events.append(_event(pub, "moa_posted", agency_id=key[0], state=state, model=key[1],
                                     agreement_id=agreement_id, url=moa))
            agr.moa_url = moa or agr.moa_url
            agr.addendum_url = addendum or agr.addendum_url
            agr.last_pub, agr.last_date = pub.publication_id, pub.date
            agr.n_pubs += 1
            sightings.append((agreement_id, pub.publication_id, _iso_or_none(key[2])))
        self.active = next_active
        self.first = False

    def _appear(self, pub: Pub, key: tuple, state: str, gone_by_am: dict, events: list[dict]) -> str:
        candidates = gone_by_am.get(key[:2]) or []
        old_key = min(candidates, key=lambda k: abs(_days(k[2], key[2]) or 0)) if candidates else None
        common = {"agency_id": key[0], "state": state, "model": key[1]}
        if old_key is not None and not self.first:
            candidates.remove(old_key)
            old = self.agreements[self.active[old_key]]
            gap = _days(old_key[2], key[2])
            if gap is None or abs(gap) <= CORRECTION_DAYS:
                self.by_key[key] = old.agreement_id
                old.signed = key[2]
                if gap is None:
                    old.review.append("signing date changed from {} to {}".format(
                        *(d or "no date printed" for d in (old_key[2], key[2]))))
                events.append(_event(pub, "signing_date_corrected", **common, agreement_id=old.agreement_id,
                                     old=old_key[2], new=key[2], days=gap))
                return old.agreement_id
            new = self._new_agreement(key, state, pub)
            old.status, old.superseded_by, old.removed_date = "superseded", new.agreement_id, pub.date
            events.append(_event(pub, "agreement_superseded", **common, agreement_id=old.agreement_id,
                                 superseded_by=new.agreement_id, old=old_key[2], new=key[2]))
            events.append(_event(pub, "agreement_listed", **common, agreement_id=new.agreement_id,
                                 signed=key[2], resigning_of=old.agreement_id))
            return new.agreement_id
        if key in self.by_key:
            agr = self.agreements[self.by_key[key]]
            agr.status, agr.removed_date, agr.superseded_by = "active", None, None
            events.append(_event(pub, "agreement_relisted", **common, agreement_id=agr.agreement_id, signed=key[2]))
            return agr.agreement_id
        agr = self._new_agreement(key, state, pub)
        flags: dict = {"on_first_list": True} if self.first else {}
        late = _days(key[2], pub.date)
        if not self.first and late is not None and late > LATE_LISTING_DAYS:
            flags["signed_days_before_listing"] = late
            agr.review.append(f"signed {key[2]}, first listed {pub.date}: {late} days later")
        events.append(_event(pub, "agreement_listed", **common, agreement_id=agr.agreement_id, signed=key[2],
                             **flags))
        return agr.agreement_id

    def _new_agreement(self, key: tuple, state: str, pub: Pub) -> Agreement:
        agreement_id = "agr-" + short_hash(*key)
        agr = Agreement(agreement_id, key[0], state, key[1], key[2], key[2],
                        pub.publication_id, pub.date, pub.publication_id, pub.date)
        self.agreements[agreement_id] = agr
        self.by_key[key] = agreement_id
        return agr

    # pending lists
    def step_pending(self, pub: Pub, rows: list[tuple], events: list[dict]) -> None:
        self.walked["pending"].append([pub.publication_id, pub.sort_key, pub.suspect_reason])
        current = {(agency_id, model): state for agency_id, state, model, *_ in rows}
        for key in sorted(k for k in current if k not in self.app_active):
            app_id = "app-" + short_hash(key[0], key[1], pub.publication_id)
            self.apps[app_id] = Application(app_id, key[0], current[key], key[1], pub.publication_id,
                                            pub.date, pub.publication_id, pub.date)
            self.app_active[key] = app_id
            events.append(_event(pub, "application_listed", agency_id=key[0], state=current[key],
                                 model=key[1], application_id=app_id))
        for key in sorted(k for k in self.app_active if k not in current):
            app = self.apps[self.app_active.pop(key)]
            app.ended_pub, app.ended_date = pub.publication_id, pub.date
        for app_id in self.app_active.values():
            self.apps[app_id].last_pub, self.apps[app_id].last_date = pub.publication_id, pub.date

    def approvals(self, pubs: dict[str, Pub]) -> list[dict]:
        """Decide, for every application, approved / withdrawn / pending (from scratch: a new
        participating list can approve an application that left the pending list weeks ago)."""
        by_am: dict[tuple, list[Agreement]] = defaultdict(list)
        for agr in self.agreements.values():
            by_am[(agr.agency_id, agr.model)].append(agr)
        events = []
        for app in sorted(self.apps.values(), key=lambda a: a.application_id):
            app.status, app.agreement_id, app.approved_date = "pending", None, None
            start = _shift(app.first_date, -APPROVAL_BEFORE_DAYS)
            end = _shift(app.ended_date or app.last_date, APPROVAL_AFTER_DAYS)
            match = next(
                (a for a in sorted(by_am.get((app.agency_id, app.model), []), key=lambda a: pubs[a.first_pub].sort_key)
                 if start and end and a.first_date and start <= a.first_date <= end),
                None,
            )
            common = {"agency_id": app.agency_id, "state": app.state, "model": app.model,
                      "application_id": app.application_id}
            if match:
                app.status, app.agreement_id, app.approved_date = "approved", match.agreement_id, match.first_date
                events.append(_event(pubs[match.first_pub], "application_approved", agreement_id=match.agreement_id, **common))
            elif app.ended_pub:
                app.status = "withdrawn"
                events.append(_event(pubs[app.ended_pub], "application_withdrawn", **common))
        return events

    # persistence
    def to_json(self) -> str:
        return json.dumps({
            "agreements": [vars(a) for a in self.agreements.values()],
            "by_key": [[*k, v] for k, v in self.by_key.items()],
            "active": [[*k, v] for k, v in self.active.items()],
            "first": self.first,
            "apps": [vars(a) for a in self.apps.values()],
            "app_active": [[*k, v] for k, v in self.app_active.items()],
            "walked": self.walked,
        }, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Walk:
        data = json.loads(text)
        walk = cls()
        walk.agreements = {a["agreement_id"]: Agreement(**a) for a in data["agreements"]}
        walk.by_key = {tuple(k[:3]): k[3] for k in data["by_key"]}
        walk.active = {tuple(k[:3]): k[3] for k in data["active"]}
        walk.first = data["first"]
        walk.apps = {a["application_id"]: Application(**a) for a in data["apps"]}
        walk.app_active = {tuple(k[:2]): k[2] for k in data["app_active"]}
        walk.walked = data["walked"]
        return walk


# --- full rebuild and incremental extension ----------------------------------------------------

def rebuild(conn: sqlite3.Connection) -> None:
    lists = load_publications(conn)
    for table in DERIVED_TABLES:
        conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
    _write_publication_flags(conn, lists, only=None)
    scan = _canonical_rows(conn)
    rows = _rows_of(scan)
    walk, events, sightings = Walk(), [], []
    for pub in lists.get("participating", []):
        walk.step_participating(pub, rows.get(pub.canonical, []), events, sightings)
    for pub in lists.get("pending", []):
        walk.step_pending(pub, rows.get(pub.canonical, []), events)
    by_id = {p.publication_id: p for pubs in lists.values() for p in pubs}
    events += walk.approvals(by_id)
    _build_agencies(conn, scan)
    _write(conn, walk, sightings, events)
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (STATE_KEY, walk.to_json()))
    _forget_new_files(conn)


def derive(conn: sqlite3.Connection) -> str:
    """Extend the stored walk when the new files only append to the history; else rebuild.
    Returns which path was taken."""
    if extend(conn):
        return "extended"
    rebuild(conn)
    return "rebuilt"


def extend(conn: sqlite3.Connection) -> bool:
    state = conn.execute("SELECT value FROM meta WHERE key = ?", (STATE_KEY,)).fetchone()
    new_shas = new_files(conn)
    if state is None or not new_shas:
        return False
    walk = Walk.from_json(state[0])
    lists = load_publications(conn)
    plan: dict[str, list[Pub]] = {}
    for name in ("participating", "pending"):
        pubs = lists.get(name, [])
        walked = walk.walked[name]
        # The history already walked must be unchanged: same publications, order, dates and
        # suspect flags (a new list can change its neighbours' flags: then rebuild).
        if len(pubs) < len(walked) or any(
            [p.publication_id, p.sort_key, p.suspect_reason] != w for p, w in zip(pubs, walked, strict=False)
        ):
            return False
        plan[name] = pubs[len(walked):]
    new_canonical = [p.canonical for pubs in plan.values() for p in pubs]
    rows = _rows_of(_canonical_rows(conn, f" AND r.sha256 IN ({','.join('?' * len(new_canonical))})",
                                    new_canonical)) if new_canonical else {}
    events: list[dict] = []
    sightings: list[tuple] = []
    for pub in plan["participating"]:
        walk.step_participating(pub, rows.get(pub.canonical, []), events, sightings)
    for pub in plan["pending"]:
        walk.step_pending(pub, rows.get(pub.canonical, []), events)
    by_id = {p.publication_id: p for pubs in lists.values() for p in pubs}
    conn.execute("DELETE FROM events WHERE kind IN ('application_approved', 'application_withdrawn')")
    events += walk.approvals(by_id)
    for table in ("agreements", "applications"):
        conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
    _update_agencies(conn, new_shas, [p for pubs in plan.values() for p in pubs])
    _write(conn, walk, sightings, events)
    _write_publication_flags(conn, lists, only={p.publication_id for pubs in plan.values() for p in pubs})
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (STATE_KEY, walk.to_json()))
    _forget_new_files(conn)
    return True


def note_new_file(conn: sqlite3.Connection, sha256: str) -> None:
    """Called in the file's own transaction: remember it for the next `extend` (a row of its
    own: rewriting one growing list made a full ingest quadratic)."""
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')", (NEW_FILE_PREFIX + sha256,))


def new_files(conn: sqlite3.Connection) -> list[str]:
    """The files stored since the last walk."""
    old = conn.execute("SELECT value FROM meta WHERE key = ?", (NEW_FILES_KEY,)).fetchone()
    shas = json.loads(old[0]) if old else []
    shas += [r[0][len(NEW_FILE_PREFIX):] for r in conn.execute(
        "SELECT key FROM meta WHERE key >= ? AND key < ? ORDER BY key", (NEW_FILE_PREFIX, NEW_FILE_PREFIX + "~"))]
    return list(dict.fromkeys(shas))


def _forget_new_files(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM meta WHERE key = ? OR (key >= ? AND key < ?)",
                 (NEW_FILES_KEY, NEW_FILE_PREFIX, NEW_FILE_PREFIX + "~"))


def _write_publication_flags(conn: sqlite3.Connection, lists: dict[str, list[Pub]], only: set[str] | None) -> None:
    conn.executemany(
        "UPDATE publications SET seq=?, suspect=?, suspect_reason=? WHERE publication_id=?",
        [
            (seq, int(p.suspect_reason is not None), p.suspect_reason, p.publication_id)
            for pubs in lists.values()
            for seq, p in enumerate(pubs, 1)
            if only is None or p.publication_id in only
        ],
    )


def _write_series(conn: sqlite3.Connection) -> None:
    """Agreements on each list by state and model (what the charts draw), from all sightings:
    `extend` rewrites `agreements`, so a state or model corrected since changes every point."""
    conn.execute("DELETE FROM series_counts")
    conn.execute(
        "INSERT INTO series_counts(publication_id, state_usps, model, n)"
        " SELECT s.publication_id, COALESCE(a.state_usps, ''), a.model, COUNT(*)"
        " FROM agreement_sightings s JOIN agreements a USING (agreement_id)"
        " WHERE a.model IS NOT NULL AND a.model <> ''"
        " GROUP BY s.publication_id, COALESCE(a.state_usps, ''), a.model")


def _write(conn: sqlite3.Connection, walk: Walk, sightings: list[tuple], events: list[dict]) -> None:
    conn.executemany(
        "INSERT INTO agreements(agreement_id, agency_id, state_usps, model, signed_date, signed_date_first,"
        " status, superseded_by, first_publication_id, last_publication_id, first_seen_date,"
        " last_seen_date, removed_date, n_publications, moa_url, addendum_url, review_reason)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (a.agreement_id, a.agency_id, a.state, a.model, _iso_or_none(a.signed), _iso_or_none(a.signed_first),
             a.status, a.superseded_by, a.first_pub, a.last_pub, a.first_date, a.last_date, a.removed_date,
             a.n_pubs, a.moa_url, a.addendum_url,
             "; ".join(a.review + ([f"signing date printed as {a.signed[4:]!r}"]
                                   if a.signed and a.signed.startswith("raw:") else [])) or None)
            for a in walk.agreements.values()
        ],
    )
    conn.executemany("INSERT INTO agreement_sightings(agreement_id, publication_id, signed_date) VALUES (?,?,?)",
                     sorted(sightings))  # in key order: the clustered table fills its pages
    _write_series(conn)
    conn.executemany(
        "INSERT INTO applications(application_id, agency_id, state_usps, model, status,"
        " first_publication_id, last_publication_id, first_seen_date, last_seen_date, ended_date,"
        " agreement_id, approved_date) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (a.application_id, a.agency_id, a.state, a.model, a.status, a.first_pub, a.last_pub,
             a.first_date, a.last_date, a.ended_date, a.agreement_id, a.approved_date)
            for a in walk.apps.values()
        ],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO events(event_id, publication_id, event_date, list, kind, state_usps,"
        " agency_id, agreement_id, application_id, model, detail) VALUES (:event_id, :publication_id,"
        " :event_date, :list, :kind, :state_usps, :agency_id, :agreement_id, :application_id, :model, :detail)",
        events,
    )


# --- agencies ---------------------------------------------------------------------------------

def _agency_records(scan: list[tuple]) -> list[tuple]:
    """Agencies as of the canonical rows scanned: name as printed in the latest list that has
    it, ICE's TYPE and COUNTY from the latest list that prints them (older lists lack the
    columns), first and last seen. One pass (two window sorts in SQL took 1.4 s)."""
    from patchwork_atlas.families.ice287g.normalize import agency_identity, clean_text
    from patchwork_atlas.kernel.geo.reference import state as lookup_state

    named: dict[str, tuple] = {}  # latest list first, then the topmost row
    typed: dict[str, tuple] = {}
    seen: dict[str, list] = {}
    for r in scan:
        agency_id, usps, name, type_raw, county_raw, row_number, sort_key, published = (
            r[1], r[2], r[8], r[9], r[10], r[11], r[12], r[13])
        rank = (sort_key, -row_number)
        if agency_id not in named or rank > named[agency_id][0]:
            named[agency_id] = (rank, usps, name)
        if (type_raw is not None or county_raw is not None) and (
                agency_id not in typed or rank > typed[agency_id][0]):
            typed[agency_id] = (rank, type_raw, county_raw)
        if published is not None:
            span = seen.setdefault(agency_id, [published, published])
            span[0], span[1] = min(span[0], published), max(span[1], published)
    records = []
    for agency_id in sorted(named):
        _, usps, name = named[agency_id]
        _, type_raw, county_raw = typed.get(agency_id, (None, None, None))
        first_seen, last_seen = seen.get(agency_id, (None, None))
        st = lookup_state(usps)
        records.append((agency_id, usps, st.fips if st else "", clean_text(name) or "",
                        agency_identity(usps, name)[1], clean_text(type_raw), clean_text(county_raw),
                        first_seen, last_seen))
    return records


_INSERT_AGENCY = (
    "INSERT OR REPLACE INTO agencies(agency_id, state_usps, state_fips, name, name_key, agency_type,"
    " county_cell, first_seen_date, last_seen_date) VALUES (?,?,?,?,?,?,?,?,?)"
)


def _build_agencies(conn: sqlite3.Connection, scan: list[tuple]) -> None:
    conn.executemany(_INSERT_AGENCY, _agency_records(scan))
    conn.execute(
        "INSERT INTO agency_names(agency_id, name_raw, n_rows) SELECT agency_id, coalesce(agency_raw, ''),"
        " count(*) FROM sheet_rows WHERE agency_id IS NOT NULL AND agency_id IN (SELECT agency_id FROM agencies)"
        " GROUP BY agency_id, coalesce(agency_raw, '')"
    )


def _update_agencies(conn: sqlite3.Connection, new_shas: list[str], new_pubs: list[Pub]) -> None:
    """Re-derive only what the new files change. When a single new publication is newer than
    every other, its rows simply win (the same answer `_build_agencies` gives); otherwise the
    agencies it lists are recomputed with the full query."""
    newest = conn.execute("SELECT max(sort_key) FROM publications").fetchone()[0]
    if len(new_pubs) == 1 and new_pubs[0].sort_key == newest and conn.execute(
        "SELECT count(*) FROM publications WHERE sort_key = ?", (newest,)
    ).fetchone()[0] == 1:
        conn.executemany(_INSERT_AGENCY, _agencies_won_by(conn, new_pubs[0]))
    elif new_pubs:
        shas = [p.canonical for p in new_pubs]  # the agencies these files list, over all lists
        conn.executemany(_INSERT_AGENCY, _agency_records(_canonical_rows(
            conn, f" AND r.agency_id IN (SELECT agency_id FROM sheet_rows WHERE sha256 IN ({','.join('?' * len(shas))}))",  # noqa: S608 - placeholders only
            shas)))
    if new_shas:
        marks = ",".join("?" * len(new_shas))
        conn.execute(
            "INSERT INTO agency_names(agency_id, name_raw, n_rows) SELECT agency_id, coalesce(agency_raw, ''),"  # noqa: S608 - placeholders only
            f" count(*) FROM sheet_rows WHERE agency_id IS NOT NULL AND sha256 IN ({marks})"
            " GROUP BY agency_id, coalesce(agency_raw, '') ORDER BY 1, 2 ON CONFLICT(agency_id, name_raw)"
            " DO UPDATE SET n_rows = n_rows + excluded.n_rows",
            new_shas,
        )


def _agencies_won_by(conn: sqlite3.Connection, pub: Pub) -> list[tuple]:
    from patchwork_atlas.families.ice287g.normalize import agency_identity, clean_text
    from patchwork_atlas.kernel.geo.reference import state as lookup_state

    existing = {r[0]: r for r in conn.execute("SELECT * FROM agencies")}
    named: dict[str, tuple] = {}
    typed: dict[str, tuple] = {}
    for agency_id, usps, name, type_raw, county_raw in conn.execute(
        "SELECT agency_id, state_usps, agency_raw, type_raw, county_raw FROM sheet_rows"
        " WHERE sha256 = ? AND agency_id IS NOT NULL ORDER BY row_number", (pub.canonical,)
    ):
        named.setdefault(agency_id, (usps, name))
        if type_raw is not None or county_raw is not None:
            typed.setdefault(agency_id, (type_raw, county_raw))
    records = []
    for agency_id, (usps, name) in sorted(named.items()):
        old = existing.get(agency_id)
        if agency_id in typed:
            agency_type, county_cell = (clean_text(v) for v in typed[agency_id])
        else:
            agency_type, county_cell = (old["agency_type"], old["county_cell"]) if old else (None, None)
        dates = [d for d in (pub.date, old["first_seen_date"] if old else None) if d]
        last = [d for d in (pub.date, old["last_seen_date"] if old else None) if d]
        st = lookup_state(usps)
        records.append((agency_id, usps, st.fips if st else "", clean_text(name) or "",
                        agency_identity(usps, name)[1], agency_type, county_cell,
                        min(dates) if dates else None, max(last) if last else None))
    return records
