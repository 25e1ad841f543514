"""Facts of one MOA, each with the page and text span it was read from.

Why spans: the MOAs are typed forms, scanned, re-OCR'd by ICE and filled in by hand, so every
value must be checkable against the page it came from. A value not found is None — the reader
never guesses (a handwritten date that OCR turns into noise stays unknown). The file name and
the archive's folders are not read here; a caller may pass ``name_hint`` and gets a value marked
``fallback`` only where the text says nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Container
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Literal, TypeVar

from .text import DocumentText, PageText, read_text

T = TypeVar("T")
Model = Literal["JEM", "TFM", "WSO"]

STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico", "GU": "Guam",
}
BY_NAME = {v.lower(): k for k, v in STATES.items()}
MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
AGENCY_WORD = re.compile(
    r"\b(Sheriff|Police|Department|Dept|Office|Patrol|Bureau|Correction|Jail|Detention|Guard|"
    r"Marshal|Attorney|Constable|Public Safety|Highway|College|University|Agency)", re.I)
ICE_TITLE = re.compile(
    r"^\s*((?:Acting\s+)?(?:(?:Executive\s+Associate|Assistant|Deputy)\s+)?Director"
    r"(?:,\s*Enforcement)?|Field\s+Office\s+Director)\b", re.I | re.M)


class NotAnMOA(ValueError):
    """The PDF reads fine but is not a 287(g) memorandum of agreement."""


@dataclass(frozen=True)
class Found(Generic[T]):
    """A value with where it was read: 1-based page, character span in that page's ``text``, the
    text as printed there, and a note where the value is not plain printed text (``ocr``,
    ``inferred from …``, ``fallback: file name``)."""

    value: T
    page: int
    start: int
    end: int
    printed: str
    note: str | None = None

    @property
    def fallback(self) -> bool:
        return bool(self.note and self.note.startswith("fallback"))


@dataclass(frozen=True)
class Signature:
    """One party's signature block: name and title as printed, and the date beside it."""

    party: Literal["ICE", "LEA"]
    name: Found[str] | None
    title: Found[str] | None
    date: Found[dt.date] | None


@dataclass(frozen=True)
class Contact:
    """An LEA point of contact as printed (Appendix A or the public information appendix)."""

    kind: Literal["program", "public information"]
    lines: Found[str]


@dataclass(frozen=True)
class MOA:
    """Everything read from one MOA. ``flags`` name what limits the reading: ``blank template``,
    ``pages without text`` (no text layer and no OCR), ``ocr text used``."""

    sha256: str
    pages: int
    model: Found[Model] | None
    agency: Found[str] | None
    state: Found[str] | None
    revision: Found[str] | None  # ISO date of the template revision printed in the footer
    ice: Signature
    lea: Signature
    contacts: tuple[Contact, ...]
    term: Found[str] | None
    termination: Found[str] | None
    flags: frozenset[str]
    text: DocumentText = field(repr=False)

    @property
    def ice_signed(self) -> dt.date | None:
        return self.ice.date.value if self.ice.date else None


# --- recognition -------------------------------------------------------------------------------

MOA_TITLE = re.compile(r"EMORAND\w*\s+OF\s+AGREEMENT", re.I)  # OCR: "!VIEMORANDUM"
MOA_287G = re.compile(r"287\s*\(\s*g\s*\)|Immigration\s+and\s+Customs\s+Enforcement", re.I)


def is_moa_text(text: str) -> bool:
    """The first pages name a memorandum of agreement with ICE under 287(g)."""
    return bool(MOA_TITLE.search(text) and MOA_287G.search(text))


def recognize(data: bytes, *, cache_dir: Path | None = None, ocr: bool = True,
              listed_as_moa: bool = False) -> bool:
    """Whether ``data`` is an ICE 287(g) MOA, from the text of its first two pages (OCR'd if they
    are scans). Where a scan cannot be read (OCR disabled or tesseract missing),
    ``listed_as_moa=True`` — the caller found the file behind an MOA/addendum link of ICE's
    287(g) list — accepts a PDF whose first page has no plain text layer (a scan); without that
    hint such a scan is not recognized, since nothing in it was read. Unreadable bytes: False."""
    from .text import ReadError

    try:
        doc = read_text(data, cache_dir=cache_dir, ocr_enabled=ocr, ocr_pages={1})
        if not is_moa_text(doc.pages[0].text) and len(doc.pages) > 1:  # OCR page 2 only if needed
            doc = read_text(data, cache_dir=cache_dir, ocr_enabled=ocr, ocr_pages={1, 2})
    except ReadError:
        return False
    head = doc.pages[:2]
    if is_moa_text("\n".join(p.text for p in head)):
        return True
    return listed_as_moa and head[0].layer != "text" and "ocr" not in head[0].source


# --- helpers -----------------------------------------------------------------------------------

def ws(s: str) -> str:
    """Whitespace collapsed: printed values keep their words, not their line breaks."""
    return " ".join(s.split())


def first(doc: DocumentText, pattern: re.Pattern[str], group: int = 1,
          pages: Container[int] | None = None) -> tuple[PageText, re.Match[str]] | None:
    for p in doc.pages:
        if pages is not None and p.number not in pages:
            continue
        m = pattern.search(p.text)
        if m and (pattern.groups < group or m.group(group) is not None):
            return p, m
    return None


def found(p: PageText, m: re.Match[str], value: T, group: int = 0, note: str | None = None
          ) -> Found[T]:
    if note is None and p.source != "pdf":
        note = "ocr"
    return Found(value, p.number, m.start(group), m.end(group), m.group(group), note)


# --- model -------------------------------------------------------------------------------------

MODEL_RE = re.compile(r"(Jail\s+Enforcement\s+Model|Task\s+Force\s+Model|"
                      r"Warrant\s+Service\s+Officer)", re.I)
INFERRED: list[tuple[re.Pattern[str], Model, str]] = [
    (re.compile(r"only\s+delegated\s+the\s+two\s+authorities", re.I), "WSO",
     "inferred from the two delegated authorities (serving warrants)"),
    (re.compile(r"teams,\s+or\s+task\s+forces\s+designated|as\s+task\s+force\s+officers", re.I),
     "TFM", "inferred from the assignment to ICE task forces"),
]


def extract_model(doc: DocumentText) -> Found[Model] | None:
    """The model named first in the text (the title on 2020 and later templates). The 2019 WSO
    template names no model; it is recognized by its delegation of exactly two authorities
    (serving warrants), noted as inferred."""
    hit = first(doc, MODEL_RE)
    if hit:
        p, m = hit
        word = m.group(1).lower()
        model: Model = "JEM" if word.startswith("jail") else "TFM" if word.startswith("task") \
            else "WSO"
        return found(p, m, model, 1)
    for pattern, model, why in INFERRED:
        hit = first(doc, pattern)
        if hit:
            return found(hit[0], hit[1], model, 0, why)
    return None


# --- agency ------------------------------------------------------------------------------------

SLOTS = [  # where the templates print the LEA's name, in order of trust
    re.compile(r"\((?:DHS|OHS|D\s?HS)\)\s*,?\s+and\s+(?:the\s*)?(.{0,120}?)\s*,?\s*(?:\([A-Z]{2,6}\)\s*,?\s*)?"
               r"(?:pursuant\s+to|hereinafter|under\s+the\s+jurisdiction)", re.I | re.S),
    re.compile(r"officers\s+or\s+employees\s+of\s+the\s+(.{0,120}?)\s*\(\s*hereinafter", re.I | re.S),
    re.compile(r"pursuant\s+to\s+(\S.{2,80}?)\s+which\s+ICE\s+delegates", re.I | re.S),  # a fill
    re.compile(r"delegates\s+to\s+nominated,\s+(\S.{2,80}?)\s+trained,", re.I | re.S),  # a fill
    re.compile(r"The\s+LEA\s+represents\s+(.{0,120}?)\s+in\s+the\s+implementation", re.I | re.S),
    re.compile(r"agreement\s+between\s+ICE\s+and\s+(?:the\s+)?(.{0,120}?)\s*,?\s*hereinafter",
               re.I | re.S),
    re.compile(r"Agency\s*:\s*[_\s]*([^\n]{4,100}?)\s*(?=Agency\s*:|\n|$)"),  # signature block
]
TEMPLATE_WORDS = re.compile(r"pursuant|hereinafter|delegates|nominated|certified|"
                            r"Immigration|Homeland|\bICE\b", re.I)


def clean_agency(raw: str) -> str | None:
    """A slot's content as a name, or None for a blank ("____") or a garbled capture."""
    name = ws(raw.replace("_", " ")).strip(" ,.'\"")
    name = re.sub(r"\s+that\s+is$", "", name).rstrip(" |")
    while re.search(r"\s(?![A-Z]{2,4}$)\S{1,3}$", name) and not re.search(r"\(\w+\)$", name):
        name = name.rsplit(" ", 1)[0].rstrip(" ,")  # OCR specks after the name ("Office 5")
    if len(name) < 4 or len(name) > 110 or TEMPLATE_WORDS.search(name):
        return None
    if not AGENCY_WORD.search(name) and not any(s.lower() in name.lower() for s in BY_NAME):
        return None
    letters = sum(c.isalpha() for c in name)
    spaces = name.count(" ")
    return name if letters >= 0.7 * len(name.replace(" ", "")) and spaces >= 1 else None


FIELD_LINE = re.compile(r"^[ \t]*([A-Z][^\n]{3,400}?)[ \t]*$", re.M)


def extract_agency(doc: DocumentText) -> tuple[Found[str] | None, bool]:
    """The LEA as printed in the parties clause (or the next slot the template repeats it in);
    where the clause is left blank, the filled-in form field printed above the title. Returns
    (agency, blank) where ``blank`` says the parties clause shows an unfilled "____"."""
    blank = False
    head = {p.number for p in doc.pages[:3]} | {p.number for p in doc.pages[-6:]}
    for pattern in SLOTS:
        for p in doc.pages:
            if p.number not in head:
                continue
            for m in pattern.finditer(p.text):
                if "__" in m.group(1) or not m.group(1).strip():
                    blank = True
                name = clean_agency(m.group(1))
                if name:
                    return found(p, m, name, 1), blank
    p1 = doc.pages[0]
    title = MOA_TITLE.search(p1.text)
    for m in FIELD_LINE.finditer(p1.text[: title.start() if title else 0]):
        rep = re.match(r"(.+?)(?:\s+\1)+$", m.group(1))  # a form field repeated on one line
        name = clean_agency(rep.group(1) if rep else m.group(1))
        if name:
            return Found(name, 1, m.start(1), m.end(1), m.group(1), "form field"), True
    return None, blank


# --- state -------------------------------------------------------------------------------------

ABBR = "|".join(STATES)
NAME_ALT = "|".join(sorted((re.escape(v) for v in STATES.values()), key=len, reverse=True))
IN_NAME = [
    re.compile(rf"\(\s*({ABBR})\s*\)\s*$"),  # "Bartow Police Department (FL)"
    re.compile(rf",\s*({ABBR})\s*$"),  # "Laramie County Sheriff's Office, WY"
    re.compile(rf"[\s,]({NAME_ALT})\s*$"),  # "Ocean Ridge Police Dept. Florida"
    re.compile(rf"^(?:the\s+)?({NAME_ALT})\s+(?!County|City|Parish|Town)", re.I),
]
LEA_ADDRESS = re.compile(r"For\s+the\s+LEA\s*:(.{0,400}?)(?:For\s+(?:ICE|DHS)|$)", re.S)
ZIP = re.compile(rf"(?<!Washington,)(?<!Washington)\s*,?\s+({ABBR})\.?\s+\d{{5}}\b")


def state_of(text: str) -> str | None:
    for pat in IN_NAME:
        m = pat.search(text.strip())
        if m:
            g = m.group(1)
            return g if len(g) == 2 else BY_NAME[g.lower()]
    return None


def extract_state(doc: DocumentText, agency: Found[str] | None) -> Found[str] | None:
    """The state printed with the agency's name, else in the LEA's address in a points-of-contact
    appendix ("Bartow, FL 33830"; ICE's own addresses are not read)."""
    if agency:
        st = state_of(agency.value)
        if st:
            return Found(st, agency.page, agency.start, agency.end, agency.printed, agency.note)
    for p in doc.pages:
        for m in LEA_ADDRESS.finditer(p.text):
            z = ZIP.search(m.group(1))
            if z:
                s = m.start(1) + z.start()
                return Found(z.group(1), p.number, s, s + len(z.group()), z.group(),
                             "LEA address" + (", ocr" if p.source != "pdf" else ""))
    return None


# --- template revision -------------------------------------------------------------------------

REV_RE = re.compile(r"\bRev(?:ised|\.)?\s*:?\s*(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4}|\d{2})(?!\d)")


def extract_revision(doc: DocumentText) -> Found[str] | None:
    """The revision date the 2025 footers print ("Rev 2/14/25", "Revised 02/12/2025"), the most
    frequent over the pages; the 2019–2020 templates print none."""
    seen: list[tuple[str, PageText, re.Match[str]]] = []
    for p in doc.pages:
        for m in REV_RE.finditer(p.text):
            y = int(m.group(3)) % 100 + 2000
            try:
                iso = dt.date(y, int(m.group(1)), int(m.group(2))).isoformat()
            except ValueError:
                continue
            seen.append((iso, p, m))
    if not seen:
        return None
    best = Counter(s[0] for s in seen).most_common(1)[0][0]
    iso, p, m = next(s for s in seen if s[0] == best)
    return found(p, m, iso)


# --- signatures --------------------------------------------------------------------------------

DATE_RES = [
    (re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2})"
                r"\s*,\s*(20\d\d)\b", re.I), "mdy"),
    (re.compile(r"\b(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)\s*-?\s*(\d{1,2})\s+(20\d\d)\b"),
     "stamp"),
    (re.compile(r"\b(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(20\d\d|\d\d)\b"), "num"),
    (re.compile(r"Date\s*:\s*(20\d\d)\.([0-9ODQ]{2})\.([0-9ODQSl]{2})\s*\d"), "digital"),
]


def parse_date(m: re.Match[str], kind: str) -> dt.date | None:
    """A date from a match; digital-signature stamps tolerate OCR's O/D for 0 and S for 5 (the
    stamp's fixed layout makes these unambiguous)."""
    g = m.groups()
    try:
        if kind in ("mdy", "stamp"):
            return dt.date(int(g[2]), MONTHS[g[0][:3].lower()], int(g[1]))
        if kind == "num":
            y = int(g[2]) if len(g[2]) == 4 else 2000 + int(g[2])
            return dt.date(y, int(g[0]), int(g[1]))
        fix = str.maketrans("ODQSl", "00051")
        return dt.date(int(g[0]), int(g[1].translate(fix)), int(g[2].translate(fix)))
    except (ValueError, KeyError):
        return None


@dataclass(frozen=True)
class _Date:
    value: dt.date
    page: PageText
    m: re.Match[str]
    line: int


LINE = re.compile(r"[^\n]+")


def signature_pages(doc: DocumentText) -> list[PageText]:
    """The page saying "By signing this MOA" and the one after (blocks run over)."""
    for i, p in enumerate(doc.pages):
        if re.search(r"By\s+signing\s+this\s+MOA", p.text, re.I):
            return list(doc.pages[i: i + 2])
    return []


def extract_signatures(doc: DocumentText) -> tuple[Signature, Signature]:
    """ICE's and the LEA's signature blocks. ICE's signer is the name printed just above an ICE
    title (Acting Director, Executive Associate Director…) and ICE's date the one nearest that
    title; the LEA's date is any other date in the block (often handwritten: then None)."""
    pages = signature_pages(doc)
    if not pages:
        none_ice, none_lea = Signature("ICE", None, None, None), Signature("LEA", None, None, None)
        return none_ice, none_lea
    # a scanned page's typed fields (``pdf+ocr``) come before the OCR'd "By signing…"
    cut = 0 if pages[0].source == "pdf+ocr" else re.search(
        r"By\s+signing\s+this\s+MOA", pages[0].text, re.I).start()
    lines: list[tuple[PageText, int, str]] = []  # (page, offset in its text, line)
    for p in pages:
        for m in LINE.finditer(p.text, cut if p is pages[0] else 0):
            if p is not pages[0] and re.match(r"\s*APPENDIX", m.group()):
                break
            lines.append((p, m.start(), m.group()))
    dates: list[_Date] = []
    for li, (p, start, line) in enumerate(lines):
        for rx, kind in DATE_RES:
            for m in rx.finditer(p.text, start, start + len(line)):
                d = parse_date(m, kind)
                if d and dt.date(2019, 1, 1) <= d <= dt.date(2026, 12, 31) and not re.search(
                        r"Rev", p.text[max(0, m.start() - 9): m.start()]):
                    dates.append(_Date(d, p, m, li))
    ice_title = ice_name = None
    tline = None
    for li, (p, start, line) in enumerate(lines):
        m = ICE_TITLE.search(line)
        if m:
            ice_title = Found(ws(m.group(1)), p.number, start + m.start(1), start + m.end(1),
                              m.group(1), "ocr" if p.source != "pdf" else None)
            tline = li
            ice_name = name_near(lines, li)
            break
    ice_date = lea_date = None
    if tline is not None and dates:
        near = min(dates, key=lambda d: abs(d.line - tline))
        if abs(near.line - tline) <= 3:
            ice_date = found(near.page, near.m, near.value)
    # the OCR of a scanned page repeats its typed fields: a date equal to ICE's is not the LEA's
    others = [d for d in dates if ice_date is None or d.value != ice_date.value]
    if others:
        lea_date = found(others[0].page, others[0].m, others[0].value)
    lea_title = None
    for p, start, line in lines:
        m = re.search(r"^\s*(?:Title\s*:\s*)?(Sheriff|Chief\s+of\s+Police|Jailer|Commissioner|"
                      r"Director\s+of\s+[A-Z][^\n]{3,40}|Superintendent|Secretary|Colonel)\b",
                      line)
        if m:
            lea_title = Found(ws(m.group(1)), p.number, start + m.start(1), start + m.end(1),
                              m.group(1), "ocr" if p.source != "pdf" else None)
            break
    return (Signature("ICE", ice_name, ice_title, ice_date),
            Signature("LEA", None, lea_title, lea_date))


PERSON = re.compile(r"(?:Name\s*:\s*)?((?:[A-Z][a-z]+|[A-Z]\.)(?:\s+(?:[A-Z]\.|[A-Z][a-z]+)){1,3})"
                    r"\s*$")


def name_near(lines: list[tuple[PageText, int, str]], li: int) -> Found[str] | None:
    """A person's name on the line above an ICE title (or the right-hand "Name:" on it): the
    last capitalized words of that line, so a left-column name does not leak in."""
    for j in (li - 1, li - 2):
        if j < 0:
            break
        p, start, line = lines[j]
        if len(re.findall(r"\b[A-Z][a-z]+\b", line)) > 4:
            return None  # two columns' names side by side: which is ICE's is not knowable
        m = PERSON.search(line.rstrip())
        if m and not re.search(r"Date|Signature|Department|Office|County", m.group(1)):
            return Found(m.group(1), p.number, start + m.start(1), start + m.end(1), m.group(1),
                         "ocr" if p.source != "pdf" else None)
    return None


# --- contacts, term ----------------------------------------------------------------------------

POC = re.compile(r"For\s+the\s+LEA\s*:\s*(.{3,400}?)\s*(?=For\s+(?:ICE|DHS)\b|APPENDIX|$)", re.S)


def extract_contacts(doc: DocumentText) -> tuple[Contact, ...]:
    """The LEA's points of contact as printed after "For the LEA:" in the points-of-contact and
    public-information appendices (the signature block's "For the LEA:" is skipped)."""
    out: list[Contact] = []
    for p in doc.pages:
        head = re.search(r"(PUBLIC\s+INFORMATION\s+)?POINTS\s+OF\s+CONTACT", p.text, re.I)
        if not head:
            continue
        kind: Literal["program", "public information"] = (
            "public information" if head.group(1) else "program")
        m = POC.search(p.text, head.end())
        if m:
            body = re.split(r"\n?\s*(?:Revised|Rev\b)", m.group(1))[0].rstrip()
            if len(body) < 3:
                continue
            out.append(Contact(kind, Found(ws(body), p.number, m.start(1),
                                           m.start(1) + len(body), body,
                                           "ocr" if p.source != "pdf" else None)))
    return tuple(out)


TERM = re.compile(r"(This\s+MOA\s+becomes\s+effective\s+upon\s+signature.{0,400}?\.)(?=\s)",
                  re.I | re.S)
TERMINATION = re.compile(
    r"(?:^|\n)\s*([IVXL]+\.\s*EFFECTIVE\s+DATE.{0,80}?TERMINATION\s+OF\s+THIS\s+MOA)", re.I | re.S)


def extract_term(doc: DocumentText) -> tuple[Found[str] | None, Found[str] | None]:
    """The term sentence(s) ("becomes effective upon signature … until either party terminates")
    and the heading of the termination clause (its page locates the clause)."""
    term = termination = None
    hit = first(doc, TERM)
    if hit:
        p, m = hit
        term = found(p, m, ws(m.group(1)), 1)
    hit = first(doc, TERMINATION)
    if hit:
        p, m = hit
        termination = found(p, m, ws(m.group(1)), 1)
    return term, termination


def state_in_file_name(name: str) -> str | None:
    """A state code standing as its own word in a file name ("BentonCoAR_06-30-2020.pdf",
    "BroomeCountyNY_WSO_MOA"): not inside a capitalized word ("MOA" is not Missouri), and only
    when exactly one code is found."""
    codes = {m.group(1) for m in re.finditer(rf"(?<![A-Z])({ABBR})(?![A-Za-z])", name)}
    return codes.pop() if len(codes) == 1 else None


# --- the whole reading -------------------------------------------------------------------------

def extract(doc: DocumentText, *, name_hint: str | None = None) -> MOA:
    """All facts of one MOA from its page texts (pure: no I/O). ``name_hint`` (ICE's file name,
    or the list's agency) is used only for a state the text does not print, marked fallback."""
    model = extract_model(doc)
    agency, blank_slot = extract_agency(doc)
    state = extract_state(doc, agency)
    if state is None and name_hint and (code := state_in_file_name(name_hint)):
        state = Found(code, 0, 0, 0, name_hint, "fallback: file name")
    ice, lea = extract_signatures(doc)
    term, termination = extract_term(doc)
    flags = set()
    if blank_slot and agency is None:
        flags.add("blank template")
    if doc.unread_pages:
        flags.add("pages without text")
    if doc.ocr_pages:
        flags.add("ocr text used")
    return MOA(doc.sha256, len(doc.pages), model, agency, state, extract_revision(doc), ice, lea,
               extract_contacts(doc), term, termination, frozenset(flags), doc)


def read_moa(data: bytes, *, cache_dir: Path | None = None, ocr: bool = True,
             ocr_pages: Container[int] | None = None, name_hint: str | None = None) -> MOA:
    """Read one MOA PDF from its bytes (see ``text.read_text`` for the OCR arguments).
    Raises ReadError for damaged bytes."""
    return extract(read_text(data, cache_dir=cache_dir, ocr_enabled=ocr, ocr_pages=ocr_pages),
                   name_hint=name_hint)
