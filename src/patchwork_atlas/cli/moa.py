"""`patchwork moa list|show|search|fetch|reread`: the 287(g) memoranda of agreement held, read from
the same queries as the API and the pages; `fetch` downloads the PDFs ICE's lists link to.

`moa list --format csv|json` writes the `moas` table exactly as the download (`read.tables`);
`--format table` is the same rows, narrowed to fit a terminal.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from typing import Any

import click

from patchwork_atlas.cli.app import (
    EXIT_FAILURE,
    EXIT_PARTIAL,
    EXIT_USAGE,
    db_option,
    fail,
    format_option,
    main,
    open_db,
)
from patchwork_atlas.kernel import config

# What `--format table` shows of each row (the CSV has every column of MOA_COLUMNS).
TABLE_COLUMNS = ("moa_id", "state", "model", "template_revision", "signed_dates", "agreement_id",
                 "match_confidence", "agency", "flags")


@main.group()
def moa() -> None:
    """287(g) memoranda of agreement (MOAs): what each signed agreement says, page by page."""


def _filters(state: str | None, model: str | None, revision: str | None) -> dict[str, str | None]:
    """Validated filters, normalized as stored (state and model in capitals)."""
    if state is not None and not re.fullmatch(r"[A-Za-z]{2}", state):
        fail(f"--state: {state!r} is not a two-letter state code", EXIT_USAGE)
    if model is not None and not re.fullmatch(r"[A-Za-z]{3}", model):
        fail(f"--model: {model!r} is not a model code (JEM, TFM or WSO)", EXIT_USAGE)
    if revision is not None:
        try:
            dt.date.fromisoformat(revision)
        except ValueError:
            fail(f"--revision: {revision!r} is not a date (YYYY-MM-DD)", EXIT_USAGE)
    return {"state": state.upper() if state else None, "model": model.upper() if model else None,
            "revision": revision}


def _filter_options(func: Any) -> Any:
    func = click.option("--revision", default=None,
                        help="Template revision date printed in the footer (YYYY-MM-DD).")(func)
    func = click.option("--model", default=None, help="JEM, TFM or WSO.")(func)
    return click.option("--state", default=None, help="Two-letter state code.")(func)


def _table(rows: list[dict[str, Any]], columns: tuple[str, ...], width: int = 40) -> None:
    """Fixed-width columns, each cell cut to `width` characters (the CSV has them whole)."""
    cells = [[("" if r.get(c) is None else str(r[c])).replace("\n", " ")[:width] for c in columns]
             for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    for row in [list(columns), *cells]:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


@moa.command("list")
@_filter_options
@click.option("--agreement", "agreement_id", default=None, help="Only MOAs linked to this agreement id.")
@format_option("table", "csv", "json", default="table")
@db_option
def list_cmd(state: str | None, model: str | None, revision: str | None,
             agreement_id: str | None, fmt: str, db: str | None) -> None:
    """The MOAs held, one row per MOA and linked agreement (the `moas` download's rows)."""
    from patchwork_atlas.families.moa.family import list_moas
    from patchwork_atlas.read import tables

    conn = open_db(db)
    try:
        rows = list_moas(conn, **_filters(state, model, revision), agreement_id=agreement_id)
    finally:
        conn.close()
    if fmt == "csv":
        sys.stdout.write(tables.to_csv("moas", rows))
    elif fmt == "json":
        sys.stdout.write(json.dumps(tables.to_json_rows("moas", rows), ensure_ascii=False,
                                    indent=1, default=str) + "\n")
    else:
        _table(rows, TABLE_COLUMNS)
        click.echo(f"{len({r['moa_id'] for r in rows})} MOA(s)", err=True)


def _fact(field: str, found: list[dict[str, Any]]) -> str:
    parts = []
    for v in found:
        where = f"p. {v['page']}" if v["page"] else "not from the text"
        note = f"; {v['note']}" if v["note"] else ""
        parts.append(f"{' '.join(str(v['value']).split())} ({where}{note})")
    return f"  {field}: " + " | ".join(parts)


def _show_text(m: dict[str, Any]) -> None:
    click.echo(f"{m['moa_id']}  {m['agency'] or 'agency unknown'}, {m['state'] or 'state unknown'}"
               f" ({m['model'] or 'model unknown'})")
    click.echo(f"file: {m['file_name']}, {m['pages']} pages, sha256 {m['sha256']}")
    click.echo(f"archived copy: {m['archived_copy']}")
    if m["origin"]:
        click.echo(f"obtained from: {m['origin']} ({m['retrieved_utc']})")
    if m["ocr_pages"]:
        click.echo(f"pages read by OCR: {', '.join(map(str, m['ocr_pages']))}")
    if m["unread_pages"]:
        click.echo(f"pages without text: {', '.join(map(str, m['unread_pages']))}")
    click.echo("facts (page where printed):")
    for field, found in m["values"].items():
        click.echo(_fact(field, found))
    click.echo("links:")
    for link in m["links"]:
        target = (f"{link['agreement_id']} ({link['agency_name']}, {link['state_usps']},"
                  f" {link['model']}, {link['status']})" if link["agreement_id"] else "no agreement")
        click.echo(f"  {target}: {link['method']}, confidence {link['confidence']}; {link['reason']}")
        if link["review_reason"]:
            click.echo(f"    check: {link['review_reason']}")
    click.echo(f"flags: {m['flags'] or 'none'}")
    comp = m["comparison"]
    if comp:
        score = "no score" if comp["score"] is None else f"departure score {comp['score']}"
        click.echo(f"template group: {comp['template_group']} (compared with"
                   f" {comp['compared_with']}); {score}; {comp['n_differences']} difference(s)")
    else:
        click.echo(f"differences: {len(m['differences'])}")


@moa.command("show")
@click.argument("moa_id")
@format_option("text", "json", default="text")
@db_option
def show_cmd(moa_id: str, fmt: str, db: str | None) -> None:
    """One MOA: each fact with the page it is printed on, its links, flags and how many
    passages differ from its template group's standard text."""
    from patchwork_atlas.families.moa.family import get_moa

    conn = open_db(db)
    try:
        found = get_moa(conn, moa_id.strip().lower())
    finally:
        conn.close()
    if found is None:
        fail(f"no MOA {moa_id!r} (see `patchwork moa list`)")
    if fmt == "json":
        click.echo(json.dumps(found, ensure_ascii=False, indent=1, default=str))
    else:
        _show_text(found)


@moa.command("search")
@click.argument("query")
@_filter_options
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000),
              help="At most this many hits (pages).")
@format_option("text", "json", default="text")
@db_option
def search_cmd(query: str, state: str | None, model: str | None, revision: str | None,
               limit: int, fmt: str, db: str | None) -> None:
    """Full-text search of every MOA page: one hit per page, best first, with a snippet
    (matched words in [brackets]) and the page to open."""
    from patchwork_atlas.families.moa.family import fts_query, search

    if fts_query(query) is None:
        fail("give one or more words to look for", EXIT_USAGE)
    conn = open_db(db)
    try:
        hits = search(conn, query, **_filters(state, model, revision), limit=limit)
    finally:
        conn.close()
    if fmt == "json":
        click.echo(json.dumps(hits, ensure_ascii=False, indent=1))
        return
    for h in hits:
        ocr = ", OCR text" if h["ocr"] else ""
        click.echo(f"{h['moa_id']}  {h['agency'] or 'agency unknown'}, {h['state'] or '??'}"
                   f" ({h['model'] or '?'}), page {h['page']}{ocr}")
        click.echo(f"    {' '.join(h['snippet'].split())}")
        click.echo(f"    {h['archived_copy']}")
    click.echo(f"{len(hits)} hit(s)", err=True)


@moa.command("reread")
@db_option
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help=f"Where raw files are archived (default: ${config.DATA_DIR_ENV}).")
def reread_cmd(db: str | None, data_dir: str | None) -> None:
    """Read again the MOAs stored with pages without text (ingested before Tesseract was
    installed, or with PATCHWORK_MOA_OCR_PAGES), OCR'ing those pages; one transaction per file,
    then links and comparisons are derived again."""
    from patchwork_atlas.families.moa import family
    from patchwork_atlas.ingest import mark_content_changed
    from patchwork_atlas.kernel.family import Rejected
    from patchwork_atlas.kernel.store import transaction
    from patchwork_atlas.read import precomputed

    folder = config.data_dir(data_dir)
    conn = open_db(db)
    done = failed = 0
    try:
        todo = family.with_unread_pages(conn)
        for row in todo:
            try:
                with transaction(conn):
                    summary = family.reread(conn, folder, row)
            except (Rejected, OSError) as exc:
                failed += 1
                click.echo(f"patchwork: {row['moa_id']} ({row['file_name']}): {exc}", err=True)
                continue
            if summary:
                done += 1
                click.echo(f"  {row['moa_id']}: {summary}", err=True)
        if done:
            with transaction(conn):
                family.derive(conn)
                precomputed.build(conn, precomputed.stale(conn, [family.FAMILY.name]))
                mark_content_changed(conn)
    finally:
        conn.close()
    click.echo(f"{len(todo)} MOAs with pages without text; {done} read again with more text,"
               f" {failed} failed")
    if failed:
        sys.exit(EXIT_PARTIAL if done else EXIT_FAILURE)


@moa.command("fetch")
@click.option("--max", "max_files", type=click.IntRange(min=0), default=None,
              help="Download at most N files this run (default: every link not yet archived).")
@click.option("--delay", type=click.FloatRange(min=0.5), default=2.0, show_default=True,
              help="Seconds to wait between two requests.")
@db_option
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help=f"Where raw files are archived (default: ${config.DATA_DIR_ENV}).")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
def fetch_cmd(max_files: int | None, delay: float, db: str | None, data_dir: str | None,
              quiet: bool) -> None:
    """Download the MOA and addendum PDFs the agreements in ICE's lists link to (those of
    active agreements first), one at a time, skipping URLs already archived, and ingest each.
    Run it again to go on where it stopped. Not part of `patchwork ingest`."""
    from patchwork_atlas.families.moa import fetch as fetcher
    from patchwork_atlas.ingest import ingest_files
    from patchwork_atlas.kernel.archive import Archive

    archive = Archive(config.data_dir(data_dir))
    conn = open_db(db)

    def progress(outcome: Any) -> None:
        if outcome.status == "rejected":
            click.echo(f"patchwork: rejected {outcome.name}: {outcome.detail}", err=True)
        elif not quiet:
            click.echo(f"  {outcome.name}: {outcome.status} ({outcome.detail})", err=True)

    try:
        report = fetcher.fetch_moas(
            conn, archive, lambda raws: ingest_files(conn, archive, raws, progress=progress),
            max_files=max_files, delay=delay)
    finally:
        conn.close()
    for err in report.errors:
        click.echo(f"patchwork: could not fetch {err}", err=True)
    done = report.ingest
    counts = (f"{done.count('ingested')} ingested, {done.count('known')} already known,"
              f" {done.count('rejected')} rejected" if done is not None else "nothing to ingest")
    click.echo(f"{report.listed} links listed, {report.already} already archived;"
               f" {report.downloaded} downloaded ({counts}), {len(report.errors)} could not be"
               f" fetched; {report.remaining} still to fetch")
    if report.errors or (done is not None and done.rejected):
        ok = report.downloaded and done is not None and (done.count("ingested") + done.count("known"))
        sys.exit(EXIT_PARTIAL if ok else EXIT_FAILURE)
