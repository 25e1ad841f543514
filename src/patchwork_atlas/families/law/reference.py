"""The state and county codes the law files may name, from the kernel's one geography (so the
law family and the rest of the atlas agree on what exists)."""

from __future__ import annotations

from functools import cache

from patchwork_atlas.kernel.geo import reference as geo


@cache
def _states() -> dict[str, str]:
    """USPS code -> state FIPS."""
    return {s.usps: s.fips for s in geo.states()}


def state_fips_for_usps(usps: str) -> str | None:
    return _states().get(usps.upper())


def usps_for_state_fips(fips: str) -> str | None:
    found = geo.state(fips)
    return found.usps if found else None


def state_exists(fips: str) -> bool:
    return geo.state(fips) is not None


def county_exists(fips: str) -> bool:
    return geo.county(fips) is not None


def target_state_fips() -> set[str]:
    """The 50 states and DC: the acceptance target for state-level coverage."""
    return {fips for code, fips in _states().items() if not geo.is_territory(code)}


def county_name(fips: str) -> str | None:
    """A county's name (for messages and review)."""
    found = geo.county(fips)
    return found.name if found else None
