"""Facility, hospital and place patterns for the narrative of a Detainee Death Report.

ICE names a facility once in full, usually with an abbreviation and a place
("Stewart Detention Center (SDC), located in Lumpkin, Georgia"), then mostly by the
abbreviation. These patterns find the full mentions; `ddr` resolves the abbreviations.
"""

from __future__ import annotations

import re

STATES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "District of Columbia": "DC",
    "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL",
    "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY",
    "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR",
    "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD",
    "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
    "Washington": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
    "Puerto Rico": "PR", "Guam": "GU", "U.S. Virgin Islands": "VI",
}
USPS = set(STATES.values())

_STATE_NAMES = "|".join(sorted((re.escape(s) for s in STATES), key=len, reverse=True))
# A state as printed: full name, optionally followed by its code "(TX)", or a bare code.
STATE_RE = rf"(?:{_STATE_NAMES})(?:\s*\([A-Z]{{2}}\))?|(?:{'|'.join(sorted(USPS))})\b"

_WORD = r"(?:[A-Z][A-Za-z'’.\-]*|ICE|IAH|HCA|LTAC)"
_JOIN = r"(?:\s+(?:of|and|de|del|la)\s+|\s+|\s*[-–/]\s*)"
_NAME = rf"{_WORD}(?:{_JOIN}{_WORD}){{0,7}}?"

DETENTION_TAIL = (
    r"(?:(?:Service\s+(?:and\s+)?)?Processing\s+(?:Center|Facility)|"
    r"Detention\s+(?:Center|Facility|Complex)|"
    r"Correction(?:al|s)?\s+(?:Center|Facility|Complex|Institution)|"
    r"Jail|Staging\s+Facility|Transitional\s+Center|Justice\s+Center|Hold\s+Room|"
    r"Residential\s+(?:Center|Facility)|State\s+Prison(?:\s+Complex)?|Penitentiary|"
    r"Federal\s+Detention\s+Center)"
)
MEDICAL_TAIL = (
    r"(?:Hospital|Medical\s+Center|Medical\s+Centre|Health\s+System|Health\s+Center|"
    r"Hospital\s+Center|Medical\s+Pavilion)"
)
_CITY = r"[A-Z][A-Za-z.'’\-]*(?:\s+[A-Z][A-Za-z.'’\-]*){0,3}?"
_ABBR = r"\((?P<abbr>[A-Z][A-Za-z]{1,7})\)"
_LOC = rf"(?:,?\s*(?:located\s+)?in\s+|,\s+)(?P<city>{_CITY}),\s*(?P<state>{STATE_RE})"


def place_re(name: str) -> re.Pattern[str]:
    """Full mention: a name, then optional '(ABBR)', place, and '(ABBR)' again (ICE puts the
    abbreviation before or after the place)."""
    return re.compile(
        rf"(?P<name>{name})(?:’s)?(?:\s*{_ABBR})?(?:{_LOC})?"
        rf"(?:\s*\((?P<abbr2>[A-Z][A-Za-z]{{1,7}})\))?"
    )


_OF_PLACE = r"(?:\s+(?:of|at)\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?(?=\s*\())?"
DETENTION_RE = place_re(
    rf"{_NAME}\s+{DETENTION_TAIL}{_OF_PLACE}|Immigration\s+Centers?\s+of\s+America"
    rf"(?:\s*[–-]\s*[A-Z][a-z]+)?"
)
MEDICAL_RE = place_re(rf"{_NAME}\s+{MEDICAL_TAIL}{_OF_PLACE}")
# Any name ICE defines with an abbreviation; `ddr` keeps those that name a hospital.
DEFINED_RE = re.compile(
    rf"(?P<name>{_WORD}(?:{_JOIN}{_WORD}){{0,9}})(?:’s)?\s*{_ABBR}(?:{_LOC})?(?P<abbr2>)"
)
MEDICAL_WORD_RE = re.compile(r"\b(?:Hospital|Medical|Health|Clinic)\b")


# Words a name match may swallow at its start but that are not part of the name.
LEAD_NOISE = re.compile(
    r"^(?:(?:The|the|At|On|In|To|From|And|While|During|Later|Upon|Mr\.|Ms\.|Mrs\.|An?|"
    r"\S+[’']s)\s+)+"
)


def state_code(printed: str) -> str | None:
    """'Georgia', 'Texas (TX)', 'GA' -> USPS code."""
    s = re.sub(r"\s*\([A-Z]{2}\)$", "", printed.strip())
    return STATES.get(s) or (s if s in USPS else None)
