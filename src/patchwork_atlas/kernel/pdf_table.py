"""Tables drawn in PDFs, read with pypdfium2: characters placed by their baseline (rows) and by
the columns that the table's vertical rules draw. Shared by the families whose sources are
PDF tables (ICE's 2017 facility list, ICE's FOIA list of deaths)."""

from __future__ import annotations

from typing import Any


def rules(page: Any) -> tuple[list[float], float, float, list[float]]:
    """x of the vertical rules (thin filled rectangles), the vertical extent they cover, and
    the y of the horizontal rules."""
    xs: list[float] = []
    ys: list[float] = []
    lo, hi = float("inf"), float("-inf")
    for obj in page.get_objects():
        if obj.type != 2:  # FPDF_PAGEOBJ_PATH
            continue
        x0, y0, x1, y1 = obj.get_bounds()
        if x1 - x0 < 1.5 and y1 - y0 > 2:
            xs.append((x0 + x1) / 2)
            lo, hi = min(lo, y0), max(hi, y1)
        elif y1 - y0 < 1.5 and x1 - x0 > 100:
            ys.append((y0 + y1) / 2)
    return dedup(xs), lo, hi, dedup(ys)


def dedup(values: list[float], tol: float = 1.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def chars(page: Any) -> list[tuple[float, float, str, int]]:
    """(x centre, baseline y, character, text index) for every character of the page; the
    text index keeps reading order (pdfium's generated spaces have no width of their own)."""
    import ctypes

    import pypdfium2.raw as raw

    tp = page.get_textpage()
    text = tp.get_text_range()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    out = []
    for i in range(min(tp.count_chars(), len(text))):
        ch = text[i]
        if ch in "\r\n\x00\ufffe":
            continue
        raw.FPDFText_GetCharOrigin(tp.raw, i, ctypes.byref(ox), ctypes.byref(oy))
        left, _bottom, right, _top = tp.get_charbox(i)
        out.append(((left + right) / 2, round(oy.value, 1), ch, i))
    return out


def column_of(x: float, bounds: list[float]) -> int | None:
    for i in range(len(bounds) - 1):
        if bounds[i] <= x < bounds[i + 1]:
            return i
    return None


def lines(chars: list, tol: float = 0.8) -> list[list]:
    """Characters grouped by baseline, top line first."""
    lines: list[list] = []
    for c in sorted(chars, key=lambda c: (-c[1], c[0])):
        if lines and abs(lines[-1][0][1] - c[1]) <= tol:
            lines[-1].append(c)
        else:
            lines.append([c])
    return lines


def text_of(chars: list) -> str:
    return " ".join("".join(c[2] for c in sorted(chars, key=lambda c: c[3])).split())


def group_rows(body: list, bounds: list[float]) -> list[list[str]]:
    """Characters -> rows (by baseline, top to bottom) -> cells (by column)."""
    out = []
    for line in lines(body):
        cells: list[list] = [[] for _ in range(len(bounds) - 1)]
        for c in line:
            k = column_of(c[0], bounds)
            if k is not None:
                cells[k].append(c)
        out.append([text_of(cell) for cell in cells])
    return out
