"""`patchwork verify` on real ingested files: clean is exit 0; each kind of tampering is found."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from patchwork_atlas.cli import main
from patchwork_atlas.families import open_database as connect
from patchwork_atlas.ingest import ingest_files, read_local
from patchwork_atlas.kernel.archive import Archive

FILES = [
    "ice-287g/publications/ice-xlsx/participatingAgencies03052026pm.xlsx",
    "ice-287g/publications/ice-xlsx/pendingAgencies02272026am.xlsx",
    "ice-287g/publications/ice-html-table/ParticipatingEntities-20210113002027.xlsx",
]


@pytest.fixture
def ingested(shared_data, tmp_path) -> tuple[Path, Path]:
    db, data = tmp_path / "db.sqlite", tmp_path / "data"
    conn = connect(db)
    archive = Archive(data)
    report = ingest_files(conn, archive, read_local(archive, [shared_data / f for f in FILES]))
    assert report.count("ingested") == 3
    conn.close()
    return db, data


def verify(db: Path, data: Path, *extra: str):
    return CliRunner().invoke(main, ["verify", "--db", str(db), "--data-dir", str(data), *extra])


def archived(db: Path, data: Path, name_part: str) -> Path:
    row = connect(db).execute(
        "SELECT r.archive_path FROM raw_files r JOIN file_sightings s USING (sha256) WHERE s.file_name LIKE ?",
        (f"%{name_part}%",),
    ).fetchone()
    return data / row[0]


def test_clean_database_and_archive_verify(ingested):
    result = verify(*ingested)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: 3 archived files hash correctly, 3 ingested files present, 3 287(g)")


def test_sample_reparses_only_some_files(ingested):
    result = verify(*ingested, "--sample", "1", "--seed", "7")
    assert result.exit_code == 0 and "1 287(g) files re-parsed" in result.output


def test_tampered_archive_file_is_reported(ingested):
    db, data = ingested
    path = archived(db, data, "pendingAgencies")
    path.chmod(0o644)
    content = bytearray(path.read_bytes())
    content[-100] ^= 0xFF
    path.write_bytes(bytes(content))
    result = verify(db, data)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("patchwork: verify: ")
    rel = path.relative_to(data).as_posix()
    assert any(ln.startswith(f"archive: {rel} (manifest line") and "manifest says" in ln for ln in lines)
    assert any(ln.startswith(f"archive: {rel} does not hash to its name") for ln in lines)
    assert any(ln.startswith("raw_files ") and "now hashes to" in ln for ln in lines)


def test_missing_archive_file_is_reported(ingested):
    db, data = ingested
    path = archived(db, data, "ParticipatingEntities")
    path.unlink()
    result = verify(db, data)
    assert result.exit_code == 1
    assert "archived bytes missing at" in result.output
    assert "is missing" in result.output


def test_altered_stored_row_is_found_by_reparsing(ingested):
    db, data = ingested
    conn = connect(db)
    sha = conn.execute("SELECT sha256 FROM raw_files WHERE kind = 'participating' LIMIT 1").fetchone()[0]
    # sheet_rows is a view over content-addressed rows: damage the stored row behind row 5 (its
    # content then no longer matches its address) and drop the file's reference to row 7.
    list_id = conn.execute("SELECT list_id FROM row_lists WHERE sha256 = ?", (sha,)).fetchone()[0]
    conn.execute(
        "UPDATE row_contents SET agency_raw = 'Somewhere Else' WHERE content_id ="
        " (SELECT content_id FROM list_rows WHERE list_id = ? AND row_number = 5)", (list_id,))
    conn.execute("DELETE FROM list_rows WHERE list_id = ? AND row_number = 7", (list_id,))
    conn.close()
    result = verify(db, data)
    assert result.exit_code == 1
    out = result.output
    assert f"{sha[:12]}… sheet" in out and "row 5 agency_raw: stored 'Somewhere Else'" in out
    assert "row 7: in the file but not stored" in out
    assert "rows stored," in out  # the publication's count no longer matches
    assert "does not hash to its address" in out


def test_unreadable_manifest_line_is_reported(ingested):
    db, data = ingested
    with open(data / "archive" / "manifest.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"path": "archive/ab/trunc\n')
    result = verify(db, data)
    assert result.exit_code == 1
    assert "archive manifest line 4: unreadable" in result.output


def test_no_database_is_a_one_line_failure(tmp_path):
    result = verify(tmp_path / "none.sqlite", tmp_path)
    assert result.exit_code == 1
    assert result.output.strip().startswith("patchwork: no database at")
