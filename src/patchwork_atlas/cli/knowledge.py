"""`patchwork knowledge ...`: check, list, show and load the law-and-policy files."""

from __future__ import annotations

import json
from pathlib import Path

import click

from patchwork_atlas.cli.app import (
    EXIT_FAILURE,
    db_option,
    emit,
    fail,
    format_option,
    main,
    open_db,
)


@main.group()
def knowledge() -> None:
    """Law and policy on cooperation: sourced, reviewable entries."""


@knowledge.command("check")
@click.option(
    "--dir",
    "root",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Check this folder instead of the packaged knowledge/data.",
)
@format_option("text", "json", default="text")
def check_cmd(root: Path | None, fmt: str) -> None:
    """Validate every file (schema, vocabulary, FIPS, dates, sources); print counts.

    Exit 0 when valid; 1 with one line per problem (on stderr) otherwise.
    """
    from patchwork_atlas.families.law import check, read_files, summarize

    loaded = read_files(root)
    problems = check(loaded)
    counts = summarize(loaded.entries)
    if fmt == "json":
        click.echo(json.dumps({**counts, "problems": [str(p) for p in problems]}, indent=1))
    else:
        _print_counts(counts)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"patchwork: {len(problems)} problem(s) in the knowledge files", err=True)
        raise SystemExit(EXIT_FAILURE)


def _print_counts(counts: dict) -> None:
    click.echo(f"entries: {counts['entries']}")
    for key in ("by_group", "by_verification", "by_status", "by_kind"):
        parts = ", ".join(f"{k} {v}" for k, v in counts[key].items())
        click.echo(f"{key.removeprefix('by_')}: {parts}")
    s = counts["state_level"]
    click.echo(
        f"state-level: {s['covered']} of {s['target']} (50 states + DC) covered, "
        f"{s['entries']} entries, {s['verified_primary_entries']} verified with a primary source "
        f"({s['verified_primary_states']} of {s['target']} states have one)"
    )
    if s["missing"]:
        click.echo(f"missing states: {' '.join(s['missing'])}")


_LIST_COLUMNS = (
    "id", "level", "state_fips", "county_fips", "place", "kind", "status", "verification",
    "effects", "citation", "title", "last_reviewed", "file",
)  # fmt: skip


@knowledge.command("list")
@click.option("--state", "state", default=None, help="Postal code (TX) or state FIPS (48).")
@click.option("--tag", default=None, help="Only entries with this effect tag.")
@click.option("--unverified", is_flag=True, help="Only entries not yet verified.")
@format_option("csv", "json")
def list_cmd(state: str | None, tag: str | None, unverified: bool, fmt: str) -> None:
    """List entries from the files (no database needed)."""
    from patchwork_atlas.families.law import read_files
    from patchwork_atlas.families.law.reference import state_fips_for_usps

    fips = None
    if state:
        fips = state if state.isdigit() else state_fips_for_usps(state)
        if fips is None:
            fail(f"unknown state {state!r}", code=2)
    rows = []
    for e in read_files().entries:
        d = e.data
        j = d.get("jurisdiction") or {}
        tags = [x.get("tag") for x in d.get("effects") or []]
        if fips and j.get("state_fips") != fips:
            continue
        if tag and tag not in tags:
            continue
        if unverified and d.get("verification") == "verified":
            continue
        row = {
            k: d.get(k)
            for k in ("id", "kind", "status", "verification", "citation", "title", "last_reviewed")
        }
        row.update({k: j.get(k) for k in ("level", "state_fips", "county_fips", "place")})
        row["effects"] = " ".join(t for t in tags if t)
        row["file"] = f"{e.file}:{e.line}"
        if fmt == "json":
            row = {**d, "file": row["file"]}
        rows.append(row)
    emit(rows, fmt, _LIST_COLUMNS)


@knowledge.command("show")
@click.argument("entry_id")
def show_cmd(entry_id: str) -> None:
    """Print one entry as JSON, with the file and line it comes from."""
    from patchwork_atlas.families.law import read_files

    for e in read_files().entries:
        if e.id == entry_id:
            click.echo(
                json.dumps({**e.data, "file": f"{e.file}:{e.line}"}, ensure_ascii=False, indent=1)
            )
            return
    fail(f"no knowledge entry {entry_id!r}")


@knowledge.command("load")
@db_option
@click.option("--force", is_flag=True, help="Reload even if the files have not changed.")
def load_cmd(db: str | None, force: bool) -> None:
    """Copy the valid entries into the database (ingest does this too)."""
    from patchwork_atlas.families.law import load_into

    conn = open_db(db, must_exist=False)
    result = load_into(conn, force=force)
    conn.close()
    state = "loaded" if result["changed"] else "unchanged"
    click.echo(
        f"knowledge: {state}, {result['entries']} entries, {result['skipped']} skipped (invalid)"
    )
    if result["skipped"]:
        raise SystemExit(3)
