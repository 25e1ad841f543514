"""Kill the ingest at random points (SIGKILL, no chance to clean up) and prove that the database
is always the last complete state and that the next ingest finishes the work.

A subset of ~40 real ICE workbooks (with their manifest rows) is copied to a temporary folder so
that one full ingest takes a few seconds. The kill points are seeded: the run is repeatable.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from patchwork_atlas.cli.verify import run_checks
from patchwork_atlas.families import open_database as connect
from patchwork_atlas.kernel.store import table_hashes

REPO = Path(__file__).resolve().parents[1]
SEED = 287
KILLS = 4

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


@pytest.fixture(scope="module")
def subset(shared_data, tmp_path_factory) -> Path:
    """Every 11th ICE workbook (both lists), with its manifest rows, so provenance is read too."""
    src = shared_data / "ice-287g"
    with open(src / "manifest.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames
        rows = [r for r in reader if r["era"] == "ice-xlsx"][::11]
    folder = tmp_path_factory.mktemp("subset")
    for row in rows:
        shutil.copyfile(src / row["file"], folder / Path(row["file"]).name)
        row["file"] = Path(row["file"]).name
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    assert 35 <= len(rows) <= 45
    return folder


def start(folder: Path, db: Path, data: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from patchwork_atlas.cli import main; main()", "ingest", str(folder),
         "--db", str(db), "--data-dir", str(data), "--quiet"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def stable_hashes(db: Path) -> dict[str, str]:
    """Table hashes of a copy with the clock columns blanked: runs differ only in when they ran."""
    copy = db.with_name(db.stem + "-cmp.sqlite")
    src = connect(db)
    src.execute(f"VACUUM INTO '{copy}'")
    src.close()
    conn = connect(copy)
    conn.execute("UPDATE raw_files SET first_retrieved_utc = ''")
    conn.execute("UPDATE file_sightings SET retrieved_utc = ''")
    hashes = table_hashes(conn, exclude=("schema_migrations",))
    conn.close()
    copy.unlink()
    return hashes


def assert_complete_state(db: Path, data: Path) -> int:
    """The database opens, is consistent, and holds only whole files; returns files stored."""
    conn = connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    files = conn.execute("SELECT count(*) FROM raw_files").fetchone()[0]
    half = conn.execute(
        "SELECT count(*) FROM raw_files r WHERE NOT EXISTS"
        " (SELECT 1 FROM publication_files f WHERE f.sha256 = r.sha256)"
    ).fetchone()[0]
    assert half == 0, "a raw_files row without its publication: a half-stored file"
    for pub, stored, declared in conn.execute(
        "SELECT p.publication_id, (SELECT count(*) FROM sheet_rows s WHERE s.sha256 = p.canonical_sha256),"
        " p.n_data_rows FROM publications p"
    ):
        assert stored == declared, (pub, stored, declared)
    _, diffs = run_checks(conn, data)  # archive hashes, DB vs archive, re-parse vs stored rows
    assert diffs == [], diffs
    conn.close()
    return files


def test_sigkill_at_random_points_leaves_a_complete_state_and_resumes(subset, tmp_path):
    ref_db, ref_data = tmp_path / "ref.sqlite", tmp_path / "ref-data"
    began = time.monotonic()
    clean = start(subset, ref_db, ref_data)
    out, err = clean.communicate(timeout=300)
    clean_seconds = time.monotonic() - began
    assert clean.returncode == 0, err
    n_files = len([p for p in subset.iterdir() if p.suffix == ".xlsx"])
    assert f"{n_files} ingested" in out

    db, data = tmp_path / "killed.sqlite", tmp_path / "killed-data"
    rng = random.Random(SEED)
    stored_after_kill = []
    # Scaled to this machine's speed: early kills land while files are being stored, later
    # ones while known files are re-sighted or derived tables rebuilt.
    for i in range(KILLS):
        proc = start(subset, db, data)
        time.sleep(rng.uniform(0.03, 0.12) * clean_seconds * (i + 1))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        stored_after_kill.append((proc.returncode, assert_complete_state(db, data)))
    print("kill runs (exit code, files stored):", stored_after_kill)
    assert any(code == -signal.SIGKILL for code, _ in stored_after_kill), "no run was actually killed"
    counts = [n for _, n in stored_after_kill]
    assert counts == sorted(counts), "a later run lost files an earlier run had stored"

    final = start(subset, db, data)
    out, err = final.communicate(timeout=300)
    assert final.returncode == 0, err
    assert_complete_state(db, data)
    meta = connect(db).execute("SELECT key FROM meta WHERE key LIKE 'dirty:%'").fetchall()
    assert meta == [], "derived tables left dirty after a completed ingest"
    assert stable_hashes(db) == stable_hashes(ref_db)
