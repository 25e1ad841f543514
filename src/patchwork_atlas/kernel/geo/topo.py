"""County boundaries from us-atlas TopoJSON, and point-in-county tests.

Pure Python on purpose: one small file, no GEOS/GDAL to install. The boundaries are
simplified (1:10,000,000), so a point within a few hundred metres of a county line can land on
the wrong side; callers treat a point answer as evidence, not proof.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

Ring = list[tuple[float, float]]  # (lon, lat)


@dataclass(frozen=True)
class Shape:
    fips: str
    name: str
    rings: tuple[tuple[tuple[float, float], ...], ...]
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat

    def contains(self, lon: float, lat: float) -> bool:
        x0, y0, x1, y1 = self.bbox
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            return False
        inside = False
        for ring in self.rings:  # even-odd over outer rings and holes alike
            if _ring_crossings(ring, lon, lat) % 2:
                inside = not inside
        return inside

    def centroid(self) -> tuple[float, float]:
        """Area-weighted centroid (lat, lon) of the largest ring: a label point, not exact."""
        best, best_area = None, 0.0
        for ring in self.rings:
            area, cx, cy = ring_centroid(ring)
            if abs(area) > best_area:
                best, best_area = (cy, cx), abs(area)
        if best is None:
            x0, y0, x1, y1 = self.bbox
            return ((y0 + y1) / 2, (x0 + x1) / 2)
        return best


def _ring_crossings(ring: tuple[tuple[float, float], ...], x: float, y: float) -> int:
    n, count = len(ring), 0
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            count += 1
        j = i
    return count


def ring_centroid(ring: tuple[tuple[float, float], ...]) -> tuple[float, float, float]:
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if a == 0:
        return 0.0, ring[0][0], ring[0][1]
    return a / 2, cx / (3 * a), cy / (3 * a)


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Undo TopoJSON quantization and delta encoding (the one decoder: geo, map and GeoJSON)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if not transform:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring_points(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[tuple[float, float]]:
    """One ring's points from its arc indexes (a negative index is a reversed arc)."""
    pts: list[tuple[float, float]] = []
    for idx in indexes:
        arc = arcs[idx] if idx >= 0 else arcs[~idx][::-1]
        pts.extend(arc if not pts else arc[1:])
    return pts


def polygon_rings(topology: dict, layer: str) -> Iterator[tuple[dict, list[list[int]]]]:
    """Each polygon or multipolygon geometry of a layer, with the arc indexes of all its rings."""
    for geom in topology["objects"][layer]["geometries"]:
        if geom.get("type") == "Polygon":
            polys = [geom["arcs"]]
        elif geom.get("type") == "MultiPolygon":
            polys = geom["arcs"]
        else:
            continue
        yield geom, [ring for poly in polys for ring in poly]


def load_shapes(file_name: str = "counties-10m.json", layer: str = "counties") -> list[Shape]:
    """Decode one geometry collection of a us-atlas topology into shapes with bounding boxes."""
    text = (resources.files("patchwork_atlas.kernel.geo") / "data" / file_name).read_text(encoding="utf-8")
    topology = json.loads(text)
    arcs = decode_arcs(topology)
    shapes = []
    for geom, ring_arcs in polygon_rings(topology, layer):
        rings = tuple(tuple(ring_points(arcs, ring)) for ring in ring_arcs)
        xs = [p[0] for r in rings for p in r]
        ys = [p[1] for r in rings for p in r]
        shapes.append(
            Shape(
                fips=str(geom["id"]),
                name=(geom.get("properties") or {}).get("name", ""),
                rings=rings,
                bbox=(min(xs), min(ys), max(xs), max(ys)),
            )
        )
    return shapes


@lru_cache(maxsize=1)
def county_shapes() -> tuple[Shape, ...]:
    return tuple(load_shapes())


@lru_cache(maxsize=1)
def _grid() -> dict[tuple[int, int], tuple[Shape, ...]]:
    """1-degree grid of candidate shapes, so a warm point query tests only a few polygons."""
    grid: dict[tuple[int, int], list[Shape]] = {}
    for shape in county_shapes():
        x0, y0, x1, y1 = shape.bbox
        if x1 - x0 > 180:  # Aleutians cross the antimeridian: index by every cell it could touch
            x0, x1 = -180.0, 180.0
        for gx in range(int(x0 // 1), int(x1 // 1) + 1):
            for gy in range(int(y0 // 1), int(y1 // 1) + 1):
                grid.setdefault((gx, gy), []).append(shape)
    return {k: tuple(v) for k, v in grid.items()}


def counties_at(lat: float, lon: float) -> list[str]:
    """FIPS of the county polygons (2017 boundaries) containing the point; usually one."""
    cands = _grid().get((int(lon // 1), int(lat // 1)), ())
    return [s.fips for s in cands if s.contains(lon, lat)]


@lru_cache(maxsize=1)
def _by_fips() -> dict[str, Shape]:
    return {s.fips: s for s in county_shapes()}


def near_county(lat: float, lon: float, fips: str, km: float = 8.0) -> bool:
    """Is the point inside, or within about `km` of, the county's polygon? (sampled rings)"""
    import math

    shape = _by_fips().get(fips)
    if shape is None:
        return False
    if shape.contains(lon, lat):
        return True
    for r in (km / 4, km / 2, 3 * km / 4, km):
        dlat = r / 111.2
        dlon = r / (111.2 * max(0.2, math.cos(math.radians(lat))))
        for i in range(16):
            a = i * math.pi / 8
            if shape.contains(lon + dlon * math.cos(a), lat + dlat * math.sin(a)):
                return True
    return False
