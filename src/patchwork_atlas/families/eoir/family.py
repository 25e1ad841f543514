"""Where to get legal help: the EOIR rosters as an ingest family, a directory of organizations
and offices placed by their own ZIP, and the nearest-first answer for any place.

Patchwork lists organizations from the Justice Department's rosters; it gives no legal advice
and vouches for no provider. Every listing carries the roster it came from and that roster's
date, and links the official rosters.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from patchwork_atlas.families.eoir import reader as eoir
from patchwork_atlas.families.eoir.directory import (
    ROSTER_NAMES,
    ROSTER_URLS,
    latest_rosters,
    legal_help_for_place,
)
from patchwork_atlas.kernel.archive import RawFile
from patchwork_atlas.kernel.family import Rejected, SourceFamily, Table
from patchwork_atlas.kernel.geo.place import Place

MAX_BYTES = 20_000_000


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

    def place_reports(self, conn: sqlite3.Connection, places: Iterable[Place], lang: str) -> Iterator[dict[str, Any]]:
        memo: dict[Any, Any] = {}  # a state's contacts and detention providers, the sources
        return ({"legal_help": legal_help_for_place(conn, place, language=lang, memo=memo)} for place in places)

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
    by_contact: dict[tuple[str, str], str] = {}
    for roster in (eoir.RECOGNIZED, eoir.PRO_BONO):
        src = latest.get(roster)
        if src is None:
            continue
        rows = _office_rows(conn, src["sha256"])
        # Entries at an address already placed first, so that identity by address wins over a
        # name first met elsewhere (RAICES Texas in Fort Worth before San Antonio).
        rows.sort(key=lambda r: _address_key(r) not in by_address)
        for row in rows:
            if not _is_office(row):
                continue
            key = _org_key(row, orgs, recognized_by_zip, by_address, by_contact)
            if roster == eoir.PRO_BONO and _contact_key(row):
                by_contact.setdefault(_contact_key(row), key)
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
        if not is_mailing_only(office["street"]) and any(
            MAILBOX.search(part.strip()) for part in (office["street"] or "").split(",")
        ):
            office["placement_flags"].append("street_and_po_box")
            office["review_reason"] = "; ".join(filter(None, [
                office["review_reason"],
                "the roster prints a street address and a P.O. Box; the ZIP may be the box's",
            ]))
        conn.execute(
            "INSERT INTO legal_offices(office_id, org_id, name, street, city, state_usps, zip5, phone,"
            " email, website, languages, languages_text, case_types, intake, notes, courts, rosters,"
            " in_recognized, in_pro_bono, is_referral, county_fips, county_name, state_fips, lat, lon,"
            " placement, placement_flags, review_reason, mailing_only, recognized_date,"
            " recognition_expires, renewal_pending, recognition_roster_date, languages_denied,"
            " county_candidates)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (office["office_id"], office["org_id"], office["name"], office["street"], office["city"],
             office["state_usps"], office["zip5"], office["phone"], office["email"], office["website"],
             json.dumps(sorted(office["languages"])), office["languages_text"], office["case_types"],
             office["intake"], office["notes"], json.dumps(sorted(office["courts"])),
             json.dumps(office["rosters"]), office["in_recognized"], office["in_pro_bono"],
             office["is_referral"], office["county_fips"], office["county_name"], office["state_fips"],
             office["lat"], office["lon"], office["placement"], json.dumps(office["placement_flags"]),
             office["review_reason"], int(is_mailing_only(office["street"])),
             office["recognized_date"], office["recognition_expires"], office["renewal_pending"],
             office["recognition_roster_date"], json.dumps(sorted(office["languages_denied"])),
             json.dumps(office["county_candidates"])),
        )  # fmt: skip


def _org_key(
    row: sqlite3.Row,
    orgs: dict[str, dict[str, Any]],
    recognized_by_zip: dict[str, list[str]],
    by_address: dict[str, set[str]],
    by_contact: dict[tuple[str, str], str],
) -> str:
    """An organization's identity across the rosters: its normalized name, except that a pro bono
    entry at the address of an entry already placed (same ZIP and house number) is that
    organization when one name is the tail of the other ('Immigration Clinic'), begins the
    other, shares its first four words, or names its parenthesized acronym ('RAICES Texas');
    an entry printing the phone number and web domain of one already placed is that one; and
    a name differing only slightly from a recognized organization's at the same ZIP is it."""
    key = eoir.name_key(row["name"])
    if row["roster"] == eoir.RECOGNIZED or not row["zip5"]:
        return key
    words = key.split()
    for candidate in sorted(by_address.get(_address_key(row), ())):
        if candidate == key:
            return key
        theirs = candidate.split()
        shared = next((i for i, (a, b) in enumerate(zip(words, theirs, strict=False)) if a != b), min(len(words), len(theirs)))
        acronyms = {a.lower() for a in re.findall(r"\(([A-Za-z]{3,})\)", orgs[candidate]["name"])}
        rule = ("name_tail_same_address" if candidate.endswith(" " + key) or key.endswith(" " + candidate)
                else "name_start_same_address" if shared >= 4 or shared == min(len(words), len(theirs)) >= 2
                else "acronym_same_address" if acronyms & set(words) else None)
        if rule:
            orgs[candidate]["match_rule"] = rule
            return candidate
    contact = _contact_key(row)
    if contact and contact in by_contact and by_contact[contact] != key:
        orgs[by_contact[contact]]["match_rule"] = "same_phone_and_website"
        return by_contact[contact]
    if key in orgs:
        return key
    from rapidfuzz import fuzz

    for candidate in recognized_by_zip.get(row["zip5"], []):
        if fuzz.token_set_ratio(key, candidate) >= 90:
            orgs[candidate].setdefault("aliases", set()).add(key)
            orgs[candidate]["match_rule"] = "similar_name_same_zip"
            return candidate
    return key


def _contact_key(row: sqlite3.Row) -> tuple[str, str] | None:
    """(phone, web domain) of a pro bono entry that prints both, else None."""
    m = re.search(r"([a-z0-9-]+\.[a-z.]+)", (row["website"] or "").lower().removeprefix("www."))
    if not row["phone"] or not m:
        return None
    return row["phone"], m.group(1).rstrip("./").removeprefix("www.")


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
            "recognized_date": None, "recognition_expires": None, "renewal_pending": None,
            "recognition_roster_date": None, "languages_denied": set(),
        }  # fmt: skip
    if roster == eoir.RECOGNIZED and office["recognition_roster_date"] is None:
        office.update(
            recognized_date=row["recognized_date"], recognition_expires=row["expiration_date"],
            renewal_pending=row["pending_renewal"], recognition_roster_date=src["as_of_date"],
        )
    if "states_no_spanish" in json.loads(row["flags"]):  # only what the entry itself says
        office["languages_denied"].add("es")
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
    office["county_candidates"] = []
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
    city = reference.fold(office["city"] or "")
    fips_list = list(info.county_fips)
    office["county_candidates"] = []
    if len(fips_list) > 1:
        decided = county_by_city(office["city"], fips_list)
        if decided:
            flags.append("county_from_city")
            fips_list = [decided]
        else:
            flags.append("multi_county_zip")
            office["county_candidates"] = fips_list
            reasons.append(f"ZIP {office['zip5']} spans counties {', '.join(fips_list)}"
                           " and the city does not decide which; county left unknown")
            fips_list = []
    known = {reference.fold(c) for c in [info.postal_city, *info.acceptable_cities]}
    if city and city not in known:
        flags.append("city_not_zip_city")  # a note: neighbourhood or borough names are common
    if info.zip_type and info.zip_type != "STANDARD":
        flags.append(f"zip_type_{info.zip_type.lower().replace(' ', '_')}")
    fips = fips_list[0] if fips_list else None
    county = reference.county(fips) if fips else None
    st = reference.state(info.state_usps)
    office.update(
        county_fips=fips, county_name=county.name if county else None,
        state_fips=st.fips if st else None, lat=info.lat, lon=info.lon,
        placement="zip" if (fips or office["county_candidates"]) and info.lat is not None else "unplaced",
        placement_flags=flags, review_reason="; ".join(reasons) or None,
    )  # fmt: skip
    if not office["state_usps"]:  # the printed state is kept when they disagree (flagged above)
        office["state_usps"] = info.state_usps


MAILBOX = re.compile(r"^(?:P\.?\s?O\.?\s*Box|Post Office Box|Box)\b|\bPMB\b|Private Mail ?box", re.I)


def is_mailing_only(street: str | None) -> bool:
    """An address one cannot walk into: only P.O. Boxes, or a private mailbox (PMB) at a
    mail-receiving business. A street address printed beside a P.O. Box is a walk-in office."""
    parts = [p.strip() for p in (street or "").split(",") if p.strip()]
    if not parts:
        return False
    if any(re.search(r"\bPMB\b|Private Mail ?box", p, re.I) for p in parts):
        return True
    return all(MAILBOX.search(p) for p in parts)


COUNTY_WORDS = re.compile(r"\s+(county|city|parish|borough|census area|municipality|city and borough)$")


def county_by_city(city: str | None, candidates: list[str]) -> str | None:
    """The one county among a ZIP's counties that the printed city names ('Bronx' -> Bronx
    County, 'Harrisonburg' -> Harrisonburg city), else None. A postal city is not a
    municipality ('Fairfax' is both a city and a county; 'Amarillo' spans two), so no other
    reading of the city is trusted, and a name two counties of the state share ('Roanoke'
    County and city) decides nothing: the county stays unknown and the office is flagged."""
    from patchwork_atlas.kernel.geo import reference

    name = reference.fold(city or "")
    first = reference.county(candidates[0]) if candidates else None
    if not name or first is None:
        return None
    named = [c.fips for c in reference.counties(first.state_fips)
             if COUNTY_WORDS.sub("", reference.fold(c.name)) == name]
    return named[0] if len(named) == 1 and named[0] in candidates else None


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
    out["offices_mailing_only"] = conn.execute(
        "SELECT count(*) FROM legal_offices WHERE mailing_only = 1"
    ).fetchone()[0]
    out["offices_county_unknown"] = conn.execute(
        "SELECT count(*) FROM legal_offices WHERE placement = 'zip' AND county_fips IS NULL"
    ).fetchone()[0]
    out["states_with_offices"] = conn.execute(
        "SELECT count(DISTINCT state_usps) FROM legal_offices WHERE placement = 'zip'"
    ).fetchone()[0]
    return out


OFFICE_COLUMNS = (
    "office_id", "org_id", "name", "street", "city", "state_usps", "zip5", "county_fips",
    "county_name", "state_fips", "lat", "lon", "phone", "email", "website", "languages",
    "languages_text", "case_types", "intake", "courts", "in_recognized", "in_pro_bono",
    "is_referral", "placement", "placement_flags", "review_reason", "rosters", "mailing_only",
    "recognized_date", "recognition_expires", "renewal_pending", "recognition_roster_date",
    "languages_denied", "county_candidates",
)  # fmt: skip
_LIST_COLUMNS = ("languages", "courts", "placement_flags", "languages_denied", "county_candidates")


def offices(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every office on the rosters with its placement; list columns as lists, and the rosters
    it comes from as 'roster as_of_date sha256#record' references."""
    out = []
    for r in conn.execute(f"SELECT {', '.join(OFFICE_COLUMNS)} FROM legal_offices ORDER BY state_usps, name, office_id"):  # noqa: S608
        row = dict(r)
        for key in _LIST_COLUMNS:
            row[key] = json.loads(row[key])
        row["mailing_only"] = bool(row["mailing_only"])
        row["rosters"] = [
            f"{x['roster']} {x['as_of_date'] or ''} {x['sha256']}#{','.join(map(str, x['record_index']))}"
            for x in json.loads(row["rosters"])
        ]
        out.append(row)
    return out
