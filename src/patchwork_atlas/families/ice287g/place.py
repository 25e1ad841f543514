"""What the 287(g) registry says about a place: the agencies whose jurisdiction covers it and
their agreements and applications (joined through agency_jurisdictions, written at ingest)."""

from __future__ import annotations

import sqlite3
from typing import Any

from patchwork_atlas.kernel.geo.place import Place
from patchwork_atlas.kernel.geo.resolver import place_key


def _town_keys(place: Place) -> set[str]:
    if place.kind == "zip":
        return {place_key(c) for c in place.postal_cities}
    if place.kind == "place":
        return {place_key(place.name)}
    if place.municipality:
        return {place_key(place.municipality)}
    return set()


def covering_agencies(conn: sqlite3.Connection, place: Place) -> list[dict[str, Any]]:
    """Agencies whose jurisdiction covers the place, each with how it relates to it."""
    marks = ",".join("?" * len(place.county_fips)) or "''"
    rows = conn.execute(
        "SELECT DISTINCT a.agency_id, a.name, a.state_usps, j.level, j.county_fips_all, j.place, j.review_reason"  # noqa: S608 - only fixed SQL and ? placeholders
        " FROM agency_jurisdictions j JOIN agencies a ON a.agency_id = j.agency_id"
        " WHERE (j.level = 'state' AND j.state_fips = ?)"
        f" OR j.agency_id IN (SELECT agency_id FROM agency_counties WHERE county_fips IN ({marks}))",
        (place.state_fips, *place.county_fips),
    ).fetchall()
    towns = _town_keys(place)
    out = []
    for r in rows:
        level = r[3]
        if level == "state":
            relation = "statewide"
        elif level == "county":
            relation = "county"
        elif level == "municipal":
            same_town = r[5] and place_key(r[5]) in towns
            if place.kind == "zip":
                relation = "postal city's municipality (applies only inside its limits)" if same_town else None
            elif place.kind in ("place",) or place.municipality:
                relation = "municipality" if same_town else None
            else:
                relation = "municipality in this county"
            if relation is None:
                continue
        else:
            relation = "other agency in this county (regional, campus, port, court ...)"
        out.append({
            "agency_id": r[0], "agency": r[1], "state_usps": r[2], "level": level, "relation": relation,
            "place": r[5], "county_fips": (r[4] or "").split(";") if r[4] else [],
            "jurisdiction_review": r[6],
        })
    order = {"statewide": 0, "county": 1}
    out.sort(key=lambda a: (order.get(a["relation"], 2), a["agency"]))
    return out


def _with_agency(conn: sqlite3.Connection, by_id: dict[str, dict], sql: str) -> list[dict[str, Any]]:
    """Rows of agreements or applications of the covering agencies, each with the agency's
    name, level and relation to the place (the query binds the agency ids in by_id's order)."""
    cursor = conn.execute(sql, list(by_id))
    names = [d[0] for d in cursor.description]
    out = []
    for r in cursor:
        row = dict(zip(names, r, strict=True))
        a = by_id[row["agency_id"]]
        out.append({**row, "agency": a["agency"], "level": a["level"], "relation": a["relation"]})
    return out



def place_section(conn: sqlite3.Connection, place: Place, lang: str = "en") -> dict[str, Any]:
    """The registry's part of a place report: the municipality (where a municipal force of that
    name shows the place is one), and the agreements and pending applications covering it."""
    agencies = covering_agencies(conn, place)
    by_id = {a["agency_id"]: a for a in agencies}
    municipality = place.municipality
    if municipality is None and place.kind == "place":
        if any(a["relation"] == "municipality" for a in agencies):
            municipality = place.name  # a municipal police force of that name: a municipality
    out: dict[str, Any] = {"municipality": municipality, "agreements": [], "applications": []}
    if by_id:
        marks = ",".join("?" * len(by_id))
        out["agreements"] = _with_agency(conn, by_id, (
            "SELECT agreement_id, agency_id, model, status, signed_date, moa_url, first_seen_date,"  # noqa: S608 - only fixed SQL and ? placeholders
            f" last_seen_date, removed_date FROM agreements WHERE agency_id IN ({marks})"
            " ORDER BY status = 'active' DESC, signed_date DESC"))
        out["applications"] = _with_agency(conn, by_id, (
            "SELECT application_id, agency_id, model, status, first_seen_date, last_seen_date"  # noqa: S608 - only fixed SQL and ? placeholders
            f" FROM applications WHERE agency_id IN ({marks}) AND status = 'pending'"
            " ORDER BY first_seen_date DESC"))
    return out
