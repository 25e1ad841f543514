"""Commands over the 287(g) registry: ingest, publications, agreements, events, stats."""

from __future__ import annotations

import json
import os
import sys

import click

from patchwork_atlas.cli.app import (
    EXIT_FAILURE,
    EXIT_PARTIAL,
    db_option,
    emit,
    fail,
    format_option,
    main,
    open_db,
)
from patchwork_atlas.kernel import config


@main.command()
@click.argument("inputs", nargs=-1)
@db_option
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help=f"Where raw files are archived (default: ${config.DATA_DIR_ENV}).")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
def ingest(inputs: tuple[str, ...], db: str | None, data_dir: str | None, quiet: bool) -> None:
    """Ingest publications: local files or folders, URLs, or (no argument) ICE's live 287(g) page
    (or $PATCHWORK_SOURCE: a local folder or file, or the URL of a mirror of ICE's page)."""
    from patchwork_atlas.families import open_database as connect
    from patchwork_atlas.families.ice287g import fetch as fetcher
    from patchwork_atlas.ingest import ingest_files, read_local
    from patchwork_atlas.kernel.archive import Archive

    source = os.environ.get(config.SOURCE_ENV, "").strip()
    if not inputs and source and not source.lower().startswith(("http://", "https://")):
        inputs = (source,)  # a local folder or file instead of ICE's page (a URL names a mirror page)
    archive = Archive(config.data_dir(data_dir))
    conn = connect(config.db_path(db))
    raws, fetch_errors = [], []
    locals_ = [i for i in inputs if not i.lower().startswith(("http://", "https://"))]
    urls = [i for i in inputs if i.lower().startswith(("http://", "https://"))]
    try:
        if locals_:
            raws += read_local(archive, locals_)
        if urls or not inputs:
            fetched, fetch_errors = fetcher.fetch(archive, conn, urls or None)
            raws += fetched
    except (OSError, fetcher.FetchError) as exc:
        fail(str(exc))
    total = len(raws)
    done = 0

    def progress(outcome) -> None:
        nonlocal done
        done += 1
        if not quiet and (total > 20 and (done % 100 == 0 or done == total)):
            click.echo(f"  {done}/{total} files", err=True)
        if outcome.status == "rejected":
            click.echo(f"patchwork: rejected {outcome.name}: {outcome.detail}", err=True)

    report = ingest_files(conn, archive, raws, progress=progress)
    for err in fetch_errors:
        click.echo(f"patchwork: could not fetch {err}", err=True)
    click.echo(
        f"{report.count('ingested')} ingested, {report.count('known')} already known,"
        f" {report.count('rejected') + len(fetch_errors)} rejected"
    )
    if report.rejected or fetch_errors:
        sys.exit(EXIT_PARTIAL if (report.count("ingested") + report.count("known")) else EXIT_FAILURE)


PUBLICATION_COLUMNS = ["publication_id", "list", "published_date", "date_rule", "date_note", "era",
                       "files", "sha256", "n_data_rows", "n_rows_stored", "suspect", "suspect_reason"]


@main.command()
@db_option
@format_option("csv", "json")
def publications(db: str | None, fmt: str) -> None:
    """One row per publication: dates, dating rule, files seen, rows in the sheet and stored."""
    conn = open_db(db)
    rows = []
    for r in conn.execute(
        "SELECT p.*, group_concat(f.sha256, ';') AS sha256, count(f.sha256) AS files"
        " FROM publications p JOIN publication_files f USING (publication_id)"
        " GROUP BY p.publication_id ORDER BY p.list, p.sort_key"
    ):
        rows.append({k: r[k] for k in PUBLICATION_COLUMNS})
    emit(rows, fmt, PUBLICATION_COLUMNS)


@main.command()
@db_option
@format_option("text", "json", default="text")
def stats(db: str | None, fmt: str) -> None:
    """Current counts by model and state (as of the latest publication) and totals over time."""
    from patchwork_atlas.read.stats import collect, render_text

    conn = open_db(db)
    data = collect(conn)
    if fmt == "json":
        click.echo(json.dumps(data, indent=1, ensure_ascii=False))
        return
    click.echo(render_text(data))
