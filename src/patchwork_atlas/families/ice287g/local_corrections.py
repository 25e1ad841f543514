"""Apply the corrections accepted locally (`local_corrections`, copied in by ingest) when the
family is derived: names before the agencies are placed, placements after, so a corrected fact
wins over what the lists printed and what the resolver found, and says it was corrected."""

from __future__ import annotations

import sqlite3

from patchwork_atlas.kernel.corrections import latest, parse_placement
from patchwork_atlas.kernel.geo import reference


def apply_names(conn: sqlite3.Connection) -> None:
    for key, value, _id in latest(conn, "agency_name"):
        conn.execute("UPDATE agencies SET name = ? WHERE agency_id = ?", (value, key))


def apply_placements(conn: sqlite3.Connection) -> None:
    for key, value, correction_id in latest(conn, "agency_placement"):
        where = parse_placement(value)
        fips = [f for f in where["county_fips"].split(",") if f]
        state = conn.execute("SELECT state_fips FROM agencies WHERE agency_id = ?", (key,)).fetchone()
        if state is None:
            continue
        wrong = [f for f in fips if (c := reference.county(f)) is None or c.state_fips != state[0]]
        review = f"local correction {correction_id}: county not in the agency's state" if wrong else None
        conn.execute(
            "UPDATE agency_jurisdictions SET level = ?, county_fips = ?, county_fips_all = ?,"
            " place = ?, method = 'local_correction', confidence = 1.0, review_reason = ?"
            " WHERE agency_id = ?",
            (where["level"], fips[0] if fips else None, ";".join(fips) or None,
             where["place"] or None, review, key),
        )
        conn.execute("DELETE FROM agency_counties WHERE agency_id = ?", (key,))
        conn.executemany("INSERT INTO agency_counties(agency_id, county_fips, rank) VALUES (?,?,?)",
                         [(key, f, i) for i, f in enumerate(fips)])
