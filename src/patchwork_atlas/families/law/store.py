"""Loading the knowledge files into SQLite, and reading back what applies to a place.

The YAML files are the truth; the tables are a copy replaced wholesale whenever the files
change, so the same files always give identical rows (and an unchanged set costs one hash).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from patchwork_atlas.families.law import reference
from patchwork_atlas.families.law.cases import replace_cases
from patchwork_atlas.families.law.designations import replace_designations
from patchwork_atlas.families.law.titles import SPANISH_TITLE_KEYS
from patchwork_atlas.families.law.validate import (
    Entry,
    Loaded,
    check,
    file_digests,
    is_verified,
    read_files,
)
from patchwork_atlas.kernel.store import transaction

# `verification` (0005) is kept as the derived 'verified'/'unverified' for older readers;
# `verification_level` (0006) holds primary | secondary | unverified, `verified` the 0/1 flag.
_ENTRY_COLUMNS = (
    "entry_id", "grp", "level", "state_fips", "county_fips", "place", "kind", "title",
    "citation", "enacted", "effective", "ended", "decided", "published", "status",
    "summary_en", "summary_es", "last_reviewed", "verification", "searched", "notes",
    "source_file", "source_line", "position", "verification_level", "verified",
    "concerns_states", "title_es",
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
    # a missing Spanish title is reported by `knowledge check` but keeps no law off the pages
    bad_ids = {
        p.entry_id for p in problems
        if p.entry_id and not p.message.startswith(SPANISH_TITLE_KEYS)
    }  # fmt: skip
    # file-level problems (freshness records) do not make a file's entries wrong
    bad_files = {p.file for p in problems if not p.entry_id and not _file_meta_problem(p)}
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
    good_cases = [c for c in loaded.cases if c.id and c.id not in bad_ids and c.file not in bad_files]
    good_lists = [
        x for x in loaded.designation_lists
        if x.id and x.id not in bad_ids and x.file not in bad_files
    ]  # fmt: skip
    for item in loaded.cases + loaded.designation_lists:
        if item not in good_cases and item not in good_lists:
            per_file_problems[item.file] = per_file_problems.get(item.file, 0) + 1
    own = not conn.in_transaction
    with transaction(conn) if own else _nothing():
        _replace(conn, good, digests, per_file_entries, per_file_problems)
        replace_cases(conn, good_cases)
        replace_designations(conn, good_lists)
        _replace_freshness(conn, loaded)
    skipped = len(loaded.entries) - len(good)
    skipped += len(loaded.cases) - len(good_cases)
    skipped += len(loaded.designation_lists) - len(good_lists)
    return {"changed": True, "entries": len(good), "skipped": skipped}


def _file_meta_problem(problem: Any) -> bool:
    return problem.message.startswith(
        ("state file lacks", "checked_through", "searched", "schema: searched", "stale:")
    )


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _replace_freshness(conn: sqlite3.Connection, loaded: Loaded) -> None:
    conn.execute("DELETE FROM knowledge_state_freshness")
    rows = []
    for name in sorted(loaded.meta):
        if not name.startswith("states/"):
            continue
        usps = name.split("/")[1].rsplit(".", 1)[0].upper()
        fips = reference.state_fips_for_usps(usps)
        if fips is None:
            continue
        meta = loaded.meta[name]
        rows.append(
            (
                fips, usps, meta.get("checked_through"),
                json.dumps(meta.get("searched") or [], ensure_ascii=False), name,
            )
        )  # fmt: skip
    conn.executemany(
        "INSERT INTO knowledge_state_freshness(state_fips, usps, checked_through, searched,"
        " source_file) VALUES (?,?,?,?,?)",
        rows,
    )


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
        d["summary"]["en"], d["summary"]["es"], d["last_reviewed"],
        "verified" if is_verified(d["verification"]) else "unverified",
        d.get("searched"), d.get("notes"), e.file, e.line, e.position,
        d["verification"], int(is_verified(d["verification"])),
        " ".join(d.get("concerns_states") or []) or None, d.get("title_es"),
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
    memo: dict[Any, Any] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """What law and policy applies to a place: federal framework, its state's, and local.

    `local` holds the county entries for the given counties and municipal entries in them;
    with `place_name`, only that municipality's own entries (matched by name, case-blind)
    rather than every city in the county. `memo` (one dict for many places read in one go,
    never kept across reads) holds what places of the same state share.
    """
    memo = {} if memo is None else memo
    counties = sorted({c for c in county_fips_list if c})
    federal = federal_entries(conn, state_fips, memo)
    if ("state", state_fips) not in memo:
        memo["state", state_fips] = (
            _query(conn, "level = 'state' AND state_fips = ?", (state_fips,)) if state_fips else [])
    state = memo["state", state_fips]
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


def federal_entries(conn: sqlite3.Connection, state_fips: str | None = None,
                    memo: dict[Any, Any] | None = None) -> list[dict[str, Any]]:
    """The federal framework, the rulings that concern the state (if given) first."""
    memo = {} if memo is None else memo
    if "federal" not in memo:
        memo["federal"] = _query(conn, "level = 'federal'", ())
    usps = reference.usps_for_state_fips(state_fips) if state_fips else None
    if ("federal", usps) not in memo:
        memo["federal", usps] = sorted(memo["federal"], key=lambda e: usps not in e.get("concerns_states", [])) \
            if usps else list(memo["federal"])
    return memo["federal", usps]


def entry(conn: sqlite3.Connection, entry_id: str) -> dict[str, Any] | None:
    found = _query(conn, "entry_id = ?", (entry_id,))
    return found[0] if found else None


def all_entries(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return entries(conn)


def entries(conn: sqlite3.Connection, level: str | None = None,
            state_fips: str | None = None) -> list[dict[str, Any]]:
    """Entries of one level and/or of one state's jurisdictions (its state, county and
    municipal entries), in file order."""
    where, params = ["1 = 1"], []
    if level:
        where.append("level = ?")
        params.append(level)
    if state_fips:
        where.append("state_fips = ?")
        params.append(state_fips)
    return _query(conn, " AND ".join(where), params)


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
        # NULL = no Spanish title yet; `titles.es` then falls back to the official title
        "title_es": row["title_es"],
        "titles": {"en": row["title"], "es": row["title_es"] or row["title"]},
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
        # legacy 'verified'/'unverified'; the level is `verification_level`
        "verification": row["verification"],
        "verification_level": row["verification_level"],
        "verified": bool(row["verified"]),
        "concerns_states": (row["concerns_states"] or "").split(),
        "searched": row["searched"],
        "notes": row["notes"],
        "provenance": {"file": f"families/law/data/{row['source_file']}", "line": row["source_line"]},
    }


def entries_concerning_state(conn: sqlite3.Connection, state: str) -> list[dict[str, Any]]:
    """Federal entries whose `concerns_states` names this state (postal code or FIPS)."""
    usps = state.upper() if not state.isdigit() else reference.usps_for_state_fips(state)
    return [
        e
        for e in _query(conn, "level = 'federal' AND concerns_states IS NOT NULL", ())
        if usps in e["concerns_states"]
    ]


def state_freshness(conn: sqlite3.Connection, state: str | None = None) -> list[dict[str, Any]]:
    """Each state's checked_through and searches (stalest first), or one state's."""
    sql, params = "SELECT * FROM knowledge_state_freshness", ()
    if state:
        fips = state if state.isdigit() else reference.state_fips_for_usps(state)
        sql, params = sql + " WHERE state_fips = ?", (fips,)
    rows = conn.execute(sql + " ORDER BY checked_through, usps", params).fetchall()
    return [
        {
            "state_fips": r["state_fips"], "usps": r["usps"],
            "checked_through": r["checked_through"], "searched": json.loads(r["searched"]),
        }  # fmt: skip
        for r in rows
    ]


def states_without_primary(conn: sqlite3.Connection) -> list[str]:
    """Postal codes of the 50 states + DC with no state-level entry at `primary` (loaded)."""
    have = {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT state_fips FROM knowledge_entries"
            " WHERE grp = 'state' AND level = 'state' AND verification_level = 'primary'"
        )
    }
    return sorted(
        reference.usps_for_state_fips(f) or f for f in reference.target_state_fips() - have
    )


def stats(conn: sqlite3.Connection) -> dict[str, Any]:
    """Loaded entries by group and verification level, for `patchwork stats`."""
    rows = conn.execute(
        "SELECT grp, verification_level, count(*) FROM knowledge_entries"
        " GROUP BY grp, verification_level ORDER BY 1, 2"
    ).fetchall()
    out: dict[str, Any] = {f"{g} {v}": n for g, v, n in rows}
    out["states covered"] = conn.execute(
        "SELECT count(DISTINCT state_fips) FROM knowledge_entries WHERE grp = 'state'"
    ).fetchone()[0]
    out["cases"] = conn.execute("SELECT count(*) FROM knowledge_cases").fetchone()[0]
    return out
