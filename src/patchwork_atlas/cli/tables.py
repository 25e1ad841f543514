"""`patchwork agreements|agencies|applications|events|facilities|facility-years|
legal-help-offices`: every published table, one command each, written from the same
definition as the web downloads (`read.tables`), so the two have the same header and rows.

Filters are offered where the table has the column: --state (state_usps), --county
(county_fips), --status, --model, --kind, --year (fiscal_year), --since/--until (event_date).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Callable
from typing import Any

import click

from patchwork_atlas.cli.app import EXIT_USAGE, db_option, fail, format_option, main, open_db
from patchwork_atlas.read import tables

# option -> (column, how a row's value must relate to the option's value, validation pattern)
FILTERS: dict[str, tuple[str, str, str]] = {
    "state": ("state_usps", "eq", r"[A-Za-z]{2}"),
    "county": ("county_fips", "eq", r"\d{5}"),
    "status": ("status", "eq", r"[a-z_]{3,20}"),
    "model": ("model", "eq", r"[A-Za-z]{3}"),
    "kind": ("kind", "eq", r"[a-z_]{3,40}"),
    "year": ("fiscal_year", "eq", r"\d{4}"),
    "facility": ("facility_id", "eq", r"fac-[a-z0-9-]{1,60}"),
    "since": ("event_date", "ge", r"\d{4}-\d{2}-\d{2}"),
    "until": ("event_date", "le", r"\d{4}-\d{2}-\d{2}"),
}


def _keep(row: dict[str, Any], chosen: dict[str, str]) -> bool:
    for option, value in chosen.items():
        column, how, _ = FILTERS[option]
        cell = row.get(column)
        cell = None if cell is None else str(cell)
        if how == "eq" and cell != value:
            return False
        if how == "ge" and (cell is None or cell < value):
            return False
        if how == "le" and (cell is None or cell > value):
            return False
    return True


def _normalize(option: str, value: str) -> str:
    if not re.fullmatch(FILTERS[option][2], value):
        fail(f"--{option}: {value!r} is not valid", EXIT_USAGE)
    if option in ("since", "until"):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            fail(f"--{option}: {value!r} is not a real date (YYYY-MM-DD)", EXIT_USAGE)
    return value.upper() if option in ("state", "model") else value


def _command(name: str) -> Callable[..., None]:
    table = tables.TABLES[name]
    options = [o for o, (column, _, _) in FILTERS.items() if column in table.columns]

    def run(db: str | None, fmt: str, **chosen: str | None) -> None:
        given = {k: _normalize(k, v) for k, v in chosen.items() if v is not None}
        conn = open_db(db)
        try:
            rows = [r for r in tables.rows(conn, name) if _keep(r, given)]
        finally:
            conn.close()
        if fmt == "json":
            sys.stdout.write(json.dumps(tables.to_json_rows(name, rows), ensure_ascii=False,
                                        indent=1, default=str) + "\n")
        else:
            sys.stdout.write(tables.to_csv(name, rows))

    run.__doc__ = f"{table.description} Same columns and rows as the web download {name}.csv."
    command = format_option("csv", "json")(db_option(run))
    for option in reversed(options):
        command = click.option(f"--{option}", option, default=None,
                               help=f"Only rows whose {FILTERS[option][0]} matches.")(command)
    return main.command(name.replace("_", "-"))(command)


for _name in tables.TABLES:
    _command(_name)
