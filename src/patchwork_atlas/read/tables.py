"""Every table Patchwork publishes, gathered from the families: the one definition that the
CLI (`patchwork <table> --format csv|json`) and the web downloads both write, so the two always
have the same header and the same rows."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterable
from typing import Any

from patchwork_atlas.families import FAMILIES
from patchwork_atlas.kernel.family import Table
from patchwork_atlas.kernel.formats import csv_cell

TABLES: dict[str, Table] = {name: table for f in FAMILIES for name, table in f.tables().items()}


def rows(conn: sqlite3.Connection, name: str) -> list[dict[str, Any]]:
    return TABLES[name].rows(conn)


def to_csv(name: str, records: Iterable[dict[str, Any]]) -> str:
    """The table's columns, in order; lists as ';'-joined values; formula-safe cells."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(TABLES[name].columns), extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: csv_cell(v) for k, v in record.items()})
    return out.getvalue()


def to_json_rows(name: str, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The table's columns, in order (the JSON download and `--format json`)."""
    columns = TABLES[name].columns
    return [{c: r.get(c) for c in columns} for r in records]
