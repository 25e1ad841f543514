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
@click.option(
    "--strict",
    is_flag=True,
    help="Also fail when a state's checked_through is more than 12 months before today.",
)
@click.option(
    "--today",
    "today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Check as of this date (default: the system date).",
)
@format_option("text", "json", default="text")
def check_cmd(root: Path | None, strict: bool, today, fmt: str) -> None:  # noqa: ANN001
    """Validate every file (schema, vocabulary, FIPS, dates, sources, duplicates, state
    freshness, cases, federal lists); print counts per verification level and the stalest
    states.

    Exit 0 when valid; 1 with one line per problem (on stderr) otherwise.
    """
    from patchwork_atlas.families.law import check, freshness, read_files, summarize

    day = today.date() if today else None
    loaded = read_files(root)
    problems = check(loaded, today=day, strict=strict)
    counts = summarize(loaded.entries)
    counts["cases"] = len(loaded.cases)
    counts["stalest_states"] = freshness(loaded)[:5]
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
        label = "levels" if key == "by_verification" else key.removeprefix("by_")
        click.echo(f"{label}: {parts}")
    s = counts["state_level"]
    levels = ", ".join(f"{k} {v}" for k, v in s["by_verification"].items())
    click.echo(
        f"state-level: {s['covered']} of {s['target']} (50 states + DC) covered, "
        f"{s['entries']} entries ({levels}); {s['verified_primary_entries']} verified at primary "
        f"({s['verified_primary_states']} of {s['target']} states have one)"
    )
    if s["missing"]:
        click.echo(f"missing states: {' '.join(s['missing'])}")
    if s["without_primary"]:
        click.echo(f"states with no primary-level entry: {' '.join(s['without_primary'])}")
    stalest = counts.get("stalest_states") or []
    if stalest:
        parts = ", ".join(f"{r['usps']} {r['checked_through'] or 'never'}" for r in stalest)
        click.echo(f"stalest states (checked_through): {parts}")
    if "cases" in counts:
        click.echo(f"cases: {counts['cases']}")


_LIST_COLUMNS = (
    "id", "level", "state_fips", "county_fips", "place", "kind", "status", "verification",
    "effects", "citation", "title", "last_reviewed", "file",
)  # fmt: skip


@knowledge.command("list")
@click.option("--state", "state", default=None, help="Postal code (TX) or state FIPS (48).")
@click.option("--tag", default=None, help="Only entries with this effect tag.")
@click.option("--unverified", is_flag=True, help="Only entries at level `unverified`.")
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
        if unverified and d.get("verification") != "unverified":
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


_CASE_COLUMNS = (
    "id", "caption", "court", "docket", "filed", "status", "status_date", "plaintiffs",
    "defendants", "states", "county_fips", "entries", "verification", "status_source_url",
)  # fmt: skip


@main.command("cases")
@click.option("--state", "state", default=None, help="Postal code (IL) or state FIPS (17).")
@click.option(
    "--status",
    default=None,
    type=click.Choice(["pending", "preliminary_injunction", "dismissed", "decided", "appealed"]),
    help="Only cases with this status.",
)
@click.option("--db", "db", type=click.Path(dir_okay=False), default=None,
              help="Read the loaded tables of this database (default: the packaged files).")  # fmt: skip
@format_option("text", "csv", "json", default="text")
def cases_cmd(state: str | None, status: str | None, db: str | None, fmt: str) -> None:
    """The litigation tracker: court cases over cooperation laws and policies."""
    from patchwork_atlas.families.law.cases import list_cases

    conn = _cases_conn(db)
    try:
        rows = list_cases(conn, state=state, status=status)
    except ValueError as exc:
        fail(str(exc), code=2)
    finally:
        conn.close()
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    flat = [_flat_case(r) for r in rows]
    if fmt == "csv":
        emit(flat, "csv", _CASE_COLUMNS)
        return
    for r in flat:
        docket = f" No. {r['docket']}" if r["docket"] else ""
        click.echo(f"{r['caption']} ({r['court']}{docket})")
        click.echo(f"  {r['status']} as of {r['status_date']}; filed {r['filed'] or 'unknown'}")
        if r["entries"]:
            click.echo(f"  at issue: {r['entries']}")
    click.echo(f"{len(flat)} case(s)")


def _flat_case(r: dict) -> dict:
    parties = r["parties"]
    return {
        **{k: r[k] for k in ("id", "caption", "court", "docket", "filed", "status", "status_date")},
        "plaintiffs": "; ".join(p["name"] for p in parties if p["role"] in ("plaintiff", "petitioner", "appellant")),
        "defendants": "; ".join(p["name"] for p in parties if p["role"] in ("defendant", "respondent", "appellee")),
        "states": " ".join(r["states"]),
        "county_fips": " ".join(r["county_fips"]),
        "entries": " ".join(r["entries"]),
        "verification": r["verification"],
        "status_source_url": r["status_source_url"],
    }  # fmt: skip


def _cases_conn(db: str | None):  # noqa: ANN202
    """The given database, or the packaged files loaded into a private in-memory database."""
    if db:
        return open_db(db)
    import sqlite3

    from patchwork_atlas.families import migration_folders
    from patchwork_atlas.families.law import load_into
    from patchwork_atlas.kernel.store import migrate

    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.row_factory = sqlite3.Row
    migrate(conn, migration_folders())
    load_into(conn)
    return conn
