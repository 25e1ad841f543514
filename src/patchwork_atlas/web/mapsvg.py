"""Server-side SVG map of US counties from the us-atlas TopoJSON (already Albers-projected).

Drawn on the server so the map works with JavaScript off and sends no third-party request.
Arcs are simplified once (Douglas-Peucker on each shared arc, endpoints kept, so neighbouring
counties still meet) to keep the national page small.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from importlib import resources
from pathlib import Path

from patchwork_atlas.kernel.geo import reference
from patchwork_atlas.kernel.geo.topo import decode_arcs, polygon_rings, ring_centroid, ring_points

Point = tuple[float, float]


def topojson_path() -> Path | None:
    """The pre-projected county TopoJSON shipped by the geo stage, when present."""
    try:
        path = Path(str(resources.files("patchwork_atlas.kernel.geo") / "data" / "counties-albers-10m.json"))
    except (ModuleNotFoundError, TypeError):
        return None
    return path if path.exists() else None


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker, iterative; the first and last points always stay."""
    if len(points) < 3 or tolerance <= 0:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    tol2 = tolerance * tolerance
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = dx * dx + dy * dy
        best, index = -1.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            if norm == 0:
                d2 = (px - x1) ** 2 + (py - y1) ** 2
            else:
                cross = dx * (py - y1) - dy * (px - x1)
                d2 = cross * cross / norm
            if d2 > best:
                best, index = d2, i
        if best > tol2 and index > 0:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep, strict=True) if k]


def _path_data(rings: Iterable[list[Point]], precision: int) -> str:
    """Compact path data: absolute move, then relative lines, rounded."""
    out = []
    scale = 10**precision
    for ring in rings:
        if len(ring) < 3:
            continue
        qx, qy = round(ring[0][0] * scale), round(ring[0][1] * scale)
        parts = [f"M{_fmt(qx, precision)} {_fmt(qy, precision)}"]
        for x, y in ring[1:]:
            nx, ny = round(x * scale), round(y * scale)
            if nx == qx and ny == qy:
                continue
            parts.append(f"{_fmt(nx - qx, precision)} {_fmt(ny - qy, precision)}")
            qx, qy = nx, ny
        if len(parts) < 3:
            continue
        out.append(parts[0] + "l" + " ".join(parts[1:]) + "z")
    return "".join(out)


def _fmt(value: int, precision: int) -> str:
    if precision == 0:
        return str(value)
    text = f"{value / 10**precision:.{precision}f}".rstrip("0").rstrip(".")
    if text.startswith("0."):
        text = text[1:]
    elif text.startswith("-0."):
        text = "-" + text[2:]
    return text or "0"


@dataclass(frozen=True)
class Shape:
    fips: str
    name: str
    d: str
    center: Point = (0.0, 0.0)  # centroid of its largest ring, where a marker goes


@dataclass(frozen=True)
class Marker:
    """A circle drawn over one county (the facilities layer), with its accessible label."""

    fips: str
    label: str
    radius: float
    href: str


def _center(rings: list[list[Point]]) -> Point:
    """Centroid of the largest ring: where a county's marker goes."""
    best = max((ring_centroid(tuple(r)) for r in rings if len(r) > 2), key=lambda c: abs(c[0]), default=None)
    return (best[1], best[2]) if best else (0.0, 0.0)


@dataclass(frozen=True)
class Geometry:
    width: float
    height: float
    counties: tuple[Shape, ...]
    states: tuple[Shape, ...]


@lru_cache(maxsize=4)
def load_geometry(path: str, tolerance: float = 0.6, precision: int = 0) -> Geometry:
    """Decode and simplify once per process: the geometry never changes while serving."""
    topo = json.loads(Path(path).read_text(encoding="utf-8"))
    arcs = [simplify(a, tolerance) for a in decode_arcs(topo)]
    bbox = topo.get("bbox") or [0, 0, 975, 610]

    def shapes(obj: str) -> tuple[Shape, ...]:
        found = []
        for geom, ring_arcs in polygon_rings(topo, obj):
            rings = [ring_points(arcs, ring) for ring in ring_arcs]
            found.append(
                Shape(str(geom.get("id", "")), (geom.get("properties") or {}).get("name", ""),
                      _path_data(rings, precision), _center(rings))
            )
        return tuple(found)

    return Geometry(
        width=max(975.0, float(bbox[2])), height=max(610.0, float(bbox[3])),
        counties=shapes("counties"), states=shapes("states") if "states" in topo["objects"] else (),
    )


@dataclass(frozen=True)
class Fill:
    """How one county is drawn: a CSS class (colour or pattern), and its accessible label."""

    css: str
    label: str
    href: str


def render_svg(
    geometry: Geometry,
    fills: Mapping[str, Fill],
    *,
    title: str,
    description: str,
    default_href: str,
    state_fips: str | None = None,
    outlined_states: Iterable[str] = (),
    markers: Iterable[Marker] = (),
) -> str:
    """The map as one <svg>: every county a link with a title; states drawn on top.

    `default_href` is a format string with `{fips}`. With `state_fips`, only that state's
    counties are drawn and the view box is fitted to them.
    """
    counties = [c for c in geometry.counties if state_fips is None or c.fips[:2] == state_fips]
    states = [s for s in geometry.states if state_fips is None or s.fips == state_fips]
    viewbox = f"0 0 {geometry.width:.0f} {geometry.height:.0f}"
    if state_fips is not None:
        viewbox = _fit_viewbox([c.d for c in counties]) or viewbox
    outlined = set(outlined_states)
    parts = [
        f'<svg class="map" viewBox="{viewbox}" role="group" aria-labelledby="map-title map-desc"'
        ' tabindex="0" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="map-title">{escape(title)}</title><desc id="map-desc">{escape(description)}</desc>',
        _patterns(),
        '<g class="counties">',
    ]
    for county in counties:
        fill = fills.get(county.fips)
        css = fill.css if fill else "m-none"
        href = fill.href if fill else default_href.format(fips=county.fips)
        label = f"{county.name}, {_usps(county.fips)}" + (f": {fill.label}" if fill else "")
        # Out of the tab order: the map is one tab stop; the table below is the keyboard path.
        parts.append(
            f'<a href="{escape(href)}" tabindex="-1"><title>{escape(label)}</title><path class="{css}"'
            f' d="{county.d}"/></a>'
        )
    parts.append('</g><g class="states" aria-hidden="true">')
    for st in states:
        css = "st st-statewide" if st.fips in outlined else "st"
        parts.append(f'<path class="{css}" d="{st.d}"/>')
    parts.append("</g>")
    centers = {c.fips: c.center for c in counties}
    drawn = [m for m in markers if m.fips in centers]
    if drawn:
        parts.append('<g class="facilities">')
        for m in drawn:
            x, y = centers[m.fips]
            parts.append(
                f'<a href="{escape(m.href)}" tabindex="-1"><title>{escape(m.label)}</title>'
                f'<circle class="fac" cx="{x:.1f}" cy="{y:.1f}" r="{m.radius:.1f}"/></a>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


MODEL_ORDER = ("JEM", "TFM", "WSO")


@lru_cache(maxsize=64)
def _usps(county_fips: str) -> str:
    found = reference.state(county_fips[:2])
    return found.usps if found else ""


def model_class(models: Iterable[str]) -> str:
    """CSS class for a set of active models: one colour per model, a stripe pattern per mix."""
    known = [m for m in MODEL_ORDER if m in set(models)]
    other = any(m not in MODEL_ORDER for m in models)
    if not known:
        return "m-other" if other else "m-none"
    return "m-" + "-".join(k.lower() for k in known)


def _patterns() -> str:
    """Stripe patterns for combinations, in the same colours as the single models."""
    colours = {"jem": "#E69F00", "tfm": "#009E73", "wso": "#56B4E9"}
    combos = [("jem", "tfm"), ("jem", "wso"), ("tfm", "wso"), ("jem", "tfm", "wso")]
    defs = ["<defs>"]
    for combo in combos:
        n = len(combo)
        width = 4 * n
        stripes = "".join(
            f'<rect x="{4 * i}" y="0" width="4" height="{width}" fill="{colours[c]}"/>'
            for i, c in enumerate(combo)
        )
        defs.append(
            f'<pattern id="p-{"-".join(combo)}" width="{width}" height="{width}"'
            f' patternUnits="userSpaceOnUse" patternTransform="rotate(45)">{stripes}</pattern>'
        )
    defs.append("</defs>")
    return "".join(defs)


def _fit_viewbox(paths: list[str]) -> str | None:
    """Bounding box of relative path data (parsed back from our own compact format)."""
    xs, ys = [], []
    for d in paths:
        for sub in d.split("M")[1:]:
            head, _, rest = sub.partition("l")
            x, y = (float(v) for v in head.split())
            xs.append(x)
            ys.append(y)
            nums = rest.rstrip("z").replace("z", " ").split()
            for i in range(0, len(nums) - 1, 2):
                x += float(nums[i])
                y += float(nums[i + 1])
                xs.append(x)
                ys.append(y)
    if not xs:
        return None
    pad = 5
    return (f"{min(xs) - pad:.0f} {min(ys) - pad:.0f} {max(xs) - min(xs) + 2 * pad:.0f}"
            f" {max(ys) - min(ys) + 2 * pad:.0f}")
