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


class Ambiguous(Exception):
    """Several places share the name: `candidates` lists them (never a guess)."""

    def __init__(self, message: str, candidates: list[dict[str, Any]]):
        super().__init__(message)
        self.candidates = candidates


def locate(query: str) -> Any:
    """geo.lookup.locate: a Place, None when nothing matches, or Ambiguous with candidates."""
    try:
        from patchwork_atlas.geo.lookup import AmbiguousPlace
        from patchwork_atlas.geo.lookup import locate as _locate
    except ImportError:
        return None
    try:
        return _locate(query)
    except AmbiguousPlace as exc:
        raise Ambiguous(str(exc), list(exc.candidates)) from None
    except (ValueError, LookupError):
        return None


def county_place(fips: str) -> Any:
    """The lookup stage's Place for a whole county (what a county profile reports on)."""
    try:
        from patchwork_atlas.geo import reference
        from patchwork_atlas.geo.lookup import Place
    except ImportError:
        return None
    c = reference.county(fips)
    st = reference.state(fips[:2]) if c else None
    if c is None or st is None:
        return None
    return Place(kind="county", name=c.name, state_usps=st.usps, state_fips=st.fips,
                 county_fips=[c.fips], lat=c.lat, lon=c.lon)


def report(conn: sqlite3.Connection, place: Any, lang: str = "en") -> dict[str, Any] | None:
    """place_report, with the legal-help section in the reader's language."""
    try:
        from patchwork_atlas.geo.lookup import place_report
    except ImportError:
        return None
    out = place_report(conn, place)
    if lang != "en" and isinstance(out.get("legal_help"), dict):
        try:
            from patchwork_atlas.registry.legal_services import legal_help_for_place
        except ImportError:
            return out
        out["legal_help"] = legal_help_for_place(conn, place, language=lang)
    return out
