"""`patchwork facilities`: detention facilities with their county, type and yearly ADP."""

from __future__ import annotations

import re

import click

from patchwork_atlas.cli.app import EXIT_USAGE, db_option, emit, fail, format_option, main, open_db

COLUMNS = [
    "facility_id", "name", "address", "city", "state", "zip", "county_fips", "type_code",
    "type_label", "local_agreement", "fiscal_year", "adp", "alos", "data_date", "source_file",
    "sheet", "row", "place_review", "review_reason",
]


@main.command("facilities")
@click.option("--state", "state", default=None, help="Two-letter state code, e.g. TX.")
@click.option("--county", "county", default=None, help="Five-digit county FIPS code.")
@click.option("--year", "year", type=int, default=None, help="Fiscal year (e.g. 2026); default: latest per facility.")
@format_option("csv", "json")
@db_option
def facilities_cmd(state: str | None, county: str | None, year: int | None, fmt: str, db: str | None) -> None:
    """Facilities that hold people for ICE, one row per facility (and fiscal year with --year)."""
    from patchwork_atlas.registry.facilities import list_facilities

    if state and not re.fullmatch(r"[A-Za-z]{2}", state):
        fail(f"--state wants a two-letter code, got {state!r}", EXIT_USAGE)
    if county and not re.fullmatch(r"\d{5}", county):
        fail(f"--county wants a five-digit FIPS code, got {county!r}", EXIT_USAGE)
    if year is not None and year < 100:
        year += 2000
    conn = open_db(db)
    rows = list_facilities(conn, state.upper() if state else None, county, year, with_trend=fmt == "json")
    emit(rows, fmt, COLUMNS)
