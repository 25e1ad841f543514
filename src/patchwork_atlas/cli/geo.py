"""Geography commands: `resolve` (agencies CSV -> jurisdictions), `lookup` (a place), `review`."""

from __future__ import annotations

import csv
import json
import sys

import click

from patchwork_atlas.cli.app import (
    EXIT_PARTIAL,
    EXIT_USAGE,
    db_option,
    emit,
    fail,
    format_option,
    main,
    open_db,
)
from patchwork_atlas.kernel import config

RESOLVE_COLUMNS = ["level", "state_fips", "county_fips", "place", "confidence", "review_reason"]


@main.command()
@click.argument("input_csv", type=click.Path(exists=True, dir_okay=False))
@click.option("--output", "output", type=click.Path(dir_okay=False), default=None, help="Write here (default stdout).")
def resolve(input_csv: str, output: str | None) -> None:
    """Resolve agencies to jurisdictions. INPUT_CSV has columns state, agency, [type], [county].

    No database is needed. Exit 3 when some rows could not be read (no state or agency).
    """
    from patchwork_atlas.kernel.formats import csv_cell
    from patchwork_atlas.kernel.geo.resolver import resolve as resolve_one

    with open(input_csv, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = [f for f in (reader.fieldnames or [])]
        lower = {f.strip().lower(): f for f in fields}
        if "state" not in lower or "agency" not in lower:
            fail("the input needs columns 'state' and 'agency' (optional: 'type', 'county')", EXIT_USAGE)
        rows = list(reader)
    out_fields = fields + [c for c in RESOLVE_COLUMNS if c not in lower]
    bad = 0
    fh_out = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout  # noqa: SIM115
    try:
        writer = csv.DictWriter(fh_out, fieldnames=out_fields, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            state, agency, atype, county = (_cell(row, lower, k) for k in ("state", "agency", "type", "county"))
            if not (state or "").strip() or not (agency or "").strip():
                bad += 1
            res = resolve_one(state, agency, atype, county)
            merged = dict(row)
            merged.update(res.as_row())
            writer.writerow({k: csv_cell(v) for k, v in merged.items()})
    finally:
        if output:
            fh_out.close()
    if bad:
        click.echo(f"patchwork: {bad} of {len(rows)} rows had no state or agency", err=True)
        sys.exit(EXIT_PARTIAL)


def _cell(row: dict, lower: dict[str, str], key: str) -> str | None:
    return row.get(lower[key]) if key in lower else None


@main.command()
@click.argument("query", required=False)
@click.option("--lat", type=float, default=None, help="Latitude (with --lon).")
@click.option("--lon", type=float, default=None, help="Longitude (with --lat).")
@format_option("text", "json", default="text")
@db_option
def lookup(query: str | None, lat: float | None, lon: float | None, fmt: str, db: str | None) -> None:
    """What covers a place: QUERY is a ZIP, a city or county with or without its state, an
    agency's name (or --lat/--lon). The same search as the web atlas and /api/v1/lookup."""
    from patchwork_atlas.kernel.geo.lookup import locate
    from patchwork_atlas.read.places import search
    from patchwork_atlas.read.report import place_report

    if (lat is None) != (lon is None):
        fail("give both --lat and --lon", EXIT_USAGE)
    if query is None and lat is None:
        fail("give a QUERY (ZIP, 'City, ST', 'County name, ST') or --lat/--lon", EXIT_USAGE)
    path = config.db_path(db)
    conn = open_db(db) if path.exists() else None
    if query is not None:
        found = search(conn, query)
        place = found["place"]
    else:
        found = {}
        try:
            place = locate(None, lat, lon)
        except LookupError as exc:
            fail(str(exc))
    if place is None:
        if fmt == "json":
            click.echo(json.dumps({k: v for k, v in found.items() if k != "place"},
                                  ensure_ascii=False, indent=1, default=str))
            sys.exit(1)
        lines = [found.get("message") or "no place matches that query"]
        if found.get("state"):
            lines.append(f"that is a state: try `patchwork agreements --state {found['state']['usps']}`")
        if found.get("suggestions"):
            lines.append("Did you mean: " + "; ".join(found["suggestions"]) + "?")
        lines += [f"agency: {a['name']} ({a['state_usps']})" for a in found.get("agencies") or []]
        if not found.get("choices") and not found.get("agencies"):
            lines.append("or try a 5-digit ZIP code")
        fail(" ".join(lines))
    if conn is not None:
        report = place_report(conn, place)
    else:
        report = {"place": place.to_dict(), "agreements": None, "applications": None,
                  "note": f"no database at {path}: place only (run `patchwork ingest` for agreements)"}
    report["alternatives"] = found.get("alternatives") or []
    report["matching_agencies"] = found.get("agencies") or []
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=1, default=str))
        return
    click.echo(render_text(report))


def render_text(report: dict) -> str:
    """The report as plain text for a terminal."""
    from patchwork_atlas.kernel.geo import reference as ref

    p = report["place"]
    lines = []
    st = ref.state(p["state_fips"])
    title = {"zip": f"ZIP {p['name']}", "coordinates": f"Point {p['name']}"}.get(p["kind"], p["name"])
    lines.append(f"{title}, {st.name if st else p['state_usps']}")
    counties = [ref.county(f) for f in p["county_fips"]]
    label = "County" if len(counties) == 1 else "Counties"
    lines.append(f"  {label}: " + "; ".join(f"{c.name} ({c.fips})" for c in counties if c))
    muni = report.get("municipality") or p.get("municipality")
    lines.append(f"  Municipality: {muni}" if muni else "  Municipality: not known from this query")
    if p.get("note"):
        lines.append(f"  Note: {p['note']}")
    if report.get("note"):
        lines.append(f"  {report['note']}")
    if report.get("alternatives"):
        lines.append("  Other places of this name: " + "; ".join(
            f"{a['query']} ({a['county']})" for a in report["alternatives"]))
    for a in report.get("matching_agencies") or []:
        lines.append(f"  Agency whose name matches: {a['name']} ({a['state_usps']})")
    agreements = report.get("agreements")
    if agreements is not None:
        active = [a for a in agreements if a["status"] == "active"]
        lines.append(f"\n287(g) agreements covering it: {len(active)} active, {len(agreements) - len(active)} ended")
        for a in agreements:
            lines.append(
                f"  [{a['status']}] {a['agency']} ({a['relation']}): {a['model']}, signed {a['signed_date'] or 'unknown'}"
            )
    apps = report.get("applications")
    if apps is not None:
        lines.append(f"\nPending 287(g) applications: {len(apps)}")
        for a in apps:
            lines.append(f"  {a['agency']} ({a['relation']}): {a['model']}, listed since {a['first_seen_date']}")
    lines += _facility_lines(report.get("facilities"))
    lines += _knowledge_lines(report.get("knowledge"))
    lines += _legal_help_lines(report.get("legal_help"))
    return "\n".join(lines)


def _facility_lines(facilities: list | None) -> list[str]:
    if facilities is None:
        return []
    lines = [f"\nJails and detention facilities here that held people for ICE: {len(facilities)}"]
    for f in facilities:
        latest = next((y for y in reversed(f.get("adp_trend") or []) if y.get("adp") is not None), None)
        adp = f", about {latest['adp']:.0f} people a day in FY{latest['fiscal_year']} ({latest['source_file']})" if latest else ""
        lines.append(f"  {f['name'].title()}, {(f.get('city') or '').title()}: {f.get('type_label') or f.get('type_code')}{adp}")
    return lines


def _knowledge_lines(knowledge: dict | None) -> list[str]:
    if knowledge is None:
        return []
    lines = []
    for level, label in (("state", "State law"), ("local", "Local policy")):
        entries = knowledge.get(level) or []
        lines.append(f"\n{label}: {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")
        for e in entries:
            level = e.get("verification_level") or "unverified"
            mark = "" if level == "primary" else f" [{level}]"
            lines.append(f"  {e['title']} ({e.get('citation') or e['kind']}), {e['status']}{mark}")
        gap = (knowledge.get("gaps") or {}).get(level)
        if gap and not entries:
            lines.append(f"  {gap.get('en', gap) if isinstance(gap, dict) else gap}")
    return lines


def _legal_help_lines(help_: dict | None) -> list[str]:
    if help_ is None:
        return []
    lines = ["\nWhere to get legal help (nearest first):"]
    for o in (help_.get("offices") or [])[:5]:
        lines.append(f"  {o['name']}, {o.get('city') or ''} {o.get('state_usps') or ''}: {o.get('distance_mi')} mi, {o.get('phone') or 'no phone listed'}")
    disclaimer = help_.get("disclaimer")
    if disclaimer:
        lines.append(f"  {disclaimer}")
    return lines


@main.command()
@db_option
@format_option("csv", "json", default="csv")
@click.option("--all", "show_all", is_flag=True, help="Every resolved agency, not only the review queue.")
@click.option("--registry", "registry", is_flag=True,
              help="The 287(g) registry's queue instead: flagged cells, agreements to check, suspect lists.")
@click.option("--deaths", "deaths", is_flag=True,
              help="Deaths whose facility link or values a person should check, with the reason.")
def review(db: str | None, fmt: str, show_all: bool, registry: bool, deaths: bool = False) -> None:
    """The review queue: agencies whose jurisdiction a person should check (or, with
    --registry, what ICE's sheets printed that no rule or correction table explains)."""
    conn = open_db(db)
    if registry:
        from patchwork_atlas.families.ice287g.review import registry_queue

        emit(registry_queue(conn), fmt, ["kind", "subject", "detail", "count", "example"])
        return
    if deaths:
        from patchwork_atlas.families.deaths.family import DEATH_COLUMNS, review_queue

        emit(review_queue(conn), fmt, list(DEATH_COLUMNS))
        return
    where = "" if show_all else "WHERE j.review_reason IS NOT NULL"
    rows = conn.execute(
        "SELECT a.agency_id, a.state_usps, a.name AS agency, a.agency_type, a.county_cell, j.level,"  # noqa: S608 - only fixed SQL and ? placeholders
        " j.county_fips_all AS county_fips, j.place, j.method, j.confidence, j.review_reason"
        f" FROM agency_jurisdictions j JOIN agencies a ON a.agency_id = j.agency_id {where}"
        " ORDER BY a.state_usps, a.name"
    ).fetchall()
    cols = ["agency_id", "state_usps", "agency", "agency_type", "county_cell", "level", "county_fips",
            "place", "method", "confidence", "review_reason"]
    emit([dict(r) for r in rows], fmt, cols)
