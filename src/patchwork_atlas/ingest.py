"""The ingest job: sources -> archive -> (recognize, prepare, store) per file -> derive per family.

Every source family implements the same small contract (`kernel.family.Family`) and is listed
in `families.FAMILIES`. Each file is ingested in its own
transaction: a rejected file leaves the database exactly as it was. Derived tables (lifecycle,
events, geography) are a function of the stored rows; a family whose rows changed is marked
dirty in the same transaction and re-derived at the end of the run (or by the next run, if this
one was killed), so the database is always a complete state.

Recognizing and preparing a file needs no database: when many files arrive at once, worker
processes read ahead while this process stores each file, in input order, in its own transaction.
"""

from __future__ import annotations

import os
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from patchwork_atlas.families import FAMILIES, open_database
from patchwork_atlas.kernel import corrections
from patchwork_atlas.kernel.archive import Archive, RawFile
from patchwork_atlas.kernel.family import Family, Rejected
from patchwork_atlas.kernel.local import local_files
from patchwork_atlas.kernel.store import transaction
from patchwork_atlas.kernel.workers import fork_pool
from patchwork_atlas.read import precomputed

# "0" skips the county reports (tests that ingest many small databases); readers then build
# reports live, as they do for a database whose reports are from another day.
PRECOMPUTE_ENV = "PATCHWORK_PRECOMPUTE"
# Fewer files than this are read in this process: starting workers costs more than it saves.
READ_AHEAD_MIN_FILES = 24

__all__ = ["FileOutcome", "IngestReport", "ingest_files", "open_database", "read_local"]


@dataclass
class FileOutcome:
    name: str
    status: str  # ingested | known | rejected
    detail: str = ""
    sha256: str = ""
    family: str = ""
    kind: str = ""


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def rejected(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "rejected"]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def _dirty_key(family: str) -> str:
    return f"dirty:{family}"


def _reports_key(family: str) -> str:
    return f"reports_due:{family}"


def ingest_files(
    conn: sqlite3.Connection,
    archive: Archive,
    raws: Iterable[RawFile],
    *,
    progress: Callable[[FileOutcome], None] | None = None,
) -> IngestReport:
    fams = list(FAMILIES)
    by_name = {f.name: f for f in fams}
    report = IngestReport()
    # Fewer WAL checkpoints during a batch (each file still commits on its own); one at the end.
    conn.execute("PRAGMA wal_autocheckpoint=50000")
    for raw, read in _read_ahead(conn, raws, fams):
        outcome = _ingest_one(conn, archive, raw, fams, read)
        report.outcomes.append(outcome)
        if progress:
            progress(outcome)
    sync_local_corrections(conn, archive.data_dir)
    dirty = [
        r[0].split(":", 1)[1]
        for r in conn.execute("SELECT key FROM meta WHERE key LIKE 'dirty:%' ORDER BY key")
    ]
    # A family whose derivation reads another's derived tables (deaths links to detention's
    # facilities) is derived after it, and again whenever that family was re-derived.
    later = [f.name for f in fams if set(getattr(f, "derives_from", ())) & set(dirty)]
    dirty = [name for name in dirty if name not in later] + later
    changed = bool(report.count("ingested"))
    # The sources that ship with the package (the law) first: no derivation reads them.
    with transaction(conn):
        for family in fams:
            if family.refresh(conn):
                conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')",
                             (_reports_key(family.name),))
                precomputed.withdraw(conn, [family.name])
                changed = True
    precompute = os.environ.get(PRECOMPUTE_ENV, "1") != "0"
    due = {r[0].split(":", 1)[1] for r in conn.execute("SELECT key FROM meta WHERE key LIKE 'reports_due:%'")}
    stale = precomputed.stale(conn, due | set(dirty)) if precompute else []
    # A new list rebuilds two cheap families (0.3 s): less than starting processes. More, and
    # the sections of the families no derivation below touches are computed in other processes
    # (from what is committed now) while this one derives.
    workers = (os.cpu_count() or 1) if len(stale) > 2 else 1
    untouched = [f for f in stale if f.name not in dirty]
    started = precomputed.start(conn, untouched, workers) if untouched and workers > 1 else None
    try:
        for name in dirty:
            family = by_name.get(name)
            if family is None:  # a family that was removed: its rows stay, nothing to derive
                continue
            with transaction(conn):
                family.derive(conn)
                conn.execute("DELETE FROM meta WHERE key = ?", (_dirty_key(name),))
                # Its report sections are due: remembered in the database, so a run killed
                # before they are rebuilt leaves the next run to do it.
                conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')", (_reports_key(name),))
                precomputed.withdraw(conn, [name])  # until rebuilt, readers build these reports live
            changed = True
        # Everything the reports read is committed now: they can be computed in other processes.
        rederived = {r[0].split(":", 1)[1] for r in conn.execute(
            "SELECT key FROM meta WHERE key LIKE 'reports_due:%'")}
        with transaction(conn):
            # The county reports pages read, in the same transaction as the content version.
            stale = precomputed.stale(conn, rederived)
            if stale and precompute:
                precomputed.build(conn, stale, workers=workers, started=started)
                changed = True
            elif stale:
                precomputed.withdraw(conn, [f.name for f in stale])
            conn.execute("DELETE FROM meta WHERE key LIKE 'reports_due:%'")
            if changed:
                mark_content_changed(conn)
    finally:
        if started is not None:
            started.close()
    conn.execute("PRAGMA wal_autocheckpoint=1000")
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    return report


def sync_local_corrections(conn: sqlite3.Connection, data_dir: Path) -> None:
    """Copy the data directory's accepted corrections into `local_corrections` and mark dirty
    every family whose corrections changed, so they apply even when no new file arrives."""
    rows = corrections.read(data_dir)
    with transaction(conn):
        for family, digest in corrections.fingerprints(rows).items():
            key = f"local_corrections:{family}"
            old = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if (old[0] if old else "") == digest:
                continue
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, digest))
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')", (_dirty_key(family),))
        conn.execute("DELETE FROM local_corrections")
        conn.executemany(
            "INSERT INTO local_corrections(correction_id, accepted_utc, family, tbl, key, value, before,"
            " reason, source, report_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(int(r["correction_id"]), r["accepted_utc"], corrections.KINDS[r["table"]].family,
              r["table"], r["key"], r["value"], r["before"] or None, r["reason"], r["source"],
              int(r["report_id"]) if r["report_id"] else None)
             for r in rows if r.get("table") in corrections.KINDS],
        )


def mark_content_changed(conn: sqlite3.Connection) -> None:
    """Readers (the web process) drop their caches once per ingest run, not once per file."""
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('content_version', '1') ON CONFLICT(key)"
        " DO UPDATE SET value = CAST(value AS INTEGER) + 1"
    )


# What reading a file gave: (family name, kind, prepared payload), or the reason it is rejected.
Read = tuple[str, str, Any] | str


def _read(raw: RawFile, fams: list[Family]) -> Read:
    """Recognize and prepare one file; no database. Errors come back as their one-line reason
    (an exception from a worker may not survive pickling: a Rust panic does not)."""
    try:
        for family in fams:
            hit = family.recognize(raw)
            if hit is not None:
                kind, payload = hit
                return family.name, kind, family.prepare(raw, kind, payload)
        return "not a publication Patchwork knows (no recognizable header or format)"
    except Rejected as exc:
        return str(exc)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # a reader bug (even a Rust panic) must not take the other files down
        return f"could not be read ({type(exc).__name__}: {exc})"


def _read_in_worker(raw: RawFile) -> Read:
    return _read(raw, list(FAMILIES))


def _read_ahead(conn: sqlite3.Connection, raws: Iterable[RawFile],
                fams: list[Family]) -> Iterator[tuple[RawFile, Read | None]]:
    """Each file with what reading it gave (None: not read yet), in input order. Given a list of
    many files, worker processes (one per core, forked: they inherit the loaded code) read a
    bounded window ahead of the caller; a file already stored, or repeated in the batch, is not
    read. A generator (a fetch in progress) is taken one file at a time, as it arrives."""
    workers = os.cpu_count() or 1
    if (not isinstance(raws, Sequence) or len(raws) < READ_AHEAD_MIN_FILES or workers < 2
            or fams != list(FAMILIES)):
        yield from ((raw, None) for raw in raws)
        return
    known = {r[0] for r in conn.execute("SELECT sha256 FROM raw_files")}
    seen: set[str] = set()
    window: deque[tuple[RawFile, Future[Read] | None]] = deque()
    with fork_pool(workers) as pool:
        for raw in raws:
            future = None
            if raw.sha256 not in known and raw.sha256 not in seen:
                future = pool.submit(_read_in_worker, raw)
            seen.add(raw.sha256)
            window.append((raw, future))
            if len(window) > 4 * workers:
                raw_, future_ = window.popleft()
                yield raw_, future_.result() if future_ else None
        while window:
            raw_, future_ = window.popleft()
            yield raw_, future_.result() if future_ else None


def _ingest_one(conn: sqlite3.Connection, archive: Archive, raw: RawFile, fams: list[Family],
                read: Read | None = None) -> FileOutcome:
    known = conn.execute("SELECT family, kind FROM raw_files WHERE sha256 = ?", (raw.sha256,)).fetchone()
    if known:
        with transaction(conn):
            _record_sighting(conn, raw)
        archive.record(raw, "known")
        return FileOutcome(raw.file_name, "known", "already ingested", raw.sha256, known[0], known[1])
    if read is None:
        read = _read(raw, fams)
    if isinstance(read, str):
        archive.record(raw, "rejected", read)
        return FileOutcome(raw.file_name, "rejected", read, raw.sha256)
    name, kind, payload = read
    family = next(f for f in fams if f.name == name)
    try:
        with transaction(conn):
            conn.execute(
                "INSERT INTO raw_files(sha256, bytes, family, kind, archive_path, first_retrieved_utc)"
                " VALUES (?,?,?,?,?,?)",
                (raw.sha256, raw.bytes, family.name, kind, raw.archive_path, raw.retrieved_utc),
            )
            _record_sighting(conn, raw)
            summary = family.ingest_file(conn, raw, kind, payload)
            conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')", (_dirty_key(family.name),)
            )
    except Rejected as exc:
        archive.record(raw, "rejected", str(exc))
        return FileOutcome(raw.file_name, "rejected", str(exc), raw.sha256)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # a storing bug must not take the other files down either
        reason = f"could not be read ({type(exc).__name__}: {exc})"
        archive.record(raw, "rejected", reason)
        return FileOutcome(raw.file_name, "rejected", reason, raw.sha256)
    archive.record(raw, "ingested", summary)
    return FileOutcome(raw.file_name, "ingested", summary, raw.sha256, family.name, kind)


def _record_sighting(conn: sqlite3.Connection, raw: RawFile) -> None:
    p = raw.provenance
    conn.execute(
        "INSERT OR IGNORE INTO file_sightings(sha256, origin, file_name, retrieved_utc, etag,"
        " last_modified, published_name, archive_capture_utc, archived_by) VALUES (?,?,?,?,?,?,?,?,?)",
        (
            raw.sha256,
            raw.origin,
            raw.file_name,
            raw.retrieved_utc,
            raw.etag,
            raw.last_modified,
            p.get("published_name") or None,
            p.get("archive_capture_utc") or None,
            p.get("archived_by") or None,
        ),
    )


def read_local(archive: Archive, paths: Iterable[str | Path]) -> list[RawFile]:
    """Archive local files (a folder is read recursively) with any manifest.csv provenance."""
    return [archive.store_path(path, provenance=prov) for path, prov in local_files(paths)]
