"""Deaths in ICE custody: the `deaths` ingest family, its link to detention facilities, and the
queries behind the pages, the API and the `deaths` table.

Ingest stores every death of ICE's Detainee Death Reports (one PDF per death, FY2018 on) and of
ICE's FOIA list of deaths (FY2003-FY2017), with every extracted value and the page and span it
was read from (`death_values`). Nothing is taken from a file name; a value the document does not
state stays NULL.

`derive` links each death to a facility of the detention family, and so to its county and
state: first through `facility_links.csv` (keyed on the printed facility name, each row with its
reason), else when exactly one facility carries the printed name (in the printed state, when the
document prints one). Several candidates, none, or a reader that doubts which facility the
report means: the death is left unlinked or flagged in `review_reason`, never guessed.

Counts are of reports held, not a complete count; no rate is computed (see `coverage`).
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

from patchwork_atlas.families.deaths import reader
from patchwork_atlas.families.deaths.model import Extracted, ReadError
from patchwork_atlas.families.deaths.places import USPS
from patchwork_atlas.families.detention.family import name_key
from patchwork_atlas.kernel.archive import RawFile
from patchwork_atlas.kernel.family import Rejected, SourceFamily, Table
from patchwork_atlas.kernel.geo.place import Place

MAX_BYTES = 30_000_000


class DeathsFamily(SourceFamily):
    name = "deaths"
    report_varies_by_language = False  # place_report ignores lang
    derives_from = ("detention",)

    def recognize(self, raw: RawFile) -> tuple[str, Any] | None:
        """A Detainee Death Report or the FOIA list, judged from the first page's text."""
        if raw.bytes > MAX_BYTES or not raw.head(5).startswith(b"%PDF-"):
            return None
        data = raw.path.read_bytes()
        kind = reader.recognize(data)
        return (kind, data) if kind else None

    def ingest_file(self, conn: sqlite3.Connection, raw: RawFile, kind: str, payload: Any) -> str:
        try:
            if kind == "ddr":
                return store_report(conn, raw, reader.read_ddr(payload))
            return store_foia_list(conn, raw, reader.read_foia_table(payload))
        except ReadError as exc:
            raise Rejected(f"{kind}: {exc}") from exc

    def derive(self, conn: sqlite3.Connection) -> None:
        derive(conn)

    def stats(self, conn: sqlite3.Connection) -> dict[str, Any]:
        return {"deaths": stats(conn)}

    def place_report(self, conn: sqlite3.Connection, place: Place, lang: str) -> dict[str, Any]:
        counties = [c for c in (place.county_fips or []) if c]
        return {"deaths": deaths_section(conn, counties=counties) if counties else None}

    def tables(self) -> dict[str, Table]:
        return {"deaths": Table(
            "deaths", DEATH_COLUMNS, lambda conn: list_deaths(conn),
            "One row per death in ICE custody held (ICE's death reports and its FOIA list),"
            " linked to a detention facility where certain.")}

    def vocabulary(self) -> dict[str, str]:
        return {
            "death_source": "SELECT kind FROM deaths",
            "link_method": "SELECT link_method FROM death_links",
            "facility_type": "SELECT facility_type_printed FROM deaths",
        }


FAMILY = DeathsFamily()


# ---------------------------------------------------------------- ingest


def _death_id(sha256: str, row: int) -> str:
    return "dth-" + hashlib.sha256(f"{sha256}|{row}".encode()).hexdigest()[:12]


def fiscal_year(day: date | None) -> int | None:
    """The federal fiscal year (October to September) a date falls in."""
    return None if day is None else day.year + (day.month >= 10)


def _v(x: Extracted | None) -> Any:
    if x is None:
        return None
    return x.value.isoformat() if isinstance(x.value, date) else x.value


def _insert_values(conn: sqlite3.Connection, death_id: str,
                   values: list[tuple[str, int, Extracted | None]]) -> None:
    conn.executemany(
        "INSERT INTO death_values(death_id, field, seq, value, page, span_start, span_end, text)"
        " VALUES (?,?,?,?,?,?,?,?)",
        [(death_id, f, seq, None if _v(x) is None else str(_v(x)), x.page, x.start, x.end, x.text)
         for f, seq, x in values if x is not None],
    )


def _insert_death(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    cols = list(row)
    conn.execute(
        f"INSERT INTO deaths({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",  # noqa: S608 - fixed names
        [row[c] for c in cols],
    )


def store_report(conn: sqlite3.Connection, raw: RawFile, r: reader.DeathReport) -> str:
    """One Detainee Death Report: one death, every value with its page and span."""
    death_id = _death_id(raw.sha256, 0)
    conn.execute(
        "INSERT INTO death_files(sha256, kind, published_url, n_deaths) VALUES (?, 'ddr', ?, 1)",
        (raw.sha256, raw.provenance.get("published_url") or None),
    )
    f, hosp = r.facility, r.place_of_death
    day = r.date_of_death.value if r.date_of_death else None
    _insert_death(conn, {
        "death_id": death_id, "sha256": raw.sha256, "kind": "ddr", "row_number": None,
        "name": _v(r.name), "date_of_death": _v(r.date_of_death),
        "death_date_label": r.death_date_label, "fiscal_year": fiscal_year(day),
        "age": _v(r.age), "sex": _v(r.sex), "gender": _v(r.gender), "citizenship": _v(r.country),
        "country_of_birth": None,
        "facility_printed": f.name.value if f else None,
        "facility_abbreviation": f.abbreviation if f else None,
        "facility_city": _v(f.city) if f else None, "facility_state": _v(f.state) if f else None,
        "place_of_death": hosp.name.value if hosp else None, "field_office": _v(r.field_office),
        "facility_type_printed": None, "review_reasons": json.dumps(r.review_reasons),
    })  # fmt: skip
    values: list[tuple[str, int, Extracted | None]] = [
        ("name", 0, r.name), ("date_of_death", 0, r.date_of_death), ("age", 0, r.age),
        ("sex", 0, r.sex), ("gender", 0, r.gender), ("citizenship", 0, r.country),
        ("field_office", 0, r.field_office),
    ]
    for prefix, place in (("facility", f), ("place_of_death", hosp)):
        if place is not None:
            values += [(prefix, 0, place.name), (f"{prefix}_city", 0, place.city),
                       (f"{prefix}_state", 0, place.state)]
    for seq, event in enumerate(r.custody_events):
        values += [("custody_event_date", seq, event.date), ("custody_event_text", seq, event.text)]
    _insert_values(conn, death_id, values)
    when = day.isoformat() if day else "date unknown"
    flagged = f", flagged: {'; '.join(r.review_reasons)}" if r.review_reasons else ""
    return f"Detainee Death Report: 1 death ({when}){flagged}"


def _split_location(text: str) -> tuple[str, str | None, str | None]:
    """'Adelanto Correctional Facility, CA' -> (name, city, state); the state only when the
    last part is a USPS code, the city only when a part sits between name and state."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) >= 2 and parts[-1] in USPS:
        return parts[0], (", ".join(parts[1:-1]) or None), parts[-1]
    return text, None, None


def store_foia_list(conn: sqlite3.Connection, raw: RawFile, t: reader.FoiaList) -> str:
    """Every row of ICE's FOIA list of deaths, FY2003-FY2017, with the scope its heading prints."""
    if not t.rows:
        raise Rejected("foia_list: no death rows found in the table")
    conn.execute(
        "INSERT INTO death_files(sha256, kind, published_url, scope_from, scope_to, n_deaths)"
        " VALUES (?, 'foia_list', ?, ?, ?, ?)",
        (raw.sha256, raw.provenance.get("published_url") or None, _v(t.data_from), _v(t.data_to),
         len(t.rows)),
    )
    for row in t.rows:
        number = int(row.number.value)
        death_id = _death_id(raw.sha256, number)
        day = row.date_of_death.value if row.date_of_death else None
        name, city, state = _split_location(row.last_detention.value) if row.last_detention else (
            None, None, None)
        reasons = [] if day else ["date of death not found"]
        _insert_death(conn, {
            "death_id": death_id, "sha256": raw.sha256, "kind": "foia_list", "row_number": number,
            "name": row.name.value, "date_of_death": _v(row.date_of_death),
            "death_date_label": None, "fiscal_year": fiscal_year(day), "age": None,
            "sex": _v(row.sex), "gender": None, "citizenship": None,
            "country_of_birth": _v(row.country_of_birth), "facility_printed": name,
            "facility_abbreviation": None, "facility_city": city, "facility_state": state,
            "place_of_death": _v(row.location_of_death), "field_office": None,
            "facility_type_printed": _v(row.facility_type), "review_reasons": json.dumps(reasons),
        })  # fmt: skip
        _insert_values(conn, death_id, [
            ("row_number", 0, row.number), ("name", 0, row.name), ("sex", 0, row.sex),
            ("country_of_birth", 0, row.country_of_birth), ("date_of_death", 0, row.date_of_death),
            ("place_of_death", 0, row.location_of_death), ("facility", 0, row.last_detention),
            ("facility_type", 0, row.facility_type),
        ])
    scope = f"{_v(t.data_from)} to {_v(t.data_to)}" if t.data_from and t.data_to else "unstated"
    return f"FOIA list of deaths: {len(t.rows)} rows (heading's scope {scope})"


# ---------------------------------------------------------------- derive: link to facilities


@cache
def facility_corrections() -> dict[tuple[str, str], dict[str, str]]:
    """(printed facility name folded, state or '') -> correction row (facility_id, reason)."""
    path = resources.files("patchwork_atlas.families.deaths") / "facility_links.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return {(name_key(r["printed_name"]), r["state"]): r for r in csv.DictReader(fh)}


def _facility_index(conn: sqlite3.Connection) -> tuple[dict[str, set[str]], dict[str, sqlite3.Row]]:
    """Every name a facility was printed under (folded) -> facility ids; and id -> row."""
    rows = {r["facility_id"]: r for r in conn.execute("SELECT * FROM facilities")}
    index: dict[str, set[str]] = {}
    for fid, r in rows.items():
        for printed in {r["name"], *json.loads(r["names"] or "[]")}:
            index.setdefault(name_key(printed), set()).add(fid)
    return index, rows


def link(death: sqlite3.Row, index: dict[str, set[str]],
         facilities: dict[str, sqlite3.Row]) -> tuple[str | None, str, str | None]:
    """(facility_id, method, review reason) for one death; never a guess."""
    printed, state = death["facility_printed"], death["facility_state"]
    if not printed:
        return None, "none", "the document names no detention facility"
    key = name_key(printed)
    fix = facility_corrections().get((key, state or "")) or facility_corrections().get((key, ""))
    if fix is not None:
        if fix["facility_id"] not in facilities:
            return None, "none", f"the correction names a facility not held: {fix['facility_id']}"
        return fix["facility_id"], "correction", None
    found = set(index.get(key, ()))
    if state:
        found = {f for f in found if facilities[f]["state_usps"] == state}
    if len(found) == 1:
        return found.pop(), "name_state" if state else "name", None
    if found:
        return None, "none", f"several facilities carry this name: {', '.join(sorted(found))}"
    return None, "none", "no facility in ICE's detention statistics carries this name"


def derive(conn: sqlite3.Connection) -> None:
    """Rebuild `death_links` from the stored deaths and the detention family's facilities."""
    conn.execute("DELETE FROM death_links")
    index, facilities = _facility_index(conn)
    out = []
    for d in conn.execute("SELECT * FROM deaths"):
        fid, method, reason = link(d, index, facilities)
        fac = facilities.get(fid) if fid else None
        doubts = [x for x in json.loads(d["review_reasons"])
                  if x.startswith(("facility", "a transfer"))]
        if fac is not None and d["facility_city"] and fac["city"] and (
                name_key(d["facility_city"]) != name_key(fac["city"])):
            doubts.append(f"the report prints {d['facility_city']}, ICE's statistics {fac['city']}")
        if fac is not None and fac["place_review"]:
            doubts.append(f"the facility's county is uncertain: {fac['place_review']}")
        if fid is not None and doubts:
            reason = "; ".join(doubts)
        out.append((d["death_id"], fid, method, fac["county_fips"] if fac else None,
                    (fac["state_usps"] if fac else None) or d["facility_state"], reason))
    conn.executemany(
        "INSERT INTO death_links(death_id, facility_id, link_method, county_fips, state_usps,"
        " review_reason) VALUES (?,?,?,?,?,?)", out)


# ---------------------------------------------------------------- queries


DEATH_COLUMNS = (
    "death_id", "source_kind", "name", "date_of_death", "fiscal_year", "age", "sex", "gender",
    "citizenship", "country_of_birth", "facility_printed", "facility_id", "facility_name",
    "facility_type", "facility_type_printed", "county_fips", "state_usps", "place_of_death",
    "field_office", "link_method", "review_reason", "published_url", "sha256", "archived_copy",
    "page", "row_number",
)  # fmt: skip

_SELECT = """
SELECT d.*, l.facility_id, l.link_method, l.county_fips, l.state_usps,
       l.review_reason AS link_review, f.name AS facility_name, f.type_code AS facility_type,
       df.published_url,
       (SELECT page FROM death_values v WHERE v.death_id = d.death_id AND v.field = 'name') AS page
FROM deaths d JOIN death_files df USING (sha256)
LEFT JOIN death_links l USING (death_id) LEFT JOIN facilities f ON f.facility_id = l.facility_id
"""


def _row(r: sqlite3.Row) -> dict[str, Any]:
    reasons = json.loads(r["review_reasons"])
    if r["link_review"] and (r["facility_printed"] or not reasons):  # else the reader's says it
        reasons.append(r["link_review"])
    return {
        **{c: r[c] for c in ("death_id", "name", "date_of_death", "fiscal_year", "age", "sex",
                             "gender", "citizenship", "country_of_birth", "facility_printed",
                             "facility_id", "facility_name", "facility_type",
                             "facility_type_printed", "county_fips", "state_usps",
                             "place_of_death", "field_office", "link_method", "published_url",
                             "sha256", "page", "row_number")},
        "source_kind": r["kind"],
        "review_reason": "; ".join(dict.fromkeys(reasons)) or None,
        "archived_copy": f"/downloads/raw/{r['sha256']}",
    }  # fmt: skip


def list_deaths(conn: sqlite3.Connection, *, state: str | None = None,
                facility: str | None = None, year: int | None = None,
                facility_type: str | None = None,
                counties: list[str] | None = None) -> list[dict[str, Any]]:
    """Deaths held, newest first, with their link; the one query behind the table, the API,
    the national page, the facility page and the place sections. `facility_type` matches the
    linked facility's type or, for the FOIA list, the type it prints."""
    where, args = ["1"], []
    if state:
        where.append("l.state_usps = ?")
        args.append(state)
    if facility:
        where.append("l.facility_id = ?")
        args.append(facility)
    if year:
        where.append("d.fiscal_year = ?")
        args.append(year)
    if facility_type:
        where.append("coalesce(f.type_code, d.facility_type_printed) = ?")
        args.append(facility_type)
    if counties is not None:
        where.append(f"l.county_fips IN ({','.join('?' * len(counties))})")
        args.extend(counties)
    sql = _SELECT + " WHERE " + " AND ".join(where) + " ORDER BY d.date_of_death DESC, d.death_id"
    return [_row(r) for r in conn.execute(sql, args)]


def coverage(conn: sqlite3.Connection) -> dict[str, Any]:
    """What is held and what is not: the FOIA list's stated scope (its heading) and row count,
    the first and last report held, and the gap between them. No rate is computed: these are
    the reports held, and their completeness cannot be checked against a count ICE publishes."""
    foia = conn.execute(
        "SELECT min(scope_from) scope_from, max(scope_to) scope_to, sum(n_deaths) n,"
        " min(published_url) url FROM death_files WHERE kind = 'foia_list'").fetchone()
    ddr = conn.execute(
        "SELECT min(date_of_death) first, max(date_of_death) last, count(*) n FROM deaths"
        " WHERE kind = 'ddr'").fetchone()
    out: dict[str, Any] = {
        "foia_list": {"scope_from": foia["scope_from"], "scope_to": foia["scope_to"],
                      "rows": foia["n"] or 0, "published_url": foia["url"]} if foia["n"] else None,
        "reports": {"first": ddr["first"], "last": ddr["last"], "count": ddr["n"]}
        if ddr["n"] else None,
        "gap": None,
    }
    if foia["scope_to"] and ddr["first"]:
        after = date.fromisoformat(foia["scope_to"]) + timedelta(days=1)
        before = date.fromisoformat(ddr["first"]) - timedelta(days=1)
        if after <= before:
            out["gap"] = {"from": after.isoformat(), "to": before.isoformat()}
    return out


def deaths_section(conn: sqlite3.Connection, *, counties: list[str] | None = None,
                   state: str | None = None) -> dict[str, Any]:
    """The 'Deaths reported by ICE' section of a county or state page: the deaths held there and
    the coverage statement (an empty list means no report is held, not that no one died)."""
    rows = list_deaths(conn, counties=counties) if counties is not None else list_deaths(
        conn, state=state)
    return {"deaths": rows, "coverage": coverage(conn)}


def stats(conn: sqlite3.Connection) -> dict[str, Any]:
    """Deaths held per source and how many are linked to a facility with a county."""
    by_kind = {r[0]: r[1] for r in conn.execute("SELECT kind, count(*) FROM deaths GROUP BY kind")}
    linked = conn.execute(
        "SELECT d.kind, count(*) n, sum(l.county_fips IS NOT NULL) placed,"
        " sum(l.county_fips IS NOT NULL AND l.review_reason IS NULL) sure"
        " FROM deaths d LEFT JOIN death_links l USING (death_id) GROUP BY d.kind").fetchall()
    return {
        "deaths_held": by_kind,
        "linked_with_county": {r["kind"]: r["placed"] or 0 for r in linked},
        "linked_without_review": {r["kind"]: r["sure"] or 0 for r in linked},
        "coverage": coverage(conn),
    }


def review_queue(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Deaths whose link or values a person should check, with the reason."""
    return [r for r in list_deaths(conn) if r["review_reason"] or not r["county_fips"]]
