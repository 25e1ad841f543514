"""Places for the consumers (CLI, API, pages): names of states and counties as plain dicts,
`locate` for a query, and the report on a place, all over the kernel's one typed `Place`."""

from __future__ import annotations

import sqlite3
from typing import Any

from patchwork_atlas.kernel.geo import reference
from patchwork_atlas.kernel.geo.lookup import AmbiguousPlace, suggest
from patchwork_atlas.kernel.geo.lookup import locate as _locate
from patchwork_atlas.kernel.geo.place import Place
from patchwork_atlas.read import precomputed
from patchwork_atlas.read.queries import agencies, has_table
from patchwork_atlas.read.report import county_place

__all__ = ["Ambiguous", "county_place", "locate", "report", "report_json", "search", "state", "states"]

# A name several places share: `candidates` lists them (never a guess).
Ambiguous = AmbiguousPlace


def state(code: str) -> dict[str, str] | None:
    """{'usps','name','fips'} for a USPS code or FIPS, or None."""
    found = reference.state(code)
    if found is None:
        return None
    return {"usps": found.usps, "name": found.name, "fips": found.fips}


def states() -> list[dict[str, str]]:
    return [{"usps": s.usps, "name": s.name, "fips": s.fips} for s in reference.states()]


def county(fips: str) -> dict[str, Any] | None:
    found = reference.county(fips)
    if found is None:
        return None
    st = reference.state(found.state_fips)
    return {"fips": found.fips, "name": found.name, "state_fips": found.state_fips,
            "state_usps": st.usps if st else None, "state_name": st.name if st else None}


def counties(state_fips: str) -> list[dict[str, Any]]:
    return [{"fips": c.fips, "name": c.name} for c in reference.counties(state_fips)]


def locate(query: str) -> Place | None:
    """A Place, None when nothing matches; raises Ambiguous with candidates."""
    try:
        return _locate(query)
    except AmbiguousPlace:
        raise
    except (ValueError, LookupError):
        return None




def report(conn: sqlite3.Connection, place: Place, lang: str = "en") -> dict[str, Any]:
    """The place report, every section in the reader's language (a county's as ingest stored it)."""
    return precomputed.report(conn, place, lang)


def report_json(conn: sqlite3.Connection, place: Place, lang: str = "en") -> bytes:
    """The same report, encoded as the API answers it (a county's without parsing anything)."""
    return precomputed.report_json(conn, place, lang)


def search(conn: sqlite3.Connection | None, query: str, agency_limit: int = 50) -> dict[str, Any]:
    """What a query names, for every consumer (web search, `patchwork lookup`, /api/v1/lookup):
    the place (the largest of its name when no state is given, the others in `alternatives`), the
    places to choose among when a state holds several, the state it names, the agencies whose name
    matches, and "did you mean" suggestions when nothing matches."""
    text = " ".join((query or "").split())[:120]
    out: dict[str, Any] = {"query": text, "place": None, "alternatives": [], "choices": [],
                           "state": None, "agencies": [], "agencies_total": 0, "suggestions": [],
                           "message": None}
    try:
        place = _locate(text)
        out["place"] = place
        out["alternatives"] = [c for c in place.candidates if c.get("query")]
    except AmbiguousPlace as exc:
        out["choices"], out["message"] = exc.candidates, str(exc)
    except LookupError as exc:
        out["message"] = str(exc)
        out["state"] = state(text) if len(text) <= 30 else None
    if conn is not None and text and has_table(conn, "agencies"):
        out["agencies"], out["agencies_total"] = agencies(conn, q=text, limit=agency_limit)
    if out["place"] is None and not out["choices"] and not out["state"] and not out["agencies"]:
        names = _agency_names(conn) if conn is not None else ()
        out["suggestions"] = suggest(text, names)
    return out


def _agency_names(conn: sqlite3.Connection) -> list[str]:
    if not has_table(conn, "agencies"):
        return []
    return [r[0] for r in conn.execute("SELECT DISTINCT name FROM agencies")]
