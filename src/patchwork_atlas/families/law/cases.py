"""The litigation tracker: court cases over cooperation laws and policies (data/cases.yaml).

A case names its court, docket, parties (with roles), the knowledge entries at issue (by id),
the states and counties it concerns, and its status as of `status_date` with the source that
reports it. ``list_cases`` and ``cases_for_entry`` read the loaded tables (migration 0006).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator

from patchwork_atlas.families.law import reference
from patchwork_atlas.families.law.schema import CASE_SCHEMA, CASE_STATUSES
from patchwork_atlas.families.law.titles import spanish_title_problems

if TYPE_CHECKING:
    from patchwork_atlas.families.law.model import Entry, Loaded, Problem

_VALIDATOR = Draft202012Validator(CASE_SCHEMA)


def check_cases(loaded: Loaded, today: dt.date) -> Iterator[Problem]:
    """Every problem in cases.yaml: schema, linked entry ids, places, dates, sources."""
    from patchwork_atlas.families.law.model import Problem

    entry_ids = {e.id for e in loaded.entries if e.id}
    seen: dict[str, str] = {}
    dockets: dict[tuple[str, str], str] = {}
    for case in loaded.cases:
        found = list(_check_case(case.data, entry_ids, today))
        if case.id:
            if case.id in seen:
                found.append(f"duplicate case id (also at {seen[case.id]})")
            seen.setdefault(case.id, f"{case.file}:{case.line}")
            if case.id in entry_ids:
                found.append("case id repeats a knowledge entry id")
        data = case.data if isinstance(case.data, dict) else {}
        if data.get("docket") and data.get("court"):
            key = (" ".join(data["court"].casefold().split()), data["docket"].strip().casefold())
            if key in dockets and dockets[key] != case.id:
                found.append(f"same court and docket as {dockets[key]}")
            dockets.setdefault(key, case.id)
        yield from (Problem(case.file, case.line, case.id, msg) for msg in found)


def _check_case(data: Any, entry_ids: set[str], today: dt.date) -> Iterator[str]:
    if not isinstance(data, dict):
        yield "case must be a mapping"
        return
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
    for err in errors:
        path = ".".join(str(p) for p in err.absolute_path) or "case"
        yield f"schema: {path}: {' '.join(err.message.split())[:160]}"
    if errors:
        return
    for entry_id in data.get("entries") or []:
        if entry_id not in entry_ids:
            yield f"entries: no knowledge entry {entry_id!r}"
    states = data.get("states") or []
    state_fips = set()
    for usps in states:
        fips = reference.state_fips_for_usps(usps)
        if fips is None:
            yield f"states: {usps!r} is not a state postal code"
        else:
            state_fips.add(fips)
    for county in data.get("county_fips") or []:
        if not reference.county_exists(county):
            yield f"county_fips: unknown county {county!r}"
        elif county[:2] not in state_fips:
            yield f"county_fips: {county} is not in the case's states {states}"
    dates: dict[str, dt.date] = {}
    raw = {"filed": data.get("filed"), "status_date": data["status_date"]}
    raw["last_reviewed"] = data["last_reviewed"]
    for i, source in enumerate(data["sources"]):
        raw[f"sources.{i}.accessed"] = source["accessed"]
    for key, value in raw.items():
        if value is None:
            continue
        try:
            dates[key] = dt.date.fromisoformat(value)
        except ValueError:
            yield f"{key}: {value!r} is not a real date"
            continue
        if dates[key] > today:
            yield f"{key} {dates[key]} is in the future"
    if "filed" in dates and "status_date" in dates and dates["filed"] > dates["status_date"]:
        yield f"filed {dates['filed']} is after status_date {dates['status_date']}"
    for key, value in dates.items():
        if (
            key.startswith("sources.")
            and "last_reviewed" in dates
            and value > dates["last_reviewed"]
        ):
            yield f"{key} {value} is after last_reviewed {dates['last_reviewed']}"
    urls = [s["url"] for s in data["sources"]]
    if data["status_source_url"] not in urls:
        yield "status_source_url is not one of the case's sources"
    if len(set(urls)) != len(urls):
        yield "a source is listed twice"
    roles = {p["role"] for p in data["parties"]}
    if not ({"plaintiff", "petitioner", "appellant"} & roles):
        yield "parties: no plaintiff (or petitioner/appellant)"
    if not ({"defendant", "respondent", "appellee"} & roles):
        yield "parties: no defendant (or respondent/appellee)"
    if data["verification"] == "primary":
        primary = {s["url"] for s in data["sources"] if s["primary"]}
        if data["status_source_url"] not in primary:
            yield "verification primary but the status source is not primary"
    if data["verification"] == "unverified" and not data.get("notes"):
        yield "unverified cases need `notes` saying what remains to check"
    if data["summary"]["en"].strip() == data["summary"]["es"].strip():
        yield "summary.es is a copy of summary.en"
    yield from spanish_title_problems("caption_es", data["caption"], data.get("caption_es"))


# ---- SQLite --------------------------------------------------------------------------------

_TABLES = (
    "knowledge_case_parties", "knowledge_case_entries", "knowledge_case_places",
    "knowledge_case_sources", "knowledge_cases",
)  # fmt: skip


def replace_cases(conn: sqlite3.Connection, cases: Sequence[Entry]) -> None:
    """Replace the case tables with `cases` (already validated)."""
    for table in _TABLES:
        conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
    conn.executemany(
        "INSERT INTO knowledge_cases(case_id, caption, caption_es, court, docket, filed, status,"
        " status_date, status_source_url, summary_en, summary_es, policies, last_reviewed,"
        " verification, notes, source_file, source_line, position)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                c.id,
                d["caption"],
                d.get("caption_es"),
                d["court"],
                d.get("docket"),
                d.get("filed"),
                d["status"],
                d["status_date"],
                d["status_source_url"],
                d["summary"]["en"],
                d["summary"]["es"],
                json.dumps(d.get("policies") or [], ensure_ascii=False),
                d["last_reviewed"],
                d["verification"],
                d.get("notes"),
                c.file,
                c.line,
                c.position,
            )  # fmt: skip
            for c in cases
            for d in [c.data]
        ],
    )
    conn.executemany(
        "INSERT INTO knowledge_case_parties(case_id, seq, name, role, kind) VALUES (?,?,?,?,?)",
        [
            (c.id, i, p["name"], p["role"], p.get("kind"))
            for c in cases
            for i, p in enumerate(c.data["parties"])
        ],
    )
    conn.executemany(
        "INSERT INTO knowledge_case_entries(case_id, entry_id) VALUES (?,?)",
        [(c.id, e) for c in cases for e in c.data.get("entries") or []],
    )
    rows = []
    for c in cases:
        for usps in c.data.get("states") or []:
            rows.append((c.id, reference.state_fips_for_usps(usps), usps, None, None))
        for county in c.data.get("county_fips") or []:
            rows.append((c.id, county[:2], reference.usps_for_state_fips(county[:2]), county, None))
        for place in c.data.get("places") or []:
            rows.append((c.id, None, None, None, place))
    conn.executemany(
        "INSERT INTO knowledge_case_places(case_id, state_fips, usps, county_fips, place)"
        " VALUES (?,?,?,?,?)",
        rows,
    )
    conn.executemany(
        "INSERT INTO knowledge_case_sources(case_id, seq, url, publisher, title, accessed,"
        " is_primary) VALUES (?,?,?,?,?,?,?)",
        [
            (c.id, i, s["url"], s["publisher"], s.get("title"), s["accessed"], int(s["primary"]))
            for c in cases
            for i, s in enumerate(c.data["sources"])
        ],
    )


def list_cases(
    conn: sqlite3.Connection, state: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Loaded cases, newest action first; `state` is a postal code (IL) or FIPS (17).

    A case matches a state when it lists the state or a county in it.
    """
    where, params = ["1 = 1"], []
    if state:
        fips = state if state.isdigit() else reference.state_fips_for_usps(state)
        if fips is None:
            raise ValueError(f"unknown state {state!r}")
        where.append("case_id IN (SELECT case_id FROM knowledge_case_places WHERE state_fips = ?)")
        params.append(fips)
    if status:
        if status not in CASE_STATUSES:
            raise ValueError(f"unknown status {status!r}; one of {', '.join(CASE_STATUSES)}")
        where.append("status = ?")
        params.append(status)
    rows = conn.execute(
        f"SELECT * FROM knowledge_cases WHERE {' AND '.join(where)}"  # noqa: S608 - fixed text
        " ORDER BY status_date DESC, case_id",
        params,
    ).fetchall()
    return [_case_dict(conn, r) for r in rows]


def cases_for_entry(conn: sqlite3.Connection, entry_id: str) -> list[dict[str, Any]]:
    """The cases over one knowledge entry (e.g. the injunction that limits a law)."""
    rows = conn.execute(
        "SELECT c.* FROM knowledge_cases c JOIN knowledge_case_entries e USING (case_id)"
        " WHERE e.entry_id = ? ORDER BY c.status_date DESC, c.case_id",
        (entry_id,),
    ).fetchall()
    return [_case_dict(conn, r) for r in rows]


def case(conn: sqlite3.Connection, case_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM knowledge_cases WHERE case_id = ?", (case_id,)).fetchone()
    return _case_dict(conn, row) if row else None


def _case_dict(conn: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    cid = row["case_id"]
    parties = [
        {"name": r["name"], "role": r["role"], **({"kind": r["kind"]} if r["kind"] else {})}
        for r in conn.execute(
            "SELECT * FROM knowledge_case_parties WHERE case_id = ? ORDER BY seq", (cid,)
        )
    ]
    entries = [
        r[0]
        for r in conn.execute(
            "SELECT entry_id FROM knowledge_case_entries WHERE case_id = ? ORDER BY entry_id",
            (cid,),
        )
    ]
    places = conn.execute(
        "SELECT * FROM knowledge_case_places WHERE case_id = ? ORDER BY rowid", (cid,)
    ).fetchall()
    sources = [
        {
            "url": r["url"],
            "publisher": r["publisher"],
            "title": r["title"],
            "accessed": r["accessed"],
            "primary": bool(r["is_primary"]),
        }  # fmt: skip
        for r in conn.execute(
            "SELECT * FROM knowledge_case_sources WHERE case_id = ? ORDER BY seq", (cid,)
        )
    ]
    return {
        "id": cid,
        "caption": row["caption"],
        # NULL = no Spanish caption yet; `captions.es` then falls back to the caption as printed
        "caption_es": row["caption_es"],
        "captions": {"en": row["caption"], "es": row["caption_es"] or row["caption"]},
        "court": row["court"],
        "docket": row["docket"],
        "filed": row["filed"],
        "parties": parties,
        "entries": entries,
        "policies": json.loads(row["policies"] or "[]"),
        "states": [p["usps"] for p in places if p["usps"] and not p["county_fips"]],
        "county_fips": [p["county_fips"] for p in places if p["county_fips"]],
        "places": [p["place"] for p in places if p["place"]],
        "status": row["status"],
        "status_date": row["status_date"],
        "status_source_url": row["status_source_url"],
        "summary": {"en": row["summary_en"], "es": row["summary_es"]},
        "sources": sources,
        "last_reviewed": row["last_reviewed"],
        "verification": row["verification"],
        "notes": row["notes"],
        "provenance": {"file": f"families/law/data/{row['source_file']}", "line": row["source_line"]},
    }
