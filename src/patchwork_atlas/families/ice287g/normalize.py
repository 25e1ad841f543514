"""Normalization of ICE's hand-typed cells: states, agency names, support models, signing dates
and document links. Deterministic rules first; known typos only through the correction tables
in `registry/corrections/` (keyed on the wrong value, with a reason). A value no rule or table
explains is kept as printed and flagged, never guessed."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from functools import cache, lru_cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

MODELS = {"JEM": "Jail Enforcement Model", "WSO": "Warrant Service Officer", "TFM": "Task Force Model"}
EARLIEST_SIGNING = dt.date(2002, 1, 1)  # the first 287(g) agreement (Florida) was signed in 2002


def short_hash(*parts: Any, n: int = 12) -> str:
    return hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:n]


def _table(name: str) -> list[dict[str, str]]:
    with (resources.files("patchwork_atlas.families.ice287g") / "corrections" / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1 << 17)
def clean_text(value: str | None) -> str | None:
    """Trim and collapse whitespace (including no-break spaces); None for empty."""
    if value is None:
        return None
    text = re.sub(r"\s+", " ", str(value).replace("\xa0", " ")).strip()
    return text or None


# --- states -----------------------------------------------------------------------------------

@cache
def _state_fixes() -> dict[str, str]:
    return {r["wrong_value"].upper(): r["corrected"] for r in _table("states.csv")}


@lru_cache(maxsize=1 << 16)
def normalize_state(raw: str | None) -> tuple[str | None, str | None, tuple[str, ...]]:
    """(USPS code, FIPS, flags). Case and spacing are normalized; typos only via states.csv."""
    from patchwork_atlas.kernel.geo.reference import state as lookup_state

    text = clean_text(raw)
    if not text:
        return None, None, ("blank_state",)
    found = lookup_state(text)
    flags: list[str] = []
    if found is None and text.upper() in _state_fixes():
        found = lookup_state(_state_fixes()[text.upper()])
        flags.append("state_corrected")
    if found is None:
        # A typo no table knows yet: take the one state name it is clearly closest to, but
        # flag it so the row is reviewed (and the table extended), never silently trusted.
        from patchwork_atlas.kernel.geo.reference import state_fuzzy

        found, _score = state_fuzzy(text)
        if found is None:
            return None, None, ("unknown_state",)
        flags.append("state_fuzzy_matched")
    return found.usps, found.fips, tuple(flags)


# --- agency names -----------------------------------------------------------------------------

_WORD_RULES = [
    (r"\bdps\b", "department of public safety"),
    (r"\bbocc\b", "board of county commissioners"),
    (r"\bdept\b", "department"),
    (r"\bdepartement\b", "department"),
    (r"\bpd\b", "police department"),
    (r"\bso\b", "sheriffs office"),
    (r"\bft\b", "fort"),
    (r"\bsherrifs\b", "sheriffs"),
    (r"\bsherriffs\b", "sheriffs"),
    (r"\bsheriff office\b", "sheriffs office"),
    (r"\bco sheriffs\b", "county sheriffs"),
    (r"\bsheriffs department\b", "sheriffs office"),  # one sheriff per county: same agency
    (r"^(city|town|village|borough) of (?=.+ police department$)", ""),
]


def name_key(name: str | None, state_usps: str | None = None) -> str:
    """The comparison key of an agency name: case, apostrophes, punctuation, spacing,
    '&', common abbreviations and a trailing state code do not make a different agency."""
    text = (clean_text(name) or "").lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = re.sub(r"'s\b", "s", text).replace("'", "")
    text = text.replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    for pattern, repl in _WORD_RULES:
        text = re.sub(pattern, repl, text)
    text = re.sub(r"\s+", " ", text).strip()
    if state_usps:
        code = state_usps.lower()
        if text.endswith(" " + code):
            text = text[: -len(code) - 1]
        # "Texas Office of the Attorney General" under TX is the "Office of the Attorney
        # General" ICE lists there too; only a state-level body (department, office, division).
        prefix = _state_prefix(state_usps, text)
        if prefix and re.match(r"(department|office|division) of ", text[len(prefix):]):
            text = text[len(prefix):]
    return text


@cache
def _state_names(state_usps: str) -> tuple[str, ...]:
    from patchwork_atlas.kernel.geo.reference import state as lookup_state

    st = lookup_state(state_usps)
    return (st.name.lower() + " ", state_usps.lower() + " ") if st else ()


def _state_prefix(state_usps: str, text: str) -> str | None:
    return next((p for p in _state_names(state_usps) if text.startswith(p)), None)


@cache
def _agency_aliases() -> dict[tuple[str, str], str]:
    return {(r["state"], r["wrong_key"]): r["right_key"] for r in _table("agency_names.csv")}


@lru_cache(maxsize=1 << 16)
def agency_identity(state_usps: str, name: str | None) -> tuple[str, str, tuple[str, ...]]:
    """(agency_id, name_key, flags) — the id is built from content: state + normalized name."""
    key = name_key(name, state_usps)
    flags = []
    alias = _agency_aliases().get((state_usps, key))
    if alias:
        key, flags = alias, ["agency_name_corrected"]
    if not key:
        flags.append("blank_agency")
    return "ag-" + short_hash(state_usps, key), key, tuple(flags)


# --- models -----------------------------------------------------------------------------------

@lru_cache(maxsize=1 << 16)
def normalize_model(raw: str | None) -> tuple[str | None, tuple[str, ...]]:
    text = (clean_text(raw) or "").upper()
    if not text:
        return None, ("missing_model",)
    letters = re.sub(r"[^A-Z]", "", text)
    if letters in MODELS:
        return letters, ()
    if text.startswith("JAIL ENF"):
        return "JEM", (() if text == "JAIL ENFORCEMENT MODEL" else ("model_spelling",))
    if text.startswith("WARRANT SERVICE"):
        return "WSO", (() if text == "WARRANT SERVICE OFFICER" else ("model_spelling",))
    if text.startswith("TASK FORCE"):
        return "TFM", (() if text == "TASK FORCE MODEL" else ("model_spelling",))
    return clean_text(raw), ("unknown_model",)


# --- signing dates ----------------------------------------------------------------------------

@cache
def _date_fixes() -> dict[tuple[str, str, str], dict[str, str]]:
    return {(r["wrong_value"], r["state"], r["agency_key"]): r for r in _table("signed_dates.csv")}


def _parse_date_formats(text: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%Y/%m/%d", "%B %d, %Y", "%b %d, %Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def normalize_signed(
    raw: str | None, typed: Any, state_usps: str | None, agency_key: str, latest_plausible: dt.date
) -> tuple[str | None, tuple[str, ...]]:
    """(ISO date or None, flags). Impossible values stay as printed (the caller keeps the raw)
    and become a date only through signed_dates.csv."""
    settled, result = _signed_parts(raw, typed, state_usps, agency_key)
    return result if settled else _check_signed(result, latest_plausible)


@lru_cache(maxsize=1 << 16)
def _signed_parts(raw: str | None, typed: Any, state_usps: str | None, agency_key: str) -> tuple[bool, Any]:
    """What does not depend on the list's date, cached (the same cells recur in every list):
    (True, the answer) or (False, the date to check against the list's date)."""
    text = clean_text(raw)
    if not text:
        return True, (None, ("missing_signed_date",))
    fix = _date_fixes().get((text, state_usps or "", agency_key)) or _date_fixes().get((text, "", ""))
    if fix:
        return True, (fix["corrected"], ("signed_date_corrected",))
    if isinstance(typed, dt.datetime):
        return False, typed.date()
    if isinstance(typed, dt.date):
        return False, typed
    return False, _parse_date_text(text)


@lru_cache(maxsize=1 << 14)
def _parse_date_text(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else _parse_date_formats(text)
    except ValueError:
        return _parse_date_formats(text)


def _check_signed(value: dt.date | None, latest_plausible: dt.date) -> tuple[str | None, tuple[str, ...]]:
    if value is None:
        return None, ("unparsed_signed_date",)
    if not (EARLIEST_SIGNING <= value <= latest_plausible):
        return None, ("impossible_signed_date",)
    return value.isoformat(), ()


# --- links ------------------------------------------------------------------------------------

WAYBACK_PREFIX = re.compile(r"^https?://web\.archive\.org/web/\d+[a-z_]*/", re.I)


@lru_cache(maxsize=1 << 18)  # ~100,000 distinct cells over the history: 1 << 16 thrashed
def clean_url(raw: str | None) -> str | None:
    """The document's own address: web-archive prefixes and mail-safety wrappers removed."""
    text = clean_text(raw)
    if not text or not re.match(r"^(https?:)?//|^www\.", text, re.I):
        return None
    text = WAYBACK_PREFIX.sub("", text)
    parts = urlsplit(text)
    if parts.netloc.endswith("safelinks.protection.outlook.com"):
        inner = parse_qs(parts.query).get("url")
        if inner:
            text = inner[0]
    if text.startswith("//"):
        text = "https:" + text
    if text.lower().startswith("www."):
        text = "https://" + text
    return text.replace("http://www.ice.gov", "https://www.ice.gov")


def link_of(printed: str | None, target: str | None) -> str | None:
    """A MOA/ADDENDUM cell's link: the hyperlink target, else a URL printed in the cell."""
    return clean_url(target) or clean_url(printed)
