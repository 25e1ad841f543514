"""The registry's read-only queries (through `read.queries`, the CLI, the API and the pages).

Every function takes a connection and plain, already-validated values; every value from a
request reaches SQL as a bound parameter. Results are plain dicts (JSON-ready), carrying the
ids that lead back to publications, files and rows.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import defaultdict
from typing import Any

from patchwork_atlas.kernel.geo.reference import is_territory

MODELS = ("JEM", "TFM", "WSO")

AGREEMENT_COLUMNS = (
    "agreement_id", "agency_id", "agency_name", "state_usps", "model", "status", "signed_date",
    "signed_date_first", "first_seen_date", "last_seen_date", "removed_date", "n_publications",
    "moa_url", "addendum_url", "superseded_by", "first_publication_id", "last_publication_id",
    "review_reason",
)  # fmt: skip
AGENCY_COLUMNS = (
    "agency_id", "state_usps", "state_fips", "name", "agency_type", "county_cell",
    "first_seen_date", "last_seen_date",
)  # fmt: skip
EVENT_COLUMNS = (
    "event_id", "event_date", "kind", "list", "state_usps", "agency_id", "agency_name", "model",
    "agreement_id", "application_id", "publication_id", "detail",
)  # fmt: skip
# Where the named agency is, as Patchwork resolved it (beside what ICE printed), so every table
# that names an agency joins to county data on FIPS; `place_review` says when to check it.
PLACEMENT_COLUMNS = (
    "state_fips", "county_fips", "county_fips_all", "level", "place", "place_method", "place_review",
)  # fmt: skip
APPLICATION_COLUMNS = (
    "application_id", "agency_id", "agency_name", "state_usps", "model", "status",
    "first_seen_date", "last_seen_date", "ended_date", "agreement_id", "approved_date",
    "first_publication_id", "last_publication_id",
)  # fmt: skip


def _dicts(rows: list[sqlite3.Row]) -> list[dict[str, Any]]:
    return [dict(r) for r in rows]


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone()
        is not None
    )


# ---- freshness -------------------------------------------------------------------------------


def freshness(conn: sqlite3.Connection) -> dict[str, Any]:
    """As-of dates: the newest list, when ICE's page was last checked, and last found changed."""
    # one statement (every answer's citation asks): each MAX is one index probe
    participating, pending, checked, changed = conn.execute(
        "SELECT (SELECT MAX(published_date) FROM publications WHERE list = 'participating'),"
        " (SELECT MAX(published_date) FROM publications WHERE list = 'pending'),"
        " (SELECT MAX(checked_utc) FROM source_checks),"
        " (SELECT MAX(checked_utc) FROM source_checks WHERE outcome = 'new')").fetchone()
    return {
        "participating_as_of": participating,
        "pending_as_of": pending,
        "last_checked_utc": checked,
        "last_changed_utc": changed,
    }


def list_in_force(conn: sqlite3.Connection, date: str) -> dict[str, Any] | None:
    """The participating list in force on `date`: the last one ICE published on or before it
    that is not suspect (a truncated list is never shown as the state of the program)."""
    row = conn.execute(
        "SELECT publication_id, published_date FROM publications WHERE list = 'participating'"
        " AND suspect = 0 AND published_date IS NOT NULL AND published_date <= ?"
        " ORDER BY sort_key DESC LIMIT 1", (date,),
    ).fetchone()
    return dict(row) if row else None


def _active(as_of: dict[str, Any] | None) -> tuple[str, tuple]:
    """SQL over `agreements` for 'active': today's status, or on the list in force then."""
    if as_of is None:
        return "status = 'active'", ()
    return ("EXISTS (SELECT 1 FROM agreement_sightings s WHERE s.agreement_id = agreements.agreement_id"
            " AND s.publication_id = ?)", (as_of["publication_id"],))


def _pending(as_of: dict[str, Any] | None) -> tuple[str, tuple]:
    """SQL over `applications` for 'pending': today's, or listed then and not yet ended."""
    if as_of is None:
        return "status = 'pending'", ()
    day = as_of["published_date"]
    return ("first_seen_date <= ? AND (ended_date IS NULL OR ended_date > ?)", (day, day))


def summary(conn: sqlite3.Connection, state_usps: str | None = None,
            as_of: dict[str, Any] | None = None) -> dict[str, Any]:
    """Headline counts, nationally or for one state; with `as_of` (from `list_in_force`), as
    on that list."""
    where, params = ("AND state_usps = ?", (state_usps,)) if state_usps else ("", ())
    active, a_params = _active(as_of)
    pending_sql, p_params = _pending(as_of)
    by_model = {
        r[0]: r[1]
        for r in conn.execute(
            f"SELECT model, COUNT(*) FROM agreements WHERE {active} {where}"  # noqa: S608
            " GROUP BY model ORDER BY model",
            (*a_params, *params),
        )
    }
    agencies = conn.execute(
        f"SELECT COUNT(DISTINCT agency_id) FROM agreements WHERE {active} {where}",  # noqa: S608
        (*a_params, *params),
    ).fetchone()[0]
    pending = conn.execute(
        f"SELECT COUNT(*) FROM applications WHERE {pending_sql} {where}",  # noqa: S608
        (*p_params, *params),
    ).fetchone()[0]
    places = [r[0] for r in conn.execute(
        f"SELECT DISTINCT state_usps FROM agreements WHERE {active} {where}",  # noqa: S608
        (*a_params, *params),
    )]
    territories = sum(1 for usps in places if is_territory(usps))
    out = {
        "active_agreements": sum(by_model.values()),
        "active_by_model": by_model,
        "agencies_with_active_agreements": agencies,
        "pending_applications": pending,
        "states_with_active_agreements": len(places) - territories,  # the 50 states and DC
        "territories_with_active_agreements": territories,
        **freshness(conn),
    }
    if as_of is not None:
        out["participating_as_of"] = as_of["published_date"]
    return out


def states_table(conn: sqlite3.Connection, as_of: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Per state: active agreements by model and pending applications (the map's table)."""
    active, a_params = _active(as_of)
    pending_sql, p_params = _pending(as_of)
    out: dict[str, dict[str, Any]] = {}
    for r in conn.execute(
        f"SELECT state_usps, model, COUNT(*) AS n FROM agreements WHERE {active}"  # noqa: S608
        " GROUP BY state_usps, model", a_params,
    ):
        row = out.setdefault(r["state_usps"], {"state_usps": r["state_usps"], "by_model": {}, "pending": 0})
        row["by_model"][r["model"]] = r["n"]
    for r in conn.execute(
        f"SELECT state_usps, COUNT(*) AS n FROM applications WHERE {pending_sql}"  # noqa: S608
        " GROUP BY state_usps", p_params,
    ):
        row = out.setdefault(r["state_usps"], {"state_usps": r["state_usps"], "by_model": {}, "pending": 0})
        row["pending"] = r["n"]
    for row in out.values():
        row["active"] = sum(row["by_model"].values())
    return [out[k] for k in sorted(out)]


# ---- agreements ------------------------------------------------------------------------------


def as_of_publication(conn: sqlite3.Connection, list_name: str, date: str) -> dict[str, Any] | None:
    """The latest publication of a list dated on or before `date`, with `gap` set when `date`
    falls in a gap of more than GAP_DAYS between lists (the answer is then the list before it);
    None when no list is held from before `date`."""
    row = conn.execute(
        "SELECT publication_id, published_date FROM publications WHERE list = ?"
        " AND published_date IS NOT NULL AND published_date <= ? ORDER BY sort_key DESC LIMIT 1",
        (list_name, date),
    ).fetchone()
    if row is None:
        return None
    out = dict(row)
    cover = next((c for c in coverage(conn) if c["list"] == list_name), None)
    out["gap"] = next((g for g in (cover or {}).get("gaps", []) if g["after"] <= date < g["before"]),
                      None)
    return out


GAP_DAYS = 30  # a longer wait between two lists we hold is stated as a gap in our coverage


def coverage(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """What we hold of each ICE list: first and last publication, how many, and every gap longer
    than GAP_DAYS between consecutive ones (history starts at the first list, never before)."""
    out = []
    for list_name in ("participating", "pending"):
        dates = [r[0] for r in conn.execute(
            "SELECT DISTINCT published_date FROM publications WHERE list = ? AND published_date"
            " IS NOT NULL ORDER BY published_date", (list_name,))]
        if not dates:
            continue
        gaps = []
        for a, b in zip(dates, dates[1:], strict=False):
            days = (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days
            if days > GAP_DAYS:
                gaps.append({"after": a, "before": b, "days": days})
        out.append({"list": list_name, "first": dates[0], "last": dates[-1],
                    "publications": len(dates), "gaps": gaps})
    return out


def agreements(
    conn: sqlite3.Connection,
    *,
    state: str | None = None,
    model: str | None = None,
    status: str | None = None,
    agency_id: str | None = None,
    county_fips: str | None = None,
    as_of_publication_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Agreements matching the filters, and the total count (for pagination)."""
    clauses, params = [], []
    join = ""
    if as_of_publication_id:
        join = " JOIN agreement_sightings s ON s.agreement_id = a.agreement_id AND s.publication_id = ?"
        params.append(as_of_publication_id)
    for column, value in (("a.state_usps", state), ("a.model", model), ("a.status", status),
                          ("a.agency_id", agency_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if county_fips is not None:
        ids = agencies_in_county(conn, county_fips)
        clauses.append(f"a.agency_id IN ({','.join('?' * len(ids)) or 'NULL'})")
        params.extend(ids)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    base = f" FROM agreements a JOIN agencies g ON g.agency_id = a.agency_id{join}{where}"
    total = conn.execute(f"SELECT COUNT(*){base}", params).fetchone()[0]  # noqa: S608
    rows = conn.execute(
        f"SELECT a.*, g.name AS agency_name{base}"  # noqa: S608 - fixed fragments, bound values
        " ORDER BY a.state_usps, g.name, a.model, a.agreement_id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    return [_agreement(r) for r in rows], total


def _agreement(row: sqlite3.Row) -> dict[str, Any]:
    return {k: row[k] for k in AGREEMENT_COLUMNS}


def agreement(conn: sqlite3.Connection, agreement_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT a.*, g.name AS agency_name FROM agreements a JOIN agencies g USING (agency_id)"
        " WHERE a.agreement_id = ?",
        (agreement_id,),
    ).fetchone()
    if row is None:
        return None
    out = _agreement(row)
    out["sightings"] = _dicts(
        conn.execute(
            "SELECT p.publication_id, p.published_date, p.date_rule, s.signed_date, p.canonical_sha256"
            " FROM agreement_sightings s JOIN publications p USING (publication_id)"
            " WHERE s.agreement_id = ? ORDER BY p.sort_key",
            (agreement_id,),
        ).fetchall()
    )
    out["source_rows"] = _dicts(
        conn.execute(
            "SELECT r.sha256, r.sheet, r.row_number, r.agency_raw, r.type_raw, r.signed_raw,"
            " r.moa_raw, r.moa_url FROM agreement_sightings s"
            " JOIN publications p USING (publication_id)"
            " JOIN sheet_rows r ON r.sha256 = p.canonical_sha256 AND r.agency_id = ?"
            " AND r.model = ? WHERE s.agreement_id = ? ORDER BY p.sort_key, r.row_number LIMIT 500",
            (row["agency_id"], row["model"], agreement_id),
        ).fetchall()
    )
    out["events"] = events(conn, agreement_id=agreement_id, limit=500)[0]
    out["on_first_list"] = any(e["kind"] == "agreement_listed" and isinstance(e["detail"], dict)
                               and e["detail"].get("on_first_list") for e in out["events"])
    return out


# ---- agencies --------------------------------------------------------------------------------


def agencies(
    conn: sqlite3.Connection,
    *,
    state: str | None = None,
    q: str | None = None,
    active: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    clauses, params = [], []
    if state is not None:
        clauses.append("g.state_usps = ?")
        params.append(state)
    if q:
        clauses.append("g.name LIKE ? ESCAPE '\\'")
        params.append("%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    if active is not None:
        test = "EXISTS" if active else "NOT EXISTS"
        clauses.append(
            f"{test} (SELECT 1 FROM agreements a WHERE a.agency_id = g.agency_id AND a.status='active')"  # noqa: S608 - fixed fragments, bound values
        )
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    total = conn.execute(f"SELECT COUNT(*) FROM agencies g{where}", params).fetchone()[0]  # noqa: S608
    rows = conn.execute(
        f"SELECT g.* FROM agencies g{where} ORDER BY g.state_usps, g.name LIMIT ? OFFSET ?",  # noqa: S608
        [*params, limit, offset],
    ).fetchall()
    out = [{k: r[k] for k in AGENCY_COLUMNS} for r in rows]
    _attach_active_models(conn, out)
    placed(conn, out)
    return out, total


def placed(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add PLACEMENT_COLUMNS to rows that carry an agency_id (empty when not resolved)."""
    if not has_table(conn, "agency_jurisdictions"):
        return rows
    where = {
        r["agency_id"]: {
            "state_fips": r["state_fips"], "county_fips": r["county_fips"],
            "county_fips_all": [c for c in (r["county_fips_all"] or "").split(";") if c],
            "level": r["level"], "place": r["place"], "place_method": r["method"],
            "place_review": r["review_reason"],
        }
        for r in conn.execute("SELECT * FROM agency_jurisdictions")
    }  # fmt: skip
    for row in rows:
        found = where.get(row.get("agency_id") or "")
        for key in PLACEMENT_COLUMNS:
            if row.get(key) is None:
                row[key] = found[key] if found is not None else None
    return rows


def _attach_active_models(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
    ids = [r["agency_id"] for r in rows]
    models: dict[str, list[str]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for r in conn.execute(
            "SELECT agency_id, model FROM agreements WHERE status='active'"  # noqa: S608 - fixed fragments, bound values
            f" AND agency_id IN ({','.join('?' * len(chunk))}) ORDER BY model",  # noqa: S608
            chunk,
        ):
            models[r[0]].append(r[1])
    for row in rows:
        row["active_models"] = models.get(row["agency_id"], [])


def agency(conn: sqlite3.Connection, agency_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM agencies WHERE agency_id = ?", (agency_id,)).fetchone()
    if row is None:
        return None
    out = {k: row[k] for k in AGENCY_COLUMNS}
    out["names"] = _dicts(
        conn.execute(
            "SELECT name_raw, n_rows FROM agency_names WHERE agency_id = ? ORDER BY n_rows DESC, name_raw",
            (agency_id,),
        ).fetchall()
    )
    out["agreements"] = agreements(conn, agency_id=agency_id, limit=1000)[0]
    out["applications"] = applications(conn, agency_id=agency_id, limit=1000)[0]
    out["events"] = events(conn, agency_id=agency_id, limit=1000)[0]
    out["jurisdictions"] = agency_jurisdictions(conn, agency_id)
    _attach_active_models(conn, [out])
    return out


def agency_jurisdictions(conn: sqlite3.Connection, agency_id: str) -> list[dict[str, Any]]:
    if not has_table(conn, "agency_jurisdictions"):
        return []
    return _dicts(
        conn.execute("SELECT * FROM agency_jurisdictions WHERE agency_id = ?", (agency_id,)).fetchall()
    )


def applications(
    conn: sqlite3.Connection,
    *,
    state: str | None = None,
    status: str | None = None,
    agency_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    clauses, params = [], []
    for column, value in (("p.state_usps", state), ("p.status", status), ("p.agency_id", agency_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    base = f" FROM applications p JOIN agencies g USING (agency_id){where}"
    total = conn.execute(f"SELECT COUNT(*){base}", params).fetchone()[0]  # noqa: S608
    rows = conn.execute(
        f"SELECT p.*, g.name AS agency_name{base}"  # noqa: S608
        " ORDER BY p.state_usps, g.name, p.model LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    return [{k: r[k] for k in APPLICATION_COLUMNS} for r in rows], total


# ---- events and publications -----------------------------------------------------------------


def events(
    conn: sqlite3.Connection,
    *,
    state: str | None = None,
    kind: str | None = None,
    agency_id: str | None = None,
    agreement_id: str | None = None,
    agency_ids: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    exclude_kinds: tuple[str, ...] = (),
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Events, newest first (`exclude_kinds` hides kinds, e.g. the MOA postings by default)."""
    clauses, params = [], []
    if exclude_kinds:
        clauses.append(f"e.kind NOT IN ({','.join('?' * len(exclude_kinds))})")
        params.extend(exclude_kinds)
    for column, value in (("e.state_usps", state), ("e.kind", kind), ("e.agency_id", agency_id),
                          ("e.agreement_id", agreement_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if since is not None:
        clauses.append("e.event_date >= ?")
        params.append(since)
    if until is not None:
        clauses.append("e.event_date <= ?")
        params.append(until)
    if agency_ids is not None:
        clauses.append(f"e.agency_id IN ({','.join('?' * len(agency_ids)) or 'NULL'})")
        params.extend(agency_ids)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    base = f" FROM events e LEFT JOIN agencies g ON g.agency_id = e.agency_id{where}"
    total = conn.execute(f"SELECT COUNT(*){base}", params).fetchone()[0]  # noqa: S608
    rows = conn.execute(
        f"SELECT e.*, g.name AS agency_name{base}"  # noqa: S608
        " ORDER BY e.event_date DESC, e.event_id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    out = []
    for r in rows:
        item = {k: r[k] for k in EVENT_COLUMNS}
        try:
            item["detail"] = json.loads(item["detail"] or "{}")
        except ValueError:
            pass
        out.append(item)
    return out, total


def publications(
    conn: sqlite3.Connection, *, list_name: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    where, params = (" WHERE list = ?", [list_name]) if list_name else ("", [])
    total = conn.execute(f"SELECT COUNT(*) FROM publications{where}", params).fetchone()[0]  # noqa: S608
    rows = conn.execute(
        "SELECT publication_id, list, published_date, date_rule, date_note, era, canonical_sha256,"  # noqa: S608 - fixed fragments, bound values
        " n_data_rows, n_rows_stored, suspect, suspect_reason FROM publications"
        f"{where} ORDER BY sort_key DESC LIMIT ? OFFSET ?",  # noqa: S608
        [*params, limit, offset],
    ).fetchall()
    out = _dicts(rows)
    ids = [r["publication_id"] for r in out]
    files: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for r in conn.execute(
            "SELECT pf.publication_id, pf.sha256, pf.name_date, f.bytes,"  # noqa: S608 - fixed fragments, bound values
            " (SELECT s.file_name FROM file_sightings s WHERE s.sha256 = pf.sha256 ORDER BY s.retrieved_utc LIMIT 1) AS file_name,"
            # a local file's origin is a path on the server's disk: show its name instead
            " (SELECT CASE WHEN s.origin LIKE 'http://%' OR s.origin LIKE 'https://%' THEN s.origin"
            " ELSE s.file_name END FROM file_sightings s WHERE s.sha256 = pf.sha256"
            " ORDER BY s.retrieved_utc LIMIT 1) AS origin"
            " FROM publication_files pf JOIN raw_files f USING (sha256)"
            f" WHERE pf.publication_id IN ({','.join('?' * len(chunk))}) ORDER BY pf.sha256",  # noqa: S608
            chunk,
        ):
            files[r["publication_id"]].append({k: r[k] for k in ("sha256", "file_name", "name_date", "bytes", "origin")})
    for row in out:
        row["suspect"] = bool(row["suspect"])
        row["files"] = files.get(row["publication_id"], [])
    return out, total


def raw_file(conn: sqlite3.Connection, sha256: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT f.sha256, f.bytes, f.archive_path, f.family, f.kind,"
        " (SELECT file_name FROM file_sightings s WHERE s.sha256 = f.sha256 ORDER BY retrieved_utc LIMIT 1)"
        " AS file_name FROM raw_files f WHERE f.sha256 = ?",
        (sha256,),
    ).fetchone()
    return dict(row) if row else None


# ---- geography -------------------------------------------------------------------------------


def fips_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("["):
        try:
            return [str(v) for v in json.loads(text)]
        except ValueError:
            return []
    return [t.strip() for t in text.replace(";", ",").replace(" ", ",").split(",") if t.strip()]


def _jurisdiction_rows(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    if not has_table(conn, "agency_jurisdictions"):
        return []
    return conn.execute("SELECT * FROM agency_jurisdictions").fetchall()


def _counties_of(row: sqlite3.Row) -> list[str]:
    keys = row.keys()
    found = fips_list(row["county_fips_all"]) if "county_fips_all" in keys else []
    if not found and "county_fips" in keys and row["county_fips"]:
        found = [str(row["county_fips"])]
    return [f for f in found if len(f) == 5 and f.isdigit()]


def agencies_in_county(conn: sqlite3.Connection, county_fips: str) -> list[str]:
    """Agencies whose jurisdiction covers a county (statewide agencies excluded)."""
    if has_table(conn, "agency_counties"):
        return [
            r[0]
            for r in conn.execute(
                "SELECT c.agency_id FROM agency_counties c JOIN agency_jurisdictions j USING (agency_id)"
                " WHERE c.county_fips = ? AND j.level != 'state' ORDER BY c.agency_id",
                (county_fips,),
            )
        ]
    out = []
    for row in _jurisdiction_rows(conn):
        if (row["level"] or "") != "state" and county_fips in _counties_of(row):
            out.append(row["agency_id"])
    return sorted(set(out))


def county_status(conn: sqlite3.Connection, as_of: dict[str, Any] | None = None) -> dict[str, Any]:
    """Active models per county, and statewide agreements per state (drawn apart on the map)."""
    active: dict[str, set[str]] = defaultdict(set)
    where, params = _active(as_of)
    for r in conn.execute(f"SELECT agency_id, model FROM agreements WHERE {where}", params):  # noqa: S608
        active[r[0]].add(r[1])
    counties: dict[str, dict[str, Any]] = {}
    statewide: dict[str, dict[str, Any]] = {}
    for row in _jurisdiction_rows(conn):
        models = active.get(row["agency_id"])
        if not models:
            continue
        if (row["level"] or "") == "state":
            st = statewide.setdefault(str(row["state_fips"]), {"models": set(), "agencies": set()})
            st["models"] |= models
            st["agencies"].add(row["agency_id"])
            continue
        for fips in _counties_of(row):
            c = counties.setdefault(fips, {"models": set(), "agencies": set()})
            c["models"] |= models
            c["agencies"].add(row["agency_id"])
    return {"counties": counties, "statewide": statewide}


def state_series(conn: sqlite3.Connection, state_usps: str) -> list[dict[str, Any]]:
    """Active agreements by model in each participating list (the state page's chart)."""
    return series(conn, state_usps=state_usps)


def series(
    conn: sqlite3.Connection, *, state_usps: str | None = None, monthly: bool = False,
    until: str | None = None,
) -> list[dict[str, Any]]:
    """Agreements on each non-suspect participating list, by model, from the first list held
    (nothing is drawn before data exists); with `monthly`, the last list of each month; with
    `until`, lists dated on or before it. A list on which a state has none counts zero."""
    pubs = conn.execute(
        "SELECT publication_id, published_date FROM publications WHERE list = 'participating'"
        " AND suspect = 0 AND published_date IS NOT NULL AND (? IS NULL OR published_date <= ?)"
        " ORDER BY sort_key", (until, until),
    ).fetchall()
    if monthly:
        last: dict[str, sqlite3.Row] = {}
        for r in pubs:
            last[r["published_date"][:7]] = r
        pubs = list(last.values())
    points = {r["publication_id"]: {"date": r["published_date"], "publication_id": r["publication_id"],
                                    "by_model": {}} for r in pubs}
    if not points:
        return []
    # series_counts: derived with the sightings (lifecycle._write_series)
    sql = ("SELECT publication_id, model, n FROM series_counts WHERE state_usps = ?" if state_usps else
           "SELECT publication_id, model, SUM(n) AS n FROM series_counts GROUP BY publication_id, model")
    for r in conn.execute(sql, (state_usps,) if state_usps else ()):
        point = points.get(r["publication_id"])
        if point is not None:
            point["by_model"][r["model"]] = r["n"]
    return list(points.values())
