"""Issue 18, ingest speed: what the faster paths give equals what the plain ones give.

- Reading ahead in worker processes (recognize + prepare, rows sent once per worker) stores the
  same tables as reading each file in the ingest's own process.
- Excel's usual hyperlink and relationship shapes, read in one regex pass, give the same links as
  the attribute-by-attribute reader, on every real workbook.
- Rows remembered from an earlier list (the reader's and the normalizer's memos) give the same
  rows as reading them afresh.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from patchwork_atlas import ingest
from patchwork_atlas.families import open_database as connect
from patchwork_atlas.families.ice287g import family as ice
from patchwork_atlas.families.ice287g import reader
from patchwork_atlas.kernel import xlsx
from patchwork_atlas.kernel.archive import Archive
from patchwork_atlas.kernel.store import table_hashes


def _workbooks(shared_data: Path, step: int) -> list[Path]:
    """Every `step`-th ICE workbook of every era (the web-archive captures carry link prefixes)."""
    files = sorted((shared_data / "ice-287g" / "publications").glob("*/*.xlsx"))
    return files[::step] or pytest.skip("no ICE workbooks in ../shared")


def _ingest(paths: list[Path], tmp: Path) -> dict[str, str]:
    conn = connect(tmp / "db.sqlite")
    archive = Archive(tmp / "data")
    report = ingest.ingest_files(conn, archive, ingest.read_local(archive, paths))
    assert not report.rejected, report.rejected
    conn.execute("UPDATE raw_files SET first_retrieved_utc = ''")
    conn.execute("UPDATE file_sightings SET retrieved_utc = ''")
    conn.commit()
    hashes = table_hashes(conn, exclude=("schema_migrations",))
    conn.close()
    return hashes


def test_reading_ahead_in_workers_stores_what_reading_here_stores(shared_data, tmp_path, monkeypatch):
    paths = _workbooks(shared_data, 25)
    assert len(paths) >= ingest.READ_AHEAD_MIN_FILES
    pools = []
    real_pool = ingest.fork_pool
    monkeypatch.setattr(ingest, "fork_pool", lambda n: pools.append(n) or real_pool(n))
    ahead = _ingest(paths, tmp_path / "ahead")
    assert pools, "the files were not read in worker processes"
    monkeypatch.setattr(ingest, "READ_AHEAD_MIN_FILES", 10**9)
    here = _ingest(paths, tmp_path / "here")
    assert ahead == here


def test_usual_link_shapes_read_as_the_general_reader_reads_them(shared_data):
    checked = 0
    for path in [*_workbooks(shared_data, 7), *sorted((shared_data / "ice-detention").rglob("*.xlsx"))]:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.endswith(".rels"):
                    xml = zf.read(name).decode("utf-8", "replace")
                    usual = xlsx._usual_rels(xml)
                    assert usual is None or usual == xlsx._any_rels(xml), (path.name, name)
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    data = zf.read(name)
                    start = data.find(b"<hyperlinks")
                    if start < 0:
                        continue
                    block = data[start:data.find(b"</hyperlinks>", start) + len(b"</hyperlinks>")]
                    rels = xlsx._rels(zf, name)
                    usual = xlsx._usual_links(block, rels)
                    assert usual is not None, (path.name, name)  # ICE's lists are all usual
                    assert usual == xlsx._links(block, rels), (path.name, name)
                    checked += 1
    assert checked > 20


def test_rows_remembered_from_earlier_lists_equal_rows_read_afresh(shared_data, tmp_path):
    paths = _workbooks(shared_data, 40)
    archive = Archive(tmp_path)
    raws = ingest.read_local(archive, paths)
    for memo in (reader._ROW_MEMO, ice._ROW_MEMO):
        memo.clear()
    remembered = [ice.FAMILY.prepare(raw, *ice.FAMILY.recognize(raw)) for raw in raws]
    assert reader._ROW_MEMO and ice._ROW_MEMO
    fresh = []
    for raw in raws:
        reader._ROW_MEMO.clear()
        ice._ROW_MEMO.clear()
        fresh.append(ice.FAMILY.prepare(raw, *ice.FAMILY.recognize(raw)))
    assert remembered == fresh
