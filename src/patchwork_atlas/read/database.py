"""The web process's view of the database: read-only, one connection per thread.

SQLite in WAL mode lets an ingest write while we read; each request sees one consistent
snapshot. `state()` is the content version an ingest bumps when it has finished changing what
is served; it drops cached pages and changes ETags.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from patchwork_atlas.kernel.store import connect_readonly


class Database:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"no database at {self.path}")
        self._local = threading.local()
        self._tables: tuple[str, frozenset[str]] | None = None
        self._state_memo: tuple[Any, float, str] | None = None

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect_readonly(self.path)
            # Modest per-thread page cache and no mmap: the server runs up to ~40 worker
            # threads, and the OS page cache already holds the file once for all of them.
            conn.execute("PRAGMA cache_size=-4000")
            self._local.conn = conn
        return conn

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every query inside sees the same committed state. Nested use
        (a page rendered inside one, whose citation reads the as-of date) joins the outer one."""
        conn = self.conn()
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def state(self) -> str:
        """The content version the ingest bumps once per run that changed what is served, so
        cached pages survive the many per-file commits of a long ingest and are dropped once,
        when its derived tables are complete. Older databases: a stat of the files.

        Asked by every request: read again only when the database or its WAL changed on disk
        (a stat, not a query: the query was an eighth of a cached answer's cost), and at least
        once a second in case a commit left both files' time and size as they were."""
        files = self._files()
        memo = self._state_memo
        now = time.monotonic()
        if memo is not None and memo[0] == files and now - memo[1] < 1.0:
            return memo[2]
        state = self._read_state(files)
        self._state_memo = (files, now, state)
        return state

    def _files(self) -> tuple[tuple[int, int] | None, ...]:
        out = []
        for suffix in ("", "-wal"):
            try:
                st = os.stat(f"{self.path}{suffix}")
                out.append((st.st_mtime_ns, st.st_size))
            except FileNotFoundError:
                out.append(None)
        return tuple(out)

    def _read_state(self, files: tuple[tuple[int, int] | None, ...]) -> str:
        try:
            row = self.conn().execute("SELECT value FROM meta WHERE key = 'content_version'").fetchone()
        except sqlite3.Error:
            row = None
        if row is not None:
            return f"v{row[0]}"
        return "/".join(f"{f[0]:x}.{f[1]:x}" if f else "-" for f in files)

    def tables(self) -> frozenset[str]:
        """Tables present now (optional stages add theirs over time)."""
        state = self.state()
        if self._tables is None or self._tables[0] != state:
            names = frozenset(
                r[0] for r in self.conn().execute("SELECT name FROM sqlite_master WHERE type='table'")
            )
            self._tables = (state, names)
        return self._tables[1]

    def has(self, table: str) -> bool:
        return table in self.tables()


class LRU:
    """A small thread-safe LRU of rendered responses, emptied whenever the DB state changes."""

    # 20 MB: one per worker process (serve runs one per core). After a crawl of three states
    # (bench/crawl.py, 7,019 URLs) a worker was at 157-182 MB resident; with 40 MB at 198 MB,
    # against the 200 MB the issue allows. County profiles are 125-200 KB: 20 MB holds about
    # 130 of them, and a county read from the stored reports costs under a millisecond anyway.
    def __init__(self, max_items: int = 4000, max_bytes: int = 20 * 1024 * 1024):
        self.max_items, self.max_bytes = max_items, max_bytes
        self._items: OrderedDict[Any, tuple[int, Any]] = OrderedDict()
        self._bytes = 0
        self._state: str | None = None
        self._lock = threading.Lock()

    def get(self, state: str, key: Any) -> Any:
        with self._lock:
            if state != self._state:
                self._items.clear()
                self._bytes = 0
                self._state = state
                return None
            hit = self._items.get(key)
            if hit is None:
                return None
            self._items.move_to_end(key)
            return hit[1]

    def put(self, state: str, key: Any, value: Any, size: int) -> None:
        with self._lock:
            if state != self._state or size > self.max_bytes // 8:
                return
            old = self._items.pop(key, None)
            if old:
                self._bytes -= old[0]
            self._items[key] = (size, value)
            self._bytes += size
            while len(self._items) > self.max_items or self._bytes > self.max_bytes:
                _, (s, _) = self._items.popitem(last=False)
                self._bytes -= s
