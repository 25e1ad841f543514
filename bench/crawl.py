"""Benchmark: resident memory of each `patchwork serve` worker after a crawl of the site's pages
(the URLs `export-site` renders: pages in both languages, canonical API answers, feeds), and the
time the crawl took. Issue 18 target: under 200 MB per worker.

Not a test: `python bench/crawl.py --db FILE [--state TX] [--workers 2]`; figures are printed
and written to bench/results/crawl.json for bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from web import free_port, start, stop  # noqa: E402

from patchwork_atlas.kernel.store import connect_readonly  # noqa: E402
from patchwork_atlas.web.export import site_urls  # noqa: E402

HERE = Path(__file__).resolve().parent


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def workers_of(pid: int) -> list[int]:
    out = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in text:
            out.append(int(status.parent.name))
    return out


async def crawl(base: str, urls: list[str], concurrency: int = 8) -> int:
    errors = 0
    queue: asyncio.Queue[str] = asyncio.Queue()
    for u in urls:
        queue.put_nowait(u)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            url = queue.get_nowait()
            r = await client.get(base + url)
            errors += r.status_code != 200

    async with httpx.AsyncClient(timeout=120) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return errors


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--state", action="append")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-cache", action="store_true", help="serve with the response cache off")
    args = ap.parse_args()
    conn = connect_readonly(args.db)
    urls = site_urls(conn, args.state)
    conn.close()
    port = free_port()
    server = start([sys.executable, "-c", "from patchwork_atlas.cli import main; main()", "serve",
                    "--db", args.db, "--port", str(port), "--workers", str(args.workers),
                    *(["--no-cache"] if args.no_cache else [])], port)
    try:
        time.sleep(1)
        pids = workers_of(server.pid) or [server.pid]  # with --workers > 1: the supervisor's children
        before = {p: round(rss_mb(p), 1) for p in pids}
        started = time.perf_counter()
        errors = asyncio.run(crawl(f"http://127.0.0.1:{port}", urls))
        seconds = time.perf_counter() - started
        after = {p: round(rss_mb(p), 1) for p in pids}
    finally:
        stop(server)
    result = {"urls": len(urls), "errors": errors, "seconds": round(seconds, 1),
              "workers": len(pids), "rss_mb_before": list(before.values()),
              "rss_mb_after": list(after.values()), "states": args.state or "all",
              "response_cache": not args.no_cache}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "crawl.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
