"""The registry's part of `patchwork stats`: counts as of the latest publication, totals over
time, and how many agencies are placed."""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from typing import Any

from patchwork_atlas.families.ice287g.geography import coverage_stats


def latest_publication(conn: sqlite3.Connection, list_name: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM publications WHERE list = ? ORDER BY sort_key DESC LIMIT 1", (list_name,)
    ).fetchone()


def counts_in(conn: sqlite3.Connection, publication: sqlite3.Row) -> dict[str, Any]:
    """Direct count of the publication's own rows (normalized state and model)."""
    by_model: Counter = Counter()
    by_state: dict[str, Counter] = defaultdict(Counter)
    for r in conn.execute(
        "SELECT state_usps, model FROM sheet_rows WHERE sha256 = ?", (publication["canonical_sha256"],)
    ):
        by_model[r[1] or "unknown"] += 1
        by_state[r[0] or "unknown"][r[1] or "unknown"] += 1
    return {
        "publication_id": publication["publication_id"],
        "published_date": publication["published_date"],
        "suspect": bool(publication["suspect"]),
        "rows": sum(by_model.values()),
        "by_model": dict(sorted(by_model.items())),
        "by_state": {s: dict(sorted(c.items())) for s, c in sorted(by_state.items())},
    }


def over_time(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Rows by model in the last non-suspect participating list of each month."""
    series: dict[str, dict[str, Any]] = {}
    for month, as_of, model, n in conn.execute(
        "WITH last AS (SELECT substr(published_date, 1, 7) AS month, max(sort_key) AS k FROM publications"
        " WHERE list = 'participating' AND suspect = 0 AND published_date IS NOT NULL GROUP BY month)"
        " SELECT last.month, p.published_date, coalesce(r.model, 'unknown'), count(r.sha256) FROM last"
        " JOIN publications p ON p.sort_key = last.k AND p.list = 'participating'"
        " LEFT JOIN sheet_rows r ON r.sha256 = p.canonical_sha256"
        " GROUP BY last.month, p.published_date, coalesce(r.model, 'unknown') ORDER BY 1, 3"
    ):
        point = series.setdefault(month, {"month": month, "as_of": as_of, "total": 0})
        if n:  # an empty list still has its month, with a total of 0
            point[model] = n
            point["total"] += n
    return list(series.values())


def registry_stats(conn: sqlite3.Connection) -> dict[str, Any]:
    """The registry's figures for `patchwork stats`; its geography coverage under `geography`."""
    data: dict[str, Any] = {}
    for list_name in ("participating", "pending"):
        pub = latest_publication(conn, list_name)
        data[f"latest_{list_name}"] = counts_in(conn, pub) if pub else None
    data["agreements_by_status"] = dict(conn.execute("SELECT status, count(*) FROM agreements GROUP BY status").fetchall())
    data["applications_by_status"] = dict(conn.execute("SELECT status, count(*) FROM applications GROUP BY status").fetchall())
    data["publications"] = dict(conn.execute("SELECT list, count(*) FROM publications GROUP BY list").fetchall())
    data["files"] = dict(conn.execute("SELECT family, count(*) FROM raw_files GROUP BY family").fetchall())
    data["agencies"] = conn.execute("SELECT count(*) FROM agencies").fetchone()[0]
    data["events_by_kind"] = dict(conn.execute("SELECT kind, count(*) FROM events GROUP BY kind").fetchall())
    data["over_time"] = over_time(conn)
    data["geography"] = coverage_stats(conn)
    return data
