"""`patchwork stats`: counts as of the latest publication, totals over time, and each stage's
own figures (geography coverage, detention, legal help, knowledge) where that stage exists."""

from __future__ import annotations

import importlib
import sqlite3
from collections import Counter, defaultdict
from typing import Any

# (section, module, function(conn) -> dict) contributed by other stages.
STATS_PROVIDERS: list[tuple[str, str, str]] = [
    ("geography", "patchwork_atlas.geo.resolver", "coverage_stats"),
    ("detention", "patchwork_atlas.registry.facilities", "stats"),
    ("legal_help", "patchwork_atlas.registry.legal_services", "stats"),
    ("knowledge", "patchwork_atlas.knowledge", "stats"),
]


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


def collect(conn: sqlite3.Connection) -> dict[str, Any]:
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
    for section, module, func in STATS_PROVIDERS:
        try:
            provider = getattr(importlib.import_module(module), func)
        except (ImportError, AttributeError):
            continue
        data[section] = provider(conn)
    return data


def render_text(data: dict[str, Any]) -> str:
    lines = []
    for list_name in ("participating", "pending"):
        latest = data.get(f"latest_{list_name}")
        if not latest:
            lines.append(f"No {list_name} list ingested.")
            continue
        suspect = " (flagged suspect)" if latest["suspect"] else ""
        lines.append(f"Latest {list_name} list: {latest['published_date']}{suspect}, {latest['rows']} rows")
        lines.append("  by model: " + ", ".join(f"{m} {n}" for m, n in latest["by_model"].items()))
        if list_name == "participating":
            for state, counts in latest["by_state"].items():
                lines.append(f"  {state}: " + ", ".join(f"{m} {n}" for m, n in counts.items()))
    lines.append("Agreements: " + ", ".join(f"{k} {v}" for k, v in sorted(data["agreements_by_status"].items())))
    lines.append("Applications: " + ", ".join(f"{k} {v}" for k, v in sorted(data["applications_by_status"].items())))
    lines.append(f"Agencies: {data['agencies']}; publications: " + ", ".join(f"{k} {v}" for k, v in data["publications"].items()))
    lines.append("Files: " + ", ".join(f"{k} {v}" for k, v in data["files"].items()))
    lines.append("Rows by model over time (last list of each month):")
    for point in data["over_time"]:
        models = ", ".join(f"{k} {v}" for k, v in point.items() if k not in ("month", "as_of", "total"))
        lines.append(f"  {point['month']}: {point['total']} ({models})")
    for section, _m, _f in STATS_PROVIDERS:
        if section in data:
            lines.append(f"{section.replace('_', ' ').capitalize()}:")
            for key, value in data[section].items():
                lines.append(f"  {key}: {value}")
    return "\n".join(lines)
