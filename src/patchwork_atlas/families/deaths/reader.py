"""The pure reader of the deaths family: PDF bytes in, records out (no database, no web).

* `recognize(data)` tells a Detainee Death Report from ICE's FOIA list of deaths by content.
* `read_ddr(data)` -> `DeathReport`; `read_foia_list(data)` -> list of `FoiaDeath`.
* `coverage(records)` gives the first and last date of death held per kind, so pages can say
  what is and is not covered.
* `facility_keys(report)` gives the normalized keys used to link a death to a facility.

Every value is an `Extracted` (value, page, span, source text); file names are never read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Literal

from . import ddr, foia
from .model import (
    CustodyEvent,
    DeathReport,
    DocText,
    Extracted,
    FoiaDeath,
    FoiaList,
    Place,
    ReadError,
    open_pdf,
    page_texts,
)

__all__ = [
    "CustodyEvent", "DeathReport", "Extracted", "FoiaDeath", "FoiaList", "Place", "ReadError",
    "coverage", "facility_keys", "read_ddr", "read_foia_list", "read_foia_table", "recognize",
]

Kind = Literal["ddr", "foia_list"]
_DDR_MARK = re.compile(r"Detainee Death Report:")
_DDR_AGENCY = re.compile(r"U\.S\. Immigration and Customs Enforcement")


def recognize(data: bytes) -> Kind | None:
    """'ddr', 'foia_list' or None, from the first page's text only. Damaged or non-PDF bytes
    are None too: recognizing is a question, not a read."""
    try:
        doc = open_pdf(data)
    except ReadError:
        return None
    try:
        if len(doc) == 0:
            return None
        first = page_texts_first(doc)
    finally:
        doc.close()
    if _DDR_MARK.search(first) and _DDR_AGENCY.search(first):
        return "ddr"
    if foia.TITLE in first and "DATE OF" in first and "LOCATION OF" in first:
        return "foia_list"
    return None


def page_texts_first(doc) -> str:
    tp = doc[0].get_textpage()
    try:
        return tp.get_text_range()
    finally:
        tp.close()


def read_ddr(data: bytes) -> DeathReport:
    """Read one Detainee Death Report; `ReadError` if the bytes are not one."""
    doc = open_pdf(data)
    try:
        return ddr.read_report(DocText(page_texts(doc)))
    finally:
        doc.close()


def read_foia_table(data: bytes) -> FoiaList:
    """The FOIA list with the coverage its heading prints."""
    doc = open_pdf(data)
    try:
        return foia.read_list(doc)
    finally:
        doc.close()


def read_foia_list(data: bytes) -> list[FoiaDeath]:
    """Every row of ICE's FOIA list of deaths, FY2003-FY2017, in printed order."""
    return read_foia_table(data).rows


def coverage(records: Iterable[DeathReport | FoiaDeath]) -> dict[Kind, tuple[date, date]]:
    """Earliest and latest date of death held, per kind ('ddr', 'foia_list'); a kind with no
    dated record is absent. Records without a date are ignored, not guessed."""
    spans: dict[Kind, list[date]] = {}
    for rec in records:
        kind: Kind = "ddr" if isinstance(rec, DeathReport) else "foia_list"
        if rec.date_of_death is not None:
            spans.setdefault(kind, []).append(rec.date_of_death.value)
    return {k: (min(v), max(v)) for k, v in spans.items()}


# Mirrors registry.facilities.fold/name_key (tests check they agree), kept here so the
# reader stays free of the registry while the code moves into families/.
_ABBREV = {
    "CO": "COUNTY", "CNTY": "COUNTY", "DET": "DETENTION", "DETEN": "DETENTION", "CTR": "CENTER",
    "CNTR": "CENTER", "CENTRE": "CENTER", "CORR": "CORRECTIONAL", "CORRECTIONS": "CORRECTIONAL",
    "FAC": "FACILITY", "REG": "REGIONAL", "RGNL": "REGIONAL", "PROC": "PROCESSING",
    "JUV": "JUVENILE", "DEPT": "DEPARTMENT", "FAM": "FAMILY", "SHERIFFS": "SHERIFF",
    "OFC": "OFFICE", "ST": "SAINT", "MT": "MOUNT",
}


def name_key(name: str | None) -> str:
    """'Stewart Detention Center' -> 'STEWART DETENTION CENTER' (as registry.facilities)."""
    folded = " ".join(re.sub(r"[^A-Z0-9]+", " ", (name or "").upper()).split())
    return " ".join(_ABBREV.get(t, t) for t in folded.split())


def facility_keys(report: DeathReport) -> dict[str, str | None]:
    """Keys to match the report's facility to a detention facility: `name` and `city` folded
    like the registry's keys, `state` as USPS code, `abbreviation` as printed (ICE's own
    short form, e.g. 'SDC'). None where the report does not state it."""
    f = report.facility
    if f is None:
        return {"name": None, "city": None, "state": None, "abbreviation": None}
    return {
        "name": name_key(f.name.value) or None,
        "city": name_key(f.city.value) if f.city else None,
        "state": f.state.value if f.state else None,
        "abbreviation": f.abbreviation,
    }
