"""Where the registry's agencies are: every agency of the stored lists resolved to its
jurisdiction by the kernel's resolver (agency_jurisdictions, agency_counties), and how many are
placed without a flag."""

from __future__ import annotations

import sqlite3
from collections import Counter
from concurrent.futures import Executor

from patchwork_atlas.kernel.geo.resolver import Resolution, is_placed, resolve


def resolve_agencies(conn: sqlite3.Connection, helper: Executor | None = None) -> int:
    """Resolve every registry agency into agency_jurisdictions (inside the caller's transaction);
    in `helper` (a process that may have built the resolver's tables meanwhile) when given."""
    rows = [tuple(r) for r in conn.execute(
        "SELECT agency_id, state_usps, state_fips, name, agency_type, county_cell FROM agencies")]
    out = helper.submit(_resolve_rows, rows).result() if helper else _resolve_rows(rows)
    conn.execute("DELETE FROM agency_jurisdictions")
    conn.execute("DELETE FROM agency_counties")
    conn.executemany(
        "INSERT INTO agency_jurisdictions(agency_id, level, state_fips, county_fips, county_fips_all,"
        " place, method, confidence, review_reason) VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (
                aid, r.level, r.state_fips, r.county_fips[0] if r.county_fips else None,
                ";".join(r.county_fips) or None, r.place, r.method, r.confidence, r.review_reason,
            )
            for aid, r in out
        ],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO agency_counties(agency_id, county_fips, rank) VALUES (?,?,?)",
        [(aid, f, i) for aid, r in out for i, f in enumerate(r.county_fips)],
    )
    return len(out)


def _resolve_rows(rows: list[tuple]) -> list[tuple[str, Resolution]]:
    return [(agency_id, resolve(usps or state_fips, name, atype, cell))
            for agency_id, usps, state_fips, name, atype, cell in rows]


def coverage_stats(conn: sqlite3.Connection) -> dict[str, object]:
    """Share of county-or-smaller agencies placed in a county without a flag (latest list, all)."""
    def summarize(where: str, params: tuple = ()) -> dict[str, object]:
        rows = conn.execute(
            "SELECT j.level, j.county_fips, j.review_reason FROM agency_jurisdictions j"  # noqa: S608 - only fixed SQL and ? placeholders
            " JOIN agencies a ON a.agency_id = j.agency_id " + where,
            params,
        ).fetchall()
        local = [r for r in rows if r[0] != "state"]
        placed = sum(1 for r in local if is_placed(r[0], r[1], r[2]))
        reasons = Counter((r[2] or "").split(":")[0] for r in rows if r[2])
        return {
            "agencies": len(rows),
            "county_or_smaller": len(local),
            "placed_unflagged": placed,
            "placed_share": round(placed / len(local), 4) if local else None,
            "by_level": dict(Counter(r[0] for r in rows)),
            "review_reasons": dict(reasons),
        }

    latest = conn.execute(
        "SELECT publication_id FROM publications WHERE list = 'participating' ORDER BY sort_key DESC LIMIT 1"
    ).fetchone()
    out: dict[str, object] = {"all": summarize("")}
    if latest:
        out["latest_participating"] = {
            "publication_id": latest[0],
            **summarize(
                "WHERE a.agency_id IN (SELECT ag.agency_id FROM agreement_sightings s"
                " JOIN agreements ag ON ag.agreement_id = s.agreement_id WHERE s.publication_id = ?)",
                (latest[0],),
            ),
        }
    return out
