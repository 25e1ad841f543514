"""Benchmark: full-history ingest of every 287(g) publication in ../shared versus a bare read of
the same files (python-calamine reading every cell), and the cost of one new publication.

Not a test: run `make bench` (or `.venv/bin/python bench/ingest.py`); figures are printed and
written to bench/results/ingest.json for bench/README.md.
"""

from __future__ import annotations

import json
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from python_calamine import CalamineWorkbook

from patchwork_atlas.families import open_database as connect
from patchwork_atlas.ingest import ingest_files, read_local
from patchwork_atlas.kernel.archive import Archive

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data" / "ice-287g"


def name_date(path: Path) -> str:
    """YYYYMMDD from ICE's MMDDYYYY file name ('' when it has none), to find the newest list."""
    m = re.search(r"Agencies(\d{2})(\d{2})(\d{4})(?!\d)", path.name)
    return f"{m.group(3)}{m.group(1)}{m.group(2)}" if m else ""


def bare_read(files: list[Path]) -> float:
    start = time.perf_counter()
    cells = 0
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            for row in book.get_sheet_by_name(name).to_python():
                cells += len(row)
    return time.perf_counter() - start


def full_ingest(folder: Path, work: Path) -> tuple[float, Path]:
    db = work / "full.sqlite"
    archive = Archive(work / "data")
    start = time.perf_counter()
    conn = connect(db)
    report = ingest_files(conn, archive, read_local(archive, [folder]))
    conn.close()
    elapsed = time.perf_counter() - start
    assert not report.rejected, report.rejected
    return elapsed, db


def one_new_publication(files: list[Path], work: Path) -> float:
    """Ingest everything but the newest ICE workbook, then time ingesting that one."""
    newest = max((f for f in files if f.parent.name == "ice-xlsx" and f.name.startswith("participating")),
                 key=name_date)
    rest = work / "rest"
    rest.mkdir()
    for f in files:
        if f != newest:
            (rest / f.name).symlink_to(f)
    archive = Archive(work / "data1")
    conn = connect(work / "one.sqlite")
    ingest_files(conn, archive, read_local(archive, [rest]))
    conn.close()
    # What a daily cron pays: a fresh `patchwork ingest` of the new list (Python start-up,
    # imports and the geography's tables included), three times from the same state.
    base = work / "one-base.sqlite"
    shutil.copy(work / "one.sqlite", base)
    runs = []
    for _ in range(3):
        shutil.copy(base, work / "one.sqlite")
        for suffix in ("-wal", "-shm"):
            Path(f"{work / 'one.sqlite'}{suffix}").unlink(missing_ok=True)
        start = time.perf_counter()
        done = subprocess.run([str(Path(sys.executable).parent / "patchwork"), "ingest", str(newest), "--db",
                               str(work / "one.sqlite"), "--data-dir", str(work / "data1"), "-q"],
                              capture_output=True, text=True, check=True)
        runs.append(time.perf_counter() - start)
        assert "1 ingested" in done.stdout, done.stdout
    return statistics.median(runs)


def main() -> None:
    files = sorted(SHARED.glob("publications/*/*.xlsx"))
    work = Path(tempfile.mkdtemp(prefix="pw-bench-"))
    try:
        bare = [bare_read(files) for _ in range(3)]
        full = [full_ingest(SHARED, Path(tempfile.mkdtemp(dir=work)))[0] for _ in range(3)]
        one = one_new_publication(files, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "files": len(files),
        "bare_read_s": round(statistics.median(bare), 2),
        "full_ingest_s": round(statistics.median(full), 2),
        "ratio": round(statistics.median(full) / statistics.median(bare), 2),
        "one_new_publication_fresh_process_s": round(one, 2),
        "runs": {"bare": [round(x, 2) for x in bare], "full": [round(x, 2) for x in full]},
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "ingest.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
