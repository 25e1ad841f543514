"""Where to get legal help: the EOIR rosters as an ingest family, a directory of organizations
and offices placed by their own ZIP, and the nearest-first answer for any place.

Patchwork lists organizations from the Justice Department's rosters; it gives no legal advice
and vouches for no provider. Every listing carries the roster it came from and that roster's
date, and links the official rosters.
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
from collections import defaultdict
from typing import Any

from patchwork_atlas.families.eoir import reader as eoir
from patchwork_atlas.kernel.archive import RawFile
from patchwork_atlas.kernel.family import Rejected, SourceFamily, Table
from patchwork_atlas.kernel.geo.place import Place
from patchwork_atlas.kernel.i18n import gettext as _

# Official pages of the two rosters (Department of Justice, EOIR).
ROSTER_URLS = {
    eoir.RECOGNIZED: "https://www.justice.gov/eoir/recognized-organizations-and-accredited-representatives-roster-state-and-city",
    eoir.PRO_BONO: "https://www.justice.gov/eoir/list-pro-bono-legal-service-providers",
}
MAX_BYTES = 20_000_000

LANGUAGE_NAMES = {"es": "Spanish", "en": "English", "fr": "French", "ht": "Haitian Creole",
                  "pt": "Portuguese", "zh": "Chinese", "yue": "Cantonese", "vi": "Vietnamese",
                  "fa": "Farsi", "prs": "Dari", "ps": "Pashto", "ru": "Russian", "ar": "Arabic",
                  "kar": "Karen", "ase": "American Sign Language"}  # fmt: skip
ROSTER_NAMES = {
    eoir.RECOGNIZED: "Recognized Organizations roster",
    eoir.PRO_BONO: "List of Pro Bono Legal Service Providers",
}


# --------------------------------------------------------------------------- ingest family


class EoirFamily(SourceFamily):
    """Ingest family for the two EOIR rosters, recognized by their JSON record keys."""

    name = "eoir"

    def recognize(self, raw: RawFile) -> tuple[str, Any] | None:
        if raw.bytes > MAX_BYTES or not eoir.sniff(raw.head(4096)):
            return None
        try:
            records = eoir.load(raw.path.read_bytes())
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        kind = eoir.roster_kind(records)
        return (kind, records) if kind else None

    def ingest_file(self, conn: sqlite3.Connection, raw: RawFile, kind: str, payload: Any) -> str:
        records: list[dict[str, Any]] = payload
        rows = eoir.clean_recognized(records) if kind == eoir.RECOGNIZED else eoir.clean_pro_bono(records)
        if not rows:
            raise Rejected("roster has no records")
        named = sum(1 for r in rows if r.name or r.entry_kind != "organization")
        if named < len(rows) * 0.9:
            raise Rejected(f"only {named} of {len(rows)} records carry an organization name")
        as_of, rule = eoir.roster_date(raw.file_name, raw.provenance)
        conn.execute(
            "INSERT INTO legal_rosters(sha256, roster, as_of_date, date_rule, n_records, parsed_by,"
            " at_commit, file_name) VALUES (?,?,?,?,?,?,?,?)",
            (raw.sha256, kind, as_of, rule, len(rows), raw.provenance.get("parsed_by") or None,
             raw.provenance.get("at_commit") or None, raw.file_name),
        )  # fmt: skip
        marks = ",".join("?" * len(eoir.ROW_COLUMNS.split(",")))
        conn.executemany(
            f"INSERT INTO legal_roster_rows({eoir.ROW_COLUMNS}) VALUES ({marks})",  # noqa: S608
            [eoir.to_db_tuple(raw.sha256, r) for r in rows],
        )
        flagged = sum(1 for r in rows if r.review_reason)
        return f"{ROSTER_NAMES[kind]}: {len(rows)} records as of {as_of or 'unknown date'} ({flagged} flagged for review)"

    def derive(self, conn: sqlite3.Connection) -> None:
        derive(conn)

    def stats(self, conn: sqlite3.Connection) -> dict[str, Any]:
        return {"legal_help": stats(conn)}

    def place_report(self, conn: sqlite3.Connection, place: Place, lang: str) -> dict[str, Any]:
        return {"legal_help": legal_help_for_place(conn, place, language=lang)}

    def tables(self) -> dict[str, Table]:
        return {"legal_help_offices": Table(
            "legal_help_offices", OFFICE_COLUMNS, offices,
            "One row per office of an organization on DOJ's rosters, placed by its own ZIP.")}

    def vocabulary(self) -> dict[str, str]:
        return {
            "placement": "SELECT placement FROM legal_offices",
            "flag": "SELECT j.value FROM legal_roster_rows, json_each(legal_roster_rows.flags) j"
                    " UNION SELECT j.value FROM legal_offices, json_each(legal_offices.placement_flags) j",
        }


FAMILY = EoirFamily()


# --------------------------------------------------------------------------- derive


def _id(prefix: str, *parts: str) -> str:
    return prefix + hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def latest_rosters(conn: sqlite3.Connection) -> dict[str, sqlite3.Row]:
    """The newest file of each roster (by as-of date, then first retrieval)."""
    out: dict[str, sqlite3.Row] = {}
    for r in conn.execute(
        "SELECT l.*, f.first_retrieved_utc FROM legal_rosters l JOIN raw_files f USING (sha256)"
        " ORDER BY coalesce(l.as_of_date, ''), f.first_retrieved_utc"
    ):
        out[r["roster"]] = r
    return out


def _office_rows(conn: sqlite3.Connection, sha256: str) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM legal_roster_rows WHERE sha256 = ? ORDER BY record_index", (sha256,)
    ).fetchall()


def _is_office(row: sqlite3.Row) -> bool:
    flags = json.loads(row["flags"])
    if row["entry_kind"] == "continuation":
        return "office_from_continuation_row" in flags
    return bool(row["name"])


def _address_key(row: sqlite3.Row) -> str:
    """House number (or P.O. box number) within a ZIP: spelling variants of one street agree."""
    import re

    street = row["street"] or ""
    m = re.match(r"(\d+)", street) or re.search(r"box\s*(\d+)", street, re.I)
    return f"{row['zip5'] or ''}:{m.group(1) if m else street.lower()}"


def derive(conn: sqlite3.Connection) -> None:
    """Rebuild legal_orgs and legal_offices from the newest file of each roster."""
    conn.execute("DELETE FROM legal_offices")
    conn.execute("DELETE FROM legal_orgs")
    latest = latest_rosters(conn)
    orgs: dict[str, dict[str, Any]] = {}
    offices: dict[tuple[str, str], dict[str, Any]] = {}
    recognized_by_zip: dict[str, list[str]] = defaultdict(list)
    by_address: dict[str, set[str]] = defaultdict(set)
    for roster in (eoir.RECOGNIZED, eoir.PRO_BONO):
        src = latest.get(roster)
        if src is None:
            continue
        rows = _office_rows(conn, src["sha256"])
        for row in rows:
            if not _is_office(row):
                continue
            key = _org_key(row, orgs, recognized_by_zip, by_address)
            org = orgs.setdefault(key, _new_org(row, key))
            org["in_" + ("recognized" if roster == eoir.RECOGNIZED else "pro_bono")] = 1
            if row["is_referral"] or "Hotline" in (row["office_label"] or ""):
                org["is_referral"] = 1
            if row["court_state"]:
                org["court_states"].add(row["court_state"])
            if roster == eoir.RECOGNIZED and row["zip5"]:
                recognized_by_zip[row["zip5"]].append(key)
            _add_office(offices, org, row, roster, src)
            if row["zip5"]:
                by_address[_address_key(row)].add(key)
    for org in orgs.values():
        org["is_national"] = int(bool(org["is_referral"]) and len(org["court_states"]) >= 2)
        conn.execute(
            "INSERT INTO legal_orgs(org_id, name, name_key, in_recognized, in_pro_bono, is_referral,"
            " is_national, court_states, match_rule, review_reason) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (org["org_id"], org["name"], org["name_key"], org["in_recognized"], org["in_pro_bono"],
             org["is_referral"], org["is_national"], json.dumps(sorted(org["court_states"])),
             org["match_rule"], org["review_reason"]),
        )  # fmt: skip
    for office in offices.values():
        _place(office)
        conn.execute(
            "INSERT INTO legal_offices(office_id, org_id, name, street, city, state_usps, zip5, phone,"
            " email, website, languages, languages_text, case_types, intake, notes, courts, rosters,"
            " in_recognized, in_pro_bono, is_referral, county_fips, county_name, state_fips, lat, lon,"
            " placement, placement_flags, review_reason)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (office["office_id"], office["org_id"], office["name"], office["street"], office["city"],
             office["state_usps"], office["zip5"], office["phone"], office["email"], office["website"],
             json.dumps(sorted(office["languages"])), office["languages_text"], office["case_types"],
             office["intake"], office["notes"], json.dumps(sorted(office["courts"])),
             json.dumps(office["rosters"]), office["in_recognized"], office["in_pro_bono"],
             office["is_referral"], office["county_fips"], office["county_name"], office["state_fips"],
             office["lat"], office["lon"], office["placement"], json.dumps(office["placement_flags"]),
             office["review_reason"]),
        )  # fmt: skip


def _org_key(
    row: sqlite3.Row,
    orgs: dict[str, dict[str, Any]],
    recognized_by_zip: dict[str, list[str]],
    by_address: dict[str, set[str]],
) -> str:
    """An organization's identity across the rosters: its normalized name; a pro bono name that
    differs only slightly from a recognized organization at the same ZIP, or that is the tail
    of another name at the same address ('Immigration Clinic'), is the same one."""
    key = eoir.name_key(row["name"])
    if key in orgs or row["roster"] == eoir.RECOGNIZED or not row["zip5"]:
        return key
    for candidate in sorted(by_address.get(_address_key(row), ())):
        if candidate.endswith(" " + key) or key.endswith(" " + candidate):
            orgs[candidate]["match_rule"] = "name_tail_same_address"
            return candidate
    from rapidfuzz import fuzz

    for candidate in recognized_by_zip.get(row["zip5"], []):
        if fuzz.token_set_ratio(key, candidate) >= 90:
            orgs[candidate].setdefault("aliases", set()).add(key)
            orgs[candidate]["match_rule"] = "similar_name_same_zip"
            return candidate
    return key


def _new_org(row: sqlite3.Row, key: str) -> dict[str, Any]:
    return {
        "org_id": _id("lo-", key), "name": row["name"], "name_key": key, "in_recognized": 0,
        "in_pro_bono": 0, "is_referral": 0, "court_states": set(),
        "match_rule": "same_name_key", "review_reason": None,
    }  # fmt: skip


def _add_office(offices: dict, org: dict[str, Any], row: sqlite3.Row, roster: str, src: sqlite3.Row) -> None:
    akey = _address_key(row)
    key = (org["org_id"], akey)
    office = offices.get(key)
    if office is None:
        office = offices[key] = {
            "office_id": _id("lof-", org["org_id"], akey), "org_id": org["org_id"],
            "name": org["name"], "street": row["street"], "city": row["city"],
            "state_usps": row["state_usps"], "zip5": row["zip5"], "phone": row["phone"],
            "email": row["email"], "website": row["website"], "languages": set(),
            "languages_text": row["languages_text"], "case_types": row["case_types"],
            "intake": row["intake"], "notes": row["notes"], "courts": set(), "rosters": [],
            "in_recognized": 0, "in_pro_bono": 0, "is_referral": 0, "row_review": row["review_reason"],
        }  # fmt: skip
    for field in ("phone", "email", "website", "languages_text", "case_types", "intake", "street", "city"):
        if not office[field] and row[field]:
            office[field] = row[field]
    office["languages"].update(json.loads(row["languages"] or "[]"))
    if row["court"]:
        office["courts"].add(row["court"])
    if row["is_referral"] or "Hotline" in (row["office_label"] or ""):
        office["is_referral"] = 1
    office["in_" + ("recognized" if roster == eoir.RECOGNIZED else "pro_bono")] = 1
    ref = {"roster": roster, "as_of_date": src["as_of_date"], "sha256": src["sha256"]}
    entry = next((r for r in office["rosters"] if r["roster"] == roster), None)
    if entry is None:
        office["rosters"].append({**ref, "record_index": [row["record_index"]]})
    else:
        entry["record_index"].append(row["record_index"])
    if row["review_reason"] and not office.get("row_review"):
        office["row_review"] = row["review_reason"]


def _place(office: dict[str, Any]) -> None:
    """County and coordinates from the office's own ZIP (never the court's state)."""
    from patchwork_atlas.kernel.geo import reference

    flags: list[str] = []
    reasons: list[str] = []
    office.update(county_fips=None, county_name=None, state_fips=None, lat=None, lon=None)
    info = reference.zip_info(office["zip5"]) if office["zip5"] else None
    if not office["zip5"]:
        office.update(placement="no_address", placement_flags=["no_address_in_roster"], review_reason=None)
        return
    if info is None:
        office.update(placement="unplaced", placement_flags=["zip_unknown"],
                      review_reason=f"ZIP {office['zip5']} not in the reference ZIP table")  # fmt: skip
        return
    if office["state_usps"] and info.state_usps != office["state_usps"]:
        flags.append("zip_state_mismatch")
        reasons.append(f"ZIP {office['zip5']} is in {info.state_usps}, the address says {office['state_usps']}")
    if not info.county_fips:
        flags.append("zip_without_county")
        reasons.append(f"ZIP {office['zip5']} has no county in the reference")
    elif len(info.county_fips) > 1:
        flags.append("multi_county_zip")
        reasons.append(f"ZIP {office['zip5']} spans counties {', '.join(info.county_fips)}; the first is used")
    city = reference.fold(office["city"] or "")
    known = {reference.fold(c) for c in [info.postal_city, *info.acceptable_cities]}
    if city and city not in known:
        flags.append("city_not_zip_city")  # a note: neighbourhood or borough names are common
    if info.zip_type and info.zip_type != "STANDARD":
        flags.append(f"zip_type_{info.zip_type.lower().replace(' ', '_')}")
    fips = info.county_fips[0] if info.county_fips else None
    county = reference.county(fips) if fips else None
    st = reference.state(info.state_usps)
    office.update(
        county_fips=fips, county_name=county.name if county else None,
        state_fips=st.fips if st else None, lat=info.lat, lon=info.lon,
        placement="zip" if fips and info.lat is not None else "unplaced",
        placement_flags=flags, review_reason="; ".join(reasons) or None,
    )  # fmt: skip
    if not office["state_usps"]:  # the printed state is kept when they disagree (flagged above)
        office["state_usps"] = info.state_usps


# --------------------------------------------------------------------------- queries


def stats(conn: sqlite3.Connection) -> dict[str, Any]:
    """Records per roster, roster dates, and how many offices are placed without review."""
    out: dict[str, Any] = {"rosters": {}}
    for roster, src in latest_rosters(conn).items():
        n_raw = conn.execute(
            "SELECT count(*) FROM legal_roster_rows WHERE sha256 = ?", (src["sha256"],)
        ).fetchone()[0]
        flagged = conn.execute(
            "SELECT count(*) FROM legal_roster_rows WHERE sha256 = ? AND review_reason IS NOT NULL",
            (src["sha256"],),
        ).fetchone()[0]
        out["rosters"][roster] = {
            "name": ROSTER_NAMES[roster], "as_of_date": src["as_of_date"], "date_rule": src["date_rule"],
            "records": src["n_records"], "records_stored": n_raw, "records_flagged": flagged,
            "file": src["file_name"], "url": ROSTER_URLS[roster],
        }  # fmt: skip
    total = conn.execute("SELECT count(*) FROM legal_offices WHERE placement != 'no_address'").fetchone()[0]
    clean = conn.execute(
        "SELECT count(*) FROM legal_offices WHERE placement = 'zip' AND review_reason IS NULL"
    ).fetchone()[0]
    out["organizations"] = conn.execute("SELECT count(*) FROM legal_orgs").fetchone()[0]
    out["organizations_in_both_rosters"] = conn.execute(
        "SELECT count(*) FROM legal_orgs WHERE in_recognized AND in_pro_bono"
    ).fetchone()[0]
    out["offices"] = total
    out["offices_placed_without_review"] = clean
    out["placed_share"] = round(clean / total, 4) if total else None
    out["contacts_without_address"] = conn.execute(
        "SELECT count(*) FROM legal_offices WHERE placement = 'no_address'"
    ).fetchone()[0]
    out["states_with_offices"] = conn.execute(
        "SELECT count(DISTINCT state_usps) FROM legal_offices WHERE placement = 'zip'"
    ).fetchone()[0]
    return out


def _sources(conn: sqlite3.Connection, lang: str) -> list[dict[str, Any]]:
    out = []
    for roster, src in sorted(latest_rosters(conn).items()):
        out.append({
            "roster": roster, "name": _(ROSTER_NAMES[roster], lang), "as_of_date": src["as_of_date"],
            "date_rule": src["date_rule"], "url": ROSTER_URLS[roster], "file": src["file_name"],
            "sha256": src["sha256"],
        })  # fmt: skip
    return out


def _listing(r: sqlite3.Row, lang: str, origin: tuple[float, float] | None, state: str | None) -> dict[str, Any]:
    from patchwork_atlas.kernel.geo import reference

    distance = None
    if origin and r["lat"] is not None:
        distance = reference.distance_km(origin[0], origin[1], r["lat"], r["lon"])
    langs = json.loads(r["languages"])
    rosters = json.loads(r["rosters"])
    kinds = []
    if r["in_recognized"]:
        kinds.append(_("Recognized organization", lang))
    if r["in_pro_bono"]:
        kinds.append(_("Referral service", lang) if r["is_referral"] else _("Pro bono provider", lang))
    return {
        "office_id": r["office_id"], "org_id": r["org_id"], "name": r["name"], "kinds": kinds,
        "street": r["street"], "city": r["city"], "state_usps": r["state_usps"], "zip5": r["zip5"],
        "county_fips": r["county_fips"], "county_name": r["county_name"],
        "distance_km": round(distance, 1) if distance is not None else None,
        "distance_mi": round(distance / 1.609344, 1) if distance is not None else None,
        "in_state": bool(state and r["state_usps"] == state),
        "phone": r["phone"], "email": r["email"], "website": r["website"],
        "languages": langs,
        "languages_named": [_(LANGUAGE_NAMES.get(c, c), lang) for c in langs],
        "languages_text": r["languages_text"],
        "speaks_spanish": ("es" in langs) if r["in_pro_bono"] else None,
        "case_types": r["case_types"], "intake": r["intake"],
        "courts": json.loads(r["courts"]),
        "rosters": [
            {"roster": x["roster"], "name": _(ROSTER_NAMES[x["roster"]], lang),
             "as_of_date": x["as_of_date"], "url": ROSTER_URLS[x["roster"]],
             "sha256": x["sha256"], "record_index": x["record_index"]}
            for x in rosters
        ],
        "placement_review": r["review_reason"],
    }  # fmt: skip


def legal_help_for_place(
    conn: sqlite3.Connection, place: Place, language: str = "en", limit: int = 10, speaks: str | None = None
) -> dict[str, Any]:
    """The nearest recognized organizations and pro bono providers for a place, nearest first,
    offices in the place's own state first wherever the state has any.

    Distances run from the place's point, or its primary county's centre. `language` is the interface language; `speaks` keeps only offices whose roster
    entry names that language (the Recognized Organizations roster names no languages).
    """
    from patchwork_atlas.kernel.geo import reference

    lang = language if language in ("en", "es") else "en"
    state = place.state_usps or None
    origin = _origin(place)
    where = "placement = 'zip' AND org_id NOT IN (SELECT org_id FROM legal_orgs WHERE is_national = 1)"
    if speaks:
        where += " AND EXISTS (SELECT 1 FROM json_each(languages) WHERE value = :speaks)"
    rows = _candidates(conn, where, {"speaks": speaks, "state": state or ""}, origin, limit)
    # Order the raw rows first and build full listings only for the few shown: this runs on
    # every profile and lookup.
    ranked = []
    for r in rows:
        distance = None
        if origin and r["lat"] is not None:
            distance = round(reference.distance_km(origin[0], origin[1], r["lat"], r["lon"]), 1)
        if origin and distance is None:
            continue
        in_state = bool(state and r["state_usps"] == state)
        ranked.append(((not in_state, distance if distance is not None else 1e9, r["name"]), r))
    ranked.sort(key=lambda x: x[0])
    in_state_rows = [r for k, r in ranked if not k[0]]
    chosen_rows = in_state_rows[:limit]
    if len(chosen_rows) < limit:
        chosen_rows += [r for k, r in ranked if k[0]][: limit - len(chosen_rows)]
    full = {
        r["office_id"]: r
        for r in conn.execute(
            f"SELECT * FROM legal_offices WHERE office_id IN ({','.join('?' * len(chosen_rows))})",  # noqa: S608
            [r["office_id"] for r in chosen_rows],
        )
    }
    chosen = [_listing(full[r["office_id"]], lang, origin, state) for r in chosen_rows]
    state_obj = reference.state(state) if state else None
    state_name = state_obj.name if state_obj else (state or "")
    any_in_state = conn.execute(
        "SELECT count(*) FROM legal_offices WHERE placement = 'zip' AND state_usps = ?", (state,)
    ).fetchone()[0] if state else 0  # fmt: skip
    notices = []
    if state and not any_in_state:
        notices.append(_("Neither roster lists an office in {state}. These are the nearest ones across the state line.", lang).format(state=state_name))
    if speaks and not ranked:
        notices.append(_("No office in the rosters lists {language}.", lang).format(language=_(LANGUAGE_NAMES.get(speaks, speaks), lang)))
    return {
        "section": "legal_help",
        "language": lang,
        "title": _("Where to get legal help", lang),
        "disclaimer": _("Patchwork gives no legal advice and does not vouch for any provider. These organizations come from the Justice Department's official rosters (EOIR); call them to confirm before you go.", lang),
        "fee_note": _("Recognized organizations may charge small fees; pro bono providers take some cases for free.", lang),
        "court_note": _("The roster lists the immigration court it serves; its office may be in another state.", lang),
        "distance_note": _("Distances are measured from ZIP code centers and are approximate.", lang),
        "state_usps": state,
        "state_has_offices": bool(any_in_state),
        "notices": notices,
        "speaks": speaks,
        "offices": chosen,
        "statewide_contacts": _contacts(conn, state, lang),
        "national_referral": _national(conn, lang, origin, state),
        "sources": _sources(conn, lang),
        "official_rosters": [{"name": _(ROSTER_NAMES[k], lang), "url": u} for k, u in ROSTER_URLS.items()],
    }  # fmt: skip


CANDIDATE_MARGIN = 15


def _candidates(conn: sqlite3.Connection, where: str, params: dict, origin: tuple[float, float] | None,
                limit: int) -> list[sqlite3.Row]:
    """The offices that can make the list: with an origin, the nearest few in the state and
    out of it by a flat-earth distance computed in SQL (with a margin, since the exact
    great-circle order is settled afterwards); without one, all of them."""
    columns = "SELECT office_id, lat, lon, state_usps, name FROM legal_offices WHERE "
    if origin is None:
        return conn.execute(columns + where, params).fetchall()
    lat0, lon0 = origin
    flat = (
        "(lat - :lat0) * (lat - :lat0) + :kx * :kx * min(abs(lon - :lon0), 360 - abs(lon - :lon0))"
        " * min(abs(lon - :lon0), 360 - abs(lon - :lon0))"
    )
    args = {**params, "lat0": lat0, "lon0": lon0, "kx": math.cos(math.radians(lat0)),
            "n": limit + CANDIDATE_MARGIN}
    out = []
    for side in ("state_usps = :state", "state_usps != :state"):
        out += conn.execute(
            f"{columns}{where} AND lat IS NOT NULL AND {side} ORDER BY {flat} LIMIT :n", args  # noqa: S608
        ).fetchall()
    return out


def _origin(place: Place) -> tuple[float, float] | None:
    """Where distances are measured from: the place's point, else its primary county's centre."""
    if place.lat is not None and place.lon is not None:
        return float(place.lat), float(place.lon)
    from patchwork_atlas.kernel.geo import reference

    county = reference.county(place.county_fips[0]) if place.county_fips else None
    if county and county.lat is not None:
        return county.lat, county.lon
    return None


def _contacts(conn: sqlite3.Connection, state: str | None, lang: str) -> list[dict[str, Any]]:
    """Pro bono entries with no street address, listed under an immigration court in the state."""
    if not state:
        return []
    out = []
    for r in conn.execute("SELECT * FROM legal_offices WHERE placement = 'no_address' ORDER BY name"):
        rosters = json.loads(r["rosters"])
        indices = [i for x in rosters for i in x["record_index"]]
        sha = rosters[0]["sha256"]
        marks = ",".join("?" * len(indices))
        states = {
            s for (s,) in conn.execute(
                f"SELECT court_state FROM legal_roster_rows WHERE sha256 = ? AND record_index IN ({marks})",  # noqa: S608
                (sha, *indices),
            )
        }  # fmt: skip
        if state in states:
            out.append(_listing(r, lang, None, state))
    return out


def _national(conn: sqlite3.Connection, lang: str, origin: tuple[float, float] | None, state: str | None) -> list[dict[str, Any]]:
    """Referral services listed under immigration courts in two or more states: for each, its
    nearest office that the pro bono list names (else its nearest office)."""
    rows = conn.execute(
        "SELECT o.* FROM legal_offices o WHERE o.org_id IN (SELECT org_id FROM legal_orgs WHERE is_national = 1)"
        " ORDER BY o.name, o.office_id"
    ).fetchall()
    from patchwork_atlas.kernel.geo import reference

    best: dict[str, tuple[tuple[bool, float], sqlite3.Row]] = {}
    for r in rows:
        distance = None
        if origin and r["lat"] is not None:
            distance = round(reference.distance_km(origin[0], origin[1], r["lat"], r["lon"]), 1)
        rank = (not r["in_pro_bono"], distance if distance is not None else 1e9)
        if r["org_id"] not in best or rank < best[r["org_id"]][0]:
            best[r["org_id"]] = (rank, r)
    items = [_listing(r, lang, origin, state) for _, r in best.values()]
    return sorted(items, key=lambda x: x["name"])


OFFICE_COLUMNS = (
    "office_id", "org_id", "name", "street", "city", "state_usps", "zip5", "county_fips",
    "county_name", "state_fips", "lat", "lon", "phone", "email", "website", "languages",
    "languages_text", "case_types", "intake", "courts", "in_recognized", "in_pro_bono",
    "is_referral", "placement", "placement_flags", "review_reason", "rosters",
)  # fmt: skip
_LIST_COLUMNS = ("languages", "courts", "placement_flags")


def offices(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every office on the rosters with its placement; list columns as lists, and the rosters
    it comes from as 'roster as_of_date sha256#record' references."""
    out = []
    for r in conn.execute(f"SELECT {', '.join(OFFICE_COLUMNS)} FROM legal_offices ORDER BY state_usps, name, office_id"):  # noqa: S608
        row = dict(r)
        for key in _LIST_COLUMNS:
            row[key] = json.loads(row[key])
        row["rosters"] = [
            f"{x['roster']} {x['as_of_date'] or ''} {x['sha256']}#{','.join(map(str, x['record_index']))}"
            for x in json.loads(row["rosters"])
        ]
        out.append(row)
    return out
