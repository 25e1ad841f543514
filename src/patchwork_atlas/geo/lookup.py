"""Look up a place (ZIP, "City, ST", "County name, ST", coordinates) and everything that covers it.

`locate` needs no database; `place_report` joins a place to the registry through
agency_jurisdictions. A ZIP's postal city is a mailing name, not a municipality, so a ZIP answer
names its county (or counties) and leaves `municipality` empty; a repeated place name is
answered with its candidates (AmbiguousPlace), never a guess.
"""

from __future__ import annotations

import importlib
import re
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Any

from patchwork_atlas.geo import reference as ref
from patchwork_atlas.geo.reference import fold

# (section key, module, function(conn, place) -> JSON-able). Other stages append theirs.
SECTION_PROVIDERS: list[tuple[str, str, str]] = [
    ("facilities", "patchwork_atlas.registry.facilities", "facilities_for_place"),
    ("legal_help", "patchwork_atlas.registry.legal_services", "legal_help_for_place"),
    ("knowledge", "patchwork_atlas.knowledge.place", "knowledge_for_place"),
]


@dataclass
class Place:
    kind: str  # zip | place | county | coordinates
    name: str
    state_usps: str
    state_fips: str
    county_fips: list[str]
    municipality: str | None = None  # only where known (independent cities; see place_report)
    lat: float | None = None
    lon: float | None = None
    note: str = ""
    candidates: list[dict[str, Any]] = field(default_factory=list)
    postal_cities: list[str] = field(default_factory=list)  # ZIP queries: USPS names, not towns

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class AmbiguousPlace(LookupError):
    """A name shared by several places: `candidates` lists them; the message says how to choose."""

    def __init__(self, message: str, candidates: list[dict[str, Any]]):
        super().__init__(message)
        self.candidates = candidates


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
    from patchwork_atlas.geo.resolver import match_county

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
    from patchwork_atlas.geo.resolver import find_place, match_county

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


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


def _town_keys(place: Place) -> set[str]:
    from patchwork_atlas.geo.resolver import place_key

    if place.kind == "zip":
        return {place_key(c) for c in place.postal_cities}
    if place.kind == "place":
        return {place_key(place.name)}
    if place.municipality:
        return {place_key(place.municipality)}
    return set()


def covering_agencies(conn: sqlite3.Connection, place: Place) -> list[dict[str, Any]]:
    """Agencies whose jurisdiction covers the place, each with how it relates to it."""
    from patchwork_atlas.geo.resolver import place_key

    if not _has_table(conn, "agency_jurisdictions"):
        return []
    marks = ",".join("?" * len(place.county_fips)) or "''"
    rows = conn.execute(
        "SELECT DISTINCT a.agency_id, a.name, a.state_usps, j.level, j.county_fips_all, j.place, j.review_reason"  # noqa: S608 - only fixed SQL and ? placeholders
        " FROM agency_jurisdictions j JOIN agencies a ON a.agency_id = j.agency_id"
        " WHERE (j.level = 'state' AND j.state_fips = ?)"
        f" OR j.agency_id IN (SELECT agency_id FROM agency_counties WHERE county_fips IN ({marks}))",
        (place.state_fips, *place.county_fips),
    ).fetchall()
    towns = _town_keys(place)
    out = []
    for r in rows:
        level = r[3]
        if level == "state":
            relation = "statewide"
        elif level == "county":
            relation = "county"
        elif level == "municipal":
            same_town = r[5] and place_key(r[5]) in towns
            if place.kind == "zip":
                relation = "postal city's municipality (applies only inside its limits)" if same_town else None
            elif place.kind in ("place",) or place.municipality:
                relation = "municipality" if same_town else None
            else:
                relation = "municipality in this county"
            if relation is None:
                continue
        else:
            relation = "other agency in this county (regional, campus, port, court ...)"
        out.append({
            "agency_id": r[0], "agency": r[1], "state_usps": r[2], "level": level, "relation": relation,
            "place": r[5], "county_fips": (r[4] or "").split(";") if r[4] else [],
            "jurisdiction_review": r[6],
        })
    order = {"statewide": 0, "county": 1}
    out.sort(key=lambda a: (order.get(a["relation"], 2), a["agency"]))
    return out


def _with_agency(conn: sqlite3.Connection, by_id: dict[str, dict], sql: str) -> list[dict[str, Any]]:
    """Rows of agreements or applications of the covering agencies, each with the agency's
    name, level and relation to the place (the query binds the agency ids in by_id's order)."""
    cursor = conn.execute(sql, list(by_id))
    names = [d[0] for d in cursor.description]
    out = []
    for r in cursor:
        row = dict(zip(names, r, strict=True))
        a = by_id[row["agency_id"]]
        out.append({**row, "agency": a["agency"], "level": a["level"], "relation": a["relation"]})
    return out


def place_report(conn: sqlite3.Connection, place: Place) -> dict[str, Any]:
    """Everything known for a place: itself, its counties, and the agreements/applications covering it."""
    st = ref.state(place.state_fips)
    agencies = covering_agencies(conn, place)
    by_id = {a["agency_id"]: a for a in agencies}
    municipality = place.municipality
    if municipality is None and place.kind == "place":
        if any(a["relation"] == "municipality" for a in agencies):
            municipality = place.name  # a municipal police force of that name: a municipality
    report: dict[str, Any] = {
        "place": place.to_dict(),
        "state": {"usps": st.usps, "name": st.name, "fips": st.fips} if st else None,
        "counties": [{"fips": f, "name": c.name if c else None} for f, c in ((f, ref.county(f)) for f in place.county_fips)],
        "municipality": municipality,
        "agreements": [],
        "applications": [],
    }
    if by_id and _has_table(conn, "agreements"):
        marks = ",".join("?" * len(by_id))
        report["agreements"] = _with_agency(conn, by_id, (
            "SELECT agreement_id, agency_id, model, status, signed_date, moa_url, first_seen_date,"  # noqa: S608 - only fixed SQL and ? placeholders
            f" last_seen_date, removed_date FROM agreements WHERE agency_id IN ({marks})"
            " ORDER BY status = 'active' DESC, signed_date DESC"))
        report["applications"] = _with_agency(conn, by_id, (
            "SELECT application_id, agency_id, model, status, first_seen_date, last_seen_date"  # noqa: S608 - only fixed SQL and ? placeholders
            f" FROM applications WHERE agency_id IN ({marks}) AND status = 'pending'"
            " ORDER BY first_seen_date DESC"))
    for key, module, func in SECTION_PROVIDERS:
        try:
            fn = getattr(importlib.import_module(module), func)
        except (ImportError, AttributeError):
            continue
        report[key] = fn(conn, place)
    return report
