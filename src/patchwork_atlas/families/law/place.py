"""The law family's section of a place report: its law and policy, the federal lists that name
it (with the standing on the day asked, never listed after a removal), and an honest line for
gaps."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from patchwork_atlas.families.law.cases import list_cases
from patchwork_atlas.families.law.designations import LISTED, NOT_LISTED, designations_on
from patchwork_atlas.families.law.store import entries_for_place
from patchwork_atlas.kernel.geo.place import Place
from patchwork_atlas.kernel.geo.reference import fold
from patchwork_atlas.kernel.i18n import LANGUAGES, gettext

_GAP = {
    "state": "No state law or policy on immigration-enforcement cooperation is recorded here yet.",
    "local": "No local policy is recorded here. That does not mean none exists: we may not have found it yet.",
}


def _municipality(place: Place) -> str | None:
    if place.municipality:
        return place.municipality
    return place.name if place.kind == "place" else None


def designations_for_place(
    conn: sqlite3.Connection, place: Place, on_date: dt.date | None = None,
    memo: dict[Any, Any] | None = None,
) -> list[dict[str, Any]]:
    """The federal-list rows naming the place's state, its counties or its municipality, each
    with `standing` (listed | removed | not listed) on `on_date` (default: today)."""
    day = on_date or dt.date.today()
    memo = {} if memo is None else memo
    if ("designations", day) not in memo:
        memo["designations", day] = designations_on(conn, day)
    town = fold(_municipality(place) or "")
    out = []
    for row in memo["designations", day]:
        if row["state_fips"] != place.state_fips or row["standing"] == NOT_LISTED:
            continue
        level = row["level"]
        if (level == "state" or (level == "county" and row.get("county_fips") in place.county_fips)
                or (level == "municipal" and town and fold(row.get("place") or row["name"]) == town)):
            out.append({
                "list_id": row["list_id"], "list_title": row.get("list_title"),
                "name": row["name"], "level": level, "listed": row["listed"],
                "removed": row.get("removed"), "standing": row["standing"],
                "on_date": day.isoformat(),
                "sources": (row.get("sources") or "").split() if isinstance(row.get("sources"), str)
                else row.get("sources") or [],
            })
    out.sort(key=lambda r: (r["standing"] != LISTED, ("state", "county", "municipal").index(r["level"])))
    return out


def designations_for_state(
    conn: sqlite3.Connection, state_fips: str, on_date: dt.date | None = None
) -> list[dict[str, Any]]:
    """The state-level rows of the federal lists for a state (the state page and API)."""
    place = Place(kind="state", name="", state_usps="", state_fips=state_fips, county_fips=[])
    return [d for d in designations_for_place(conn, place, on_date) if d["level"] == "state"]


def cases_for_place(conn: sqlite3.Connection, place: Place,
                    memo: dict[Any, Any] | None = None) -> list[dict[str, Any]]:
    """Cases that name the place's state as such, or one of its counties (newest action first);
    a case over another county of the same state is left out."""
    memo = {} if memo is None else memo
    if ("cases", place.state_fips) not in memo:
        memo["cases", place.state_fips] = list_cases(conn, state=place.state_fips)
    out = []
    for case in memo["cases", place.state_fips]:
        statewide = place.state_usps in case["states"] or not case["county_fips"]
        if statewide or set(case["county_fips"]) & set(place.county_fips):
            out.append(case)
    return out


# What a place's report keeps of a federal entry. The federal framework is the same everywhere:
# in full it was half of every county's answer (66 of ~135 KB), repeated 3,234 times. A place
# names each entry with its status and the date that was checked; the whole entry (effects,
# quotes, sources) is one read away by its id (the knowledge queries, /api/v1/knowledge/{id}).
FEDERAL_REFERENCE_KEYS = ("id", "kind", "titles", "citation", "dates", "status", "as_of")


def federal_reference(entry: dict[str, Any], state_usps: str | None) -> dict[str, Any]:
    return {**{k: entry.get(k) for k in FEDERAL_REFERENCE_KEYS},
            "concerns_state": bool(state_usps) and state_usps in (entry.get("concerns_states") or [])}


def knowledge_for_place(conn: sqlite3.Connection, place: Place,
                        memo: dict[Any, Any] | None = None) -> dict[str, Any]:
    """Federal framework (by reference, see `federal_reference`), state entries and local
    entries for a place, the federal lists that name it, plus gap notices. `memo`: one dict
    shared by many places computed in one go (the stored county reports), so that what a
    state's places share is read once."""
    memo = {} if memo is None else memo
    municipality = _municipality(place)
    found = entries_for_place(conn, place.state_fips, list(place.county_fips), municipality, memo)
    if ("federal_refs", place.state_usps) not in memo:
        memo["federal_refs", place.state_usps] = [
            federal_reference(e, place.state_usps) for e in found["federal"]]
    gaps = {key: {lang: gettext(_GAP[key], lang) for lang in LANGUAGES}
            for key in ("state", "local") if not found[key]}
    return {**found, "federal": memo["federal_refs", place.state_usps],
            "designations": designations_for_place(conn, place, memo=memo),
            "cases": cases_for_place(conn, place, memo), "gaps": gaps}
