"""`patchwork verify`: prove that nothing was lost or altered since ingest.

Three layers are checked, because each can fail on its own: the raw archive (every file's bytes
still hash to the name and manifest line that recorded them), the database against the archive
(every ingested file's bytes are still there), and the stored 287(g) rows against a fresh parse
of those bytes (a parser or storage bug would show up as a difference). One line per difference.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import click

from patchwork_atlas.cli.app import EXIT_FAILURE, db_option, fail, main, open_db
from patchwork_atlas.kernel import config

# sheet_rows columns that hold a cell exactly as printed, and where a fresh parse keeps them.
_RAW_VALUE_COLUMNS = {
    "state_raw": "state",
    "agency_raw": "agency",
    "type_raw": "type",
    "county_raw": "county",
    "support_type_raw": "support_type",
    "signed_raw": "signed",
    "moa_raw": "moa",
    "addendum_raw": "addendum",
}
_RAW_LINK_COLUMNS = {"moa_target": "moa", "addendum_target": "addendum"}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Hashes:
    """Hash each archived file once, however many manifest lines and rows name it."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self._cache: dict[str, str | None] = {}

    def of(self, rel: str) -> str | None:
        if rel not in self._cache:
            path = self.data_dir / rel
            self._cache[rel] = sha256_file(path) if path.is_file() else None
        return self._cache[rel]

    @property
    def count(self) -> int:
        return len(self._cache)


def check_archive(data_dir: Path, hashes: _Hashes) -> Iterator[str]:
    """Every manifest line's file exists with its recorded hash; every archived file's bytes
    hash to the name it is stored under (content addressing)."""
    root = data_dir / "archive"
    manifest = root / "manifest.jsonl"
    if manifest.is_file():
        with open(manifest, encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                    rel, sha = entry["path"], entry["sha256"]
                except (ValueError, KeyError, TypeError):
                    yield f"archive manifest line {n}: unreadable"
                    continue
                actual = hashes.of(rel)
                if actual is None:
                    yield f"archive: {rel} (manifest line {n}) is missing"
                elif actual != sha:
                    yield f"archive: {rel} (manifest line {n}) has sha256 {actual[:12]}…, manifest says {sha[:12]}…"
    if not root.is_dir():
        return
    for path in sorted(root.glob("??/*")):
        if not path.is_file() or path.name.startswith(".tmp-"):
            continue  # a temp file is an interrupted write that was never renamed into place
        rel = path.relative_to(data_dir).as_posix()
        actual = hashes.of(rel)
        if actual != path.name.split(".", 1)[0]:
            yield f"archive: {rel} does not hash to its name (sha256 {str(actual)[:12]}…)"


def check_database(conn: sqlite3.Connection) -> Iterator[str]:
    """SQLite's own consistency checks: pages, indexes, foreign keys."""
    for (msg,) in conn.execute("PRAGMA integrity_check"):
        if msg != "ok":
            yield f"database integrity: {msg}"
    for table, rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check"):
        yield f"database: {table} row {rowid} refers to a missing {parent} row"


def check_raw_files(conn: sqlite3.Connection, hashes: _Hashes) -> Iterator[str]:
    """Every ingested file still has its bytes in the archive, unchanged."""
    for r in conn.execute("SELECT sha256, bytes, archive_path FROM raw_files ORDER BY sha256"):
        actual = hashes.of(r["archive_path"])
        if actual is None:
            yield f"raw_files {r['sha256'][:12]}…: archived bytes missing at {r['archive_path']}"
        elif actual != r["sha256"]:
            yield f"raw_files {r['sha256'][:12]}…: {r['archive_path']} now hashes to {actual[:12]}…"
        elif (hashes.data_dir / r["archive_path"]).stat().st_size != r["bytes"]:
            yield f"raw_files {r['sha256'][:12]}…: size differs from the {r['bytes']} bytes recorded"


def check_publications(conn: sqlite3.Connection) -> Iterator[str]:
    """Every 287(g) file's stored rows are all its data rows (no half-stored file)."""
    for r in conn.execute(
        "SELECT f.publication_id, f.sha256, f.n_data_rows,"
        " (SELECT count(*) FROM sheet_rows s WHERE s.sha256 = f.sha256) AS stored"
        " FROM publication_files f ORDER BY f.publication_id, f.sha256"
    ):
        if r["stored"] != r["n_data_rows"]:
            yield (
                f"publication {r['publication_id']} file {r['sha256'][:12]}…:"
                f" {r['stored']} rows stored, {r['n_data_rows']} data rows in the sheet"
            )


def check_row_contents(conn: sqlite3.Connection) -> Iterator[str]:
    """Every stored 287(g) row still hashes to the address its files refer to it by."""
    from patchwork_atlas.families.ice287g.rowstore import CONTENT_COLUMNS

    cols = ", ".join(CONTENT_COLUMNS)
    for content_id, stored in conn.execute(
        f"SELECT content_id, content_hash FROM row_contents WHERE content_hash != content_hash({cols})"  # noqa: S608 - fixed names
        " ORDER BY content_id"
    ):
        yield f"287(g) row content {content_id} does not hash to its address {stored[:12]}…"


def check_reparse(conn: sqlite3.Connection, data_dir: Path, sample: int, seed: int) -> tuple[int, list[str]]:
    """Re-read 287(g) files from the archive and compare every as-printed cell with sheet_rows."""
    from patchwork_atlas.families.ice287g.reader import parse_list

    files = [
        (r["sha256"], r["archive_path"])
        for r in conn.execute(
            "SELECT sha256, archive_path FROM raw_files WHERE family = 'ice287g' ORDER BY sha256"
        )
    ]
    if 0 < sample < len(files):
        files = sorted(random.Random(seed).sample(files, sample))
    diffs: list[str] = []
    for sha, rel in files:
        path = data_dir / rel
        if not path.is_file():
            continue  # already reported by check_raw_files
        try:
            parsed = parse_list(path)
        except ValueError as exc:
            diffs.append(f"{sha[:12]}… ({rel}): no longer parses ({exc})")
            continue
        stored = {
            (r["sheet"], r["row_number"]): r
            for r in conn.execute("SELECT * FROM sheet_rows WHERE sha256 = ?", (sha,))
        }
        diffs += list(_compare_rows(sha, parsed, stored))
    return len(files), diffs


def _compare_rows(sha: str, parsed, stored: dict) -> Iterator[str]:
    fresh = {(parsed.sheet, row.row_number): row for row in parsed.rows}
    if len(fresh) != len(stored):
        yield f"{sha[:12]}…: {len(stored)} rows stored, a fresh parse finds {len(fresh)}"
    for key in sorted(set(stored) - set(fresh)):
        yield f"{sha[:12]}… sheet {key[0]!r} row {key[1]}: stored but not in the file"
    for key in sorted(set(fresh) - set(stored)):
        yield f"{sha[:12]}… sheet {key[0]!r} row {key[1]}: in the file but not stored"
    for key in sorted(set(fresh) & set(stored)):
        row, db_row = fresh[key], stored[key]
        expected = {col: row.values.get(f) for col, f in _RAW_VALUE_COLUMNS.items()}
        expected.update({col: row.links.get(f) for col, f in _RAW_LINK_COLUMNS.items()})
        expected["extra"] = json.dumps(row.extra, ensure_ascii=False, sort_keys=True) if row.extra else None
        for col, value in expected.items():
            if db_row[col] != value:
                yield f"{sha[:12]}… sheet {key[0]!r} row {key[1]} {col}: stored {db_row[col]!r}, file has {value!r}"


def run_checks(conn: sqlite3.Connection, data_dir: Path, *, sample: int = 0, seed: int = 0) -> tuple[dict, list[str]]:
    """All checks; returns (counts checked, differences)."""
    hashes = _Hashes(Path(data_dir))
    diffs = list(check_archive(hashes.data_dir, hashes))
    diffs += check_database(conn)
    diffs += check_raw_files(conn, hashes)
    diffs += check_publications(conn)
    diffs += check_row_contents(conn)
    reparsed, parse_diffs = check_reparse(conn, hashes.data_dir, sample, seed)
    diffs += parse_diffs
    counts = {
        "archived_files": hashes.count,
        "raw_files": conn.execute("SELECT count(*) FROM raw_files").fetchone()[0],
        "reparsed": reparsed,
    }
    return counts, diffs


@main.command()
@db_option
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help=f"The data dir holding archive/ (default: ${config.DATA_DIR_ENV}).")
@click.option("--sample", type=click.IntRange(min=0), default=0, show_default=True,
              help="Re-parse only this many 287(g) files, chosen at random (0 = all).")
@click.option("--seed", type=int, default=0, help="Seed for --sample, to repeat a check.")
def verify(db: str | None, data_dir: str | None, sample: int, seed: int) -> None:
    """Check the raw archive against its hashes and the database against the archive."""
    from patchwork_atlas.kernel.store import connect_readonly

    path = config.db_path(db)
    if not path.exists():
        open_db(db)  # fails with the standard one-line message
    conn = connect_readonly(path)  # verifying must not change what it verifies
    folder = config.data_dir(data_dir)
    counts, diffs = run_checks(conn, folder, sample=sample, seed=seed)
    for line in diffs:
        click.echo(line.replace("\n", " "))
    if diffs:
        fail(f"verify: {len(diffs)} difference(s) in {folder} and {config.db_path(db)}", EXIT_FAILURE)
    click.echo(
        f"ok: {counts['archived_files']} archived files hash correctly, {counts['raw_files']}"
        f" ingested files present, {counts['reparsed']} 287(g) files re-parsed identically"
    )
