"""Look up a place (ZIP, "City, ST", "County name, ST", coordinates) and everything that covers it.

`locate` needs no database (what covers a place is the read layer's `place_report`). A ZIP's postal city is a mailing name, not a municipality, so a ZIP answer
names its county (or counties) and leaves `municipality` empty; a repeated place name is
answered with its candidates (AmbiguousPlace), never a guess.
"""

from __future__ import annotations

import re

from patchwork_atlas.kernel.geo import reference as ref
from patchwork_atlas.kernel.geo.place import AmbiguousPlace, Place
from patchwork_atlas.kernel.geo.reference import fold

_ZIP = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
_COUNTY_WORD = re.compile(
    r"\b(county|parish|borough|census area|municipio|municipality|city and borough)$|\bcity$", re.I
)


def locate(query: str | None = None, lat: float | None = None, lon: float | None = None) -> Place:
    """Resolve a query to a Place, or raise LookupError (AmbiguousPlace) with a one-line message."""
    if lat is not None and lon is not None:
        return _by_point(float(lat), float(lon))
    if not query or not query.strip():
        raise LookupError("give a ZIP code, 'City, ST', 'County name, ST' or --lat/--lon")
    m = _ZIP.match(query)
    if m:
        return _by_zip(m.group(1))
    parts = [p.strip() for p in query.split(",") if p.strip()]
    if len(parts) < 2:
        raise LookupError(f"{query!r}: write 'City, ST' or 'County name, ST' (the state is needed)")
    st = ref.state(parts[-1])
    if st is None:
        raise LookupError(f"{parts[-1]!r} is not a US state or territory")
    name = parts[0]
    within = parts[1] if len(parts) == 3 else None  # "Springfield, Bay County, FL"
    if _COUNTY_WORD.search(name) and within is None:
        county_place = _by_county(st, name)
        if county_place is not None:
            return county_place
    return _by_place_name(st, name, within)


def _state_of(fips: str) -> ref.State:
    st = ref.state(fips[:2])
    if st is None:
        raise LookupError(f"no state for FIPS {fips}")
    return st


def _county_names(fips: list[str]) -> str:
    return ", ".join(c.name for c in (ref.county(f) for f in fips) if c)


def _by_zip(z: str) -> Place:
    info = ref.zip_info(z)
    if info is None:
        raise LookupError(f"ZIP {z} is not in the ZIP reference (zipcodes package)")
    st = ref.state(info.state_usps)
    if st is None or not info.county_fips:
        raise LookupError(f"ZIP {z} has no county in the reference data")
    notes = [
        f"'{info.postal_city}' is the ZIP's postal name; an address there may be inside a"
        " municipality or in unincorporated county land"
    ]
    if len(info.county_fips) > 1:
        notes.append(f"this ZIP spans several counties ({_county_names(info.county_fips)}); the first is USPS's")
    if info.zip_type in ("PO BOX", "UNIQUE"):
        notes.append(f"a {info.zip_type} ZIP: its point is the post office or the organization, not an area")
    cities = [ref.county(f) for f in info.county_fips]
    independent = None
    if cities and all(c is not None and c.name.endswith(" city") for c in cities) and len(cities) == 1:
        independent = cities[0].name.removesuffix(" city")  # an independent city is a municipality
    return Place(
        kind="zip",
        name=info.zip,
        state_usps=st.usps,
        state_fips=st.fips,
        county_fips=list(info.county_fips),
        municipality=independent,
        lat=info.lat,
        lon=info.lon,
        note="; ".join(notes),
        postal_cities=[info.postal_city, *info.acceptable_cities],
    )


def _by_county(st: ref.State, name: str) -> Place | None:
    from patchwork_atlas.kernel.geo.resolver import match_county

    fips, how = match_county(st.fips, name)
    if how != "exact" or len(fips) != 1:
        return None
    c = ref.county(fips[0])
    assert c is not None
    independent = c.name.lower().endswith(" city") or c.name == "Carson City"
    return Place(
        kind="county",
        name=c.name,
        state_usps=st.usps,
        state_fips=st.fips,
        county_fips=[c.fips],
        municipality=c.name.removesuffix(" city") if independent else None,
        lat=c.lat,
        lon=c.lon,
        note="an independent city: a municipality that is its own county-equivalent" if independent else "",
    )


def _by_place_name(st: ref.State, name: str, within: str | None) -> Place:
    from patchwork_atlas.kernel.geo.resolver import find_place, match_county

    # Independent cities (Richmond, VA; Baltimore, MD; St. Louis, MO) are county-equivalents.
    ic, how = match_county(st.fips, name + " city")
    if how == "exact" and ic and within is None:
        c = ref.county(ic[0])
        if c is not None and (c.name.lower().endswith(" city") or c.name == "Carson City"):
            others = [p for p in ref.places(st.usps) if fold(p.name) == fold(name) and c.fips not in p.county_fips]
            if not others:
                return Place("place", name, st.usps, st.fips, [c.fips], name, c.lat, c.lon,
                             f"{c.name}: an independent city, its own county-equivalent")
    ev = find_place(st, name, allow_fuzzy=False)
    groups: dict[tuple[str, ...], list[ref.PlaceRef]] = {}
    for p in ev.names:
        if p.county_fips:
            groups.setdefault(p.county_fips, []).append(p)
    if within:
        wf, how = match_county(st.fips, within)
        if how != "exact":
            raise LookupError(f"{within!r} is not a county of {st.usps}")
        groups = {k: v for k, v in groups.items() if wf[0] in k}
        if not groups and wf[0] in ev.zip_counties:
            c = ref.county(wf[0])
            return Place("place", name, st.usps, st.fips, [wf[0]], None, c.lat if c else None,
                         c.lon if c else None, "a postal city name in this county (no GeoNames place)")
    if not groups:
        if ev.zip_counties and not within:
            counties = [c for c, _ in ev.zip_counties.most_common()]
            if len(counties) > 1:
                raise AmbiguousPlace(
                    f"{name}, {st.usps} is only a postal city name, used in {_county_names(counties)};"
                    f" add the county: '{name}, <County>, {st.usps}'",
                    [{"name": name, "state_usps": st.usps, "county_fips": [c]} for c in counties],
                )
            c = ref.county(counties[0])
            return Place("place", name, st.usps, st.fips, counties, None, c.lat if c else None,
                         c.lon if c else None, "a postal city name (no GeoNames place): its county is USPS's")
        raise LookupError(f"no place named {name!r} in {st.usps} in the reference data")
    if len(groups) > 1:
        cands = [
            {"name": v[0].name, "state_usps": st.usps, "county_fips": list(k), "county": _county_names(list(k)),
             "population": max(p.population for p in v), "lat": v[0].lat, "lon": v[0].lon}
            for k, v in sorted(groups.items(), key=lambda kv: -max(p.population for p in kv[1]))
        ]
        listing = "; ".join(f"{c['name']} ({c['county']})" for c in cands)
        raise AmbiguousPlace(
            f"{len(cands)} places named {name!r} in {st.usps}: {listing}. Add the county:"
            f" '{name}, <County>, {st.usps}'",
            cands,
        )
    (counties, members), = groups.items()
    best = max(members, key=lambda p: p.population)
    extra = sorted(c for c, n in ev.zip_counties.items() if c not in counties and n >= 2)
    note = "GeoNames populated place (it may or may not be incorporated)"
    return Place("place", best.name, st.usps, st.fips, list(counties), None, best.lat, best.lon, note,
                 candidates=[{"county_fips": c, "why": "ZIPs of this postal name"} for c in extra])


def _by_point(lat: float, lon: float) -> Place:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise LookupError(f"({lat}, {lon}) is not a coordinate")
    fips = ref.counties_at_point(lat, lon)
    note = "county from 2017 boundaries simplified to 1:10,000,000: near a county line, check"
    if not fips:
        near = _nearest_zip(lat, lon, 10.0)
        if near is None:
            raise LookupError(f"({lat}, {lon}) is not inside any US county in the reference data")
        fips = near.county_fips[:1]
        note = f"outside the simplified boundaries; county of the nearest ZIP ({near.zip})"
    st = _state_of(fips[0])
    return Place("coordinates", f"{lat:.5f}, {lon:.5f}", st.usps, st.fips, fips, None, lat, lon, note)


def _nearest_zip(lat: float, lon: float, max_km: float) -> ref.ZipInfo | None:
    best, best_d = None, max_km
    for z in ref.zips().values():
        if z.lat is None or z.lon is None or abs(z.lat - lat) > 0.5 or abs(z.lon - lon) > 0.7:
            continue
        d = ref.distance_km(lat, lon, z.lat, z.lon)
        if d < best_d:
            best, best_d = z, d
    return best


# --- the report ---------------------------------------------------------------------------------
