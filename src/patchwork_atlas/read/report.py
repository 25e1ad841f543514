"""A place report: the place, its state and counties, and each family's section of it."""

from __future__ import annotations

import sqlite3
from typing import Any

from patchwork_atlas.families import FAMILIES
from patchwork_atlas.kernel.geo import reference as ref
from patchwork_atlas.kernel.geo.place import Place


def county_place(fips: str) -> Place | None:
    """The Place of a whole county (what a county profile reports on)."""
    c = ref.county(fips)
    st = ref.state(fips[:2]) if c else None
    if c is None or st is None:
        return None
    return Place(kind="county", name=c.name, state_usps=st.usps, state_fips=st.fips,
                 county_fips=[c.fips], lat=c.lat, lon=c.lon)


def report_head(place: Place) -> dict[str, Any]:
    """The place, its state and its counties: from the reference tables, not the database."""
    st = ref.state(place.state_fips)
    return {
        "place": place.to_dict(),
        "state": {"usps": st.usps, "name": st.name, "fips": st.fips} if st else None,
        "counties": [
            {"fips": f, "name": c.name if c else None}
            for f, c in ((f, ref.county(f)) for f in place.county_fips)
        ],
    }


def place_report(conn: sqlite3.Connection, place: Place, lang: str = "en") -> dict[str, Any]:
    """Everything known for a place, section by section, in the order of `FAMILIES`."""
    report = report_head(place)
    for family in FAMILIES:
        report.update(family.place_report(conn, place, lang))
    return report
