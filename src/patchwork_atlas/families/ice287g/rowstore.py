"""Compact storage of the 287(g) rows (migration 0010): each distinct row once, addressed by
its content, and each file's ordered list of references. `sheet_rows` is a view over the three
tables with the columns of the table it replaced, so every reader is unchanged."""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from patchwork_atlas.kernel.store import content_hash

# Hashed in this order (the order of row_contents in 0010_row_store.sql).
CONTENT_COLUMNS = (
    "state_raw", "agency_raw", "type_raw", "county_raw", "support_type_raw", "signed_raw",
    "moa_raw", "moa_prefixed", "moa_target", "addendum_raw", "addendum_target", "extra",
    "state_usps", "agency_id", "model", "signed_date", "moa_url", "addendum_url", "flags",
)  # fmt: skip
_ARCHIVE = "https://web.archive.org/web/"
_INSERT_CONTENT = (
    f"INSERT INTO row_contents(content_hash, {', '.join(CONTENT_COLUMNS)})"  # noqa: S608 - fixed names
    f" VALUES ({', '.join('?' * (len(CONTENT_COLUMNS) + 1))})"
)
_CHUNK = 500  # bound parameters per IN (...) lookup


def link_prefix(moa_cells: Iterable[str | None]) -> str | None:
    """The web-archive capture prefix of the file's first archived MOA link (one per file:
    the archive rewrote every link of a capture with its own stamp), or None."""
    for moa in moa_cells:
        if moa and moa.startswith(_ARCHIVE) and "/" in moa[len(_ARCHIVE):]:
            return moa[: len(_ARCHIVE) + moa[len(_ARCHIVE):].index("/") + 1]
    return None


_TEXT = operator.itemgetter(*(c for c in CONTENT_COLUMNS if c != "moa_prefixed"))
_MOA = CONTENT_COLUMNS.index("moa_raw")


def content(row: dict[str, Any], prefix: str | None) -> tuple:
    """The row's content columns as stored: TEXT values as text (as the table's affinity would
    store them), moa_raw without the file's prefix when it has it."""
    values = [v if v is None or type(v) is str else str(v) for v in _TEXT(row)]
    moa = values[_MOA]
    prefixed = 1 if prefix and moa and moa.startswith(prefix) else 0
    if prefixed:
        values[_MOA] = moa[len(prefix):]  # type: ignore[arg-type,index]
    values.insert(_MOA + 1, prefixed)
    return tuple(values)


def address(content: tuple) -> str:
    """The content's address in row_contents."""
    return content_hash(*content)


# Sent from a reading worker to the writer, each distinct content crosses the pipe once: a
# worker sends only the addresses of contents it sent before, and the writer takes those
# contents from what it received (316,000 rows, 5,300 distinct: 121 MB of pickles became 24).
# Both sets are per process; a content's address names it, so nothing here goes stale.
_SENT: set[str] = set()  # in a worker
_RECEIVED: dict[str, tuple] = {}  # in the writer


@dataclass
class PreparedRows:
    """One file's rows as they will be stored (`content` and `address` of each, made where the
    file is read, with no database: picklable)."""

    link_prefix: str | None
    row_numbers: list[int]
    contents: list[tuple]
    hashes: list[str]

    def __getstate__(self) -> tuple:
        contents: list[tuple | None] = []
        for h, c in zip(self.hashes, self.contents, strict=True):
            contents.append(None if h in _SENT else c)
            _SENT.add(h)
        return self.link_prefix, self.row_numbers, contents, self.hashes

    def __setstate__(self, state: tuple) -> None:
        self.link_prefix, self.row_numbers, contents, self.hashes = state
        for i, (h, c) in enumerate(zip(self.hashes, contents, strict=True)):
            if c is None:
                contents[i] = _RECEIVED[h]  # sent earlier by the same worker, so received first
            else:
                _RECEIVED[h] = c
        self.contents = contents


def store_rows(conn: sqlite3.Connection, sha256: str, sheet: str, prepared: PreparedRows) -> None:
    """Store one file's rows inside the caller's transaction: new contents are added, known
    ones referenced."""
    list_id = conn.execute(
        "INSERT INTO row_lists(sha256, sheet, link_prefix) VALUES (?, ?, ?)",
        (sha256, sheet, prepared.link_prefix),
    ).lastrowid
    hashes = prepared.hashes
    known: dict[str, int] = {}
    distinct = list(dict.fromkeys(hashes))
    for i in range(0, len(distinct), _CHUNK):
        part = distinct[i: i + _CHUNK]
        known.update(tuple(r) for r in conn.execute(
            f"SELECT content_hash, content_id FROM row_contents WHERE content_hash IN ({','.join('?' * len(part))})",  # noqa: S608 - placeholders only
            part,
        ).fetchall())
    for h, c in zip(hashes, prepared.contents, strict=True):
        if h not in known:
            known[h] = conn.execute(_INSERT_CONTENT, (h, *c)).lastrowid
    conn.executemany(
        "INSERT INTO list_rows(list_id, row_number, content_id) VALUES (?, ?, ?)",
        [(list_id, n, known[h]) for n, h in zip(prepared.row_numbers, hashes, strict=True)],
    )


def analyze(conn: sqlite3.Connection) -> None:
    """Refresh the planner's statistics of the row store (0.3 s for the shared history). Without
    them SQLite reads a sheet_rows join file by file instead of through the agency index: an
    agreement's source rows took 200 ms instead of 2."""
    for table in ("row_lists", "row_contents", "list_rows"):
        conn.execute(f"ANALYZE {table}")
