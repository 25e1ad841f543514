"""Readers for ICE's detention publications: one table shape whatever the layout.

ICE moves the header row, renames and adds columns, prints numbers as text in some years and
appends footnote markers to names. Every reader therefore finds the header row by its labels and
maps columns by name (`FIELD_PATTERNS`), keeps each cell as stored in the file, and returns the
rows it did not recognise as facilities as notes, so nothing is silently dropped.

Layouts read: the annual statistics workbooks (`Facilities FYxx` sheet + `Footnotes`), the
over-72-hour list (sections by AOR), the 2015 listing and the 2009 list (DETLOC + county), and
the 2017 DMCP list, which only exists as a PDF (read with pypdfium2 from its text runs and the
table's ruling lines).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from patchwork_atlas.kernel import pdf_table
from patchwork_atlas.kernel.xlsx import NotAWorkbook, check_extent

OLE_MAGIC = b"\xd0\xcf\x11\xe0"

# canonical field -> header pattern (matched against the folded header: lowercase, single spaces)
FIELD_PATTERNS: dict[str, str] = {
    "detloc": r"detloc",
    "name": r"(facility )?name",
    "address": r"address",
    "city": r"city",
    "county": r"county",
    "state": r"state|st",
    "zip": r"zip( code)?",
    "aor": r"aor",
    "type": r"type( 1)?",
    "type_detailed": r"type ?-* ?detailed|facility type - detailed",
    "gender": r"male/female",
    "alos": r"fy ?\d\d alos",
    "adp_level_a": r"level a",
    "adp_level_b": r"level b",
    "adp_level_c": r"level c",
    "adp_level_d": r"level d",
    "adp_male_crim": r"male crim",
    "adp_male_noncrim": r"male non-crim",
    "adp_female_crim": r"female crim",
    "adp_female_noncrim": r"female non-crim",
    "adp_threat_1": r"ice threat level 1",
    "adp_threat_2": r"ice threat level 2",
    "adp_threat_3": r"ice threat level 3",
    "adp_no_threat": r"no ice threat level",
    "adp_mandatory": r"mandatory",
    "guaranteed_minimum": r"guaranteed minimum",
    "operator": r"facility operator",
    "owner": r"facility owner",
    "over72": r"over/ ?under 72",
}
NUMERIC_FIELDS = (
    "alos adp_level_a adp_level_b adp_level_c adp_level_d adp_male_crim adp_male_noncrim"
    " adp_female_crim adp_female_noncrim adp_threat_1 adp_threat_2 adp_threat_3 adp_no_threat"
    " adp_mandatory guaranteed_minimum"
).split()
ADP_YEAR = re.compile(r"fy ?(\d\d) adp")
_COMPILED = {k: re.compile(rf"^(?:{v})$") for k, v in FIELD_PATTERNS.items()}


@dataclass
class Note:
    row_number: int
    text: str
    term: str | None = None
    detloc: str | None = None


@dataclass
class Table:
    """One facility table as read: header, rows (header -> cell text) and the notes around it."""

    kind: str  # stats_workbook | over72_list | facility_list
    sheet: str
    header_row: int
    columns: list[str]
    fields: dict[str, int]  # canonical field -> column index
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (row number, cells as text)
    notes: list[Note] = field(default_factory=list)  # around the table, plus Footnotes/Notes sheets
    notes_sheet: dict[str, list[Note]] = field(default_factory=dict)
    fiscal_year: int | None = None
    data_date: str | None = None
    title: str | None = None
    row_aor: dict[int, str] = field(default_factory=dict)  # over-72 list: AOR section per row
    adp_years: dict[int, int] = field(default_factory=dict)  # column index -> FY (lists)
    row_sheet: dict[int, str] = field(default_factory=dict)  # PDF: row number -> 'page N'


# ---------------------------------------------------------------- cells and numbers


def cell_text(value: Any) -> str:
    """A cell as stored: text unchanged, integral floats without '.0', dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def parse_number(text: str | None) -> float | None:
    """'1,234.5', '$12', '39120.0' -> float; blank or words ('AS NEEDED', 'N/A') -> None."""
    if text is None:
        return None
    s = str(text).strip().replace(",", "").replace("$", "")
    if not s:
        return None
    try:
        return float(s)
    except ValueError:
        return None


def fold_header(text: str) -> str:
    return " ".join(str(text).replace("\n", " ").split()).lower()


def map_columns(header: list[str]) -> tuple[dict[str, int], dict[int, int]]:
    """Canonical field -> first column whose label matches; plus FYxx ADP columns -> FY."""
    fields: dict[str, int] = {}
    years: dict[int, int] = {}
    for i, label in enumerate(header):
        h = fold_header(label)
        if not h:
            continue
        m = ADP_YEAR.fullmatch(h)
        if m:
            years[i] = 2000 + int(m.group(1))
            continue
        for name, rx in _COMPILED.items():
            if name not in fields and rx.match(h):
                fields[name] = i
                break
    return fields, years


def find_header(rows: list[list[str]], limit: int = 25) -> int | None:
    """Index of the first row that names a facility column and at least two place columns."""
    for i, row in enumerate(rows[:limit]):
        fields, _ = map_columns(row)
        if "name" in fields and sum(k in fields for k in ("address", "city", "state", "zip")) >= 2:
            return i
    return None


def date_from_text(text: str) -> str | None:
    m = re.search(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2))).isoformat()
    except ValueError:
        return None


def date_from_file_name(name: str) -> str | None:
    """'FY26_detentionStats_02122026.xlsx' -> '2026-02-12' (MMDDYYYY); None when absent/invalid."""
    m = re.search(r"(?<!\d)(\d{2})(\d{2})(20\d{2})(?!\d)", Path(name).stem)
    if not m:
        return None
    try:
        return dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2))).isoformat()
    except ValueError:
        return None


# ---------------------------------------------------------------- notes

_TYPE_DEF = re.compile(r"^([A-Z][A-Za-z &\-]*?)\s*\(([^)]+)\)\s*:\s*(.+)$", re.S)
_ROW_NOTE = re.compile(r"^\[(\d+)\]\s*\(([A-Z0-9]{3,9})\)\s*(.+)$", re.S)


def note_from_cells(row_number: int, cells: list[str]) -> Note | None:
    parts = [c.strip() for c in cells if c and c.strip()]
    if not parts:
        return None
    text = " | ".join(parts)
    note = Note(row_number, text)
    m = _ROW_NOTE.match(parts[0])
    if m:
        note.detloc = m.group(2)
        return note
    m = _TYPE_DEF.match(parts[0])
    if m and len(m.group(1)) <= 40:
        note.term = _abbrev(m.group(1), m.group(2))
    elif len(parts) >= 2 and len(parts[0]) <= 80:
        note.term = _abbrev(*_split_term(parts[0]))
    return note


def _split_term(text: str) -> tuple[str, str]:
    m = re.match(r"^(.*?)\s*\(([^)]+)\)\s*$", text)
    return (m.group(1), m.group(2)) if m else (text, "")


def _abbrev(a: str, b: str) -> str:
    """'BOP (Federal Bureau of Prisons)' and 'Contract Detention Facility (CDF)' -> the short one."""
    a, b = a.strip(), b.strip()
    if not b:
        return a
    return a if len(a) <= len(b) else b


# ---------------------------------------------------------------- spreadsheets


def _sheet_rows(wb: Any, name: str) -> list[list[str]]:
    return [[cell_text(c) for c in row] for row in wb.get_sheet_by_name(name).to_python(skip_empty_area=False)]


def open_workbook(path: Path) -> Any | None:
    """A calamine workbook, or None for a file that is not one we can read. An .xlsx goes
    through the kernel's extent guard first: a far cell would make calamine abort the process."""
    from python_calamine import CalamineWorkbook

    try:
        if Path(path).read_bytes()[:4] == b"PK\x03\x04":
            check_extent(Path(path))
        return CalamineWorkbook.from_path(str(path))
    except (NotAWorkbook, Exception):  # not a workbook calamine can read: not ours
        return None


def sniff_workbook(path: Path) -> Table | None:
    """Read the facility table of a detention workbook; None when the file is not one."""
    wb = open_workbook(path)
    if wb is None:
        return None
    names = list(wb.sheet_names)
    stats = [n for n in names if re.match(r"^\s*facilities\b", n, re.I)]
    for name in stats + [n for n in names if n not in stats]:
        rows = _sheet_rows(wb, name)
        hi = find_header(rows)
        if hi is None:
            continue
        fields, years = map_columns(rows[hi])
        if "adp_level_a" in fields and name in stats:
            table = _read_table("stats_workbook", name, rows, hi)
            _stats_meta(table, rows[:hi])
            foot = next((n for n in names if n.strip().lower() == "footnotes"), None)
            if foot:
                table.notes_sheet[foot] = _notes_of(_sheet_rows(wb, foot))
            return table
        if "detloc" in fields:
            table = _read_table("facility_list", name, rows, hi)
            table.title = " / ".join(r[0].strip() for r in rows[:hi] if r and r[0].strip())[:300] or None
            table.data_date = _list_date(rows[:hi], table.title or "")
            for other in names:
                if other != name and other.strip().lower() in ("notes", "footnotes"):
                    table.notes_sheet[other] = _notes_of(_sheet_rows(wb, other))
                    table.data_date = table.data_date or _first_date(_sheet_rows(wb, other)[:5])
            return table
        if "type_detailed" in fields and "detloc" not in fields and "adp_level_a" not in fields:
            table = _read_table("over72_list", name, rows, hi)
            table.title = " / ".join(r[0].strip() for r in rows[:hi] if r and r[0].strip())[:300] or None
            return table
    return None


def _notes_of(rows: list[list[str]]) -> list[Note]:
    out = []
    for i, row in enumerate(rows):
        note = note_from_cells(i + 1, row)
        if note:
            out.append(note)
    return out


def _first_date(rows: list[list[str]]) -> str | None:
    for row in rows:
        for c in row:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", c.strip()):
                return c.strip()
    return None


def _list_date(rows: list[list[str]], title: str) -> str | None:
    """The 'as of' date a list prints above its header (2009: 'Population Data as of August 15, 2009')."""
    for row in rows:
        for c in row:
            m = re.search(r"as of ([A-Z][a-z]+ \d{1,2}, \d{4})", c)
            if m:
                return dt.datetime.strptime(m.group(1), "%B %d, %Y").date().isoformat()
    return None


def _stats_meta(table: Table, above: list[list[str]]) -> None:
    """Fiscal year from the 'FYxx ALOS' header (else the sheet name), data date from 'IIDS), mm/dd/yyyy'."""
    alos = table.columns[table.fields["alos"]] if "alos" in table.fields else ""
    m = re.search(r"FY ?(\d\d)", alos) or re.search(r"FY ?(\d\d)", table.sheet)
    table.fiscal_year = 2000 + int(m.group(1)) if m else None
    for row in above:
        for c in row:
            if "IIDS" in c and table.data_date is None:
                table.data_date = date_from_text(c)
            if re.search(r"FACILITIES DATA", c, re.I) and table.title is None:
                table.title = c.strip()


def _read_table(kind: str, sheet: str, rows: list[list[str]], hi: int) -> Table:
    header = rows[hi]
    fields, years = map_columns(header)
    table = Table(kind, sheet, hi + 1, header, fields, adp_years=years)
    name_i = fields["name"]
    place_cols = [fields[k] for k in ("address", "city", "state", "zip") if k in fields]
    aor = next((r[0].strip() for r in reversed(rows[:hi]) if r and r[0].strip().endswith(" AOR")), None)
    for i in range(hi + 1, len(rows)):
        row = rows[i] + [""] * (len(header) - len(rows[i]))
        number = i + 1
        filled = [j for j, c in enumerate(row) if c.strip()]
        if not filled:
            continue
        name = row[name_i].strip()
        if fold_header(name) == fold_header(header[name_i]):
            continue  # header repeated under a section title (over-72 list)
        others = [j for j in filled if j != name_i]
        if kind == "over72_list" and filled == [0] and name.endswith("AOR"):
            aor = name
            table.notes.append(Note(number, name, term="AOR section"))
            continue
        is_note = (
            not name
            or re.match(r"^(\[\d+\]|\(\*\)|\*)", name)
            or not any(j in place_cols for j in others)
            or (kind == "over72_list" and not row[fields["state"]].strip() and not row[fields["type_detailed"]].strip())
        )
        if is_note:
            note = note_from_cells(number, row)
            if note:
                table.notes.append(note)
            continue
        table.rows.append((number, row))
        if aor:
            table.row_aor[number] = aor
    return table


# ---------------------------------------------------------------- the 2017 PDF


def sniff_pdf(path: Path) -> bool:
    """True for ICE's DMCP authorized-facility list PDF (judged from page 1's text)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except Exception:
        return False
    try:
        text = pdf[0].get_textpage().get_text_range()[:4000] if len(pdf) else ""
    finally:
        pdf.close()
    return "DMCP Facility List" in text and "DETLOC" in text


def read_pdf_list(path: Path) -> Table:
    """Rows of the DMCP list PDF: each character placed by its baseline (row) and by the column
    the table's vertical rules draw.

    The rules of the rightmost (CY rating) columns are broken in the PDF, so those cells may sit
    in a neighbouring column; the identity, type, ADP and contract columns have full-height rules.
    """
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        header: list[str] | None = None
        bounds: list[float] | None = None
        rows: list[tuple[int, list[str]]] = []
        row_sheet: dict[int, str] = {}
        title: list[str] = []
        pages: list[int] = []
        for pno in range(len(pdf)):
            page = pdf[pno]
            vx, y_lo, y_hi, hy = pdf_table.rules(page)
            if len(vx) < 10:
                continue  # a notes page, not the table
            chars = pdf_table.chars(page)
            head_y = _label_baseline(chars, "DETLOC", vx[0], vx[1])
            if head_y is not None:
                bounds = vx
                band_top = min([y for y in hy if y > head_y] or [y_hi])
                header = _pdf_header(chars, vx, head_y, band_top)
                title = _lines_above(chars, y_hi)
                y_hi = head_y - 0.5
            elif bounds is None or abs(vx[0] - bounds[0]) > 2:
                continue
            pages.append(pno + 1)
            body = [c for c in chars if y_lo <= c[1] < y_hi and bounds[0] <= c[0] <= bounds[-1]]
            for cells in pdf_table.group_rows(body, bounds):
                rows.append((len(rows) + 1, cells))
                row_sheet[len(rows)] = f"page {pno + 1}"
        if header is None or bounds is None:
            raise ValueError("no DETLOC header found in the PDF")
        fields, years = map_columns(header)
        table = Table("facility_list", f"pages {pages[0]}-{pages[-1]}", 0, header, fields, rows=rows, adp_years=years)
        table.row_sheet = row_sheet
        table.title = " / ".join(title)[:300] or None
        table.notes = [Note(i + 1, line, term="title") for i, line in enumerate(title)]
        for line in title:
            if line.startswith("FY") and "IIDS as of" in line:
                table.data_date = date_from_text(line.split("IIDS as of", 1)[1])
                break
        return table
    finally:
        pdf.close()


def _label_baseline(chars: list, label: str, x0: float, x1: float) -> float | None:
    for line in pdf_table.lines([c for c in chars if x0 <= c[0] < x1]):
        if pdf_table.text_of(line) == label:
            return line[0][1]
    return None


def _lines_above(chars: list, y: float) -> list[str]:
    return [pdf_table.text_of(line) for line in pdf_table.lines([c for c in chars if c[1] > y])]


def _pdf_header(chars: list, vx: list[float], head_y: float, top: float) -> list[str]:
    """Labels per column: the lines of the header band, between the DETLOC line and the table top."""
    band = [c for c in chars if head_y - 0.5 <= c[1] < top]
    header = []
    for i in range(len(vx) - 1):
        col = [c for c in band if vx[i] <= c[0] < vx[i + 1]]
        header.append(" ".join(pdf_table.text_of(line) for line in pdf_table.lines(col)))
    return header


