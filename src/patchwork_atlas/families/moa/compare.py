"""Each MOA set against the standard text of its template: what was added, removed or changed.

Why: ICE signs one template per model and revision, so a passage that differs from what most
MOAs of the same template say is a negotiated (or mistyped) term worth reading. Pure functions
over extracted texts. OCR noise is ignored (whitespace, case and punctuation are normalized and
sentences compared fuzzily with rapidfuzz) and so are the filled-in blanks: the agency's name,
dates, numbers and sentences too short to be clauses (signature fields, names, phone numbers).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from .extract import DATE_RES, MOA, parse_date

SAME = 90.0  # fuzzy ratio at or above which two normalized sentences are the same clause
CHANGED = 65.0  # below SAME but at least this: the same clause, reworded
MIN_CHARS = 30  # shorter normalized sentences are fields, not clauses
HEADING = re.compile(r"^\s*(?:([IVXL]{1,5})\s*\.\s+([A-Z][A-Z ,&/()'-]{3,80})|"
                     r"(APPENDIX\s*[A-D]))\s*$", re.M)

GroupKey = tuple[str, str]  # (model, "rev 2025-02-12" | "year 2020" | "unknown")


@dataclass(frozen=True)
class Difference:
    """One passage differing from the standard: ``text`` is the MOA's (None if removed),
    ``standard`` the group's (None if added); ``page`` where the MOA's passage starts."""

    kind: Literal["added", "removed", "changed"]
    section: str
    text: str | None
    standard: str | None
    page: int | None


@dataclass(frozen=True)
class Comparison:
    """An MOA against its group's standard. ``compared_with`` differs from ``group`` when the
    group has fewer than three MOAs and the nearest group of the same model served as standard.
    ``score``: changed characters over the standard's characters (0 = the template verbatim);
    None when too little of the MOA has text to compare."""

    sha256: str
    group: GroupKey
    compared_with: GroupKey
    differences: tuple[Difference, ...]
    score: float | None
    note: str | None = None


def group_key(moa: MOA) -> GroupKey:
    """Model and template revision; the 2019–2020 templates print no revision: model and year
    (ICE's signing date, else the latest date printed on the signature page)."""
    model = moa.model.value if moa.model else "unknown"
    if moa.revision:
        return model, f"rev {moa.revision.value}"
    dates = [s.date.value for s in (moa.ice, moa.lea) if s.date]
    if not dates:  # any printed date: the 2019–2020 templates carry the signing year somewhere
        dates = [d for p in moa.text.pages for rx, kind in DATE_RES for m in rx.finditer(p.text)
                 if (d := parse_date(m, kind)) and dt.date(2019, 1, 1) <= d < dt.date(2027, 1, 1)]
    return model, f"year {max(dates).year}" if dates else "unknown"


def normalize(sentence: str, masks: Sequence[str]) -> str:
    """Lowercase words only, the agency's names and all numbers masked."""
    s = sentence.lower()
    for m in masks:
        if m:
            s = s.replace(m, " lea ")
    s = re.sub(r"\d+", " ", s)
    s = re.sub(r"[^a-z]+", " ", s)
    return " ".join(s.split())


def masks_of(moa: MOA) -> list[str]:
    """The filled-in LEA name, its variants without state and its parenthesized abbreviation."""
    if not moa.agency:
        return []
    name = moa.agency.value.lower()
    out = {name, re.sub(r"\s*(\([^)]*\)|,[^,]*)$", "", name)}
    out |= {a.lower() for a in re.findall(r"\(([A-Z]{2,6})\)", moa.agency.value)}
    return sorted(out, key=len, reverse=True)


@dataclass(frozen=True)
class _Sentence:
    section: str
    norm: str
    text: str
    page: int


def sentences(moa: MOA) -> list[_Sentence]:
    """The MOA's clauses by section, normalized; unread pages contribute nothing."""
    masks = masks_of(moa)
    out: list[_Sentence] = []
    section = "PREAMBLE"
    for p in moa.text.pages:
        if p.unread:
            continue
        pos = 0
        parts: list[tuple[str, str]] = []
        for h in HEADING.finditer(p.text):
            parts.append((section, p.text[pos:h.start()]))
            section = " ".join((h.group(2) or h.group(3)).split()).upper().replace("APPENDIX ",
                                                                                  "APPENDIX")
            pos = h.end()
        parts.append((section, p.text[pos:]))
        for sec, chunk in parts:
            for s in re.split(r"(?<=[.;:])\s+", " ".join(chunk.split())):
                n = normalize(s, masks)
                if len(n) >= MIN_CHARS:
                    out.append(_Sentence(sec, n, s, p.number))
    return out


def standard(docs: Sequence[list[_Sentence]]) -> list[_Sentence]:
    """The clauses most MOAs of the group share (fuzzy), in the order of the MOA holding most."""
    counts: Counter[str] = Counter()
    reps: dict[str, _Sentence] = {}
    for doc in docs:
        seen: set[str] = set()
        for s in doc:
            key = next((k for k in reps if k not in seen and fuzz.ratio(k, s.norm) >= SAME), None)
            if key is None:
                key = s.norm
                reps[key] = s
            if key not in seen:
                seen.add(key)
                counts[key] += 1
    need = len(docs) / 2
    return [reps[k] for k in reps if counts[k] > need]


def diff(doc: list[_Sentence], std: list[_Sentence]) -> list[Difference]:
    """Added, removed and changed clauses of one MOA against a standard."""
    unmatched = list(doc)
    missing: list[_Sentence] = []
    for s in std:
        hit = next((d for d in unmatched if fuzz.ratio(d.norm, s.norm) >= SAME), None)
        if hit:
            unmatched.remove(hit)
        else:
            missing.append(s)
    out: list[Difference] = []
    for s in missing:
        best = max(unmatched, key=lambda d: fuzz.ratio(d.norm, s.norm), default=None)
        if best is not None and fuzz.ratio(best.norm, s.norm) >= CHANGED:
            unmatched.remove(best)
            out.append(Difference("changed", s.section, best.text, s.text, best.page))
        else:
            out.append(Difference("removed", s.section, None, s.text, None))
    out += [Difference("added", d.section, d.text, None, d.page) for d in unmatched]
    return out


def compare(moas: Sequence[MOA]) -> dict[str, Comparison]:
    """Every MOA against its group's standard text, keyed by sha256."""
    groups: dict[GroupKey, list[MOA]] = defaultdict(list)
    for m in moas:
        groups[group_key(m)].append(m)
    sents = {m.sha256: sentences(m) for m in moas}
    stds = {k: standard([sents[m.sha256] for m in v]) for k, v in groups.items() if len(v) >= 3}
    out: dict[str, Comparison] = {}
    for key, members in groups.items():
        against, note = key, None
        if key not in stds:
            near = nearest(key, [k for k in stds if k[0] == key[0]])
            against = near or key
            note = (f"group of {len(members)}: compared with {near[0]} {near[1]}" if near
                    else f"group of {len(members)} and no other group of this model")
        std = stds.get(against)
        for m in members:
            doc = sents[m.sha256]
            read = sum(not p.unread for p in m.text.pages) / len(m.text.pages)
            if std is None or read < 0.5 or not doc:
                out[m.sha256] = Comparison(m.sha256, key, against, (), None,
                                           note or "too little text to compare")
                continue
            ds = diff(doc, std)
            total = sum(len(s.norm) for s in std) or 1
            changed = sum(len(normalize(d.text or d.standard or "", [])) for d in ds)
            out[m.sha256] = Comparison(m.sha256, key, against, tuple(ds),
                                       round(changed / total, 3), note)
    return out


def nearest(key: GroupKey, candidates: list[GroupKey]) -> GroupKey | None:
    """The candidate whose revision date or year is closest (revisions count as their year)."""
    def when(k: GroupKey) -> float:
        m = re.search(r"(\d{4})(?:-(\d\d)-(\d\d))?", k[1])
        if not m:
            return 0.0
        return int(m.group(1)) + (int(m.group(2) or 6) - 1) / 12
    return min(candidates, key=lambda k: abs(when(k) - when(key)), default=None)
