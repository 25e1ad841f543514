"""Reader for ICE Detainee Death Reports (DDR), FY2018 on.

The first page carries a labelled block (name in the title, "Date of Death", "Age",
"Gender"/"Sex", "Country of Citizenship"); the facility, hospital and field office are only in
the narrative, so they are read with conservative patterns and every choice that rests on a
heuristic that can disagree with another is listed in `review_reasons`.
Medical and criminal details of the narrative are deliberately not extracted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .model import (
    LONG_DATE_RE,
    CustodyEvent,
    DeathReport,
    DocText,
    Extracted,
    Place,
    ReadError,
    long_date,
)
from .places import (
    DEFINED_RE,
    DETENTION_RE,
    LEAD_NOISE,
    MEDICAL_RE,
    MEDICAL_WORD_RE,
    state_code,
)

TITLE_RE = re.compile(r"Detainee Death Report:[ \t]*(?P<v>[^\r\n]+)")
DEATH_DATE_RE = re.compile(
    rf"(?P<label>Date of Neurologic Death|Date of Death|Date)\s*:\s*(?P<v>{LONG_DATE_RE})"
)
AGE_RE = re.compile(r"\bAge\s*:\s*(?P<v>\d{1,3})\b")
SEX_RE = re.compile(r"\bSex\s*:[ \t]*(?P<v>[^\r\n]+)")
GENDER_RE = re.compile(r"\bGender\s*:[ \t]*(?P<v>[^\r\n]+)")
COUNTRY_RE = re.compile(r"Country of Citizenship\s*:[ \t]*(?P<v>[^\r\n]+)")
PRONOUNCED_RE = re.compile(
    r"(?:pronounced|declared)\s+(?:(?:Mr|Ms|Mrs)\.\s+)?[^.]{0,60}?"
    r"\b(?:dead|deceased|death)\b|called\s+the\s+time\s+of\s+death|\bpassed\s+away\b|"
    r"\bMr\.\s+[A-Z][^.]{0,40}\bdied\b",
)
REMOTE_RE = re.compile(r"contacted|telephon|on-call|instructed|supervising|consultation")
WINDOW = 450  # characters before the pronouncing sentence searched for the hospital
FIELD_OFFICES = (
    "Atlanta", "Baltimore", "Boston", "Buffalo", "Chicago", "Dallas", "Denver", "Detroit",
    "El Paso", "Harlingen", "Houston", "Los Angeles", "Miami", "Newark", "New Orleans",
    "New York City", "New York", "Philadelphia", "Phoenix", "Salt Lake City", "San Antonio",
    "San Diego", "San Francisco", "Seattle", "St. Paul", "Washington",
)
ERO_RE = re.compile(rf"\bERO\s+(?P<v>{'|'.join(re.escape(o) for o in FIELD_OFFICES)})\b")
CUSTODY_VERB_RE = re.compile(
    r"\b(?:transferr\w*|booked|book-in|detained\s+(?:him|her)|housed|custody)\b"
)
SENTENCE_END_RE = re.compile(
    r"(?<!\bMr)(?<!\bMs)(?<!\bMrs)(?<!\bDr)(?<!\bSt)(?<!\ba\.m)(?<!\bp\.m)(?<!U\.S)\.(?=\s|$)"
)
DATED_RE = re.compile(rf"\bOn\s+(?P<d>{LONG_DATE_RE}),")


@dataclass
class _Mention:
    """One full mention of a place in the text, with its spans (global offsets)."""

    name: tuple[int, int]
    abbr: str | None
    city: tuple[int, int] | None
    state: tuple[int, int] | None


def _field(doc: DocText, pattern: re.Pattern[str], value=None) -> Extracted | None:
    m = pattern.search(doc.text)
    if not m:
        return None
    raw = doc.text[m.start("v"):m.end("v")]
    v = value(raw) if value else None
    if value and v is None:
        return None
    return doc.extract(m.start("v"), m.end("v") - (len(raw) - len(raw.rstrip(" `\t"))), v)


def _mentions(doc: DocText, pattern: re.Pattern[str]) -> list[_Mention]:
    out = []
    for m in pattern.finditer(doc.flat):
        s, e = m.span("name")
        lead = LEAD_NOISE.match(doc.flat[s:e])
        if lead:
            s += lead.end()
        abbr = m.group("abbr") or m.group("abbr2") or None
        if abbr and re.fullmatch(r"[A-Z]{2}", abbr) and m.group("abbr2") and not m.group("abbr"):
            abbr = None if state_code(abbr) else abbr
        out.append(_Mention(
            (s, e), abbr,
            m.span("city") if m.group("city") else None,
            m.span("state") if m.group("state") else None,
        ))
    return out


def _place(doc: DocText, mentions: list[_Mention]) -> Place:
    """One place from its full mentions: the first one that states a city, else the first."""
    best = next((m for m in mentions if m.city), mentions[0])
    state = None
    if best.state:
        raw = doc.text[best.state[0]:best.state[1]]
        code = state_code(" ".join(raw.split()))
        state = doc.extract(*best.state, code) if code else None
    return Place(
        name=doc.extract(*best.name),
        abbreviation=next((m.abbr for m in mentions if m.abbr), None),
        city=doc.extract(*best.city) if best.city else None,
        state=state,
    )


def _group(doc: DocText, mentions: list[_Mention]) -> dict[str, list[_Mention]]:
    """Mentions of one place share an abbreviation or a (case-folded) name."""
    groups: dict[str, list[_Mention]] = {}
    alias: dict[str, str] = {}
    for m in mentions:
        name = " ".join(doc.flat[m.name[0]:m.name[1]].lower().split())
        key = alias.get(m.abbr or "") or alias.get(name) or (m.abbr or name)
        groups.setdefault(key, []).append(m)
        alias[name] = key
        if m.abbr:
            alias.setdefault(m.abbr, key)
    return groups


def _positions(doc: DocText, key: str, group: list[_Mention]) -> list[int]:
    """Where a place is referred to: its full mentions and, after it is defined, its
    abbreviation as a whole word."""
    pos = [m.name[0] for m in group]
    abbr = next((m.abbr for m in group if m.abbr), None)
    if abbr:
        first = min(pos)
        pos += [a.start() for a in re.finditer(rf"\b{re.escape(abbr)}\b", doc.flat)
                if a.start() > first]
    return sorted(pos)


def _sentence(doc: DocText, at: int) -> tuple[int, int]:
    """Bounds of the sentence around offset `at` (periods after Mr/a.m./U.S. do not end it)."""
    start = 0
    for m in SENTENCE_END_RE.finditer(doc.flat, 0, at):
        start = m.end()
    end_m = SENTENCE_END_RE.search(doc.flat, at)
    end = end_m.end() if end_m else len(doc.flat)
    while start < end and doc.flat[start] in " \f•o\u2022":
        start += 1
    return start, end


def read_report(doc: DocText) -> DeathReport:
    if not TITLE_RE.search(doc.text):
        raise ReadError("not a Detainee Death Report (no 'Detainee Death Report:' title)")
    r = DeathReport()
    r.name = _field(doc, TITLE_RE)
    m = DEATH_DATE_RE.search(doc.text)
    if m:
        d = long_date(" ".join(m.group("v").split()))
        if d:
            r.date_of_death = doc.extract(m.start("v"), m.end("v"), d)
            r.death_date_label = m.group("label")
    r.age = _field(doc, AGE_RE, int)
    r.sex = _field(doc, SEX_RE)
    r.gender = _field(doc, GENDER_RE) or r.sex
    r.country = _field(doc, COUNTRY_RE)

    death = PRONOUNCED_RE.search(doc.flat)
    death_end = _sentence(doc, death.start())[1] if death else len(doc.flat)

    detention = _group(doc, _mentions(doc, DETENTION_RE))
    defined = [m for m in _mentions(doc, DEFINED_RE)
               if MEDICAL_WORD_RE.search(doc.flat, m.name[0], m.name[1])
               and not re.search(r"Services|Examiner|Department", doc.flat[m.name[0]:m.name[1]])]
    medical = _group(doc, _mentions(doc, MEDICAL_RE) + defined)
    r.facility = _choose_facility(doc, r, detention, death_end)
    if death:
        r.place_of_death = _place_of_death(doc, death.start(), medical, detention)

    offices = [o for o in ERO_RE.finditer(doc.flat) if o.start() < death_end]
    if offices:
        o = offices[-1]
        r.field_office = doc.extract(o.start("v"), o.end("v"))
    r.custody_events = _custody_events(doc, detention, medical, death_end)

    if r.date_of_death is None:
        r.review_reasons.append("date of death not found")
    if r.name is None:
        r.review_reasons.append("name not found")
    return r


NARRATIVE_RE = re.compile(r"Medical History|Synopsis of (?:Events|Death)|SYNOPSIS OF EVENTS")
ASIDE_RE = re.compile(r"\brecords?\b|\bprior\b[^.]{0,60}\border\b")
EN_ROUTE_RE = re.compile(
    r"(?:(?:en|in)\s+route\s+to|transport(?:ation)?\s+from\s+\S+(?:\s+\S+){0,6}?\s+to)"
    r"\s+(?:the\s+)?$"
)
CRIMINAL_RE = re.compile(
    r"Criminal History(?P<body>.*?)(?=Medical History|Synopsis of|SYNOPSIS OF|Immigration History|$)",
    re.S,
)


def _choose_facility(
    doc: DocText, r: DeathReport, groups: dict[str, list[_Mention]], death_end: int
) -> Place | None:
    """The facility the person was held in: the detention place referred to last before the
    death is stated. References in sentences about records from elsewhere ('requested his
    medical records from ...') or to a destination never reached ('en route to ...') do not
    count. Cross-checked against the place referred to most in the medical narrative; a
    disagreement is kept as a review reason rather than silently resolved."""
    criminal = [m.span("body") for m in CRIMINAL_RE.finditer(doc.flat)]
    en_route: list[int] = []

    def counts(p: int) -> bool:
        s, e = _sentence(doc, p)
        if EN_ROUTE_RE.search(doc.flat, max(0, p - 90), p):
            en_route.append(p)
            return False
        return not ASIDE_RE.search(doc.flat, s, e) and not any(a <= p < b for a, b in criminal)

    refs = {k: [p for p in _positions(doc, k, g) if p < death_end and counts(p)]
            for k, g in groups.items()}
    if en_route:
        r.review_reasons.append("a transfer was under way: check the facility (place of departure)")
    refs = {k: v for k, v in refs.items() if v}
    if not refs:
        r.review_reasons.append("facility not found (the report names no detention place)")
        return None
    last = max(refs, key=lambda k: refs[k][-1])
    narrative = NARRATIVE_RE.search(doc.flat)
    since = narrative.start() if narrative else 0
    tally = Counter({k: sum(p >= since for p in v) for k, v in refs.items()})
    most, n = tally.most_common(1)[0]
    if most != last and n > tally[last]:
        r.review_reasons.append(
            f"facility: last referred to is {last}, most referred to is {most} ({n} times)"
        )
    return _place(doc, groups[last])


def _place_of_death(
    doc: DocText, at: int, medical: dict[str, list[_Mention]], detention: dict
) -> Place | None:
    """The hospital where death was pronounced, only when the text puts the person there: a
    hospital named in the pronouncing sentence, else the hospital named last in the few
    sentences before it with no detention place named in between. A physician reached by
    phone (EMS 'contacted' a hospital) does not make the hospital the place of death."""
    s, e = _sentence(doc, at)
    if REMOTE_RE.search(doc.flat, s, e):
        return None
    det = [p for k, g in detention.items() for p in _positions(doc, k, g)]
    near = [(p, k) for k, g in medical.items() for p in _positions(doc, k, g)
            if s - WINDOW <= p < e]
    near = [(p, k) for p, k in near if not any(p < d < e for d in det)]
    return _place(doc, medical[max(near)[1]]) if near else None


def _custody_events(
    doc: DocText, detention: dict[str, list[_Mention]], medical: dict, death_end: int
) -> list[CustodyEvent]:
    """Dated sentences that book the person into, or move him or her between, detention
    places ("On April 24, 2024, USBP transferred custody ... to ... CCCC")."""
    det_pos = {p for k, g in detention.items() for p in _positions(doc, k, g)}
    med_pos = {p for k, g in medical.items() for p in _positions(doc, k, g)}
    out = []
    for m in DATED_RE.finditer(doc.flat, 0, death_end):
        s, e = _sentence(doc, m.start())
        if s < m.start() - 2 and doc.flat[s:m.start()].strip():
            s = m.start()
        if not CUSTODY_VERB_RE.search(doc.flat, s, e):
            continue
        if not any(s <= p < e for p in det_pos) or any(s <= p < e for p in med_pos):
            continue
        d = long_date(" ".join(m.group("d").split()))
        if d:
            out.append(CustodyEvent(doc.extract(m.start("d"), m.end("d"), d), doc.extract(s, e)))
    return out
