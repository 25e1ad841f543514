"""Corrections accepted locally: a CSV in the data directory, beside the shipped correction
tables (package data is never written). `patchwork reports accept` appends a row; ingest copies
the rows into `local_corrections` and re-derives the family a changed row belongs to.

Each row names a `table` (what kind of fact), a `key` (which one), the corrected `value`, the
fact `before`, a `reason` and a `source`, so the public Corrections page can show all of it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from patchwork_atlas.kernel import config

COLUMNS = ("correction_id", "accepted_utc", "table", "key", "value", "before", "reason", "source",
           "report_id")
LEVELS = ("state", "county", "municipal", "other")


@dataclass(frozen=True)
class Kind:
    family: str
    key_pattern: str
    value_help: str


# What a local correction can change, and the family that applies it when re-deriving.
KINDS = {
    "agency_name": Kind("ice287g", r"ag-[0-9a-f]{6,40}", "the agency's correct name"),
    "agency_placement": Kind(
        "ice287g", r"ag-[0-9a-f]{6,40}",
        "level=state|county|municipal|other;county_fips=NNNNN[,NNNNN...];place=NAME (place optional)"),
    "facility_county": Kind("detention", r"fac-[a-z0-9-]{1,60}", "the facility's 5-digit county FIPS code"),
}  # fmt: skip


def latest(conn: sqlite3.Connection, table: str) -> list[sqlite3.Row]:
    """(key, value, correction_id) of the newest accepted correction of each key of a table (a
    later correction replaces an earlier one); read by the family when it derives."""
    return conn.execute(
        "SELECT key, value, correction_id FROM local_corrections WHERE tbl = ? AND correction_id IN"
        " (SELECT max(correction_id) FROM local_corrections WHERE tbl = ? GROUP BY key)",
        (table, table),
    ).fetchall()


def path(data_dir: str | os.PathLike | None = None) -> Path:
    return config.data_dir(data_dir) / "corrections" / "accepted.csv"


def read(data_dir: str | os.PathLike | None = None) -> list[dict[str, str]]:
    file = path(data_dir)
    if not file.is_file():
        return []
    with file.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def parse_placement(value: str) -> dict[str, str]:
    """`level=county;county_fips=48201;place=` as a dict, each part checked (never guessed)."""
    from patchwork_atlas.kernel.geo import reference

    parts = dict(p.split("=", 1) for p in value.split(";") if "=" in p)
    unknown = set(parts) - {"level", "county_fips", "place"}
    if unknown or parts.get("level") not in LEVELS:
        raise ValueError(f"placement must be {KINDS['agency_placement'].value_help}")
    fips = [f.strip() for f in parts.get("county_fips", "").split(",") if f.strip()]
    for f in fips:
        if not re.fullmatch(r"\d{5}", f) or reference.county(f) is None:
            raise ValueError(f"{f!r} is not a county FIPS code in the reference data")
    return {"level": parts["level"], "county_fips": ",".join(fips), "place": parts.get("place", "").strip()}


def check(table: str, key: str, value: str) -> None:
    """Raise ValueError with a one-line reason when the correction is malformed."""
    kind = KINDS.get(table)
    if kind is None:
        raise ValueError(f"unknown table {table!r}; one of: {', '.join(KINDS)}")
    if not re.fullmatch(kind.key_pattern, key):
        raise ValueError(f"key {key!r} does not look like an id for {table}")
    if not value.strip() or len(value) > 500:
        raise ValueError(f"value must be {kind.value_help} (1 to 500 characters)")
    if table == "agency_placement":
        parse_placement(value)
    if table == "facility_county":
        from patchwork_atlas.kernel.geo import reference

        if not re.fullmatch(r"\d{5}", value) or reference.county(value) is None:
            raise ValueError(f"{value!r} is not a county FIPS code in the reference data")


def append(table: str, key: str, value: str, *, before: str | None, reason: str, source: str,
           report_id: int | None, data_dir: str | os.PathLike | None = None) -> dict[str, str]:
    """Add one accepted correction (validated) and return the row written."""
    check(table, key, value)
    if not reason.strip() or not source.strip():
        raise ValueError("a correction needs a reason and a source")
    rows = read(data_dir)
    row = {
        "correction_id": str(max((int(r["correction_id"]) for r in rows), default=0) + 1),
        "accepted_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "table": table, "key": key, "value": value.strip(), "before": before or "",
        "reason": reason.strip(), "source": source.strip(),
        "report_id": "" if report_id is None else str(report_id),
    }  # fmt: skip
    file = path(data_dir)
    file.parent.mkdir(parents=True, exist_ok=True)
    new = not file.is_file()
    with file.open("a", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        if new:
            writer.writeheader()
        writer.writerow(row)
    return row


def fingerprints(rows: list[dict[str, str]]) -> dict[str, str]:
    """Per family that applies corrections: a hash of its rows (of nothing, when none), so ingest
    sees a changed file and re-derives only the family it concerns."""
    out = {}
    for family in sorted({k.family for k in KINDS.values()}):
        mine = [r for r in rows if KINDS.get(r.get("table", ""), Kind("", "", "")).family == family]
        text = "\n".join("\x1f".join(r.get(c) or "" for c in COLUMNS) for r in mine)
        out[family] = hashlib.sha256(text.encode()).hexdigest() if mine else ""
    return out
