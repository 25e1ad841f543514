"""MOA full-text search latency (issue 14): realistic two-word queries through
`families.moa.family.search`, the one query behind `/api/v1/moas/search`, `patchwork moa search`
and the pages, on a database holding the MOAs of ../shared/data/ice-287g-moa. Goal: every
query under 50 ms.

Run: PYTHONPATH=src .venv/bin/python bench/moa_search.py [DB]   (default: /tmp/moadev/moa-dev.sqlite)
Figures are printed and written to bench/results/moa_search.json for bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = 7
GOAL_MS = 50.0
# What a reader of the agreements looks for: clauses, duties, forms, people and places.
QUERIES = (
    "public information", "task force", "detainer form", "ICE supervision",
    "training requirements", "Spanish language", "complaint procedure", "civil liability",
    "warrant service", "jail enforcement", "immigration detainer", "probable cause",
    "Fourth Amendment", "language assistance", "racial profiling", "civil rights",
    "data collection", "media inquiries", "termination notice", "90-day written",
    "field office", "sheriff office", "state law", "criminal alien",
    "removal proceedings", "interpreter services", "use of force", "medical care",
    "background investigation", "security clearance", "officer safety", "body camera",
)  # fmt: skip


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))]


def main(db: str, out: Path) -> dict:
    from patchwork_atlas.families.moa.family import search

    conn = sqlite3.connect(f"{Path(db).resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    moas, pages = conn.execute("SELECT (SELECT count(*) FROM moas),"
                               " (SELECT count(*) FROM moa_pages)").fetchone()
    t0 = time.perf_counter()
    search(conn, "memorandum of agreement")  # the first query opens the FTS5 index
    first = (time.perf_counter() - t0) * 1000
    times: dict[str, list[float]] = {q: [] for q in QUERIES}
    hits: dict[str, int] = {}
    for _ in range(RUNS):
        for q in QUERIES:
            t = time.perf_counter()
            hits[q] = len(search(conn, q, limit=50))
            times[q].append((time.perf_counter() - t) * 1000)
    med = {q: statistics.median(v) for q, v in times.items()}
    allv = sorted(med.values())
    slowest = sorted(med.items(), key=lambda kv: -kv[1])[:5]
    filtered = []
    for q in QUERIES[:8]:  # with a filter, as the API's state/model parameters ask
        t = time.perf_counter()
        search(conn, q, model="TFM", limit=50)
        filtered.append((time.perf_counter() - t) * 1000)
    result = {
        "db": Path(db).name, "moas": moas, "pages": pages, "queries": len(QUERIES),
        "runs": RUNS, "first_query_ms": round(first, 2),
        "p50_ms": round(pct(allv, 50), 2), "p95_ms": round(pct(allv, 95), 2),
        "max_ms": round(allv[-1], 2), "max_filtered_ms": round(max(filtered), 2),
        "slowest": [{"query": q, "ms": round(ms, 2), "hits": hits[q]} for q, ms in slowest],
        "hits": hits, "goal_ms": GOAL_MS, "met": allv[-1] < GOAL_MS,
        "cpus": os.cpu_count(), "measured_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }  # fmt: skip
    print(f"{moas} MOAs, {pages} pages; first query {first:.1f} ms")
    print(f"{len(QUERIES)} queries x {RUNS} runs, median per query: p50 {result['p50_ms']} ms,"
          f" p95 {result['p95_ms']} ms, max {result['max_ms']} ms"
          f" (with a model filter: max {result['max_filtered_ms']} ms)")
    print("slowest:", "; ".join(f"{q!r} {ms:.2f} ms ({hits[q]} hits)" for q, ms in slowest))
    print("queries without a hit:", ", ".join(q for q, n in hits.items() if n == 0) or "none")
    print(f"under {GOAL_MS:.0f} ms:", result["met"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", nargs="?", default="/tmp/moadev/moa-dev.sqlite")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "moa_search.json")
    args = ap.parse_args()
    main(args.db, args.out)
