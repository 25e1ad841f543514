"""Apply the facility placements accepted locally (`local_corrections`, copied in by ingest)
after the facilities are derived: the corrected county wins over ZIP, city and listed county,
and the facility says it was corrected."""

from __future__ import annotations

import sqlite3

from patchwork_atlas.kernel.corrections import latest
from patchwork_atlas.kernel.geo import reference


def apply_counties(conn: sqlite3.Connection) -> None:
    for key, value, correction_id in latest(conn, "facility_county"):
        row = conn.execute("SELECT state_fips FROM facilities WHERE facility_id = ?", (key,)).fetchone()
        county = reference.county(value)
        if row is None or county is None:
            continue
        review = (None if county.state_fips == row[0]
                  else f"local correction {correction_id}: county not in the facility's state")
        conn.execute("UPDATE facilities SET county_fips = ?, place_method = 'local_correction',"
                     " place_review = ? WHERE facility_id = ?", (value, review, key))
