"""A place report: the place, its state and counties, and each family's section of it."""

from __future__ import annotations

import sqlite3
from typing import Any

from patchwork_atlas.families import FAMILIES
from patchwork_atlas.kernel.geo import reference as ref
from patchwork_atlas.kernel.geo.place import Place


def place_report(conn: sqlite3.Connection, place: Place, lang: str = "en") -> dict[str, Any]:
    """Everything known for a place, section by section, in the order of `FAMILIES`."""
    st = ref.state(place.state_fips)
    report: dict[str, Any] = {
        "place": place.to_dict(),
        "state": {"usps": st.usps, "name": st.name, "fips": st.fips} if st else None,
        "counties": [
            {"fips": f, "name": c.name if c else None}
            for f, c in ((f, ref.county(f)) for f in place.county_fips)
        ],
    }
    for family in FAMILIES:
        report.update(family.place_report(conn, place, lang))
    return report
