"""Connections, migrations and transactions.

Migrations are numbered ``*.sql`` files: the kernel's own (``kernel/migrations``) and each
family's (``families/<name>/migrations``), applied in the order of their names, which are unique
across the project (0000 kernel, 0001 registry, 0002 geo, ...). Applied names are recorded in
``schema_migrations`` so a database is upgraded in place and never migrated twice. The kernel
does not know the families: whoever opens the database passes their folders.
"""

from __future__ import annotations

import hashlib
import json
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


def content_hash(*values: str | int | float | None) -> str:
    """The address of a stored row's content: sha256 (hex) of its values as a compact JSON
    array. One implementation for Python and SQL (see add_functions), so a row hashed at
    ingest, by a migration or by `verify` gets the same address."""
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def add_functions(conn: sqlite3.Connection) -> None:
    """SQL functions every connection has: content_hash(v1, v2, ...)."""
    conn.create_function("content_hash", -1, content_hash, deterministic=True)


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
    add_functions(conn)
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
    add_functions(conn)
    return conn


def migrate(conn: sqlite3.Connection, folders: Iterable[Traversable] = ()) -> list[str]:
    """Apply every migration not yet recorded (the kernel's and those in `folders`); return the
    names applied."""
    add_functions(conn)  # migrations may call them, whoever opened the connection
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
    pages, free = (conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "freelist_count"))
    if applied and free > pages // 2:
        conn.execute("VACUUM")  # a migration that moved most rows (0010) gives the space back
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
