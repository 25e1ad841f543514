"""Small server-side SVG charts (no script needed); each comes with a data table beside it.

Every chart is drawn twice, wide and narrow, and CSS shows the one that fits: text inside an
SVG scales with it, so one drawing cannot keep its labels readable (11 px or more) on both a
desktop and a 390 px phone. End labels are placed without collision and the right margin is
sized to the longest label, so no label is cut off in either language.
"""

from __future__ import annotations

from datetime import date
from html import escape

from patchwork_atlas.web.mapsvg import MODEL_ORDER

# Okabe-Ito: distinguishable with the common colour-vision deficiencies. Dashes tell lines
# apart without colour too.
MODEL_COLOURS = {"JEM": "#E69F00", "TFM": "#009E73", "WSO": "#56B4E9"}
MODEL_DASHES = {"JEM": "", "TFM": "6 3", "WSO": "2 2"}
OTHER_COLOUR = "#555555"
FONT = 13  # user units; both drawings are shown at about one unit per CSS pixel
CHAR_WIDTH = 0.6 * FONT  # a generous average for the sans-serif used
LAYOUTS = {"wide": 720, "narrow": 360}


def _day(iso: str) -> int:
    return date.fromisoformat(iso[:10]).toordinal()


def series_svg(points: list[dict], *, title: str, labels: dict[str, str],
               start_label: str | None = None) -> str:
    """Step lines of active agreements by model over time, wide and narrow. `points`: date,
    by_model. `start_label` marks the start of coverage (the first list held) on the axis."""
    points = [p for p in points if p.get("date")]
    if not points:
        return ""
    return "".join(_draw(points, title, labels, start_label, name, width)
                   for name, width in LAYOUTS.items())


def _draw(points: list[dict], title: str, labels: dict[str, str], start_label: str | None,
          layout: str, w: int) -> str:
    models = [m for m in MODEL_ORDER if any(m in p["by_model"] for p in points)]
    models += sorted({m for p in points for m in p["by_model"]} - set(models))
    ends = {m: points[-1]["by_model"].get(m, 0) for m in models}
    texts = {m: f"{labels.get(m, m)} ({ends[m]:,})" for m in models}
    right = int(max((len(t) for t in texts.values()), default=8) * CHAR_WIDTH) + 14
    if layout == "narrow":  # the labels go under the chart: the plot keeps the whole width
        right = 12
    left, top, bottom = int(CHAR_WIDTH * 5) + 8, 10, 24
    legend_rows = len(models) if layout == "narrow" else 0
    h = (200 if layout == "narrow" else 260) + legend_rows * (FONT + 6)
    plot_bottom = h - bottom - legend_rows * (FONT + 6)
    x0, x1 = _day(points[0]["date"]), _day(points[-1]["date"])
    span = max(1, x1 - x0)
    ymax = max([v for p in points for v in p["by_model"].values()] or [1])
    ytop = _nice(ymax)

    def sx(iso: str) -> float:
        return left + (w - left - right) * (_day(iso) - x0) / span

    def sy(v: float) -> float:
        return top + (plot_bottom - top) * (1 - v / ytop)

    out = [f'<svg class="chart chart-{layout}" viewBox="0 0 {w} {h}" width="{w}" height="{h}"'
           f' role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
           f"<title>{escape(title)}</title>"]
    for i in range(5):
        v = ytop * i / 4
        y = sy(v)
        out.append(f'<line class="grid" x1="{left}" x2="{w - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
                   f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{v:,.0f}</text>')
    years = list(range(date.fromordinal(x0).year + 1, date.fromordinal(x1).year + 1))
    step = 1 if layout == "wide" or len(years) <= 4 else 2
    for year in years[::step]:
        x = sx(f"{year}-01-01")
        out.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{plot_bottom}"/>'
                   f'<text class="tick" x="{x:.1f}" y="{plot_bottom + 16}" text-anchor="middle">{year}</text>')
    if start_label:
        out.append(f'<line class="start" x1="{left}" x2="{left}" y1="{top}" y2="{plot_bottom}"/>'
                   f'<text class="tick note" x="{left + 4}" y="{top + FONT}">{escape(start_label)}</text>')
    for model in models:
        colour = MODEL_COLOURS.get(model, OTHER_COLOUR)
        dash = MODEL_DASHES.get(model, "1 3")
        d = []
        for p in points:
            x, y = sx(p["date"]), sy(p["by_model"].get(model, 0))
            d.append(f"M{x:.1f} {y:.1f}" if not d else f"H{x:.1f}V{y:.1f}")
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<path class="line" d="{"".join(d)}" stroke="{colour}"{dash_attr}/>')
    if layout == "wide":
        for model, y in zip(models, _spread([sy(ends[m]) + 4 for m in models], FONT + 2, top + FONT,
                                            plot_bottom), strict=True):
            out.append(f'<text class="tick" x="{w - right + 6}" y="{y:.1f}">{escape(texts[model])}</text>')
    else:
        for i, model in enumerate(models):
            y = plot_bottom + bottom + 4 + i * (FONT + 6)
            colour = MODEL_COLOURS.get(model, OTHER_COLOUR)
            dash = MODEL_DASHES.get(model, "1 3")
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(f'<path class="line" d="M{left} {y - 4}h24" stroke="{colour}"{dash_attr}/>'
                       f'<text class="tick" x="{left + 30}" y="{y:.1f}">{escape(texts[model])}</text>')
    out.append("</svg>")
    return "".join(out)


def _spread(ys: list[float], gap: float, lo: float, hi: float) -> list[float]:
    """Label positions as near their line ends as possible, never closer than `gap`."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    placed = [0.0] * len(ys)
    prev = lo - gap
    for i in order:
        placed[i] = max(ys[i], prev + gap)
        prev = placed[i]
    overflow = prev - hi
    if overflow > 0:  # pushed past the bottom: shift the stack up, keeping the gaps
        for i in order:
            placed[i] -= overflow
        prev = hi + gap
        for i in reversed(order):
            placed[i] = min(placed[i], prev - gap)
            prev = placed[i]
    return placed


def distinct_rows(points: list[dict]) -> list[dict]:
    """The table beside a chart: one row per date, and only where a figure changed."""
    by_date: dict[str, dict] = {}
    for p in points:
        by_date[p["date"]] = p  # several lists on one day: the day's last
    out: list[dict] = []
    for p in by_date.values():
        if not out or p["by_model"] != out[-1]["by_model"]:
            out.append(p)
    return out


def _nice(v: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if v <= step * 4:
            return step * 4
    return v
