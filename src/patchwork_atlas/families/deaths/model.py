"""Records and PDF plumbing shared by the deaths readers.

Every extracted value is an `Extracted`: the value plus the page and the character span of the
page text it was read from, so a page can quote its source and a reviewer can check it. A value
the document does not state is `None`, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pypdfium2 as pdfium


class ReadError(ValueError):
    """The bytes are not a readable PDF of the expected kind; the message is one line."""


@dataclass(frozen=True)
class Extracted:
    """A value and where it was printed: 1-based `page`, `start`/`end` offsets into that page's
    pdfium text (`get_text_range()`), and `text`, the exact characters at that span."""

    value: Any
    page: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Place:
    """A facility or hospital as printed; city/state only where the document states them
    (`state.value` is the USPS code, `state.text` the printed form)."""

    name: Extracted
    abbreviation: str | None = None
    city: Extracted | None = None
    state: Extracted | None = None


@dataclass(frozen=True)
class CustodyEvent:
    """A book-in or transfer the narrative dates: the date and the sentence that states it."""

    date: Extracted
    text: Extracted


@dataclass
class DeathReport:
    """One Detainee Death Report. `review_reasons` says what a person should check (a missing
    date of death or facility, or heuristics that disagree)."""

    name: Extracted | None = None
    date_of_death: Extracted | None = None
    death_date_label: str | None = None  # "Date of Death", "Date of Neurologic Death", "Date"
    age: Extracted | None = None
    sex: Extracted | None = None  # the "Sex:" line (2018-2019 reports, 2025)
    gender: Extracted | None = None  # the "Gender:" line, else the "Sex:" line
    country: Extracted | None = None
    facility: Place | None = None
    place_of_death: Place | None = None  # a hospital, where the report names one
    # The ERO field office named last before the death ("ERO Atlanta" -> "Atlanta"); the
    # reports never print "Area of Responsibility", so this is the office that held the person.
    field_office: Extracted | None = None
    custody_events: list[CustodyEvent] = field(default_factory=list)
    review_reasons: list[str] = field(default_factory=list)

    @property
    def flags(self) -> list[str]:
        return self.review_reasons


@dataclass(frozen=True)
class FoiaDeath:
    """One row of ICE's FOIA list of deaths, FY2003-FY2017, cells as printed (lines joined)."""

    number: Extracted  # the row number printed in the first column
    name: Extracted
    sex: Extracted | None
    country_of_birth: Extracted | None
    date_of_death: Extracted | None
    location_of_death: Extracted | None
    last_detention: Extracted | None
    facility_type: Extracted | None


@dataclass(frozen=True)
class FoiaList:
    """The FOIA list: its rows and the coverage its heading prints ("Data from: ... to ...")."""

    rows: list[FoiaDeath]
    data_from: Extracted | None
    data_to: Extracted | None


MONTHS = {m: i + 1 for i, m in enumerate(
    "january february march april may june july august september october november december".split()
)}
MONTH_RE = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
LONG_DATE_RE = MONTH_RE + r"\s+\d{1,2},\s*\d{4}"


def long_date(text: str) -> date | None:
    """'May 22, 2024' -> date; None when it is not a real calendar date."""
    m = re.fullmatch(r"([A-Za-z]+)\.?\s+(\d{1,2}),\s*(\d{4})", text.strip())
    if not m:
        return None
    month = next((n for k, n in MONTHS.items() if k.startswith(m.group(1).lower()[:3])), None)
    try:
        return date(int(m.group(3)), month, int(m.group(2))) if month else None
    except ValueError:
        return None


def us_date(text: str) -> date | None:
    """'5/31/2017' -> date (the FOIA list's month/day/year)."""
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text.strip())
    try:
        return date(int(m.group(3)), int(m.group(1)), int(m.group(2))) if m else None
    except ValueError:
        return None


def clean(text: str) -> str:
    """Printed text as one line: pdfium's hyphenation marks dropped, whitespace collapsed,
    Unicode hyphens as '-', stray backticks trimmed (ICE's 'Nicaragua`')."""
    text = re.sub(r"\ufffe\s*", "", text).replace("\u2010", "-").replace("\u2011", "-")
    return " ".join(text.split()).strip(" `,;")


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """Open PDF bytes, refusing what is not a whole PDF. pdfium repairs truncated files
    silently, so the end-of-file marker is checked first: a cut copy must not read as a
    shorter document."""
    if not data.startswith(b"%PDF-"):
        raise ReadError("not a PDF (no %PDF- header)")
    if b"%%EOF" not in data[-2048:]:
        raise ReadError("PDF is truncated (no %%EOF marker at the end)")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ReadError(f"PDF cannot be opened: {exc}".splitlines()[0]) from exc


def page_texts(doc: pdfium.PdfDocument) -> list[str]:
    """pdfium's text of every page; offsets in `Extracted` refer to these strings."""
    out = []
    for page in doc:
        tp = page.get_textpage()
        out.append(tp.get_text_range())
        tp.close()
        page.close()
    return out


class DocText:
    """All pages as one string (pages joined by a form feed) so regexes can cross line and
    page breaks, with a way back from a global offset to (page, page offset)."""

    def __init__(self, pages: list[str]):
        self.pages = pages
        self.starts: list[int] = []
        pos = 0
        for p in pages:
            self.starts.append(pos)
            pos += len(p) + 1
        self.text = "\f".join(pages)
        # Same length as `text`, every line break a space: patterns use single spaces.
        self.flat = re.sub(r"[\r\n\f]", " ", self.text)

    def extract(self, start: int, end: int, value: Any = None) -> Extracted:
        """An `Extracted` for text[start:end]; its value defaults to the cleaned text."""
        page = max(i for i, s in enumerate(self.starts) if s <= start)
        raw = self.text[start:end]
        off = start - self.starts[page]
        return Extracted(clean(raw) if value is None else value, page + 1, off, off + len(raw), raw)
