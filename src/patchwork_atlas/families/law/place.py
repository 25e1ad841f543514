"""The lookup/profile section for a place: its law and policy, with an honest line for gaps.

`knowledge_for_place` is the law family's section of a place report. It accepts
the place as a mapping or an object, reading whichever of the usual field names it carries, so
the geo stage can evolve its place type without breaking this section.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from patchwork_atlas.families.law.store import entries_for_place
from patchwork_atlas.kernel.i18n import LANGUAGES, gettext

_GAP = {
    "state": "No state law or policy on immigration-enforcement cooperation is recorded here yet.",
    "local": "No local policy is recorded here. That does not mean none exists: we may not have found it yet.",
}


def _get(place: Any, *names: str) -> Any:
    for name in names:
        value = place.get(name) if isinstance(place, dict) else getattr(place, name, None)
        if value not in (None, "", [], ()):
            return value
    return None


def _place_fields(place: Any) -> tuple[str | None, list[str], str | None]:
    """(state FIPS, county FIPS list, municipality name or None) from a geo place."""
    county = _get(place, "county_fips_list", "county_fips", "counties", "county")
    if isinstance(county, str):
        counties = [county]
    elif isinstance(county, (list, tuple, set)):
        counties = [c if isinstance(c, str) else _get(c, "fips", "county_fips") for c in county]
    elif county is not None:
        counties = [_get(county, "fips", "county_fips")]
    else:
        counties = []
    counties = [str(c) for c in counties if c]
    state = _get(place, "state_fips", "statefp")
    if state is None and counties:
        state = counties[0][:2]
    level = _get(place, "level", "kind", "type")
    name = _get(place, "municipality", "place_name", "place")
    if name is None and level in ("place", "city", "municipal", "municipality", "town"):
        name = _get(place, "name")
    return (str(state) if state else None), counties, name


def knowledge_for_place(conn: sqlite3.Connection, place: Any) -> dict[str, Any]:
    """Federal framework, state entries and local entries for a place, plus gap notices."""
    state_fips, counties, name = _place_fields(place)
    try:
        found = entries_for_place(conn, state_fips, counties, name)
    except sqlite3.OperationalError:  # database built before the knowledge migration
        found = {"federal": [], "state": [], "local": []}
    gaps = {key: {lang: gettext(_GAP[key], lang) for lang in LANGUAGES}
            for key in ("state", "local") if not found[key]}
    return {**found, "gaps": gaps}
