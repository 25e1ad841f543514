"""`patchwork legal-help QUERY`: the nearest immigration legal-service organizations from the
Justice Department's rosters, in English or Spanish."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import click

from patchwork_atlas.cli.app import EXIT_USAGE, db_option, fail, main, open_db


@dataclass
class SimplePlace:
    """What legal_help_for_place needs from a place."""

    label: str
    state_usps: str | None
    state_fips: str | None
    county_fips: str | None
    lat: float | None
    lon: float | None


def resolve_place(query: str) -> Any:
    """A ZIP code, 'City, ST' or 'County, ST' -> a place (the geo stage's lookup when present)."""
    try:
        from patchwork_atlas.geo.lookup import locate  # the geo stage's full resolver
    except ImportError:
        locate = None
    if locate is not None:
        try:
            found = locate(query)
        except Exception:  # noqa: BLE001 - fall back on the simple reading below
            found = None
        if found is not None and getattr(found, "state_usps", None):
            return found
    return simple_place(query)


def simple_place(query: str) -> SimplePlace | None:
    from patchwork_atlas.geo import reference as ref

    text = query.strip()
    if text.isdigit() and len(text) == 5:
        info = ref.zip_info(text)
        if info is None:
            return None
        st = ref.state(info.state_usps)
        return SimplePlace(
            f"{text} ({info.postal_city}, {info.state_usps})", info.state_usps,
            st.fips if st else None, info.county_fips[0] if info.county_fips else None,
            info.lat, info.lon,
        )  # fmt: skip
    name, _, st_text = text.rpartition(",")
    st = ref.state(st_text.strip()) if name else None
    if st is None:
        return None
    key = ref.fold(name)
    for county in ref.counties(st.fips):
        if ref.fold(county.name) == key:
            return SimplePlace(f"{county.name}, {st.usps}", st.usps, st.fips, county.fips, county.lat, county.lon)
    matches = [p for p in ref.places(st.usps) if ref.fold(p.name) == key]
    if not matches:
        return None
    best = max(matches, key=lambda p: p.population)
    fips = best.county_fips[0] if best.county_fips else None
    return SimplePlace(f"{best.name}, {st.usps}", st.usps, st.fips, fips, best.lat, best.lon)


@main.command("legal-help")
@click.argument("query")
@click.option("--language", "language", type=click.Choice(["en", "es"]), default="en", show_default=True,
              help="Language of labels and notices (en or es).")
@click.option("--speaks", default=None, metavar="CODE",
              help="Only offices whose roster entry names this language (ISO code, e.g. es).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@db_option
def legal_help(query: str, language: str, speaks: str | None, limit: int, fmt: str, db: str | None) -> None:
    """Nearest immigration legal-service organizations for a ZIP, place or county.

    From the Justice Department's (EOIR) rosters. Patchwork gives no legal advice and does not
    vouch for any provider.
    """
    from patchwork_atlas.registry.legal_services import legal_help_for_place

    place = resolve_place(query)
    if place is None:
        fail(f"could not find a place for {query!r}; try a 5-digit ZIP or 'City, ST'", EXIT_USAGE)
    conn = open_db(db)
    try:
        if not conn.execute("SELECT count(*) FROM legal_offices").fetchone()[0]:
            fail("no legal-service rosters ingested; run `patchwork ingest` on the EOIR folder first")
        result = legal_help_for_place(conn, place, language=language, limit=limit, speaks=speaks)
    finally:
        conn.close()
    result["query"] = query
    result["place"] = getattr(place, "label", None) or getattr(place, "name", None) or query
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    click.echo(render_text(result))


def render_text(result: dict[str, Any]) -> str:
    """Plain-text listing in the result's language."""
    from patchwork_atlas.registry.legal_services import t

    lang = result["language"]
    out = [f"{result['title']} — {t('Legal help near', lang)} {result['place']}", "", result["disclaimer"], ""]
    out += [f"! {n}" for n in result["notices"]]
    for i, office in enumerate(result["offices"], 1):
        out += [""] + _office_lines(i, office, lang)
    if result["statewide_contacts"]:
        out += ["", "== " + t("Contacts for the immigration courts in this state (no street address in the roster)", lang)]
        for office in result["statewide_contacts"]:
            out += _office_lines(None, office, lang)
    if result["national_referral"]:
        out += ["", "== " + t("National referral services listed in the rosters", lang)]
        for office in result["national_referral"]:
            out += _office_lines(None, office, lang)
    out += ["", result["fee_note"], result["court_note"], result["distance_note"], "", t("Official rosters", lang) + ":"]
    for src in result["sources"]:
        date = src["as_of_date"] or t("date unknown", lang)
        out.append(f"  {src['name']} ({t('as of', lang)} {date}): {src['url']}")
    return "\n".join(out)


def _office_lines(index: int | None, office: dict[str, Any], lang: str) -> list[str]:
    from patchwork_atlas.registry.legal_services import t

    head = f"{index}. " if index else "- "
    dist = ""
    if office["distance_km"] is not None:
        dist = f" — {office['distance_mi']} mi / {office['distance_km']} km"
    lines = [f"{head}{office['name']}{dist}"]
    address = ", ".join(x for x in [office["street"], office["city"], office["state_usps"], office["zip5"]] if x)
    pad = "   "
    if address:
        lines.append(f"{pad}{t('Address', lang)}: {address}")
    for label, key in (("Phone", "phone"), ("Email", "email"), ("Website", "website")):
        if office[key]:
            lines.append(f"{pad}{t(label, lang)}: {office[key]}")
    if office["languages_named"]:
        lines.append(f"{pad}{t('Languages', lang)}: {', '.join(office['languages_named'])}")
    else:
        lines.append(f"{pad}{t('Languages', lang)}: {t('not listed in the roster', lang)}")
    if office["case_types"]:
        lines.append(f"{pad}{t('What they take', lang)}: {office['case_types']}")
    if office["intake"]:
        lines.append(f"{pad}{t('How to reach intake', lang)}: {office['intake']}")
    if office["courts"]:
        lines.append(f"{pad}{t('Listed under', lang)}: {', '.join(office['courts'][:4])}")
    rosters = "; ".join(f"{r['name']} ({t('as of', lang)} {r['as_of_date'] or t('date unknown', lang)})" for r in office["rosters"])
    lines.append(f"{pad}{t('Roster', lang)}: {rosters}")
    if office["placement_review"]:
        lines.append(f"{pad}{t('Placement uncertain', lang)}: {office['placement_review']}")
    return lines
