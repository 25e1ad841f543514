"""`patchwork reports`: read the error reports sent through the site, and accept (as a local
correction that the next ingest applies) or reject them. Rejected reports are never published."""

from __future__ import annotations

import sqlite3

import click

from patchwork_atlas.cli.app import db_option, emit, fail, format_option, main, open_db
from patchwork_atlas.kernel import config, corrections
from patchwork_atlas.read import reports as store

data_dir_option = click.option("--data-dir", type=click.Path(file_okay=False), default=None,
                               help=f"Where the reports file is (default: ${config.DATA_DIR_ENV}).")
LIST_COLUMNS = ("report_id", "received_utc", "status", "fact", "what", "source")


@main.group()
def reports() -> None:
    """Error reports sent through the site's "Report an error" form."""


@reports.command("list")
@click.option("--status", type=click.Choice(["open", "accepted", "rejected"]), default=None)
@data_dir_option
@format_option("csv", "json")
def list_(status: str | None, data_dir: str | None, fmt: str) -> None:
    """Every report (or those with one status), oldest first."""
    conn = store.connect(data_dir)
    emit(store.list_reports(conn, status), fmt, LIST_COLUMNS)


@reports.command()
@click.argument("number", type=int)
@data_dir_option
def show(number: int, data_dir: str | None) -> None:
    """One report in full (with the sender's contact, which is never published)."""
    found = store.get(store.connect(data_dir), number)
    if found is None:
        fail(f"no report {number}")
    for key, value in found.items():
        click.echo(f"{key}: {'' if value is None else value}")


def _before(conn: sqlite3.Connection, table: str, key: str) -> str:
    """The fact as the database has it now (shown as 'before' on the Corrections page)."""
    if table == "facility_county":
        row = conn.execute("SELECT county_fips FROM facilities WHERE facility_id = ?", (key,)).fetchone()
        if row is None:
            fail(f"no facility {key}")
        return row[0] or ""
    if table == "agency_name":
        row = conn.execute("SELECT name FROM agencies WHERE agency_id = ?", (key,)).fetchone()
        if row is None:
            fail(f"no agency {key}")
        return row[0]
    row = conn.execute("SELECT level, county_fips_all, place FROM agency_jurisdictions"
                       " WHERE agency_id = ?", (key,)).fetchone()
    if row is None:
        fail(f"no agency {key}")
    return f"level={row[0]};county_fips={(row[1] or '').replace(';', ',')};place={row[2] or ''}"


@reports.command()
@click.argument("number", type=int)
@click.option("--table", "table", required=True, type=click.Choice(list(corrections.KINDS)),
              help="What kind of fact the correction changes.")
@click.option("--key", required=True, help="The fact's id (ag-... for agency_*, fac-... for facility_county).")
@click.option("--value", required=True, help="The corrected fact. For agency_placement: "
              + corrections.KINDS["agency_placement"].value_help)
@click.option("--reason", required=True, help="Why (published).")
@click.option("--source", required=True, help="Where the corrected fact can be checked (published).")
@data_dir_option
@db_option
def accept(number: int, table: str, key: str, value: str, reason: str, source: str,
           data_dir: str | None, db: str | None) -> None:
    """Accept report NUMBER: write a local correction, applied by the next `patchwork ingest`."""
    conn = store.connect(data_dir)
    found = store.get(conn, number)
    if found is None:
        fail(f"no report {number}")
    if found["status"] != "open":
        fail(f"report {number} is already {found['status']}")
    try:
        corrections.check(table, key, value)
    except ValueError as exc:
        fail(str(exc))
    before = _before(open_db(db), table, key)
    row = corrections.append(table, key, value, before=before, reason=reason, source=source,
                             report_id=number, data_dir=data_dir)
    store.decide(conn, number, "accepted", reason)
    click.echo(f"report {number} accepted as correction {row['correction_id']} in"
               f" {corrections.path(data_dir).name}; run `patchwork ingest` to apply it")


@reports.command()
@click.argument("number", type=int)
@click.option("--reason", required=True, help="Why (kept in the reports file, never published).")
@data_dir_option
def reject(number: int, reason: str, data_dir: str | None) -> None:
    """Reject report NUMBER (it stays private)."""
    conn = store.connect(data_dir)
    found = store.get(conn, number)
    if found is None:
        fail(f"no report {number}")
    if found["status"] != "open":
        fail(f"report {number} is already {found['status']}")
    store.decide(conn, number, "rejected", reason)
    click.echo(f"report {number} rejected")
