"""Detention facilities: the `detention` ingest family, facility identity, place and yearly figures.

Ingest stores every facility row of every ICE detention file (statistics workbooks, the
over-72-hour list, the 2009/2015/2017 facility lists) with its file, sheet and row, cells as
stored and numbers as parsed. `derive` then rebuilds, from those rows alone:

* `facilities`: one facility across years and lists. Rows join on ICE's DETLOC code where a list
  prints one, else on state + cleaned name + city, or on state + street address + ZIP. A join
  that rests on a different name (same address) or on a fuzzy name is kept but carries a
  `review_reason`; so does a place that the ZIP, city and listed county do not settle.
* `facility_figures`: ADP (total = Level A-D, with ICE's breakdowns) and ALOS per facility,
  fiscal year and release, with the data date printed in the file; `is_latest` marks the most
  recent release of each facility-year.

Facility types are explained in ICE's own words (the workbooks' Footnotes sheet and the
over-72-hour list's legend, stored in `detention_notes`); `local_agreement` says whether ICE
holds people there through an agreement with a state or local government (IGSA, DIGSA, USMS
IGA), `no` for federal or private contracts (CDF, SPC, BOP, USMS CDF) and `unknown` otherwise.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections import Counter, defaultdict
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from patchwork_atlas.families.detention import local_corrections
from patchwork_atlas.families.detention import reader as parse
from patchwork_atlas.kernel.archive import RawFile
from patchwork_atlas.kernel.family import Rejected, SourceFamily, Table
from patchwork_atlas.kernel.geo.place import Place
from patchwork_atlas.kernel.i18n import term

# ICE's detailed type codes; their names and plain explanations are in the gettext catalogs
# (`facility_type:<code>`, `facility_type_means:<code>`). Definitions quoted in `detention_notes` (Footnotes sheet of every
# statistics workbook, 'Type--Detailed'; legend at the foot of Over72HourFacilities.xlsx).
TYPES: dict[str, dict[str, str]] = {
    "IGSA": {
        "label": "Intergovernmental Service Agreement",
        "local_agreement": "yes",
    },
    "DIGSA": {
        "label": "Dedicated Intergovernmental Service Agreement",
        "local_agreement": "yes",
    },
    "USMS IGA": {
        "label": "U.S. Marshals Service Intergovernmental Agreement",
        "local_agreement": "yes",
    },
    "CDF": {
        "label": "Contract Detention Facility",
        "local_agreement": "no",
    },
    "SPC": {
        "label": "Service Processing Center",
        "local_agreement": "no",
    },
    "BOP": {
        "label": "Federal Bureau of Prisons",
        "local_agreement": "no",
    },
    "USMS CDF": {
        "label": "U.S. Marshals Service contract facility",
        "local_agreement": "no",
    },
}
_LONG_NAMES = {
    "inter governmental service agreement": "IGSA",
    "dedicated inter governmental service agreement": "DIGSA",
    "dedicated inter governmental services agreement": "DIGSA",
    "u s marshals service inter governmental agreement": "USMS IGA",
    "contract detention facility": "CDF",
    "service processing center": "SPC",
    "bureau of prisons": "BOP",
}
LOCAL_OWNERS = {"COUNTY", "CITY"}

_ABBREV = {
    "CO": "COUNTY", "CNTY": "COUNTY", "DET": "DETENTION", "DETEN": "DETENTION", "CTR": "CENTER",
    "CNTR": "CENTER", "CENTRE": "CENTER", "CORR": "CORRECTIONAL", "CORRECTIONS": "CORRECTIONAL",
    "FAC": "FACILITY", "REG": "REGIONAL", "RGNL": "REGIONAL", "PROC": "PROCESSING", "JUV": "JUVENILE",
    "DEPT": "DEPARTMENT", "FAM": "FAMILY", "SHERIFFS": "SHERIFF", "OFC": "OFFICE", "ST": "SAINT", "MT": "MOUNT",
}
_STREET = {
    "STREET": "ST", "ROAD": "RD", "DRIVE": "DR", "AVENUE": "AVE", "AV": "AVE", "HIGHWAY": "HWY",
    "BOULEVARD": "BLVD", "LANE": "LN", "PARKWAY": "PKWY", "COURT": "CT", "PLACE": "PL",
    "CIRCLE": "CIR", "ROUTE": "RT", "RTE": "RT", "NORTH": "N", "SOUTH": "S", "EAST": "E",
    "WEST": "W", "NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
    "SUITE": "STE", "FREEWAY": "FWY", "TRAIL": "TRL", "TERRACE": "TER", "SQUARE": "SQ",
}


# ---------------------------------------------------------------- small normalizers


def fold(text: str | None) -> str:
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", (text or "").upper()).split())


def name_key(name: str | None) -> str:
    return " ".join(_ABBREV.get(t, t) for t in fold(name).split())


def address_key(address: str | None) -> str:
    return " ".join(_STREET.get(t, t) for t in fold(address).split())


def city_key(city: str | None) -> str:
    return name_key(city)


def type_code(detailed: str | None, basic: str | None = None) -> str | None:
    """ICE's detailed type as a code: 'Inter-Governmental Service Agreement' -> 'IGSA'."""
    for value in (detailed, basic):
        v = (value or "").strip()
        if not v:
            continue
        long = _LONG_NAMES.get(fold(v).lower())
        if long:
            return long
        return " ".join(v.upper().replace("*", " ").split())
    return None


def zip5(raw: str | None) -> tuple[str | None, list[str]]:
    """'31815', '2863' (a number that lost its leading zero), '12345-6789' -> 5 digits."""
    s = (raw or "").strip()
    if s.endswith(".0"):
        s = s[:-2]
    m = re.fullmatch(r"(\d{3,5})(?:-\d{4})?", s)
    if not m:
        return None, (["zip_unreadable"] if s else ["zip_missing"])
    digits = m.group(1)
    if len(digits) < 5:
        return digits.zfill(5), ["zip_zero_padded"]
    return digits, []


def state_usps(raw: str | None) -> str | None:
    from patchwork_atlas.kernel.geo import reference

    s = (raw or "").strip()
    st = reference.state(s) if s else None
    return st.usps if st else None


@cache
def corrections() -> dict[tuple[str, str, str], dict[str, str]]:
    """(field, state, wrong value folded) -> correction row."""
    path = resources.files("patchwork_atlas.families.detention") / "corrections.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return {(r["field"], r["state"], fold(r["wrong_value"])): r for r in csv.DictReader(fh)}


def corrected(field: str, state: str | None, value: str | None) -> tuple[str | None, bool]:
    hit = corrections().get((field, state or "", fold(value)))
    return (hit["correct_value"], True) if hit else (value, False)


# ---------------------------------------------------------------- the ingest family


class DetentionFamily(SourceFamily):
    name = "detention"
    report_varies_by_language = False  # place_report ignores lang

    def recognize(self, raw: RawFile) -> tuple[str, Any] | None:
        """By content: a workbook with a `Facilities FYxx` sheet, a DETLOC facility list, the
        over-72-hour list, or the DMCP list PDF. Anything else -> None (cheap: magic bytes first)."""
        head = raw.head(8)
        path = Path(raw.path)
        if head.startswith(b"%PDF"):
            return ("facility_list", None) if parse.sniff_pdf(path) else None
        if not (head.startswith(b"PK\x03\x04") or head.startswith(parse.OLE_MAGIC)):
            return None
        table = parse.sniff_workbook(path)
        return (table.kind, table) if table is not None else None

    def ingest_file(self, conn: sqlite3.Connection, raw: RawFile, kind: str, payload: Any) -> str:
        table = payload
        if table is None:
            try:
                table = parse.read_pdf_list(Path(raw.path))
            except ValueError as exc:
                raise Rejected(f"detention list PDF without a readable table ({exc})") from exc
        if not table.rows:
            raise Rejected(f"{kind}: the facility table '{table.sheet}' has no facility rows")
        return store_table(conn, raw, table)

    def derive(self, conn: sqlite3.Connection) -> None:
        derive(conn)
        local_corrections.apply_counties(conn)

    def stats(self, conn: sqlite3.Connection) -> dict[str, Any]:
        return {"detention": stats(conn)}

    def place_report(self, conn: sqlite3.Connection, place: Place, lang: str) -> dict[str, Any]:
        return {"facilities": facilities_for_place(conn, place),
                "facilities_fiscal_year": latest_fiscal_year(conn)}

    def tables(self) -> dict[str, Table]:
        return {t.name: t for t in (
            Table("facilities", FACILITY_COLUMNS, lambda conn: list_facilities(conn),
                  "One row per facility, with its latest yearly figures."),
            Table("facility_years", FACILITY_YEAR_COLUMNS, facility_years,
                  "One row per facility and fiscal year."),
        )}  # fmt: skip

    def vocabulary(self) -> dict[str, str]:
        return {
            "facility_type": "SELECT type_code FROM facilities",
            "local_agreement": "SELECT local_agreement FROM facilities",
            "flag": "SELECT j.value FROM detention_rows, json_each(detention_rows.flags) j",
            "correction": "SELECT tbl FROM local_corrections WHERE family = 'detention'",
        }


FAMILY = DetentionFamily()


def store_table(conn: sqlite3.Connection, raw: RawFile, table: parse.Table) -> str:
    footnotes = {n.text.split("]", 1)[0].lstrip("["): n for n in table.notes if n.detloc}
    adp_sum = 0.0
    flagged = 0
    records = []
    for number, cells in table.rows:
        rec = _row_record(raw.sha256, table, number, cells, footnotes)
        if rec["adp_total"] is not None and table.kind == "stats_workbook":
            adp_sum += rec["adp_total"]
        flagged += bool(rec["flags"] != "[]")
        records.append(rec)
    cols = list(records[0])
    conn.executemany(
        f"INSERT INTO detention_rows({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",  # noqa: S608 - fixed names
        [tuple(r[c] for c in cols) for r in records],
    )
    notes = [(table.sheet, n) for n in table.notes] + [
        (sheet, n) for sheet, ns in table.notes_sheet.items() for n in ns
    ]
    conn.executemany(
        "INSERT OR IGNORE INTO detention_notes(sha256, sheet, row_number, term, text, detloc) VALUES (?,?,?,?,?,?)",
        [(raw.sha256, sheet, n.row_number, n.term, n.text, n.detloc) for sheet, n in notes],
    )
    printed = _printed_level_sum(table) if table.kind == "stats_workbook" else None
    conn.execute(
        "INSERT INTO detention_files(sha256, kind, sheet, header_row, fiscal_year, data_date, name_date,"
        " title, columns, n_rows, adp_total, adp_printed, notes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            raw.sha256, table.kind, table.sheet, table.header_row or None, table.fiscal_year,
            table.data_date, parse.date_from_file_name(raw.file_name), table.title,
            json.dumps(table.columns, ensure_ascii=False), len(records),
            round(adp_sum, 6) if table.kind == "stats_workbook" else None, printed,
            json.dumps([n.text for n in table.notes if n.term != "AOR section"][:50], ensure_ascii=False),
        ),
    )
    fy = f" FY{table.fiscal_year}" if table.fiscal_year else ""
    adp = f", ADP {adp_sum:,.1f}" if table.kind == "stats_workbook" else ""
    return f"{table.kind}{fy} '{table.sheet.strip()}': {len(records)} facility rows{adp}, {flagged} flagged"


def _printed_level_sum(table: parse.Table) -> float:
    """Sum of the Level A-D cells as printed, parsed on their own (the acceptance cross-check)."""
    idx = [table.fields[f] for f in ("adp_level_a", "adp_level_b", "adp_level_c", "adp_level_d")]
    return round(sum(parse.parse_number(cells[i]) or 0.0 for _, cells in table.rows for i in idx), 6)


def _row_record(sha256: str, table: parse.Table, number: int, cells: list[str], footnotes: dict) -> dict[str, Any]:
    f = table.fields

    def get(field: str) -> str | None:
        return cells[f[field]].strip() if field in f and f[field] < len(cells) else None

    flags: list[str] = []
    name_raw = get("name") or ""
    name = " ".join(name_raw.split())
    detloc = (get("detloc") or "").strip().upper() or None
    m = re.search(r"(\d+)$", name)
    if m and m.group(1) in footnotes and not detloc:
        note = footnotes[m.group(1)]
        base = name[: -len(m.group(1))].strip()
        if base and fold(note.text.split(")", 1)[-1]).startswith(fold(base)):
            name, detloc = base, note.detloc
            flags.append("footnote_marker_removed")
    st = state_usps(get("state"))
    if not st:
        flags.append("state_missing" if not get("state") else "state_unknown")
    z, zflags = zip5(get("zip")) if "zip" in f else (None, [])
    flags += zflags
    nums: dict[str, float | None] = {}
    for field in parse.NUMERIC_FIELDS:
        text = get(field)
        nums[field] = parse.parse_number(text)
        if text and nums[field] is None and text.upper() not in ("N/A", "NA", "AS NEEDED", "-"):
            flags.append(f"unparsed:{field}")
    levels = [nums[k] for k in ("adp_level_a", "adp_level_b", "adp_level_c", "adp_level_d")]
    adp_total = sum(v or 0.0 for v in levels) if any(v is not None for v in levels) else None
    if adp_total is not None:
        flags += _consistency(adp_total, nums)
    elif table.kind == "stats_workbook":
        flags.append("adp_not_printed")
    by_year = {str(fy): parse.parse_number(cells[i]) for i, fy in sorted(table.adp_years.items()) if i < len(cells)}
    if table.kind != "stats_workbook" and by_year:
        adp_total = None
    aor = get("aor") or table.row_aor.get(number)
    return {
        "sha256": sha256,
        "sheet": table.row_sheet.get(number, table.sheet),
        "row_number": number,
        "kind": table.kind,
        "fiscal_year": table.fiscal_year,
        "detloc": detloc,
        "name_raw": name_raw,
        "address_raw": get("address"),
        "city_raw": get("city"),
        "county_raw": get("county"),
        "state_raw": get("state"),
        "zip_raw": get("zip"),
        "aor_raw": aor,
        "type_raw": get("type"),
        "type_detailed_raw": get("type_detailed"),
        "gender_raw": get("gender"),
        "operator_raw": get("operator"),
        "owner_raw": get("owner"),
        "cells": json.dumps(dict(zip(_unique(table.columns), cells, strict=False)), ensure_ascii=False),
        "name": name or None,
        "state_usps": st,
        "zip5": z,
        "type_code": type_code(get("type_detailed"), get("type")),
        **nums,
        "adp_total": adp_total,
        "adp_by_year": json.dumps(by_year) if by_year else None,
        "flags": json.dumps(sorted(set(flags))),
    }


def _consistency(total: float, nums: dict[str, float | None]) -> list[str]:
    """ICE's criminality (and threat-level) columns split the same population as Level A-D."""
    out = []
    tol = max(0.02, total * 1e-4)
    crim = [nums[k] for k in ("adp_male_crim", "adp_male_noncrim", "adp_female_crim", "adp_female_noncrim")]
    if any(v is not None for v in crim) and abs(sum(v or 0.0 for v in crim) - total) > tol:
        out.append("adp_criminality_mismatch")
    threat = [nums[k] for k in ("adp_threat_1", "adp_threat_2", "adp_threat_3", "adp_no_threat")]
    if any(v is not None for v in threat) and abs(sum(v or 0.0 for v in threat) - total) > tol:
        out.append("adp_threat_mismatch")
    return out


def _unique(columns: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for i, c in enumerate(columns):
        label = " ".join(str(c).split()) or f"column {i + 1}"
        seen[label] += 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


# ---------------------------------------------------------------- derive: identity


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))
        self.why: dict[int, list[str]] = defaultdict(list)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int, reason: str | None = None) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        lo, hi = min(ra, rb), max(ra, rb)
        self.parent[hi] = lo
        self.why[lo] += self.why.pop(hi, [])
        if reason:
            self.why[lo].append(reason)


def _release_order(conn: sqlite3.Connection) -> dict[str, tuple]:
    """sha256 -> sort key: stats workbooks by data date, lists before them, undated lists first."""
    out = {}
    for r in conn.execute("SELECT sha256, kind, data_date, fiscal_year FROM detention_files"):
        out[r["sha256"]] = (r["kind"] == "stats_workbook", r["data_date"] or "", r["fiscal_year"] or 0)
    return out


def _row_identity(r: sqlite3.Row) -> dict[str, Any]:
    st = r["state_usps"]
    name, fixed_name = corrected("name", st, r["name"])
    z, fixed_zip = corrected("zip", st, r["zip5"])
    return {
        "state": st,
        "name": name,
        "nkey": name_key(name),
        "ckey": city_key(r["city_raw"]),
        "akey": address_key(r["address_raw"]),
        "zip": z,
        "detloc": r["detloc"],
        "corrected": fixed_name or fixed_zip,
    }


def group_rows(rows: list[sqlite3.Row]) -> tuple[list[list[int]], dict[int, list[str]]]:
    """Rows -> facilities. Sure joins: DETLOC; state+name+city. Joins kept but flagged: same
    street address and ZIP under a different name; a near-identical name in the same city."""
    from rapidfuzz import fuzz

    ids = [_row_identity(r) for r in rows]
    uf = _UnionFind(len(rows))
    by_key: dict[tuple, int] = {}

    def join(key: tuple, i: int, reason: str | None = None) -> None:
        if key in by_key:
            uf.union(by_key[key], i, reason)
        else:
            by_key[key] = i

    for i, x in enumerate(ids):
        if x["detloc"]:
            join(("detloc", x["detloc"]), i)
        if x["state"] and x["nkey"]:
            join(("name", x["state"], x["nkey"], x["ckey"]), i)
            by_key.setdefault(("name-city", x["nkey"], x["ckey"]), i)
    for i, x in enumerate(ids):  # a row whose state cell is blank: same name and city elsewhere
        if not x["state"] and ("name-city", x["nkey"], x["ckey"]) in by_key:
            uf.union(by_key[("name-city", x["nkey"], x["ckey"])], i, f"row without a state joined by name and city ('{x['name']}')")
    # same street address + ZIP: join; flag when the names are not near-identical
    by_addr: dict[tuple, list[int]] = defaultdict(list)
    for i, x in enumerate(ids):
        if x["state"] and x["zip"] and re.match(r"^\d", x["akey"]):
            by_addr[(x["state"], x["akey"], x["zip"])].append(i)
    def members_of(i: int) -> list[int]:
        root = uf.find(i)
        return [k for k in range(len(ids)) if uf.find(k) == root]

    def apart(i: int, j: int) -> bool:
        """Never join two coded facilities, nor two rows of one file (ICE lists a facility once)."""
        mi, mj = members_of(i), members_of(j)
        da = {ids[k]["detloc"] for k in mi if ids[k]["detloc"]}
        db = {ids[k]["detloc"] for k in mj if ids[k]["detloc"]}
        return bool(da and db and not da & db) or bool({rows[k]["sha256"] for k in mi} & {rows[k]["sha256"] for k in mj})

    for members in by_addr.values():
        for n, j in enumerate(members[1:], start=1):
            for k in members[:n]:
                a, b = ids[k], ids[j]
                if uf.find(k) == uf.find(j):
                    break
                if apart(k, j):
                    continue  # two facilities at one address (a jail complex, a campus): kept apart
                score = fuzz.token_set_ratio(a["nkey"], b["nkey"])
                if _distinctive(a["nkey"]) == _distinctive(b["nkey"]) or score >= 95:
                    uf.union(k, j)
                    break
                if score >= 50:
                    uf.union(k, j, f"joined on address '{rows[j]['address_raw']}' although names differ ('{a['name']}' / '{b['name']}')")
                    break
    # a name printed without an address (over-72 list) that is near-identical to one in the same city
    groups = _groups(uf, len(rows))
    by_city: dict[tuple, list[int]] = defaultdict(list)
    for root in groups:
        x = ids[root]
        by_city[(x["state"], x["ckey"])].append(root)
    for root, members in groups.items():
        if any(ids[i]["akey"] for i in members) or any(ids[i]["detloc"] for i in members):
            continue
        x = ids[root]
        best, best_score, best_name = None, 0.0, ""
        for other in by_city.get((x["state"], x["ckey"]), []):
            if uf.find(other) == uf.find(root):
                continue
            if {rows[k]["sha256"] for k in members} & {rows[k]["sha256"] for k in groups[other]}:
                continue
            for i in groups[other]:
                score = fuzz.token_set_ratio(x["nkey"], ids[i]["nkey"])
                if score > best_score:
                    best, best_score, best_name = other, score, ids[i]["name"]
        if best is not None and best_score >= 85:
            uf.union(best, root, f"name '{x['name']}' matched '{best_name}' by similarity ({best_score:.0f}/100)")
    final = _groups(uf, len(rows))
    reasons = {uf.find(root): uf.why.get(uf.find(root), []) for root in final}
    return list(final.values()), reasons


_GENERIC = set(
    "COUNTY PARISH JAIL DETENTION CENTER FACILITY CORRECTIONAL PRISON COMPLEX ICE PROCESSING"
    " IMMIGRATION ADULT REGIONAL SHERIFF SHERIFF'S OFFICE DEPARTMENT DEPT JUSTICE LAW ENFORCEMENT"
    " CITY THE OF AND SERVICE CONTRACT INSTITUTION HOLDING HOUSE".split()
)


def _distinctive(nkey: str) -> frozenset[str]:
    """The words that tell facilities apart: 'CAMBRIA COUNTY PRISON' and '... JAIL' -> {CAMBRIA}."""
    return frozenset(t for t in nkey.split() if t not in _GENERIC and not re.fullmatch(r"S|\d+", t))


def _groups(uf: _UnionFind, n: int) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        out[uf.find(i)].append(i)
    return dict(out)


# ---------------------------------------------------------------- derive: place


def _county_word_key(name: str | None) -> str:
    s = fold((name or "").replace("'", ""))
    s = re.sub(r"\b(COUNTY|PARISH|BOROUGH|CENSUS AREA|MUNICIPALITY|MUNICIPIO|CITY AND BOROUGH|CITY AND COUNTY)\b", " ", s)
    return "".join(_ABBREV.get(t, t) for t in s.split() if t not in ("CO", "OF"))


def _city_counties(state: str, city: str | None) -> set[str]:
    from patchwork_atlas.kernel.geo import reference

    if not city:
        return set()
    primary, alternate = _place_index(state)
    key = reference.fold(city)
    return set(primary.get(key) or alternate.get(key) or ())


@cache
def _place_index(state: str) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Folded place names -> counties, for one state; alternate names only as a fallback."""
    from patchwork_atlas.kernel.geo import reference

    primary: dict[str, set[str]] = defaultdict(set)
    alternate: dict[str, set[str]] = defaultdict(set)
    for p in reference.places(state):
        primary[reference.fold(p.name)].update(p.county_fips)
        for n in p.alternate_names:
            alternate[reference.fold(n)].update(p.county_fips)
    return dict(primary), dict(alternate)


@cache
def _county_names(state_fips: str) -> dict[str, str]:
    from patchwork_atlas.kernel.geo import reference

    return {c.fips: _county_word_key(c.name) for c in reference.counties(state_fips)}


def place(
    state: str | None, zip_code: str | None, city: str | None, listed_county: str | None, name: str | None = None
) -> dict[str, Any]:
    """County of a facility: its ZIP, checked against its city, the county a list printed and a
    county its name spells out ('ADAMS COUNTY ...'). A county two of these agree on, or the ZIP's
    alone when nothing contradicts it, is placed without review; anything else keeps the best
    candidate (or none) and says why in `review`."""
    from patchwork_atlas.kernel.geo import reference

    out: dict[str, Any] = {"county_fips": None, "method": "none", "review": None}
    st = reference.state(state) if state else None
    if st is None:
        out["review"] = "state not printed: not placed"
        return out
    zi = reference.zip_info(zip_code) if zip_code else None
    zip_note = None
    if zi is not None and zi.state_usps != st.usps:
        zip_note = f"ZIP {zip_code} is in {zi.state_usps or 'no state'}, the row says {st.usps}"
        zi = None
    elif zip_code and zi is None:
        zip_note = f"ZIP {zip_code} is not a known ZIP"
    county_names = _county_names(st.fips)
    votes: dict[str, set[str]] = {
        "zip": set(zi.county_fips) if zi else set(),
        "city": _city_counties(st.usps, city),
        "listed_county": {f for f, k in county_names.items() if listed_county and k == _county_word_key(listed_county)},
        "name": _name_counties(name, county_names),
    }
    tally: Counter[str] = Counter()
    for cands in votes.values():
        tally.update(cands)
    agreed = [f for f, n in tally.items() if n >= 2]
    if len(agreed) == 1:
        fips = agreed[0]
        out.update(county_fips=fips, method="+".join(k for k, v in votes.items() if fips in v))
        # The printed city settles it only when it is not just the ZIP's own postal name (the
        # same evidence twice: 24153 is "Salem" across Salem city and Roanoke County).
        city_decides = votes["city"] == {fips} and not (zi and _city_is_zip_city(city, zi))
        decided = city_decides or fips in votes["listed_county"] | votes["name"]
        if not decided and zi is not None:
            out["review"] = _uncertain_zip(zi, fips)
        return out
    zips = votes["zip"]
    if len(zips) == 1 and not (votes["city"] and not zips & votes["city"]) and not zip_note:
        out.update(county_fips=next(iter(zips)), method="zip")
        out["review"] = _uncertain_zip(zi, out["county_fips"]) if zi is not None else None
        return out
    if zips:
        out.update(county_fips=sorted(zips, key=lambda f: zi.county_fips.index(f))[0], method="zip")
        if len(zips) > 1:
            out["review"] = f"ZIP {zip_code} spans counties {', '.join(zi.county_fips)}; nothing else settles it"
        else:
            out["review"] = f"ZIP {zip_code} is in {out['county_fips']} but the city '{city}' is in {', '.join(sorted(votes['city']))}"
        return out
    for key in ("city", "listed_county", "name"):
        if len(votes[key]) == 1:
            out.update(county_fips=next(iter(votes[key])), method=key)
            out["review"] = f"{zip_note or 'no ZIP printed'}; placed by {key.replace('_', ' ')} alone"
            return out
    out["review"] = f"{zip_note or 'no ZIP printed'}; the city does not settle the county: not placed"
    return out


ZIP_EDGE_KM = 3.0  # a ZIP whose point lies this close to another county may reach into it


def _uncertain_zip(zi: Any, fips: str) -> str | None:
    """Why a county taken from a ZIP alone is uncertain: the ZIP names several counties, or its
    point lies within ZIP_EDGE_KM of another county (the reference has no ZIP-county split, so a
    ZIP across a line can look like one county). None when the ZIP sits well inside one county."""
    from patchwork_atlas.kernel.geo import reference, topo

    others = [f for f in zi.county_fips if f != fips]
    if not others and zi.lat is not None and zi.lon is not None:
        near = [c for c in reference.counties(fips[:2]) if c.fips != fips and c.lat is not None
                and c.lon is not None and abs(c.lat - zi.lat) < 1.0 and abs(c.lon - zi.lon) < 1.3]
        others = [c.fips for c in near if topo.near_county(zi.lat, zi.lon, c.fips, ZIP_EDGE_KM)]
    if not others:
        return None
    return (f"placed by ZIP {zi.zip} alone, which may span counties ({', '.join([fips, *others])});"
            " neither the city nor a printed county settles it")


def _name_counties(name: str | None, county_names: dict[str, str]) -> set[str]:
    """Counties a facility name spells out: 'ADAMS COUNTY DET CENTER', 'WINN PARISH ...'."""
    s = fold(name)
    m = re.match(r"^(.+?) (COUNTY|CO|PARISH|CNTY)\b", s)
    if not m:
        return set()
    key = _county_word_key(m.group(1))
    return {f for f, k in county_names.items() if k == key}


def _city_is_zip_city(city: str | None, zi: Any) -> bool:
    from patchwork_atlas.kernel.geo import reference

    key = reference.fold(city)
    return key == reference.fold(zi.postal_city) or key in {reference.fold(c) for c in zi.acceptable_cities}


# ---------------------------------------------------------------- derive: all


def derive(conn: sqlite3.Connection) -> None:
    """Rebuild facilities and facility_figures from detention_rows (a pure function of them)."""
    order = _release_order(conn)
    rows = conn.execute("SELECT * FROM detention_rows ORDER BY sha256, sheet, row_number").fetchall()
    conn.execute("DELETE FROM facility_figures")
    conn.execute("DELETE FROM facilities")
    conn.execute("UPDATE detention_rows SET facility_id = NULL")
    if not rows:
        return
    groups, reasons = group_rows(rows)
    facility_rows = []
    row_keys = []  # per facility, the (sha256, sheet, row_number) of its rows
    for members in groups:
        group = [rows[i] for i in members]
        facility_rows.append(_facility(group, order, reasons.get(min(members), [])))
        row_keys.append([(r["sha256"], r["sheet"], r["row_number"]) for r in group])
    dedupe_ids(facility_rows)
    assignments = [(fac["facility_id"], *key) for fac, keys in zip(facility_rows, row_keys, strict=True)
                   for key in keys]
    cols = list(facility_rows[0])
    conn.executemany(
        f"INSERT INTO facilities({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",  # noqa: S608 - fixed names
        [tuple(f[c] for c in cols) for f in facility_rows],
    )
    conn.executemany(
        "UPDATE detention_rows SET facility_id = ? WHERE sha256 = ? AND sheet = ? AND row_number = ?", assignments
    )
    _derive_figures(conn)


def dedupe_ids(facility_rows: list[dict]) -> None:
    """Two groups that would get the same id (same DETLOC split by a data conflict) keep apart:
    the second gets -2, the third -3, each flagged for review; their rows follow their group,
    since the caller assigns rows to ids after this."""
    seen: Counter[str] = Counter()
    taken = {fac["facility_id"] for fac in facility_rows}
    for fac in facility_rows:
        base = fac["facility_id"]
        seen[base] += 1
        if seen[base] == 1:
            continue
        new = f"{base}-{seen[base]}"
        while new in taken:
            seen[base] += 1
            new = f"{base}-{seen[base]}"
        taken.add(new)
        fac["facility_id"] = new
        fac["review_reason"] = "; ".join(
            filter(None, [fac["review_reason"], f"shares its key with facility {base}"]))


def _facility(group: list[sqlite3.Row], order: dict[str, tuple], reasons: list[str]) -> dict[str, Any]:
    from patchwork_atlas.families.ice287g.normalize import short_hash
    from patchwork_atlas.kernel.geo import reference

    ordered = sorted(group, key=lambda r: (order.get(r["sha256"], (False, "", 0)), r["row_number"]))
    latest = ordered[-1]
    detlocs = Counter(r["detloc"] for r in group if r["detloc"])
    review = list(reasons)
    if len(detlocs) > 1:
        review.append(f"rows carry several DETLOC codes ({', '.join(sorted(detlocs))})")
    states = Counter(r["state_usps"] for r in group if r["state_usps"])
    state = latest["state_usps"] or (states.most_common(1)[0][0] if states else None)
    if len(states) > 1:
        review.append(f"rows give several states ({', '.join(sorted(states))})")
    if detlocs:
        detloc = sorted(detlocs.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        fid = f"fac-{detloc.lower()}"
    else:
        keys = Counter((r["state_usps"] or "", name_key(r["name"]), city_key(r["city_raw"])) for r in group)
        detloc = None
        fid = "fac-" + short_hash(*sorted(keys.items(), key=lambda kv: (-kv[1], kv[0]))[0][0], n=10)
    with_zip = [r for r in ordered if r["zip5"]]
    best = with_zip[-1] if with_zip else latest
    listed = [r for r in ordered if r["county_raw"]]
    listed_county = None
    if listed:
        listed_county, _ = corrected("county_listed", state, listed[-1]["county_raw"])
    zip_fixed, _ = corrected("zip", state, best["zip5"])
    where = place(state, zip_fixed, best["city_raw"], listed_county, best["name"])

    check = None
    if listed_county and where["county_fips"]:
        c = reference.county(where["county_fips"])
        check = "agrees" if c and _county_word_key(c.name) == _county_word_key(listed_county) else "disagrees"
    types = [r["type_code"] for r in ordered if r["type_code"]]
    stats_types = [r["type_code"] for r in ordered if r["type_code"] and r["kind"] == "stats_workbook"]
    code = (stats_types or types or [None])[-1]
    owners = [r for r in ordered if r["owner_raw"]]
    fys = [r["fiscal_year"] for r in group if r["fiscal_year"]]
    for r in group:
        fys += [int(y) for y, v in json.loads(r["adp_by_year"] or "{}").items() if v]
    names = sorted({r["name"] for r in group if r["name"]})
    named = [r for r in ordered if r["name"]]
    st = reference.state(state) if state else None
    return {
        "facility_id": fid,
        "detloc": detloc,
        "name": (named[-1]["name"] if named else latest["name_raw"]) or "(no name printed)",
        "address": next((r["address_raw"] for r in reversed(ordered) if r["address_raw"]), None),
        "city": best["city_raw"],
        "state_usps": state,
        "zip5": zip_fixed,
        "type_code": code,
        "local_agreement": TYPES.get(code or "", {}).get("local_agreement", "unknown"),
        "operator": owners[-1]["operator_raw"] if owners else None,
        "owner": owners[-1]["owner_raw"] if owners else None,
        "state_fips": st.fips if st else None,
        "county_fips": where["county_fips"],
        "place_method": where["method"],
        "county_check": check,
        "county_listed": listed_county,
        "first_fy": min(fys) if fys else None,
        "last_fy": max(fys) if fys else None,
        "n_rows": len(group),
        "names": json.dumps(names, ensure_ascii=False),
        "review_reason": "; ".join(review) or None,
        "place_review": where["review"],
    }


def _derive_figures(conn: sqlite3.Connection) -> None:
    files = {r["sha256"]: r for r in conn.execute("SELECT * FROM detention_files")}
    figures = []
    for r in conn.execute("SELECT * FROM detention_rows WHERE facility_id IS NOT NULL"):
        f = files[r["sha256"]]
        base = (r["facility_id"],)
        if r["kind"] == "stats_workbook" and r["fiscal_year"]:
            figures.append({
                "facility_id": r["facility_id"], "fiscal_year": r["fiscal_year"], "sha256": r["sha256"],
                "sheet": r["sheet"], "row_number": r["row_number"], "source_kind": r["kind"],
                "data_date": f["data_date"], "is_latest": 0,
                **{k: r[k] for k in FIGURE_FIELDS}, "type_code": r["type_code"], "flags": r["flags"],
            })
        for fy, adp in json.loads(r["adp_by_year"] or "{}").items():
            if adp is None:
                continue
            figures.append({
                "facility_id": base[0], "fiscal_year": int(fy), "sha256": r["sha256"], "sheet": r["sheet"],
                "row_number": r["row_number"], "source_kind": r["kind"], "data_date": f["data_date"],
                "is_latest": 0, **{k: None for k in FIGURE_FIELDS}, "adp_total": adp,
                "type_code": r["type_code"], "flags": "[]",
            })
    latest: dict[tuple, tuple] = {}
    for fig in figures:
        key = (fig["facility_id"], fig["fiscal_year"])
        rank = (fig["source_kind"] == "stats_workbook", fig["data_date"] or "", fig["sha256"])
        if key not in latest or rank > latest[key]:
            latest[key] = rank
    for fig in figures:
        rank = (fig["source_kind"] == "stats_workbook", fig["data_date"] or "", fig["sha256"])
        fig["is_latest"] = int(latest[(fig["facility_id"], fig["fiscal_year"])] == rank)
    if not figures:
        return
    cols = list(figures[0])
    conn.executemany(
        f"INSERT OR REPLACE INTO facility_figures({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",  # noqa: S608 - fixed names
        [tuple(f[c] for c in cols) for f in figures],
    )


FIGURE_FIELDS = (
    "adp_total adp_level_a adp_level_b adp_level_c adp_level_d adp_male_crim adp_male_noncrim"
    " adp_female_crim adp_female_noncrim adp_threat_1 adp_threat_2 adp_threat_3 adp_no_threat"
    " adp_mandatory alos"
).split()


# ---------------------------------------------------------------- readers for profiles, API, stats


def facilities_for_place(conn: sqlite3.Connection, place: Any) -> list[dict[str, Any]]:
    """Facilities in a place's counties (or, for a municipality, its city), with type in plain
    language and the ADP trend (latest release per fiscal year, each with its source file/row)."""
    counties = [c for c in (getattr(place, "county_fips", None) or []) if c]
    if not counties:
        return []
    marks = ",".join("?" * len(counties))
    rows = conn.execute(
        f"SELECT * FROM facilities WHERE county_fips IN ({marks}) ORDER BY name",  # noqa: S608 - placeholders only
        counties,
    ).fetchall()
    city = getattr(place, "municipality", None)
    if city:
        key = city_key(city)
        rows = [r for r in rows if city_key(r["city"]) == key] or rows
    latest = latest_fiscal_year(conn)
    out = []
    for r in rows:
        f = facility_summary(conn, r)
        f["current"] = latest is not None and r["last_fy"] == latest
        f["last_fiscal_year"] = r["last_fy"] or max((t["fiscal_year"] for t in f["adp_trend"]), default=None)
        f["named_in"] = [] if f["adp_trend"] else _files_naming(conn, r["facility_id"])
        out.append(f)
    return sorted(out, key=lambda f: (not f["current"], -(f["last_fiscal_year"] or 0), f["name"]))


def latest_fiscal_year(conn: sqlite3.Connection) -> int | None:
    """The fiscal year of ICE's latest detention statistics held: what a page calls current."""
    row = conn.execute("SELECT MAX(fiscal_year) FROM detention_files WHERE kind = 'stats_workbook'").fetchone()
    return row[0] if row else None


def _files_naming(conn: sqlite3.Connection, facility_id: str) -> list[str]:
    """The files that name a facility without a population figure: why its figure is unknown."""
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT coalesce((SELECT file_name FROM file_sightings s WHERE s.sha256 = d.sha256"
        " ORDER BY file_name LIMIT 1), d.sha256) FROM detention_rows d WHERE d.facility_id = ? ORDER BY 1",
        (facility_id,))]


def list_facilities(conn: sqlite3.Connection, state: str | None = None, county: str | None = None,
                    year: int | None = None, with_trend: bool = True) -> list[dict[str, Any]]:
    """Facilities, one row each, with the figures of the chosen fiscal year (default: the
    latest per facility) flattened in; the whole trend too when with_trend. One query path for
    the CLI, the API and the downloads."""
    out = []
    for r in conn.execute(
        "SELECT * FROM facilities WHERE (? IS NULL OR state_usps = ?) AND (? IS NULL OR county_fips = ?)"
        " ORDER BY state_usps, name",
        (state, state, county, county),
    ):
        summary = facility_summary(conn, r)
        trend = [t for t in summary.pop("adp_trend") if year is None or t["fiscal_year"] == year]
        if year is not None and not trend:
            continue
        row = {**summary, **(trend[-1] if trend else {})}
        if with_trend:
            row["adp_trend"] = trend
        out.append(row)
    return out


def facility_summary(conn: sqlite3.Connection, r: sqlite3.Row) -> dict[str, Any]:
    kind = TYPES.get(r["type_code"] or "", {})
    trend = [
        {
            "fiscal_year": f["fiscal_year"],
            "adp": round(f["adp_total"], 2) if f["adp_total"] is not None else None,
            "alos": round(f["alos"], 2) if f["alos"] is not None else None,
            "data_date": f["data_date"],
            "source_file": f["file_name"],
            "sha256": f["sha256"],
            "sheet": f["sheet"],
            "row": f["row_number"],
        }
        for f in conn.execute(
            "SELECT ff.*, (SELECT file_name FROM file_sightings s WHERE s.sha256 = ff.sha256 ORDER BY file_name LIMIT 1) AS file_name"
            " FROM facility_figures ff WHERE facility_id = ? AND is_latest = 1 ORDER BY fiscal_year, sha256, row_number",
            (r["facility_id"],),
        )
    ]
    return {
        "facility_id": r["facility_id"],
        "name": r["name"],
        "address": r["address"],
        "city": r["city"],
        "state_usps": r["state_usps"],
        "zip": r["zip5"],
        "county_fips": r["county_fips"],
        "type_code": r["type_code"],
        "type_label": kind.get("label"),
        "type_plain_en": _type_means(r["type_code"], "en"),
        "type_plain_es": _type_means(r["type_code"], "es"),
        "local_agreement": r["local_agreement"],
        "owner_listed": r["owner"],
        "operator_listed": r["operator"],
        "adp_trend": trend,
        "latest_adp": trend[-1]["adp"] if trend else None,
        "review_reason": r["review_reason"],
        "place_review": r["place_review"],
        "state_fips": r["state_fips"],
        "place_method": r["place_method"],
        "county_listed": r["county_listed"],
        "county_check": r["county_check"],
    }


def facilities_by_county(conn: sqlite3.Connection) -> tuple[int | None, dict[str, dict[str, Any]]]:
    """For the map layer: per county, the facilities with a figure in the newest fiscal year
    ICE has published, their names and total average daily population."""
    year = conn.execute("SELECT max(fiscal_year) FROM facility_figures WHERE source_kind = 'stats_workbook'").fetchone()[0]
    out: dict[str, dict[str, Any]] = {}
    for fips, name, adp in conn.execute(
        "SELECT f.county_fips, f.name, ff.adp_total FROM facilities f JOIN facility_figures ff USING (facility_id)"
        " WHERE ff.fiscal_year = ? AND ff.is_latest = 1 AND f.county_fips IS NOT NULL ORDER BY f.county_fips, f.name",
        (year,),
    ):
        entry = out.setdefault(fips, {"names": [], "adp": 0.0})
        if name not in entry["names"]:
            entry["names"].append(name)
        entry["adp"] += adp or 0.0
    return year, out


def county_disagreements(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Facilities whose county (from ZIP/city/name) differs from the county an ICE list printed."""
    return [
        dict(r)
        for r in conn.execute(
            "SELECT facility_id, name, city, state_usps, zip5, county_fips, county_listed, place_method"
            " FROM facilities WHERE county_check = 'disagrees' ORDER BY state_usps, name"
        )
    ]


def stats(conn: sqlite3.Connection) -> dict[str, Any]:
    """Rows stored per file, facilities, and how many are placed in a county without review."""
    files = [
        dict(r)
        for r in conn.execute(
            "SELECT d.sha256, (SELECT file_name FROM file_sightings s WHERE s.sha256 = d.sha256 ORDER BY file_name LIMIT 1) AS file_name,"
            " d.kind, d.fiscal_year, d.data_date, d.n_rows,"
            " (SELECT COUNT(*) FROM detention_rows r WHERE r.sha256 = d.sha256) AS rows_stored"
            " FROM detention_files d ORDER BY d.kind, d.data_date"
        )
    ]
    f = conn.execute(
        "SELECT COUNT(*) n, SUM(county_fips IS NOT NULL AND place_review IS NULL) placed,"
        " SUM(review_reason IS NOT NULL) identity_review, SUM(county_check = 'disagrees') disagree"
        " FROM facilities"
    ).fetchone()
    n = f["n"] or 0
    return {
        "detention_files": files,
        "facilities": n,
        "facilities_placed_without_review": f["placed"] or 0,
        "placement_share": round((f["placed"] or 0) / n, 4) if n else None,
        "facilities_identity_review": f["identity_review"] or 0,
        "county_disagreements_with_lists": f["disagree"] or 0,
    }


def _type_means(code: str | None, lang: str) -> str | None:
    """ICE's own explanation of a facility type, in plain words (None for an unknown type)."""
    return term("facility_type_means", code, lang) if code in TYPES else None


FACILITY_COLUMNS = (
    "facility_id", "name", "address", "city", "state_usps", "zip", "county_fips", "type_code",
    "type_label", "local_agreement", "owner_listed", "operator_listed", "fiscal_year", "adp",
    "alos", "data_date", "source_file", "sha256", "sheet", "row", "place_review", "review_reason",
    "state_fips", "place_method", "county_listed", "county_check",
)  # fmt: skip
FACILITY_YEAR_COLUMNS = (
    "facility_id", "name", "state_usps", "county_fips", "type_code", "fiscal_year", "adp", "alos",
    "data_date", "source_file", "sha256", "sheet", "row", "state_fips",
)  # fmt: skip


def facility_years(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every facility's figures, one row per fiscal year."""
    return [{**r, **year} for r in list_facilities(conn, with_trend=True) for year in r.pop("adp_trend")]
