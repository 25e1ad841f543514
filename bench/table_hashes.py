"""Proof that a refactor changed no stored fact: ingest every publication in ../shared into a
fresh database and print a content hash of every table (`schema_migrations` excluded).

Run it before and after a change and compare (`--compare BEFORE.json`). Views are hashed like
tables, so a table replaced by a view of the same rows (sheet_rows, issue 18) compares equal. Columns that record
*when* or *where on this machine* a run happened (retrieval times, archive paths, the
content version) differ between any two runs, so they are left out of the hash, by name.

Not a test (a full ingest of everything takes about a minute): `python bench/table_hashes.py
--out after.json --compare before.json`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data"
FOLDERS = ("ice-287g", "ice-detention", "eoir")
VOLATILE = {"retrieved_utc", "first_retrieved_utc", "archive_path", "applied_utc", "loaded_utc"}
VOLATILE_META = {"content_version"}


def ingest_all(work: Path) -> Path:
    try:  # the layout after issue 11
        from patchwork_atlas.ingest import ingest_files, open_database, read_local
        from patchwork_atlas.kernel.archive import Archive

        connect = open_database
    except ImportError:  # the layout before it
        from patchwork_atlas.families import open_database as connect
        from patchwork_atlas.ingest import ingest_files, read_local
        from patchwork_atlas.kernel.archive import Archive
    db = work / "patchwork.sqlite"
    archive = Archive(work / "data")
    conn = connect(db)
    ingest_files(conn, archive, read_local(archive, [SHARED / f for f in FOLDERS]))
    conn.close()
    return db


def hashes(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    out = {}
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE '%_fts%' AND name != 'schema_migrations' ORDER BY name")]
    for table in tables:
        cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        keep = [c for c in cols if c not in VOLATILE]
        sql = "SELECT " + ",".join(f'"{c}"' for c in keep) + f' FROM "{table}"'  # noqa: S608
        if table == "meta":
            sql += " WHERE key NOT IN ('content_version')"
        rows = sorted(repr(tuple(r)) for r in conn.execute(sql))
        digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        out[table] = f"{digest} {len(rows)} rows"
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path)
    ap.add_argument("--compare", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = hashes(ingest_all(Path(tmp)))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1, sort_keys=True))
    if not args.compare:
        print(json.dumps(result, indent=1, sort_keys=True))
        return 0
    before = json.loads(args.compare.read_text())
    differ = sorted(t for t in before.keys() | result.keys() if before.get(t) != result.get(t))
    for t in differ:
        print(f"DIFFERS {t}: before {before.get(t)} after {result.get(t)}")
    print(f"{len(result)} tables, {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
