"""The facility page and the national table of deaths in ICE custody (the deaths family).

Both pages read the same query as the API and the `deaths` download, and say what is held:
reports held, not a complete count; no rate.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from patchwork_atlas.families.deaths.family import coverage, list_deaths
from patchwork_atlas.families.detention.family import facility_summary
from patchwork_atlas.kernel import i18n
from patchwork_atlas.read import places
from patchwork_atlas.read.database import Database
from patchwork_atlas.web.render import page

FACILITY_ID = re.compile(r"^fac-[a-z0-9-]{1,60}$")
YEAR = re.compile(r"^\d{4}$")
USPS = re.compile(r"^[A-Z]{2}$")
TYPE = re.compile(r"^[A-Z][A-Z -]{1,20}$")


class DeathPages:
    def __init__(self, db: Database, not_found):
        self.db = db
        self.not_found = not_found

    def facility(self, request: Request) -> Response:
        """One facility: its yearly figures from ICE's statistics and the deaths held there."""
        facility_id = request.path_params["facility_id"]
        if not FACILITY_ID.match(facility_id):
            return self.not_found(request)
        with self.db.snapshot() as conn:
            row = conn.execute("SELECT * FROM facilities WHERE facility_id = ?",
                               (facility_id,)).fetchone()
            if row is not None:
                facility = facility_summary(conn, row)
                deaths = list_deaths(conn, facility=facility_id)
                held = coverage(conn)
        if row is None:  # rendered outside the snapshot: the page's citation opens its own
            return self.not_found(request)
        county = places.county(facility["county_fips"]) if facility["county_fips"] else None
        return page(request, "facility.html", facility=facility, deaths=deaths, coverage=held,
                    county=county, st=places.state(facility["state_usps"] or ""),
                    title=facility["name"])

    def deaths(self, request: Request) -> Response:
        """All deaths held, newest first, filtered by fiscal year, state and facility type.
        A malformed filter is ignored (the page shows every death), never an error."""
        qp = request.query_params
        year = qp.get("year") if YEAR.match(qp.get("year") or "") else None
        state = (qp.get("state") or "").upper()
        state = state if USPS.match(state) else None
        kind = qp.get("type") if TYPE.match(qp.get("type") or "") else None
        with self.db.snapshot() as conn:
            everything = list_deaths(conn)
            rows = list_deaths(conn, state=state, year=int(year) if year else None,
                               facility_type=kind)
            held = coverage(conn)
        options = {
            "years": sorted({r["fiscal_year"] for r in everything if r["fiscal_year"]},
                            reverse=True),
            "states": sorted({r["state_usps"] for r in everything if r["state_usps"]}),
            "types": sorted({t for r in everything
                             if (t := r["facility_type"] or r["facility_type_printed"])}),
        }
        return page(request, "deaths.html", deaths=rows, coverage=held, options=options,
                    chosen={"year": year, "state": state, "type": kind},
                    title=i18n.gettext("Deaths in ICE custody reported by ICE"))
