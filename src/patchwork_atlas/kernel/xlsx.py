"""Reading workbooks: cell values with python-calamine (fast, Rust), and what calamine does not
expose — hyperlink targets and the workbook's own save time — straight from the OOXML parts."""

from __future__ import annotations

import html
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from python_calamine import CalamineWorkbook

NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
_HYPERLINK = re.compile(rb"<(?:\w+:)?hyperlink\s([^>]*?)/?>")
_RELATIONSHIP = re.compile(r"<(?:\w+:)?Relationship\s([^>]*?)/?>")
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
_RELATIONSHIP_USUAL = re.compile(
    r'<Relationship Id="([^"&]*)" Type="[^"]*" Target="([^"]*)"(?: TargetMode="([^"]*)")?\s*/>')
_RELATIONSHIP_START = re.compile(r"<(?:\w+:)?Relationship\s")  # counts elements, captures nothing
_HYPERLINK_START = re.compile(rb"<(?:\w+:)?hyperlink\s")
_HYPERLINK_USUAL = re.compile(rb'<hyperlink ref="([A-Z]{1,3})([1-9]\d{0,6})" r:id="([^"&]*)"[^>]*?/>')


class NotAWorkbook(ValueError):
    """The bytes are not a readable workbook (HTML page, truncated download, broken zip...)."""


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    hyperlinks: dict[tuple[int, int], str] = field(default_factory=dict)  # (row0, col0) -> target


@dataclass
class Workbook:
    sheets: list[Sheet]
    saved_utc: str | None = None  # docProps/core.xml dcterms:modified
    created_utc: str | None = None


def sniff_kind(head: bytes) -> str:
    """Classify raw bytes before parsing: 'xlsx' (zip), 'xls' (OLE2), 'json', 'pdf', 'html', 'other'."""
    stripped = head.lstrip()
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"%PDF"):
        return "pdf"
    if stripped[:1] in (b"{", b"["):
        return "json"
    if stripped[:15].lower().startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")):
        return "html"
    return "other"


def read_workbook(path: Path, *, with_hyperlinks: bool = True) -> Workbook:
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(16)
    kind = sniff_kind(head)
    if kind not in ("xlsx", "xls"):
        raise NotAWorkbook(f"not a workbook (content looks like {kind})")
    saved = created = None
    links: dict[str, dict[tuple[int, int], str]] = {}
    if kind == "xlsx":  # before calamine: its extent guard must run first
        saved, created, links = _read_container(path, with_hyperlinks)
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = [Sheet(name, book.get_sheet_by_name(name).to_python()) for name in book.sheet_names]
    except BaseException as exc:  # calamine raises several error types; a Rust panic
        if isinstance(exc, KeyboardInterrupt | SystemExit):  # is a BaseException (PanicException)
            raise
        raise NotAWorkbook(f"unreadable workbook ({type(exc).__name__}: {str(exc)[:120]})") from exc
    for sheet in sheets:
        sheet.hyperlinks = links.get(sheet.name, {})
    return Workbook(sheets, saved, created)


def _read_container(path: Path, with_hyperlinks: bool) -> tuple[str | None, str | None, dict]:
    """One pass over the zip: each worksheet part is read once, for the extent check and for
    its hyperlinks; the save times come from docProps."""
    try:
        with zipfile.ZipFile(path) as zf:
            parts = {
                name: zf.read(name) for name in zf.namelist()
                if name.startswith("xl/worksheets/") and name.endswith(".xml")
            }
            for name, xml in parts.items():
                _check_extent(name, xml)
            saved, created = _core_times(zf)
            links = _hyperlinks(zf, parts) if with_hyperlinks else {}
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ET.ParseError) as exc:
        raise NotAWorkbook(f"broken workbook container ({type(exc).__name__}: {exc})") from exc
    return saved, created, links


def check_extent(path: Path) -> None:
    """Raise NotAWorkbook when an .xlsx sheet's used range is absurd (see `_check_extent`); for
    readers that open workbooks with calamine themselves."""
    try:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    _check_extent(name, zf.read(name))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError) as exc:
        raise NotAWorkbook(f"broken workbook container ({type(exc).__name__}: {exc})") from exc


MAX_CELLS = 20_000_000
_CELL_COLUMN = re.compile(rb'<(?:\w+:)?c\s+r="([A-Z]{1,3})\d')
_CELL_ROW = re.compile(rb'<(?:\w+:)?c\s+r="[A-Z]{1,3}(\d+)"')
# A sheet with no column past Z and no row past 99,999 spans at most 2.6 million cells: this
# search (a literal-led superset of both; no match in any list ICE has published) settles it
# without listing every cell.
_WIDE_OR_DEEP = re.compile(rb'r="(?:[A-Z]{2}|[A-Z]{1,3}\d{6})')


def _check_extent(name: str, xml: bytes) -> None:
    """Refuse a sheet whose used range is absurd before calamine allocates it: one value at
    XFD1048576 in a 5 KB file would make the reader ask for hundreds of gigabytes and abort."""
    if _WIDE_OR_DEEP.search(xml) is None:
        return
    letters = set(_CELL_COLUMN.findall(xml))
    cols = max((_col_index(c.decode()) + 1 for c in letters), default=0)
    rows = max(map(int, _CELL_ROW.findall(xml)), default=0)
    if rows * cols > MAX_CELLS:
        raise NotAWorkbook(f"sheet {name.rsplit('/', 1)[-1]} spans {rows} rows x {cols} columns; refusing to read it")


def _core_times(zf: zipfile.ZipFile) -> tuple[str | None, str | None]:
    try:
        xml = zf.read("docProps/core.xml")
    except KeyError:
        return None, None
    root = ET.fromstring(xml)
    values = {}
    for el in root:
        tag = el.tag.rsplit("}", 1)[-1]
        if tag in ("modified", "created") and el.text:
            values[tag] = el.text.strip()
    return values.get("modified"), values.get("created")


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (target, mode). A regex over the flat <Relationship/> elements: a
    sheet's rels can hold thousands of hyperlinks, and a full XML parse costs more than the read."""
    folder, name = posixpath.split(part)
    rels_path = posixpath.join(folder, "_rels", name + ".rels")
    try:
        xml = zf.read(rels_path).decode("utf-8", "replace")
    except KeyError:
        return {}
    usual = _usual_rels(xml)
    return usual if usual is not None else _any_rels(xml)


def _usual_rels(xml: str) -> dict[str, tuple[str, str]] | None:
    """Excel writes Id, Type, Target, TargetMode in this order: one pass reads them all; None
    when any element (counted by the general pattern) has another shape."""
    quick = _RELATIONSHIP_USUAL.findall(xml)
    if len(quick) != len(_RELATIONSHIP_START.findall(xml)):
        return None
    return {rid: (_unescape(target), _unescape(mode)) for rid, target, mode in quick}


def _any_rels(xml: str) -> dict[str, tuple[str, str]]:
    """Attribute by attribute, in any order."""
    out = {}
    for attrs in _RELATIONSHIP.findall(xml):
        found = {k: html.unescape(v) for k, v in _ATTR.findall(attrs)}
        if "Id" in found:
            out[found["Id"]] = (found.get("Target", ""), found.get("TargetMode", ""))
    return out


def _unescape(value: str) -> str:
    return html.unescape(value) if "&" in value else value


def _hyperlinks(zf: zipfile.ZipFile, parts: dict[str, bytes]) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name -> {(row0, col0): target}, from each worksheet's <hyperlinks> and its rels."""
    workbook = ET.fromstring(zf.read("xl/workbook.xml"))
    book_rels = _rels(zf, "xl/workbook.xml")
    out: dict[str, dict[tuple[int, int], str]] = {}
    sheets = workbook.find(f"{NS_MAIN}sheets")
    for sheet in sheets if sheets is not None else []:
        rid = sheet.get(f"{NS_REL}id")
        target = book_rels.get(rid, ("", ""))[0]
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        xml = parts.get(part)
        if xml is None:
            continue
        start = xml.find(b"<hyperlinks")
        if start < 0:
            continue
        end = xml.find(b"</hyperlinks>", start)
        # Only the <hyperlinks> block is parsed: parsing whole sheets would triple read time.
        block = xml[start : end + len(b"</hyperlinks>")] if end > 0 else xml[start:]
        sheet_rels = _rels(zf, part)
        usual = _usual_links(block, sheet_rels)
        out[sheet.get("name")] = usual if usual is not None else _links(block, sheet_rels)
    return out


def _usual_links(block: bytes, rels: dict[str, tuple[str, str]]) -> dict[tuple[int, int], str] | None:
    """The links of a block whose every element is Excel's usual <hyperlink ref="G12" r:id="rId3"
    .../> (one cell, a relationship), in one pass; None when any element has another shape."""
    quick = _HYPERLINK_USUAL.findall(block)
    if not quick or len(quick) != len(_HYPERLINK_START.findall(block)):
        return None
    links: dict[tuple[int, int], str] = {}
    for letters, row, rel_id in quick:
        link_target = rels.get(rel_id.decode("utf-8", "replace"), ("", ""))[0]
        if link_target:
            links[(int(row) - 1, _col_index(letters.decode()))] = link_target
    return links


def _links(block: bytes, rels: dict[str, tuple[str, str]]) -> dict[tuple[int, int], str]:
    links: dict[tuple[int, int], str] = {}
    for attrs in _HYPERLINK.findall(block):
        found = {k: html.unescape(v) for k, v in _ATTR.findall(attrs.decode("utf-8", "replace"))}
        rel_id = next((v for k, v in found.items() if k.endswith(":id")), None)
        link_target = rels.get(rel_id, ("", ""))[0] if rel_id else found.get("location", "")
        if not link_target:
            continue
        for cell in _expand_ref(found.get("ref", "")):
            links[cell] = link_target
    return links


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _expand_ref(ref: str) -> list[tuple[int, int]]:
    parts = ref.upper().split(":")
    cells = []
    for part in parts:
        m = _CELL_REF.match(part.replace("$", ""))
        if not m:
            return []
        cells.append((int(m.group(2)) - 1, _col_index(m.group(1))))
    if len(cells) == 1:
        return cells
    (r0, c0), (r1, c1) = cells
    if (r1 - r0 + 1) * (c1 - c0 + 1) > 100_000:  # a hostile ref must not explode memory
        return [(r0, c0)]
    return [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
