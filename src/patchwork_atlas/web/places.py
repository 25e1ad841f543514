"""The web's narrow door to the geography stage (names, lookup, place reports).

Kept in one module so the pages never depend on the geo stage's internals, and so a missing
optional piece (no lookup yet, no knowledge base yet) only removes a section, never a page.
"""

from __future__ import annotations

import sqlite3
from typing import Any


def _get(obj: Any, *names: str) -> Any:
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value not in (None, ""):
            return value
    return None


def state(code: str) -> dict[str, str] | None:
    """{'usps','name','fips'} for a USPS code or FIPS, or None."""
    try:
        from patchwork_atlas.geo import reference
    except ImportError:
        return None
    found = reference.state(code)
    if found is None:
        return None
    return {"usps": found.usps, "name": found.name, "fips": found.fips}


def states() -> list[dict[str, str]]:
    try:
        from patchwork_atlas.geo import reference
    except ImportError:
        return []
    return [{"usps": s.usps, "name": s.name, "fips": s.fips} for s in reference.states()]


def county(fips: str) -> dict[str, Any] | None:
    try:
        from patchwork_atlas.geo import reference
    except ImportError:
        return None
    found = reference.county(fips)
    if found is None:
        return None
    st = reference.state(found.state_fips)
    return {"fips": found.fips, "name": found.name, "state_fips": found.state_fips,
            "state_usps": st.usps if st else None, "state_name": st.name if st else None}


def counties(state_fips: str) -> list[dict[str, Any]]:
    try:
        from patchwork_atlas.geo import reference
    except ImportError:
        return []
    return [{"fips": c.fips, "name": c.name} for c in reference.counties(state_fips)]


def locate(query: str) -> Any:
    """geo.lookup.locate, or None when the lookup stage is absent or finds nothing."""
    try:
        from patchwork_atlas.geo.lookup import locate as _locate
    except ImportError:
        return None
    try:
        return _locate(query)
    except (ValueError, LookupError):
        return None


def report(conn: sqlite3.Connection, place: Any) -> dict[str, Any] | None:
    try:
        from patchwork_atlas.geo.lookup import place_report
    except ImportError:
        return None
    return place_report(conn, place)
