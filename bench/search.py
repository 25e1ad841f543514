"""Search latency (issue 12): every query of tests/data/search_queries.csv through the one search
(read.places.search, as the web, the API and `patchwork lookup` call it) on a database of the
shared data. Goal: every query under 50 ms once the reference data is loaded.

Run: PYTHONPATH=src .venv/bin/python bench/search.py DB   (a database ingested from ../shared/data)
"""

from __future__ import annotations

import csv
import sqlite3
import statistics
import sys
import time
from pathlib import Path

TABLE = Path(__file__).resolve().parents[1] / "tests" / "data" / "search_queries.csv"
RUNS = 5


def main(db: str) -> None:
    from patchwork_atlas.read.places import search

    conn = sqlite3.connect(f"{Path(db).resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    with TABLE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    t0 = time.perf_counter()
    search(conn, "Los Angelos")  # loads the reference tables and the suggestion index once
    cold = time.perf_counter() - t0
    times: dict[str, list[float]] = {}
    for _ in range(RUNS):
        for r in rows:
            t = time.perf_counter()
            search(conn, r["query"])
            times.setdefault(r["query"], []).append((time.perf_counter() - t) * 1000)
    best = {q: min(v) for q, v in times.items()}
    med = {q: statistics.median(v) for q, v in times.items()}
    worst = sorted(med.items(), key=lambda kv: -kv[1])[:5]
    allv = sorted(med.values())
    print(f"first query (loads reference data): {cold * 1000:.0f} ms")
    print(f"{len(rows)} queries x {RUNS} runs, median per query: p50 {allv[len(allv) // 2]:.2f} ms,"
          f" p95 {allv[int(len(allv) * 0.95)]:.2f} ms, max {allv[-1]:.2f} ms"
          f" (best-of-{RUNS} max {max(best.values()):.2f} ms)")
    print("slowest:", "; ".join(f"{q!r} {ms:.1f} ms" for q, ms in worst))
    print("under 50 ms:", all(v < 50 for v in med.values()))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/patchwork.sqlite")
