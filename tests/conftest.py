"""Shared fixtures: the real public data beside the repo, and one full ingest per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Ingests in tests skip the county reports (3,235 counties x 2 languages, ~50 s a database):
# readers then build reports live. The session database below has them, so the pages and the
# API are tested on what a real ingest serves.
os.environ["PATCHWORK_PRECOMPUTE"] = "0"
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the real data is expected at {SHARED_DATA} (../shared beside the repo)")
    return SHARED_DATA


def _ingest(tmp: Path, *folders: Path) -> Path:
    from patchwork_atlas.families import open_database as connect
    from patchwork_atlas.ingest import ingest_files, read_local
    from patchwork_atlas.kernel.archive import Archive

    db = tmp / "patchwork.sqlite"
    archive = Archive(tmp / "data")
    conn = connect(db)
    report = ingest_files(conn, archive, read_local(archive, folders))
    conn.close()
    rejected = [(o.name, o.detail) for o in report.rejected]
    assert not rejected or all("pdf" in n.lower() for n, _ in rejected), rejected
    return db


@pytest.fixture(scope="session")
def ingested_db(tmp_path_factory, shared_data) -> Path:
    """Every real publication in ../shared ingested once: 287(g), detention, EOIR, deaths and
    MOAs. Scanned MOAs are OCR'd on their first page only here (the whole set takes minutes of
    OCR); tests/test_moa_family.py ingests hand-verified scans with every page OCR'd."""
    tmp = tmp_path_factory.mktemp("full")
    os.environ.setdefault("PATCHWORK_DATA_DIR", str(tmp / "data"))
    os.environ["PATCHWORK_MOA_OCR_PAGES"] = "1"
    os.environ["PATCHWORK_PRECOMPUTE"] = "1"
    try:
        return _ingest(tmp, shared_data / "ice-287g", shared_data / "ice-detention",
                       shared_data / "eoir", shared_data / "ice-deaths", shared_data / "ice-287g-moa")
    finally:
        del os.environ["PATCHWORK_MOA_OCR_PAGES"]
        os.environ["PATCHWORK_PRECOMPUTE"] = "0"


@pytest.fixture(scope="module")
def db(ingested_db: Path):
    """The session's database, read-only, rows by name."""
    import sqlite3

    conn = sqlite3.connect(f"{ingested_db.resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def copy_database(source: Path, dest: Path) -> Path:
    """A private copy (SQLite's backup API) for a test that writes."""
    import sqlite3

    src, dst = sqlite3.connect(source), sqlite3.connect(dest)
    src.backup(dst)
    src.close()
    dst.close()
    return dest
