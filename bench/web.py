"""Web benchmarks against real servers on this machine (loopback only, bounded in time).

Measures, on the database given (or the default one):
  1. jurisdiction profile JSON (/api/v1/jurisdictions/<county>) latency, one client, requests
     one after another: first visit of each county (cold) and repeat visits (warm);
  2. throughput at 50 concurrent keep-alive connections over the same URLs;
  3. the home page's compressed size;
  4. the same row query served by datasette on the same SQLite file, and the ratio.

Usage: python bench/web.py [--db FILE] [--seconds 8] [--write]   (--write updates bench/README.md)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CONCURRENCY = 50
EXTRA = ""  # request headers for the profile requests (--gzip adds Accept-Encoding: gzip)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list[str], port: int, env: dict[str, str] | None = None) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})}, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"server exited: {proc.stderr.read().decode()[-2000:]}") from None
            time.sleep(0.1)
    stop(proc)
    raise SystemExit(f"server on port {port} did not start")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


class Conn:
    """A minimal HTTP/1.1 keep-alive client: the load generator must cost less than the server."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, extra: str = "") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        m = re.search(rb"(?i)content-length:\s*(\d+)", head)
        if m:
            return status, await self.reader.readexactly(int(m.group(1)))
        if re.search(rb"(?i)transfer-encoding:\s*chunked", head):
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                parts.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    return status, b"".join(parts)
        return status, b""

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def sequential(port: int, paths: list[str]) -> list[float]:
    conn = Conn(port)
    times = []
    for path in paths:
        t = time.perf_counter()
        status, _ = await conn.get(path, EXTRA)
        times.append((time.perf_counter() - t) * 1000)
        assert status == 200, (path, status)
    conn.close()
    return times


async def load(port: int, paths: list[str], seconds: float) -> tuple[float, int]:
    stop_at = time.perf_counter() + seconds
    done = errors = 0

    async def worker(i: int) -> None:
        nonlocal done, errors
        conn = Conn(port)
        j = i
        while time.perf_counter() < stop_at:
            status, _ = await conn.get(paths[j % len(paths)], EXTRA)
            j += 1
            done += 1
            errors += status != 200
        conn.close()

    t = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(CONCURRENCY)))
    return done / (time.perf_counter() - t), errors


def counties(db: Path, n: int = 200) -> list[str]:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    rows = conn.execute(
        "SELECT DISTINCT county_fips FROM agency_counties ORDER BY county_fips LIMIT ?", (n,)
    ).fetchall()
    conn.close()
    return [r[0] for r in rows]


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1] if len(values) > 1 else values[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=None)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--gzip", action="store_true",
                    help="ask for gzip, as browsers and most HTTP libraries do (default: plain bytes)")
    ap.add_argument("--workers", type=int, default=None, help="server processes (default: serve's, one per core)")
    ap.add_argument("--write", action="store_true", help="update the web section of bench/README.md")
    args = ap.parse_args()
    global EXTRA
    EXTRA = "Accept-Encoding: gzip\r\n" if args.gzip else ""
    sys.path.insert(0, str(REPO / "src"))
    from patchwork_atlas.kernel import config

    db = config.db_path(args.db)
    if not db.exists():
        raise SystemExit(f"no database at {db}: run `patchwork ingest` first or pass --db")
    fips = counties(db)
    ours = [f"/api/v1/jurisdictions/{f}" for f in fips]
    sql = ("select a.agreement_id, a.agency_id, a.model, a.status, a.signed_date, a.moa_url"
           " from agreements a join agency_counties c on c.agency_id = a.agency_id"
           " where c.county_fips = :fips")
    name = db.stem
    theirs = [f"/{name}.json?_shape=array&fips={f}&sql=" + sql.replace(" ", "+").replace(":", "%3A")
              .replace("=", "%3D").replace(",", "%2C") for f in fips]
    results: dict[str, str] = {}

    port = free_port()
    workers = ["--workers", str(args.workers)] if args.workers else []
    server = start([str(BIN / "patchwork"), "serve", "--db", str(db), "--port", str(port), *workers], port)
    try:
        cold = asyncio.run(sequential(port, ours))
        warm = asyncio.run(sequential(port, ours * 3))
        rps, errors = asyncio.run(load(port, ours, args.seconds))
        home = asyncio.run(_home(port))
    finally:
        stop(server)
    port = free_port()
    server = start([str(BIN / "patchwork"), "serve", "--db", str(db), "--port", str(port), "--no-cache",
                    *workers], port)
    try:
        uncached = asyncio.run(sequential(port, ours))
        rps_nocache, _ = asyncio.run(load(port, ours, args.seconds))
    finally:
        stop(server)
    port = free_port()
    ds = start([str(BIN / "datasette"), "serve", str(db), "--port", str(port),
                "--setting", "sql_time_limit_ms", "10000"], port)
    try:
        ds_seq = asyncio.run(sequential(port, theirs))
        ds_rps, ds_errors = asyncio.run(load(port, theirs, args.seconds))
    finally:
        stop(ds)

    results = {
        "profile JSON p50, first visit (ms)": f"{pct(cold, 50):.2f}",
        "profile JSON p50, repeat visits (ms)": f"{pct(warm, 50):.2f} (p95 {pct(warm, 95):.2f})",
        "profile JSON p50, response cache off (ms)": f"{pct(uncached, 50):.2f}",
        f"throughput at {CONCURRENCY} connections (req/s)": f"{rps:,.0f} ({errors} errors)",
        "throughput, response cache off (req/s)": f"{rps_nocache:,.0f}",
        "datasette, same rows: p50 (ms) / req/s": f"{pct(ds_seq, 50):.2f} / {ds_rps:,.0f} ({ds_errors} errors)",
        "ratio ours / datasette (req/s)": f"{rps / ds_rps:.1f}x (cache off: {rps_nocache / ds_rps:.1f}x)",
        "home page, gzip (KB)": f"{home / 1024:.0f}",
    }
    table = "\n".join(["| measure | value |", "| --- | --- |"] + [f"| {k} | {v} |" for k, v in results.items()])
    note = (f"{len(fips)} counties, {args.seconds:g} s per load run, {os.cpu_count()} cores shared by"
            f" server and load generator; database {db.stat().st_size / 1e6:.0f} MB;"
            f" measured {time.strftime('%Y-%m-%d')}"
            + ("; profile requests ask for gzip." if args.gzip else "; profile requests without gzip."))
    print(table + "\n\n" + note)
    if args.write:
        _write(table, note)


async def _home(port: int) -> int:
    conn = Conn(port)
    status, body = await conn.get("/", "Accept-Encoding: gzip\r\n")
    conn.close()
    assert status == 200
    return len(body)


def _write(table: str, note: str) -> None:
    readme = REPO / "bench" / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n"
    block = (f"<!-- web:begin -->\n## Web (`python bench/web.py`)\n\n{table}\n\n{note}\n"
             "Goals: profile JSON p50 <= 5 ms; >= 1,000 req/s at 50 connections; home <= 300 KB"
             " compressed; ratio to datasette >= 1.0.\n<!-- web:end -->")
    if "<!-- web:begin -->" in text:
        text = re.sub(r"<!-- web:begin -->.*?<!-- web:end -->", lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    readme.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
