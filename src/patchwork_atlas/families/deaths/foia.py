"""Reader for ICE's FOIA list of deaths in custody, FY2003-FY2017 ("List of Deaths in ICE
Custody", a 17-page landscape table followed by blank pages).

Cells wrap over several lines and pdfium's plain text interleaves the columns, so the table is
rebuilt from geometry: the ruling lines drawn on each page give the column and row bounds, and
each character goes to the cell its box centre falls in. The page is rotated 90 degrees:
in unrotated page space a table row runs along y and successive rows step along x.
"""

from __future__ import annotations

import ctypes
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .model import Extracted, FoiaDeath, FoiaList, ReadError, clean, us_date

TITLE = "List of Deaths in ICE Custody"
RANGE_RE = re.compile(r"Data\s+from:\s*(?P<a>\d{1,2}/\d{1,2}/\d{4})\s+to\s+(?P<b>\d{1,2}/\d{1,2}/\d{4})")
# Column order as printed in the heading (see the header row of page 1).
COLUMNS = (
    "number", "name", "sex", "date_of_birth", "country_of_birth", "date_of_death",
    "location_of_death", "last_detention", "ihsc_staffed", "facility_type", "cause",
)


def _rules(page: pdfium.PdfPage) -> tuple[list[float], list[float]]:
    """(row rules along x, column rules along y): thin path objects (rows: longer than 300pt; columns: 100pt, the rule left of the names is drawn in pieces)."""
    rows, cols, extent = [], [], []
    for obj in page.get_objects():
        if obj.type != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        x0, y0, x1, y1 = obj.get_bounds()
        if x1 - x0 < 2.5 and y1 - y0 > 300:
            rows.append((x0 + x1) / 2)
        elif y1 - y0 < 2.5 and x1 - x0 > 100:
            cols.append((y0 + y1) / 2)
            extent += [x0, x1]
    # The table's outer edge is not always drawn as a rule (page 2 starts with a row above
    # its first rule): the column rules' extent closes the first and last rows.
    if extent:
        rows += [min(extent), max(extent)]
    return _dedup(rows), _dedup(cols)


def _dedup(values: list[float], tol: float = 1.5) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _bin(v: float, bounds: list[float]) -> int | None:
    for i in range(len(bounds) - 1):
        if bounds[i] <= v < bounds[i + 1]:
            return i
    return None


def _cell(chars: list[tuple[float, float, int, str]], page_no: int, text: str) -> Extracted | None:
    """Characters of one cell -> its text, lines in reading order joined by a space (no space
    after a line that ends in a hyphen: 'CACERES-' + 'Maradiaga,')."""
    if not chars:
        return None
    lines: list[list[tuple[float, float, int, str]]] = []
    for c in sorted(chars, key=lambda c: (c[0], c[1])):
        if lines and abs(c[0] - lines[-1][0][0]) < 2:
            lines[-1].append(c)
        else:
            lines.append([c])
    parts = ["".join(ch for *_, ch in sorted(line, key=lambda c: c[2])) for line in lines]
    joined = ""
    for part in parts:
        part = part.strip()
        if joined and not joined.endswith(("\u2010", "-")):
            joined += " "
        joined += part
    start = min(c[2] for c in chars)
    end = max(c[2] for c in chars) + 1
    value = clean(joined)
    return Extracted(value, page_no, start, end, text[start:end]) if value else None


def read_list(doc: pdfium.PdfDocument) -> FoiaList:
    first = doc[0].get_textpage().get_text_range()
    if TITLE not in first:
        raise ReadError(f"not ICE's FOIA list of deaths (no '{TITLE}' heading)")
    rng = RANGE_RE.search(first)
    data_from = data_to = None
    if rng:
        data_from = Extracted(us_date(rng["a"]), 1, rng.start("a"), rng.end("a"), rng["a"])
        data_to = Extracted(us_date(rng["b"]), 1, rng.start("b"), rng.end("b"), rng["b"])
    rows: list[FoiaDeath] = []
    for page_no, page in enumerate(doc, start=1):
        row_rules, col_rules = _rules(page)
        if len(col_rules) != len(COLUMNS) + 1 or len(row_rules) < 2:
            continue  # the legend and the blank pages after the table
        tp = page.get_textpage()
        text = tp.get_text_range()
        grid: dict[tuple[int, int], list] = {}
        ox, oy = ctypes.c_double(), ctypes.c_double()
        for i in range(min(tp.count_chars(), len(text))):
            ch = text[i]
            if ch in "\r\n\ufffe":
                continue
            left, bottom, right, top = tp.get_charbox(i)
            r, c = _bin((left + right) / 2, row_rules), _bin((bottom + top) / 2, col_rules)
            if r is not None and c is not None:
                # The baseline (origin x on this rotated page) groups a line; box centres
                # move with descenders.
                pdfium_c.FPDFText_GetCharOrigin(tp.raw, i, ctypes.byref(ox), ctypes.byref(oy))
                grid.setdefault((r, c), []).append((ox.value, (bottom + top) / 2, i, ch))
        for r in range(len(row_rules) - 1):
            cells = {name: _cell(grid.get((r, c), []), page_no, text) for c, name in
                     enumerate(COLUMNS)}
            if cells["number"] is None or not cells["number"].value.isdigit():
                if any(cells.values()) and not (cells["name"] and "NAME" in cells["name"].value):
                    raise ReadError(f"page {page_no}: a table row without a row number")
                continue  # the heading row
            dod = cells["date_of_death"]
            if dod is not None:
                d = us_date(dod.value)
                dod = Extracted(d, dod.page, dod.start, dod.end, dod.text) if d else None
            rows.append(FoiaDeath(
                number=cells["number"], name=cells["name"], sex=cells["sex"],
                country_of_birth=cells["country_of_birth"], date_of_death=dod,
                location_of_death=cells["location_of_death"],
                last_detention=cells["last_detention"], facility_type=cells["facility_type"],
            ))
        tp.close()
    return FoiaList(rows, data_from, data_to)
