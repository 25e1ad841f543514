"""Connections, migrations and transactions.

Migrations are numbered ``*.sql`` files: the kernel's own (``kernel/migrations``) and each
family's (``families/<name>/migrations``), applied in the order of their names, which are unique
across the project (0000 kernel, 0001 registry, 0002 geo, ...). Applied names are recorded in
``schema_migrations`` so a database is upgraded in place and never migrated twice. The kernel
does not know the families: whoever opens the database passes their folders.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path


def _migration_files(folders: Iterable[Traversable]) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for folder in [resources.files("patchwork_atlas.kernel") / "migrations", *folders]:
        for item in folder.iterdir():
            if not item.name.endswith(".sql"):
                continue
            if item.name in found:
                raise RuntimeError(f"migration {item.name} is defined twice")
            found[item.name] = item.read_text(encoding="utf-8")
    return sorted(found.items())


def connect(
    path: str | Path, migrations: Iterable[Traversable] | None = None
) -> sqlite3.Connection:
    """Open the database for writing (creating it and its folder), in WAL mode."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, timeout=60)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=60000")
    if migrations is not None:
        migrate(conn, migrations)
    return conn


def connect_readonly(path: str | Path) -> sqlite3.Connection:
    """Open an existing database read-only: the web process must never write."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no database at {path}")
    conn = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False, timeout=30
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA query_only=ON")
    return conn


def migrate(conn: sqlite3.Connection, folders: Iterable[Traversable] = ()) -> list[str]:
    """Apply every migration not yet recorded (the kernel's and those in `folders`); return the
    names applied."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " name TEXT PRIMARY KEY, applied_utc TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))"
    )
    done = {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}
    applied = []
    for name, sql in _migration_files(folders):
        if name in done:
            continue
        with transaction(conn):
            for statement in _split_sql(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations(name) VALUES (?)", (name,))
        applied.append(name)
    return applied


def _split_sql(sql: str) -> list[str]:
    """Split a migration into statements (executescript would commit mid-transaction)."""
    statements, buf = [], ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf)
            buf = ""
    if buf.strip():
        statements.append(buf)
    return statements


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error: all of a file or none of it."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def table_hashes(conn: sqlite3.Connection, *, exclude: tuple[str, ...] = ()) -> dict[str, str]:
    """A content hash of every table's sorted rows: equal hashes, equal content."""
    out = {}
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    for table in tables:
        if table in exclude:
            continue
        digest = hashlib.sha256()
        rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608 - names from sqlite_master
        for row in sorted(repr(tuple(r)) for r in rows):
            digest.update(row.encode())
            digest.update(b"\n")
        out[table] = digest.hexdigest()
    return out
