"""Loading the knowledge files into SQLite, and reading back what applies to a place.

The YAML files are the truth; the tables are a copy replaced wholesale whenever the files
change, so the same files always give identical rows (and an unchanged set costs one hash).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from patchwork_atlas.families.law.validate import Entry, check, file_digests, read_files
from patchwork_atlas.kernel.store import transaction

_ENTRY_COLUMNS = (
    "entry_id", "grp", "level", "state_fips", "county_fips", "place", "kind", "title",
    "citation", "enacted", "effective", "ended", "decided", "published", "status",
    "summary_en", "summary_es", "last_reviewed", "verification", "searched", "notes",
    "source_file", "source_line", "position",
)  # fmt: skip


def load_into(
    conn: sqlite3.Connection, *, root: Traversable | Path | None = None, force: bool = False
) -> dict[str, Any]:
    """Replace the knowledge tables with the files' valid entries; skip when nothing changed.

    Entries that fail validation are left out (never half-loaded) and counted, so a bad edit
    cannot put an unsourced claim on a profile; `patchwork knowledge check` names them.
    """
    digests = file_digests(root)
    stored = {r[0]: r[1] for r in conn.execute("SELECT path, sha256 FROM knowledge_files")}
    if stored == digests and not force:  # hashing is cheap; parsing and checking are not
        return {"changed": False, "entries": _count(conn), "skipped": _skipped(conn)}
    loaded = read_files(root)
    digests = {name: hashlib.sha256(raw).hexdigest() for name, raw in loaded.files.items()}
    problems = check(loaded)
    bad_ids = {p.entry_id for p in problems if p.entry_id}
    bad_files = {p.file for p in problems if not p.entry_id}
    good = [
        e for e in loaded.entries
        if e.id and e.id not in bad_ids and e.file not in bad_files
    ]  # fmt: skip
    # a duplicated id marks both copies bad above; anything still repeated is impossible here
    good.sort(key=lambda e: (e.file, e.position))
    per_file_entries: dict[str, int] = dict.fromkeys(digests, 0)
    per_file_problems: dict[str, int] = dict.fromkeys(digests, 0)
    for e in good:
        per_file_entries[e.file] += 1
    kept = {id(e) for e in good}
    for e in loaded.entries:
        if id(e) not in kept:
            per_file_problems[e.file] += 1
    own = not conn.in_transaction
    if own:
        with transaction(conn):
            _replace(conn, good, digests, per_file_entries, per_file_problems)
    else:
        _replace(conn, good, digests, per_file_entries, per_file_problems)
    return {"changed": True, "entries": len(good), "skipped": len(loaded.entries) - len(good)}


def _count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM knowledge_entries").fetchone()[0]


def _skipped(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COALESCE(SUM(problems), 0) FROM knowledge_files").fetchone()[0]


def _replace(
    conn: sqlite3.Connection,
    entries: Sequence[Entry],
    digests: dict[str, str],
    per_file_entries: dict[str, int],
    per_file_problems: dict[str, int],
) -> None:
    for table in (
        "knowledge_effects", "knowledge_sources", "knowledge_entry_counties",
        "knowledge_entries", "knowledge_files",
    ):  # fmt: skip
        conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
    placeholders = ",".join("?" * len(_ENTRY_COLUMNS))
    conn.executemany(
        f"INSERT INTO knowledge_entries({','.join(_ENTRY_COLUMNS)}) VALUES ({placeholders})",  # noqa: S608
        [_entry_row(e) for e in entries],
    )
    conn.executemany(
        "INSERT INTO knowledge_effects(entry_id, seq, tag, pinpoint, quote, source_url)"
        " VALUES (?,?,?,?,?,?)",
        [
            (e.id, i, f["tag"], f["pinpoint"], f["quote"], f["source_url"])
            for e in entries
            for i, f in enumerate(e.data["effects"])
        ],
    )
    conn.executemany(
        "INSERT INTO knowledge_sources(entry_id, seq, url, publisher, title, accessed, is_primary)"
        " VALUES (?,?,?,?,?,?,?)",
        [
            (e.id, i, s["url"], s["publisher"], s.get("title"), s["accessed"], int(s["primary"]))
            for e in entries
            for i, s in enumerate(e.data["sources"])
        ],
    )
    conn.executemany(
        "INSERT INTO knowledge_entry_counties(entry_id, county_fips, is_primary) VALUES (?,?,?)",
        [
            (e.id, fips, int(i == 0))
            for e in entries
            for i, fips in enumerate(_counties_of(e.data["jurisdiction"]))
        ],
    )
    conn.executemany(
        "INSERT INTO knowledge_files(path, sha256, entries, problems) VALUES (?,?,?,?)",
        [(p, d, per_file_entries[p], per_file_problems[p]) for p, d in sorted(digests.items())],
    )


def _counties_of(juris: dict[str, Any]) -> list[str]:
    first = [juris["county_fips"]] if juris.get("county_fips") else []
    return first + [c for c in juris.get("other_county_fips") or [] if c not in first]


def _entry_row(e: Entry) -> tuple[Any, ...]:
    d, j, dates = e.data, e.data["jurisdiction"], e.data.get("dates") or {}
    return (
        e.id, e.group, j["level"], j.get("state_fips"), j.get("county_fips"), j.get("place"),
        d["kind"], d["title"], d.get("citation"), dates.get("enacted"), dates.get("effective"),
        dates.get("ended"), _decided(d), dates.get("published"), d["status"],
        d["summary"]["en"], d["summary"]["es"], d["last_reviewed"], d["verification"],
        d.get("searched"), d.get("notes"), e.file, e.line, e.position,
    )  # fmt: skip


def _decided(d: dict[str, Any]) -> str | None:
    """A ruling's decision date; files may give it as `decided` or (older format) `enacted`."""
    dates = d.get("dates") or {}
    if dates.get("decided"):
        return dates["decided"]
    return dates.get("enacted") if d["kind"] == "court_ruling" else None


# ---- reading back ------------------------------------------------------------------------


def entries_for_place(
    conn: sqlite3.Connection,
    state_fips: str | None,
    county_fips_list: Iterable[str] = (),
    place_name: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """What law and policy applies to a place: federal framework, its state's, and local.

    `local` holds the county entries for the given counties and municipal entries in them;
    with `place_name`, only that municipality's own entries (matched by name, case-blind)
    rather than every city in the county.
    """
    counties = sorted({c for c in county_fips_list if c})
    federal = _query(conn, "level = 'federal'", ())
    state = _query(conn, "level = 'state' AND state_fips = ?", (state_fips,)) if state_fips else []
    local: list[dict[str, Any]] = []
    if counties:
        marks = ",".join("?" * len(counties))
        where = f"entry_id IN (SELECT entry_id FROM knowledge_entry_counties WHERE county_fips IN ({marks}))"  # noqa: S608 - placeholders only
        local = _query(conn, where, counties)
        if place_name:
            wanted = _place_key(place_name)
            local = [
                e
                for e in local
                if e["level"] == "county" or _place_key(e["jurisdiction"].get("place")) == wanted
            ]
    elif place_name and state_fips:
        local = [
            e
            for e in _query(conn, "level = 'municipal' AND state_fips = ?", (state_fips,))
            if _place_key(e["jurisdiction"].get("place")) == _place_key(place_name)
        ]
    return {"federal": federal, "state": state, "local": local}


def entry(conn: sqlite3.Connection, entry_id: str) -> dict[str, Any] | None:
    found = _query(conn, "entry_id = ?", (entry_id,))
    return found[0] if found else None


def all_entries(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return _query(conn, "1 = 1", ())


def _place_key(name: str | None) -> str:
    """'City of Austin' and 'austin' name the same place; county/city suffixes are kept."""
    key = " ".join((name or "").casefold().replace(".", "").split())
    for prefix in ("city of ", "town of ", "village of ", "township of ", "borough of "):
        if key.startswith(prefix):
            key = key[len(prefix) :]
    return key


def _query(conn: sqlite3.Connection, where: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    rows = conn.execute(
        f"SELECT * FROM knowledge_entries WHERE {where} ORDER BY source_file, position",  # noqa: S608 - where is built from fixed text
        tuple(params),
    ).fetchall()
    if not rows:
        return []
    ids = [r["entry_id"] for r in rows]
    effects = _children(conn, "knowledge_effects", ids)
    sources = _children(conn, "knowledge_sources", ids)
    counties = _children(conn, "knowledge_entry_counties", ids)
    out = []
    for r in rows:
        item = _as_dict(r, effects.get(r["entry_id"], []), sources.get(r["entry_id"], []))
        others = [c["county_fips"] for c in counties.get(r["entry_id"], []) if not c["is_primary"]]
        if others:
            item["jurisdiction"]["other_county_fips"] = others
        out.append(item)
    return out


def _children(conn: sqlite3.Connection, table: str, ids: list[str]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    order = "county_fips" if table == "knowledge_entry_counties" else "seq"
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(
            f"SELECT * FROM {table} WHERE entry_id IN ({marks}) ORDER BY entry_id, {order}",  # noqa: S608
            chunk,
        ):
            item = {k: row[k] for k in row.keys() if k not in ("entry_id", "seq")}
            if "is_primary" in item and table == "knowledge_sources":
                item["primary"] = bool(item.pop("is_primary"))
            out.setdefault(row["entry_id"], []).append(item)
    return out


def _as_dict(row: sqlite3.Row, effects: list[dict], sources: list[dict]) -> dict[str, Any]:
    """The API shape of one entry: the file's own structure, plus provenance and as-of date."""
    return {
        "id": row["entry_id"],
        "group": row["grp"],
        "jurisdiction": {
            k: row[k] for k in ("level", "state_fips", "county_fips", "place") if row[k] is not None
        },
        "level": row["level"],
        "kind": row["kind"],
        "title": row["title"],
        "citation": row["citation"],
        "dates": {
            k: row[k]
            for k in ("enacted", "effective", "ended", "decided", "published")
            if row[k] is not None
        },
        "status": row["status"],
        "effects": effects,
        "summary": {"en": row["summary_en"], "es": row["summary_es"]},
        "sources": sources,
        "last_reviewed": row["last_reviewed"],
        "as_of": row["last_reviewed"],
        "verification": row["verification"],
        "searched": row["searched"],
        "notes": row["notes"],
        "provenance": {"file": f"knowledge/data/{row['source_file']}", "line": row["source_line"]},
    }


def stats(conn: sqlite3.Connection) -> dict[str, Any]:
    """Loaded entries by group and verification, for `patchwork stats`."""
    rows = conn.execute(
        "SELECT grp, verification, count(*) FROM knowledge_entries GROUP BY grp, verification ORDER BY 1, 2"
    ).fetchall()
    out: dict[str, Any] = {f"{g} {v}": n for g, v, n in rows}
    out["states covered"] = conn.execute(
        "SELECT count(DISTINCT state_fips) FROM knowledge_entries WHERE grp = 'state'"
    ).fetchone()[0]
    return out
