"""Load benchmark (issue 6): a real `patchwork serve` on loopback takes at least 10,000 requests
over the main pages and API routes at 50 concurrent connections, and goes on until an ingest of
the 40 newest ICE lists into the same database has finished (so the run covers the ingest's
commits and the cache refresh that follows it). Goals: no errors, no response over 1 s, and the server's resident memory in the last
quarter of the run within 10% of the first quarter.

Tool: the asyncio keep-alive client of bench/web.py (no third-party load generator needed);
memory is read from /proc/<pid>/status (VmRSS) every 100 ms, from the start of the measured
run (after one unmeasured visit to each URL, so that the comparison is about leaks, not about
the first page renders).

Usage: python bench/load.py [--requests 10000]   (writes bench/results/load.json)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import web as webbench  # noqa: E402  (the shared client and server helpers)
from ingest import name_date  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
BIN = Path(sys.executable).parent
HELD_BACK = 40  # the newest ICE lists, ingested while the load runs


def build_db(work: Path) -> tuple[Path, Path]:
    """Ingest everything but the newest lists; return (db, folder of the held-back lists)."""
    lists = sorted((SHARED / "ice-287g" / "publications" / "ice-xlsx").glob("*.xlsx"),
                   key=lambda p: (name_date(p), p.name))
    held = work / "held"
    held.mkdir()
    for path in lists[-HELD_BACK:]:
        (held / path.name).symlink_to(path)
    first = work / "first"
    first.mkdir()
    for path in SHARED.glob("ice-287g/publications/*/*.xlsx"):
        if not (held / path.name).exists():
            (first / path.name).symlink_to(path)
    db = work / "load.sqlite"
    env_args = ["--db", str(db), "--data-dir", str(work / "data"), "-q"]
    subprocess.run([BIN / "patchwork", "ingest", first, SHARED / "ice-detention", SHARED / "eoir", *env_args],
                   check=True, stdout=subprocess.DEVNULL)
    return db, held


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def paths_for(db: Path) -> list[str]:
    counties = webbench.counties(db, 40)
    pages = ["/", "/state/TX", "/state/FL", "/es/state/GA", "/changes", "/glossary", "/methodology",
             "/zip/33602", "/zip/77002", "/es/zip/30303", "/feeds/events.atom", "/downloads"]
    api = ["/api/v1/summary", "/api/v1/agreements?state=FL&limit=50", "/api/v1/events?limit=50",
           "/api/v1/lookup?q=33602", "/api/v1/publications?limit=20", "/api/v1/agencies?state=TX&limit=50"]
    return pages + api + [f"/county/{c}" for c in counties[:20]] + [f"/api/v1/jurisdictions/{c}" for c in counties]


async def run_load(port: int, paths: list[str], total: int, busy=lambda: False,
                   max_seconds: float = 300) -> tuple[list[float], list[tuple[str, int]]]:
    """At least `total` requests, and on until busy() turns false (the ingest has finished)."""
    latencies: list[float] = []
    errors: list[tuple[str, int]] = []
    stop_at = time.perf_counter() + max_seconds

    def counter():
        i = 0
        while (i < total or busy()) and time.perf_counter() < stop_at:
            yield i
            i += 1

    requests = counter()

    async def worker() -> None:
        conn = webbench.Conn(port)
        for i in requests:
            path = paths[i % len(paths)]
            t = time.perf_counter()
            try:
                status, _ = await conn.get(path)
            except (OSError, asyncio.IncompleteReadError) as exc:
                errors.append((path, repr(exc)))
                conn.close()
                conn = webbench.Conn(port)
                continue
            latencies.append(time.perf_counter() - t)
            if status != 200:
                errors.append((path, status))
        conn.close()

    await asyncio.gather(*(worker() for _ in range(webbench.CONCURRENCY)))
    return latencies, errors


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=10_000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pw-load-"))
    try:
        db, held = build_db(work)
        port = webbench.free_port()
        server = webbench.start([str(BIN / "patchwork"), "serve", "--db", str(db), "--port", str(port)], port)
        samples: list[tuple[float, int]] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                samples.append((time.perf_counter(), rss_kb(server.pid)))
                time.sleep(0.1)

        paths = paths_for(db)
        asyncio.run(run_load(port, paths, len(paths)))  # warm-up: one visit per URL, not measured
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        ingest = subprocess.Popen([BIN / "patchwork", "ingest", held, "--db", str(db),
                                   "--data-dir", str(work / "data"), "-q"], stdout=subprocess.DEVNULL)
        started = time.perf_counter()
        latencies, errors = asyncio.run(run_load(port, paths, args.requests, busy=lambda: ingest.poll() is None))
        elapsed = time.perf_counter() - started
        ingest_rc = ingest.wait(timeout=600)
        stop.set()
        sampler.join()
        webbench.stop(server)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    quarter = max(1, len(samples) // 4)
    first_q = statistics.mean(r for _, r in samples[:quarter])
    last_q = statistics.mean(r for _, r in samples[-quarter:])
    result = {
        "requests": len(latencies) + len([e for e in errors if not isinstance(e[1], int)]),
        "concurrency": webbench.CONCURRENCY,
        "seconds": round(elapsed, 1),
        "requests_per_s": round(len(latencies) / elapsed),
        "errors": len(errors),
        "error_examples": errors[:5],
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(webbench.pct([x * 1000 for x in latencies], 99), 1),
        "max_ms": round(max(latencies) * 1000, 1),
        "over_1s": sum(1 for x in latencies if x > 1.0),
        "rss_first_quarter_mb": round(first_q / 1024, 1),
        "rss_last_quarter_mb": round(last_q / 1024, 1),
        "rss_change_pct": round((last_q - first_q) / first_q * 100, 1),
        "ingest_during_load": f"{HELD_BACK} newest ICE lists, exit {ingest_rc}",
    }
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "load.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
