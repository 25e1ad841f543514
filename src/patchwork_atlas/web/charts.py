"""Small server-side SVG charts (no script needed); each comes with a data table beside it."""

from __future__ import annotations

from datetime import date
from html import escape

from patchwork_atlas.web.mapsvg import MODEL_ORDER

# Okabe-Ito: distinguishable with the common colour-vision deficiencies. Dashes tell lines
# apart without colour too.
MODEL_COLOURS = {"JEM": "#E69F00", "TFM": "#009E73", "WSO": "#56B4E9"}
MODEL_DASHES = {"JEM": "", "TFM": "6 3", "WSO": "2 2"}
OTHER_COLOUR = "#555555"


def _day(iso: str) -> int:
    return date.fromisoformat(iso[:10]).toordinal()


def series_svg(points: list[dict], *, title: str, labels: dict[str, str]) -> str:
    """Step lines of active agreements by model over time. `points`: date, by_model."""
    points = [p for p in points if p.get("date")]
    if not points:
        return ""
    models = [m for m in MODEL_ORDER if any(m in p["by_model"] for p in points)]
    models += sorted({m for p in points for m in p["by_model"]} - set(models))
    w, h, left, right, top, bottom = 720, 260, 48, 110, 16, 32
    x0, x1 = _day(points[0]["date"]), _day(points[-1]["date"])
    span = max(1, x1 - x0)
    ymax = max([v for p in points for v in p["by_model"].values()] or [1])
    ytop = _nice(ymax)

    def sx(iso: str) -> float:
        return left + (w - left - right) * (_day(iso) - x0) / span

    def sy(v: float) -> float:
        return top + (h - top - bottom) * (1 - v / ytop)

    out = [f'<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{escape(title)}"'
           ' xmlns="http://www.w3.org/2000/svg">', f"<title>{escape(title)}</title>"]
    for i in range(5):
        v = ytop * i / 4
        y = sy(v)
        out.append(f'<line class="grid" x1="{left}" x2="{w - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
                   f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{v:g}</text>')
    years = range(date.fromordinal(x0).year + 1, date.fromordinal(x1).year + 1)
    for year in years:
        x = sx(f"{year}-01-01")
        out.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{h - bottom}"/>'
                   f'<text class="tick" x="{x:.1f}" y="{h - bottom + 16}" text-anchor="middle">{year}</text>')
    for model in models:
        colour = MODEL_COLOURS.get(model, OTHER_COLOUR)
        dash = MODEL_DASHES.get(model, "1 3")
        d, prev = [], None
        for p in points:
            x, y = sx(p["date"]), sy(p["by_model"].get(model, 0))
            if prev is None:
                d.append(f"M{x:.1f} {y:.1f}")
            else:
                d.append(f"H{x:.1f}V{y:.1f}")
            prev = y
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        last = points[-1]["by_model"].get(model, 0)
        out.append(f'<path class="line" d="{"".join(d)}" stroke="{colour}"{dash_attr}/>'
                   f'<text class="tick" x="{w - right + 6}" y="{sy(last) + 4:.1f}">'
                   f"{escape(labels.get(model, model))} ({last})</text>")
    out.append("</svg>")
    return "".join(out)


def _nice(v: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if v <= step * 4:
            return step * 4
    return v
