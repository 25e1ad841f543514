"""Time ingesting every ICE detention file (../shared/data/ice-detention) into a fresh database.

Acceptance (issue 7): under 10 s. Prints one line per stage; run with `.venv/bin/python bench/detention.py`.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from patchwork_atlas.families import open_database as connect
from patchwork_atlas.ingest import ingest_files, read_local
from patchwork_atlas.kernel.archive import Archive

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ice-detention"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        conn = connect(Path(tmp) / "bench.sqlite")
        archive = Archive(Path(tmp) / "data")
        raws = read_local(archive, [DATA])
        t1 = time.perf_counter()
        report = ingest_files(conn, archive, raws)  # parse + store every file, then derive
        t2 = time.perf_counter()
        n_rows = conn.execute("SELECT COUNT(*) FROM detention_rows").fetchone()[0]
        n_fac = conn.execute("SELECT COUNT(*) FROM facilities").fetchone()[0]
        conn.close()
    print(f"archive {len(raws)} files: {t1 - t0:.2f} s")
    print(f"ingest + derive: {t2 - t1:.2f} s ({report.count('ingested')} ingested, {len(report.rejected)} rejected,"
          f" {n_rows} facility rows, {n_fac} facilities)")
    print(f"total: {t2 - t0:.2f} s (budget 10 s)")
    return 0 if t2 - t0 < 10 and not report.rejected else 1


if __name__ == "__main__":
    sys.exit(main())
