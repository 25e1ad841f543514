"""Look up a place (ZIP, "City, ST", "County name, ST", coordinates) and everything that covers it.

`locate` needs no database (what covers a place is the read layer's `place_report`). A ZIP's postal city is a mailing name, not a municipality, so a ZIP answer
names its county (or counties) and leaves `municipality` empty; a repeated place name is
answered with its candidates (AmbiguousPlace), never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from patchwork_atlas.kernel.geo import reference as ref
from patchwork_atlas.kernel.geo.place import AmbiguousPlace, Place
from patchwork_atlas.kernel.geo.reference import fold
from patchwork_atlas.kernel.geo.resolver import place_key

_ZIP = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
_TRAILING_ZIP = re.compile(r"^(?P<rest>.*?)[\s,]+(?P<zip>\d{5})(?:-\d{4})?\s*$")
_COUNTY_WORD = re.compile(
    r"\b(county|parish|borough|census area|municipio|municipality|city and borough)$|\bcity$", re.I
)
# A state name that is also a city's name ("Washington", "New York") means the city only when the
# city is this large; otherwise the state ("Nevada" is a state before it is a town in Missouri).
BIG_CITY = 500_000
# New York City is five counties (its boroughs); GeoNames puts its point in Manhattan only.
# Named as the Census names the counties and looked up in the reference data, never by number.
_CITY_COUNTIES = {
    ("NY", "newyorkcity"): ("New York County", "Kings County", "Queens County", "Bronx County",
                            "Richmond County"),
}
_CITY_ALIASES = {"newyork": "New York City", "nyc": "New York City", "newyorkny": "New York City"}


def locate(query: str | None = None, lat: float | None = None, lon: float | None = None) -> Place:
    """Resolve a query to a Place, or raise LookupError (AmbiguousPlace) with a one-line message.

    Accepts what people type: a ZIP or ZIP+4 (also after a city: "Tampa FL 33602"), "City, ST",
    "City ST", "City, State", "County name, ST", and a city or county without its state, which
    goes to the largest place of that name with the others in `candidates`.
    """
    if lat is not None and lon is not None:
        return _by_point(float(lat), float(lon))
    if not query or not query.strip():
        raise LookupError("give a ZIP code, 'City, ST', 'County name, ST' or --lat/--lon")
    query = " ".join(query.split())
    m = _ZIP.match(query) or _TRAILING_ZIP.match(query)
    if m:
        return _by_zip(m.group(1) if m.re is _ZIP else m.group("zip"))
    parts = [p.strip() for p in query.split(",") if p.strip()]
    if len(parts) < 2:
        return _without_comma(query)
    st = ref.state(parts[-1])
    if st is None:
        raise LookupError(f"{parts[-1]!r} is not a US state or territory")
    within = parts[1] if len(parts) == 3 else None  # "Springfield, Bay County, FL"
    return _in_state(st, parts[0], within)


def _in_state(st: ref.State, name: str, within: str | None = None) -> Place:
    city = _city_counties(st, name)
    if city is not None:
        return city
    if _COUNTY_WORD.search(name) and within is None:
        county_place = _by_county(st, name)
        if county_place is not None:
            return county_place
    try:
        return _by_place_name(st, name, within)
    except AmbiguousPlace as exc:  # "Mayagüez, PR": the municipio of that name, where its ZIPs are
        county_place = _by_county(st, name) if within is None else None
        if county_place is None or not any(county_place.county_fips[0] in c["county_fips"]
                                           for c in exc.candidates):
            raise
        return county_place


def _without_comma(query: str) -> Place:
    """'tampa fl', 'Tampa Florida', 'Kansas City MO': a trailing state; else the name anywhere."""
    words = query.split()
    for k in (4, 3, 2, 1):
        if len(words) > k:
            st = ref.state(" ".join(words[-k:]))
            if st is not None:
                try:
                    return _in_state(st, " ".join(words[:-k]))
                except AmbiguousPlace:
                    raise
                except LookupError:
                    break  # "Staten Island" is not "Staten" in Rhode Island: try the whole name
    return _anywhere(query)


def _city_counties(st: ref.State, name: str) -> Place | None:
    """A city known to span several whole counties (New York City), named by its counties."""
    key = place_key(_CITY_ALIASES.get(place_key(name), name))
    names = _CITY_COUNTIES.get((st.usps, key))
    if names is None:
        return None
    from patchwork_atlas.kernel.geo.resolver import match_county

    fips = [match_county(st.fips, n)[0][0] for n in names]
    best = max((p for p in ref.places(st.usps) if place_key(p.name) == key), key=lambda p: p.population)
    return Place("place", best.name, st.usps, st.fips, fips, best.name, best.lat, best.lon,
                 f"{best.name} is made of {_county_names(fips)}")


def _anywhere(name: str) -> Place:
    """A name without a state: the largest place (or county) of that name, the others offered."""
    key = place_key(_CITY_ALIASES.get(place_key(name), name))
    st_named = ref.state(name)
    counties_named = _counties_named(name) if _COUNTY_WORD.search(name) else []
    found = _places_named(key)
    if counties_named and not any(p.population >= BIG_CITY for p in found):
        found = []
    if st_named is not None and not any(p.population >= BIG_CITY for p in found):
        raise LookupError(f"{name!r} is a state: add a city, county or ZIP")
    if not found and not counties_named and st_named is None:
        counties_named = _counties_named(name)  # "Miami-Dade": a county written without "County"
    if not found and counties_named:
        first, *rest = counties_named
        place = _by_county(_state_of(first.fips), first.name)
        assert place is not None
        place.candidates = [_county_candidate(c) for c in rest]
        return place
    if not found:
        raise LookupError(f"no place named {name!r} in the reference data; add the state ('City, ST')")
    best = found[0]
    st = _state_of_usps(best.state_usps)
    try:
        place = _in_state(st, best.name)
    except AmbiguousPlace as exc:  # several places of the name in the largest one's state
        mine = [c for c in exc.candidates if best.county_fips[0] in c["county_fips"]]
        place = _place_from_ref(best, mine[0]["county_fips"] if mine else list(best.county_fips))
    place.candidates = [_place_candidate(p) for p in found[1:] if p is not best][:8]
    if len(found) > 1:
        place.note = "; ".join(x for x in (place.note, f"the largest of {len(found)} places named"
                                           f" {best.name!r}; the others are listed") if x)
    return place


def _places_named(key: str) -> list[ref.PlaceRef]:
    """Every GeoNames place with this key in any state (else an alternate name), largest first,
    one per state and county set."""
    from patchwork_atlas.kernel.geo.resolver import _place_index

    found = [p for idx in _place_index().values() for p in idx.get(key, [])]
    if not found:
        found = [p for p in _alternate_index().get(key, [])]
    if not found and key.startswith("the"):
        found = [p for idx in _place_index().values() for p in idx.get(key[3:], [])]
    seen: set[tuple[str, tuple[str, ...]]] = set()
    out = []
    for p in sorted(found, key=lambda p: -p.population):
        if p.county_fips and (p.state_usps, p.county_fips) not in seen:
            seen.add((p.state_usps, p.county_fips))
            out.append(p)
    return out


@lru_cache(maxsize=1)
def _alternate_index() -> dict[str, list[ref.PlaceRef]]:
    """English-style alternate names of places of 10,000 people or more ('Bronx' for 'The
    Bronx'), in every state: the small places' alternates are too often other places' names."""
    idx: dict[str, list[ref.PlaceRef]] = {}
    for st in ref.states():
        for p in ref.places(st.usps):
            if p.population >= 10_000:
                for alt in p.alternate_names:
                    if alt.isascii():
                        idx.setdefault(place_key(alt), []).append(p)
    return idx


def _counties_named(name: str) -> list[ref.County]:
    """Counties of this name in every state, the most populous (by their places) first."""
    from patchwork_atlas.kernel.geo.resolver import county_key

    return _county_key_index().get(county_key(name), [])


@lru_cache(maxsize=1)
def _county_key_index() -> dict[str, list[ref.County]]:
    from patchwork_atlas.kernel.geo.resolver import county_key

    idx: dict[str, list[ref.County]] = {}
    for c in ref.counties():
        idx.setdefault(county_key(c.name), []).append(c)
    pop = _county_population()
    return {k: sorted(v, key=lambda c: -pop.get(c.fips, 0)) for k, v in idx.items()}


@lru_cache(maxsize=1)
def _county_population() -> dict[str, int]:
    """People in each county's GeoNames places: only to rank counties that share a name."""
    out: dict[str, int] = {}
    for st in ref.states():
        for p in ref.places(st.usps):
            if p.county_fips:
                out[p.county_fips[0]] = out.get(p.county_fips[0], 0) + p.population
    return out


def _place_candidate(p: ref.PlaceRef) -> dict[str, object]:
    return {"name": p.name, "state_usps": p.state_usps, "county_fips": list(p.county_fips),
            "county": _county_names(list(p.county_fips)), "population": p.population,
            "query": f"{p.name}, {p.state_usps}"}


def _county_candidate(c: ref.County) -> dict[str, object]:
    return {"name": c.name, "state_usps": c.state_usps, "county_fips": [c.fips], "county": c.name,
            "population": None, "query": f"{c.name}, {c.state_usps}"}


def _place_from_ref(p: ref.PlaceRef, counties: list[str]) -> Place:
    st = _state_of_usps(p.state_usps)
    return Place("place", p.name, st.usps, st.fips, counties, None, p.lat, p.lon,
                 "GeoNames populated place (it may or may not be incorporated)")


def _state_of_usps(usps: str) -> ref.State:
    st = ref.state(usps)
    if st is None:
        raise LookupError(f"no state {usps}")
    return st


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
    from patchwork_atlas.kernel.geo.resolver import _secondary_counties, find_place, match_county

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
    spans = _secondary_counties(ev, counties[0])  # a city across a county line (Kansas City, MO)
    extra = sorted(c for c, n in ev.zip_counties.items() if c not in counties + tuple(spans) and n >= 2)
    note = "GeoNames populated place (it may or may not be incorporated)"
    if spans:
        note += (f"; also in {_county_names(spans)}: ZIPs named for it there lie within 10 km of its"
                 " point (primary county first)")
    return Place("place", best.name, st.usps, st.fips, [*counties, *spans], None, best.lat, best.lon,
                 note, candidates=[{"county_fips": c, "why": "ZIPs of this postal name"} for c in extra])


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


# --- suggestions ---------------------------------------------------------------------------------

SUGGEST_CUTOFF = 75  # rapidfuzz ratio (0-100) below which a name is not offered


def suggest(query: str, extra_names: Iterable[str] = (), limit: int = 5) -> list[str]:
    """'Did you mean ...?': the nearest place, county (and given agency) names to a query that
    found nothing, each written so that searching for it finds it ('Los Angeles, CA')."""
    from rapidfuzz import fuzz, process

    text = " ".join((query or "").split())
    m = _TRAILING_ZIP.match(text)
    text = m.group("rest") if m else text
    name, st = text, None
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) >= 2:
        name, st = parts[0], ref.state(parts[-1])
    else:
        words = text.split()
        for k in (4, 3, 2, 1):
            if len(words) > k and ref.state(" ".join(words[-k:])) is not None:
                name, st = " ".join(words[:-k]), ref.state(" ".join(words[-k:]))
                break
    key = fold(name)
    if len(key) < 3:
        return []
    names = [n for n in _suggestion_names() if st is None or n[2] == st.usps]
    extra = [(fold(x), x, "", 0) for x in extra_names]
    hits = process.extract(key, [n[0] for n in names + extra], scorer=fuzz.ratio,
                           score_cutoff=SUGGEST_CUTOFF, limit=limit * 4)
    pool = names + extra
    ranked = sorted(hits, key=lambda h: (-round(h[1]), -pool[h[2]][3]))
    out: list[str] = []
    for _, _, i in ranked:
        if pool[i][1] not in out:
            out.append(pool[i][1])
    return out[:limit]


@lru_cache(maxsize=1)
def _suggestion_names() -> list[tuple[str, str, str, int]]:
    """(folded name, 'Name, ST', state, population) for every place and county."""
    out = []
    for st in ref.states():
        for p in ref.places(st.usps):
            out.append((fold(p.name), f"{p.name}, {st.usps}", st.usps, p.population))
        for c in ref.counties(st.fips):
            out.append((fold(c.name), f"{c.name}, {st.usps}", st.usps, _county_population().get(c.fips, 0)))
    return out


# --- the report ---------------------------------------------------------------------------------
