"""`patchwork legal-help QUERY`: the nearest immigration legal-service organizations from the
Justice Department's rosters, in English or Spanish."""

from __future__ import annotations

import json
from typing import Any

import click

from patchwork_atlas.cli.app import EXIT_USAGE, db_option, fail, main, open_db


@main.command("legal-help")
@click.argument("query")
@click.option("--language", "language", type=click.Choice(["en", "es"]), default="en", show_default=True,
              help="Language of labels and notices (en or es).")
@click.option("--speaks", default=None, metavar="CODE",
              help="Organizations whose roster entry names this language (ISO code, e.g. es) first, "
                   "then those whose entry lists no languages.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@db_option
def legal_help(query: str, language: str, speaks: str | None, limit: int, fmt: str, db: str | None) -> None:
    """Nearest immigration legal-service organizations for a ZIP, place or county.

    From the Justice Department's (EOIR) rosters. Patchwork gives no legal advice and does not
    vouch for any provider.
    """
    from patchwork_atlas.families.eoir.directory import legal_help_for_place
    from patchwork_atlas.read.places import Ambiguous, locate

    try:
        place = locate(query)
    except Ambiguous as exc:
        fail(str(exc), EXIT_USAGE)
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
    result["place"] = (
        f"{place.name} ({place.postal_cities[0]}, {place.state_usps})"
        if place.kind == "zip" and place.postal_cities else f"{place.name}, {place.state_usps}"
    )
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    click.echo(render_text(result))


def render_text(result: dict[str, Any]) -> str:
    """Plain-text listing in the result's language: one entry per organization with its offices
    beneath it, then mailing-only organizations, referral services, and the two guides."""
    from patchwork_atlas.kernel.i18n import gettext as _

    lang = result["language"]
    out = [f"{result['title']} — {_('Legal help near', lang)} {result['place']}", "", result["disclaimer"], ""]
    out += [f"! {n}" for n in result["notices"]]
    for i, org in enumerate(result["organizations"], 1):
        out += [""] + _org_lines(i, org, lang)
    if result["call_first"]:
        out += ["", "== " + _("Organizations listed only with a mailing address (call first)", lang)]
        for office in result["call_first"]:
            out += _office_lines("- " + office["name"], office, lang)
    if result["statewide_contacts"]:
        out += ["", "== " + _("Contacts for the immigration courts in this state (no street address in the roster)", lang)]
        for office in result["statewide_contacts"]:
            out += _office_lines("- " + office["name"], office, lang)
    if result["national_referral"]:
        out += ["", "== " + _("National referral services listed in the rosters", lang)]
        for office in result["national_referral"]:
            out += _office_lines("- " + office["name"], office, lang)
    out += ["", result["fee_note"], result["court_note"], result["distance_note"], result["recognition_note"]]
    out += _guide_lines(result["before_you_pay"], lang)
    out += _guide_lines(result["if_detained"], lang)
    for p in result["if_detained"]["providers"]:
        contact = " · ".join(x for x in (p["phone"], p["website"]) if x)
        out.append(f"  - {p['name']} — {p['court']}{' — ' + contact if contact else ''}")
    out += ["", _("Official rosters", lang) + ":"]
    for src in result["sources"]:
        date = src["as_of_date"] or _("date unknown", lang)
        out.append(f"  {src['name']} ({_('as of', lang)} {date}): {src['url']}")
    return "\n".join(out)


def _guide_lines(guide: dict[str, Any], lang: str) -> list[str]:
    from patchwork_atlas.kernel.i18n import gettext as _

    out = ["", "== " + guide["title"]]
    for point in guide["points"]:
        out.append(f"- {point['text']}" + (f" {point['link']}" if point["link"] else ""))
        for src in point["sources"]:
            out.append(f"    [{src['publisher']}: {src['title']}, {src['url']} ({_('read on', lang)} {src['accessed']})]")
    return out


def _org_lines(index: int, org: dict[str, Any], lang: str) -> list[str]:
    from patchwork_atlas.kernel.i18n import gettext as _

    dist = f" — {org['distance_mi']} mi / {org['distance_km']} km" if org["distance_km"] is not None else ""
    kinds = f" ({', '.join(org['kinds'])})" if org["kinds"] else ""
    lines = [f"{index}. {org['name']}{kinds}{dist}"]
    if org["recognition"]:
        lines.append(f"   {org['recognition']['text']}")
    if org["speaks"]:
        said = org["speaks"]["languages_text"]
        lines.append(f"   {org['speaks']['label']}" + (f" ({_('roster', lang)}: \"{said}\")" if said else ""))
    for office in org["offices"]:
        label = office["mailing_label"] or (f"{office['distance_mi']} mi / {office['distance_km']} km"
                                            if office["distance_km"] is not None else "")
        lines += _office_lines(f"   * {label}", office, lang, pad="     ")
    if org["more_offices"]:
        lines.append("   " + _("and {n} more offices", lang).format(n=org["more_offices"]))
    return lines


def _office_lines(head: str, office: dict[str, Any], lang: str, pad: str = "   ") -> list[str]:
    from patchwork_atlas.kernel.i18n import gettext as _

    lines = [head.rstrip()]
    address = ", ".join(x for x in [office["street"], office["city"], office["state_usps"], office["zip5"]] if x)
    if address:
        lines.append(f"{pad}{_('Address', lang)}: {address}")
    for label, key in (("Phone", "phone"), ("Email", "email"), ("Website", "website")):
        if office[key]:
            lines.append(f"{pad}{_(label, lang)}: {office[key]}")
    if any(r["roster"] == "pro_bono" for r in office["rosters"]):
        named = ", ".join(office["languages_named"]) or _("not listed in the roster", lang)
        raw = f" ({_('roster', lang)}: \"{office['languages_text']}\")" if office["languages_text"] else ""
        lines.append(f"{pad}{_('Languages', lang)}: {named}{raw}")
    if office["case_types"]:
        lines.append(f"{pad}{_('What they take', lang)}: {office['case_types']}")
    if office["intake"]:
        lines.append(f"{pad}{_('How to reach intake', lang)}: {office['intake']}")
    if office["courts"]:
        lines.append(f"{pad}{_('Listed under', lang)}: {', '.join(office['courts'][:4])}")
    rosters = "; ".join(f"{r['name']} ({_('as of', lang)} {r['as_of_date'] or _('date unknown', lang)})" for r in office["rosters"])
    lines.append(f"{pad}{_('Roster', lang)}: {rosters}")
    if office["placement_review"]:
        lines.append(f"{pad}{_('Placement uncertain', lang)}: {office['placement_review']}")
    return lines
