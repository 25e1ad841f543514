"""Compact 287(g) row storage (issue 18): each distinct row once, content-addressed; sheet_rows
is a view that gives back every file's rows as printed; migration 0010 upgrades an existing
database (rows in the old sheet_rows table) in place to the same rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from patchwork_atlas.families import open_database as connect
from patchwork_atlas.families.ice287g.rowstore import CONTENT_COLUMNS
from patchwork_atlas.ingest import ingest_files, read_local
from patchwork_atlas.kernel.archive import Archive

FILES = [  # two web-archive captures of ICE's page (each its own link prefix) and two lists
    "ice-287g/publications/ice-html-table/ParticipatingEntities-20210113002027.xlsx",
    "ice-287g/publications/ice-html-table/ParticipatingEntities-20210116022328.xlsx",
    "ice-287g/publications/ice-xlsx/participatingAgencies03052026pm.xlsx",
    "ice-287g/publications/ice-xlsx/participatingAgencies03062026pm.xlsx",
]
_OLD_TABLE = """CREATE TABLE sheet_rows (
  sha256 TEXT NOT NULL REFERENCES raw_files(sha256), sheet TEXT NOT NULL,
  row_number INTEGER NOT NULL, state_raw TEXT, agency_raw TEXT, type_raw TEXT, county_raw TEXT,
  support_type_raw TEXT, signed_raw TEXT, moa_raw TEXT, moa_target TEXT, addendum_raw TEXT,
  addendum_target TEXT, extra TEXT, state_usps TEXT, agency_id TEXT, model TEXT,
  signed_date TEXT, moa_url TEXT, addendum_url TEXT, flags TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (sha256, sheet, row_number))"""


@pytest.fixture(scope="module")
def stored(shared_data, tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("rowstore")
    paths = [shared_data / f for f in FILES]
    paths = [p for p in paths if p.exists()] or pytest.skip("the three lists are not in ../shared")
    conn = connect(tmp / "db.sqlite")
    archive = Archive(tmp / "data")
    assert not ingest_files(conn, archive, read_local(archive, paths)).rejected
    conn.close()
    return tmp / "db.sqlite"


def _view_rows(conn: sqlite3.Connection) -> list[tuple]:
    return [tuple(r) for r in conn.execute("SELECT * FROM sheet_rows ORDER BY sha256, sheet, row_number")]


def test_repeated_rows_are_stored_once(stored):
    conn = connect(stored)
    refs, contents = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                      for t in ("list_rows", "row_contents"))
    assert refs == conn.execute("SELECT sum(n_data_rows) FROM publication_files").fetchone()[0]
    assert contents < refs * 0.7  # consecutive lists repeat most rows
    # every content is its address, in SQL as in Python
    cols = ", ".join(CONTENT_COLUMNS)
    assert conn.execute(
        f"SELECT count(*) FROM row_contents WHERE content_hash != content_hash({cols})"  # noqa: S608
    ).fetchone()[0] == 0


def test_archived_links_are_given_back_as_printed(stored):
    conn = connect(stored)
    prefixes = [r[0] for r in conn.execute(
        "SELECT link_prefix FROM row_lists WHERE link_prefix IS NOT NULL ORDER BY 1")]
    assert prefixes == [f"https://web.archive.org/web/{s}/" for s in ("20210113002027", "20210116022328")]
    prefix = prefixes[0]
    moa = conn.execute(
        "SELECT moa_raw FROM sheet_rows WHERE moa_raw LIKE ? LIMIT 1", (prefix + "%",)
    ).fetchone()[0]
    assert moa.startswith(prefix) and "doclib" in moa


def test_migration_0010_upgrades_in_place(stored, tmp_path):
    """Rebuild the pre-0010 layout (rows in a table) from the view, migrate, get the same rows."""
    db = tmp_path / "old.sqlite"
    conn = connect(stored)
    expected = _view_rows(conn)
    hashes = {r[0] for r in conn.execute("SELECT content_hash FROM row_contents")}
    conn.execute("VACUUM INTO ?", (str(db),))
    conn.close()
    old = sqlite3.connect(db, isolation_level=None)
    old.execute("PRAGMA foreign_keys=OFF")
    old.execute("ALTER TABLE list_rows RENAME TO new_list_rows")
    old.execute("DROP VIEW sheet_rows")
    old.execute(_OLD_TABLE)
    old.execute("CREATE INDEX sheet_rows_agency ON sheet_rows(agency_id)")
    old.executemany("INSERT INTO sheet_rows VALUES (" + ",".join("?" * len(expected[0])) + ")", expected)  # noqa: S608
    for t in ("new_list_rows", "row_contents", "row_lists"):
        old.execute(f"DROP TABLE {t}")
    old.execute("DELETE FROM schema_migrations WHERE name = '0010_row_store.sql'")
    old.close()
    upgraded = connect(db)
    assert _view_rows(upgraded) == expected
    assert {r[0] for r in upgraded.execute("SELECT content_hash FROM row_contents")} == hashes
    assert upgraded.execute("PRAGMA foreign_key_check").fetchall() == []
