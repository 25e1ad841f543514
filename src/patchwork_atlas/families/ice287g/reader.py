"""Reader for ICE's 287(g) lists, every era: ICE's own workbooks (4 to 8 columns), the archived
copies of early 2025, and the HTML-table conversions of 2021-2024.

Columns are mapped by header, never by position; unknown columns are kept as `extra`.
A sheet with a header and no rows is a valid empty list; no recognizable header is an error.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from patchwork_atlas.kernel.xlsx import NotAWorkbook, Sheet, Workbook, read_workbook

# Normalized header text -> field. Normalization: upper case, letters/digits/spaces only.
HEADER_FIELDS: dict[str, str] = {
    "STATE": "state",
    "ST": "state",
    "LAW ENFORCEMENT AGENCY": "agency",
    "LAW ENFORCEMENT AGENCIES": "agency",
    "AGENCY": "agency",
    "AGENCY NAME": "agency",
    "LAW ENFORCEMENT AGENCY NAME": "agency",
    "TYPE": "type",
    "AGENCY TYPE": "type",
    "JURISDICTION TYPE": "type",
    "COUNTY": "county",
    "COUNTY NAME": "county",
    "SUPPORT TYPE": "support_type",
    "MODEL": "support_type",
    "287G MODEL": "support_type",
    "SUPPORT MODEL": "support_type",
    "SIGNED": "signed",
    "DATE SIGNED": "signed",
    "SIGNED DATE": "signed",
    "SIGNATURE DATE": "signed",
    "MOA": "moa",
    "MOA LINK": "moa",
    "MEMORANDUM OF AGREEMENT": "moa",
    "ADDENDUM": "addendum",
    "ADDENDUM LINK": "addendum",
    "ADDENDUMS": "addendum",
    "ADDENDA": "addendum",
}
REQUIRED = ("state", "agency")
FIELDS = ("state", "agency", "type", "county", "support_type", "signed", "moa", "addendum")
HEADER_SEARCH_ROWS = 25


class ListFormatError(ValueError):
    """The workbook is readable but is not a 287(g) list we can trust."""


@dataclass
class RawRow:
    row_number: int  # 1-based, as Excel numbers rows
    values: dict[str, str | None]  # field -> cell as printed (text)
    links: dict[str, str | None]  # 'moa'/'addendum' -> hyperlink target in the file
    extra: dict[str, str]  # unknown header -> value
    signed_value: Any = None  # the typed cell (date) behind `values['signed']`


@dataclass
class ParsedList:
    sheet: str
    header_row: int  # 1-based
    headers: list[str]  # as printed
    fields: dict[str, int]  # field -> column index
    rows: list[RawRow]
    saved_utc: str | None
    other_sheets: list[str] = field(default_factory=list)


def normalize_header(text: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^A-Z0-9 ]", "", str(text or "").upper())).strip()


def header_map(row: list[Any]) -> tuple[dict[str, int], dict[int, str]]:
    """Known fields by column, and the unknown non-empty headers by column."""
    known: dict[str, int] = {}
    unknown: dict[int, str] = {}
    for col, cell in enumerate(row):
        key = normalize_header(cell)
        if not key:
            continue
        name = HEADER_FIELDS.get(key)
        if name is None and "AGENCY" in key and "TYPE" not in key:
            name = "agency"
        if name is not None and name not in known:
            known[name] = col
        else:
            unknown[col] = str(cell).strip()
    return known, unknown


def find_header(sheet: Sheet) -> int | None:
    for i, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        known, _ = header_map(row)
        if all(f in known for f in REQUIRED):
            return i
    return None


def cell_text(value: Any) -> str | None:
    """A cell as printed: dates in ISO form, whole floats without '.0', text untouched."""
    if type(value) is str:  # the common case first: this runs for every cell of every file
        return value or None
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# Most rows of a list repeat from the list before: a row's cells (and links) under the same
# header are read into fields once per process. Values are shared: never change a RawRow's.
_ROW_MEMO: dict[tuple, tuple] = {}
_ROW_MEMO_MAX = 1 << 16


def parse_sheet(sheet: Sheet, header_index: int) -> tuple[dict[str, int], list[str], list[RawRow]]:
    known, unknown = header_map(sheet.rows[header_index])
    headers = [str(c).strip() if c not in (None, "") else "" for c in sheet.rows[header_index]]
    layout = (tuple(known.items()), tuple(unknown.items()), len(headers))
    link_cols = [(f, known[f]) for f in ("moa", "addendum") if f in known]
    rows: list[RawRow] = []
    for i in range(header_index + 1, len(sheet.rows)):
        cells = sheet.rows[i]
        links = {f: sheet.hyperlinks.get((i, c)) for f, c in link_cols}
        # With the cells' types: True == 1 == 1.0 as keys, but they print differently.
        key = (layout, tuple(cells), tuple(map(type, cells)), tuple(links.values()))
        hit = _ROW_MEMO.get(key)
        if hit is None:
            hit = _ROW_MEMO[key] = _read_row(cells, known, unknown, len(headers), links)
            if len(_ROW_MEMO) > _ROW_MEMO_MAX:
                _ROW_MEMO.clear()
        if hit is not _BLANK:
            rows.append(RawRow(i + 1, *hit))
    return known, headers, rows


_BLANK = ()


def _read_row(cells: list[Any], known: dict[str, int], unknown: dict[int, str], n_headers: int,
              links: dict[str, str | None]) -> tuple:
    """(values, links, extra, typed signing date) of one row; _BLANK for an empty row."""
    if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
        return _BLANK
    width = len(cells)
    values = {f: (cell_text(cells[c]) if c < width else None) for f, c in known.items()}
    extra = {
        unknown[c]: cell_text(cells[c])
        for c in unknown
        if c < len(cells) and cell_text(cells[c]) is not None
    }
    # Cells beyond the header's width are kept too, under their column letter.
    for c in range(n_headers, len(cells)):
        if cell_text(cells[c]) is not None:
            extra[f"column {c + 1}"] = cell_text(cells[c])
    signed_col = known.get("signed")
    typed = cells[signed_col] if signed_col is not None and signed_col < len(cells) else None
    return values, links, extra, typed


def parse_list(path: Path, workbook: Workbook | None = None) -> ParsedList:
    """Parse one 287(g) list workbook; raise NotAWorkbook / ListFormatError with a short reason."""
    wb = workbook or read_workbook(path)
    if not wb.sheets:
        raise ListFormatError("workbook has no sheet")
    for sheet in wb.sheets:
        header_index = find_header(sheet)
        if header_index is None:
            continue
        fields, headers, rows = parse_sheet(sheet, header_index)
        others = [s.name for s in wb.sheets if s is not sheet]
        return ParsedList(sheet.name, header_index + 1, headers, fields, rows, wb.saved_utc, others)
    raise ListFormatError(
        "no recognizable header (a row with STATE and LAW ENFORCEMENT AGENCY) in any sheet"
    )


__all__ = ["ListFormatError", "NotAWorkbook", "ParsedList", "RawRow", "parse_list", "FIELDS"]
