"""Shared pieces of the command line: the group, --db, output formats and exit codes.

Exit codes for every command: 0 success, 1 failure (one line on stderr), 2 usage error,
3 partial success (some input rejected, the rest done).
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn

import click

from patchwork_atlas.kernel import config
from patchwork_atlas.kernel.formats import csv_cell

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="patchwork-atlas")
def main() -> None:
    """Patchwork: who cooperates with ICE, where, and under what law."""


def db_option(func: Callable) -> Callable:
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False),
        default=None,
        help=f"SQLite file (default: ${config.DB_ENV}, else the user data directory).",
    )(func)


def format_option(*choices: str, default: str = "csv") -> Callable:
    def decorate(func: Callable) -> Callable:
        return click.option(
            "--format", "fmt", type=click.Choice(list(choices)), default=default, show_default=True
        )(func)

    return decorate


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print one line on stderr and exit."""
    click.echo(f"patchwork: {message}".replace("\n", " "), err=True)
    sys.exit(code)


def open_db(db: str | None, *, must_exist: bool = True) -> sqlite3.Connection:
    from patchwork_atlas.families import open_database as connect

    path = config.db_path(db)
    if must_exist and not path.exists():
        fail(f"no database at {path}; run `patchwork ingest` first or pass --db")
    return connect(path)


def emit(rows: Iterable[dict[str, Any]], fmt: str, columns: Sequence[str]) -> None:
    """Write rows as CSV (with a header) or a JSON array."""
    rows = list(rows)
    out = sys.stdout
    if fmt == "json":
        out.write(json.dumps(rows, ensure_ascii=False, indent=1, default=str) + "\n")
        return
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_cell(v) for k, v in row.items()})
