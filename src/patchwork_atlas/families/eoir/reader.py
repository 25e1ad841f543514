"""Read the EOIR legal-service rosters (JSON parses of DOJ PDFs) into cleaned rows.

The two-column PDFs were parsed imperfectly: organization names spill into the address cell,
office labels and phone lines pose as organizations, hotline text and opening hours sit inside
addresses, web addresses repeat. Every rule below is a small named function so the cleaning
can be shown; each row keeps its raw record and a list of flags naming the rules that fired.
Nothing is guessed: a value a rule cannot clean is kept as printed and flagged for review.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

RECOGNIZED = "recognized"
PRO_BONO = "pro_bono"

RECOGNIZED_KEYS = {"organization_name", "organization_status", "city_state_zip", "office_type"}
PRO_BONO_KEYS = {"organizationName", "immigrationCourt", "isReferralService", "cityStateZip"}


@dataclass
class Row:
    """One roster record, raw and cleaned (mirrors table legal_roster_rows)."""

    record_index: int
    roster: str
    raw: dict[str, Any]
    entry_kind: str = "organization"  # organization | office_label | continuation
    name: str | None = None
    office_label: str | None = None
    parent_index: int | None = None
    parent_rule: str | None = None
    street: str | None = None
    city: str | None = None
    state_usps: str | None = None
    zip5: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    languages: list[str] = field(default_factory=list)
    languages_text: str | None = None
    case_types: str | None = None
    intake: str | None = None
    notes: list[str] = field(default_factory=list)
    court: str | None = None
    court_state: str | None = None
    page_number: int | None = None
    is_referral: bool = False
    recognized_date: str | None = None
    expiration_date: str | None = None
    pending_renewal: bool | None = None
    status: str | None = None
    flags: list[str] = field(default_factory=list)
    review_reason: str | None = None
    spill: str | None = None  # text after a hotline number: the next row's lost name start

    def flag(self, code: str) -> None:
        if code not in self.flags:
            self.flags.append(code)

    def review(self, reason: str) -> None:
        self.review_reason = f"{self.review_reason}; {reason}" if self.review_reason else reason


# --------------------------------------------------------------------------- recognition


def roster_kind(records: Any) -> str | None:
    """Which roster a parsed JSON document is, judged by its record keys (None if neither)."""
    if not isinstance(records, list) or not records or not all(isinstance(r, dict) for r in records):
        return None
    keys = set(records[0])
    if RECOGNIZED_KEYS <= keys:
        return RECOGNIZED
    if PRO_BONO_KEYS <= keys:
        return PRO_BONO
    return None


def sniff(head: bytes) -> bool:
    """Cheap pre-check on a file's first bytes before parsing JSON."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"[") and (b'"organization_name"' in head or b'"organizationName"' in head)


def load(data: bytes) -> Any:
    return json.loads(data.decode("utf-8-sig"))


DATE_IN_NAME = re.compile(r"(20\d\d)-(\d\d)-(\d\d)")


def roster_date(file_name: str, provenance: dict[str, str]) -> tuple[str | None, str]:
    """The roster's as-of date: the JSON carries none, so the manifest's `collected` date,
    else a YYYY-MM-DD in the file name, else unknown."""
    collected = (provenance.get("collected") or "").strip()
    if re.fullmatch(r"\d{4}-\d\d-\d\d", collected):
        return collected, "manifest_collected"
    m = DATE_IN_NAME.search(file_name)
    if m:
        return m.group(0), "file_name"
    return None, "unknown"


# --------------------------------------------------------------------------- field rules

_WS = re.compile(r"\s+")


def squash(value: Any) -> str:
    """Trim, collapse whitespace, and undo literal escape sequences left by the PDF parse."""
    if value is None:
        return ""
    text = str(value).replace("\\n", " ").replace("\\t", " ").replace("\\r", " ")
    return _WS.sub(" ", text).strip()


PHONE = re.compile(
    r"(?:\b1[\s.-]*)?\(?\b(\d{3})\)?[\s.-]*(\d{3})[\s.-]+(\d{4})\b(?:,?\s*(?:ext\.?|x)\s*(\d+))?",
    re.I,
)


def phones_in(text: str) -> list[str]:
    """Every US phone number in a cell, normalized to '(AAA) BBB-CCCC[ ext. N]'."""
    out = []
    for m in PHONE.finditer(text or ""):
        number = f"({m.group(1)}) {m.group(2)}-{m.group(3)}"
        if m.group(4):
            number += f" ext. {m.group(4)}"
        if number not in out:
            out.append(number)
    return out


def clean_phone(raw: str | None, row: Row) -> str | None:
    text = squash(raw)
    if not text:
        return None
    numbers = phones_in(text)
    if not numbers:
        row.flag("phone_unreadable")
        return None
    rest = PHONE.sub("", text).strip(" ,;/()-").replace("  ", " ")
    rest = re.sub(r"^or\b\s*", "", rest).strip(" ,;/()")
    if rest:
        row.notes.append(f"Phone: {text}")
        row.flag("phone_annotated")
    return " / ".join(numbers)


_GENERIC_MAILBOX = (
    "info", "help", "intake", "legal", "immigra", "imm", "admin", "contact", "service", "justice",
    "referral", "webform", "reception", "recepcion", "clinic", "children", "adults", "probono",
    "detention", "office", "frontdesk", "hola", "oficina", "advocates", "coordinator", "rights",
    "ils", "inquir", "unit", "center", "foundation", "refugee", "dreamers", "law",
)  # fmt: skip


def _acronyms(org_name: str) -> set[str]:
    words = re.findall(r"[A-Za-z]+", org_name or "")
    found = {w.lower() for w in re.findall(r"\(([A-Za-z/]+)\)", org_name or "")}
    found.add("".join(w[0] for w in words if w[0].isupper()).lower())
    return {a for a in found if len(a) >= 2}


def mailbox_is_personal(address: str, org_name: str = "") -> bool:
    """Whether an e-mail looks like a person's own mailbox (e.g. 'jdoe@', 'jane.doe@').

    Patchwork stores no personal names of representatives, so only role mailboxes are kept:
    the local part must contain a role word, or be the organization's acronym, or be part of
    its domain name. Anything else is withheld (a cautious rule: it also drops some role boxes).
    """
    local, _, domain = address.lower().partition("@")
    letters = re.sub(r"[^a-z]", "", local)
    if any(token in local for token in _GENERIC_MAILBOX):
        return False
    if letters and (letters in _acronyms(org_name) or letters in domain.replace("-", "")):
        return False
    if len(local) <= 3:  # 'oac@', 'ucp@': too short to be a name
        return False
    return True


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def clean_emails(raw: str | None, org_name: str, row: Row) -> tuple[str | None, str | None]:
    """(cleaned e-mails, raw cell with personal mailboxes withheld)."""
    text = squash(raw)
    if not text:
        return None, raw
    kept, redacted = [], text
    for address in EMAIL.findall(text):
        if mailbox_is_personal(address, org_name):
            redacted = redacted.replace(address, "[withheld]@" + address.partition("@")[2])
            row.flag("personal_mailbox_withheld")
        elif address.lower() not in [k.lower() for k in kept]:
            kept.append(address)
    return (" / ".join(kept) or None), redacted


def clean_website(raw: str | None, row: Row) -> str | None:
    """First distinct web address in the cell; repeated or run-together copies are dropped."""
    text = squash(raw)
    if not text:
        return None
    parts = [p for p in re.split(r"\s+or\s+|\s+|(?=www\.)", text) if p and "." in p]
    seen: list[str] = []
    for part in parts:
        key = part.lower().rstrip("/")
        if key not in [s.lower().rstrip("/") for s in seen]:
            seen.append(part)
    if len(parts) > 1:
        row.flag("website_repeated" if len(seen) == 1 else "several_websites")
        if len(seen) > 1:
            row.notes.append("Websites: " + ", ".join(seen))
    return seen[0] if seen else None


CSZ = re.compile(r"^(?P<city>.+?),\s*(?P<st>[A-Za-z]{2})\.?\s+(?P<zip>\d{5})(?:-?\d{4})?$")
STREET_IN_CITY = re.compile(
    r"^(?P<street>\d+\s.*?\b(?:Road|Rd|Street|St|Avenue|Ave|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|"
    r"Court|Ct|Place|Pl|Highway|Hwy|Parkway|Pkwy)\.?)\s+(?P<city>[A-Z][^\d]*)$"
)


def parse_city_state_zip(raw: str | None, row: Row) -> None:
    text = squash(raw)
    if not text:
        return
    m = CSZ.match(text)
    if not m:
        row.flag("city_state_zip_unreadable")
        row.notes.append(f"Address line: {text}")
        return
    city, state = m.group("city").strip(), m.group("st")
    if state != state.upper():
        row.flag("state_case_fixed")
    inner = STREET_IN_CITY.match(city)
    if inner and not row.street:
        row.street, city = inner.group("street"), inner.group("city")
        row.flag("street_inside_city_line")
    row.city, row.state_usps, row.zip5 = city, state.upper(), m.group("zip")


def parse_us_date(raw: Any, row: Row, what: str) -> str | None:
    """'MM/DD/YY' -> ISO; two-digit years pivot at 50 (99 -> 1999, 24 -> 2024)."""
    text = squash(raw)
    if not text:
        return None
    found = re.findall(r"\b(\d\d)/(\d\d)/(\d\d(?:\d\d)?)\b", text)
    if len(found) != 1 or len(text.split()) != 1:
        row.flag(f"{what}_several_dates")
        row.review(f"{what} cell holds {len(found)} dates: {text}")
        return None
    mm, dd, yy = found[0]
    year = int(yy) if len(yy) == 4 else (1900 + int(yy) if int(yy) > 50 else 2000 + int(yy))
    try:
        return dt.date(year, int(mm), int(dd)).isoformat()
    except ValueError:  # e.g. 02/30/24: kept as printed in the raw field, left unknown here
        row.flag(f"{what}_impossible_date")
        row.review(f"{what} is not a real date: {text}")
        return None


LANGUAGES = {
    "es": r"spanish|espa[nñ]ol",
    "en": r"english",
    "fr": r"french",
    "ht": r"haitian creole",
    "pt": r"portuguese",
    "zh": r"mandarin|chinese|中文",
    "yue": r"cantonese",
    "vi": r"vietnamese",
    "fa": r"farsi",
    "prs": r"dari",
    "ps": r"pashto",
    "ru": r"russian",
    "ar": r"arabic",
    "kar": r"\bkaren\b",
    "ase": r"\basl\b",
}
NO_SPANISH = re.compile(r"no hablamos espa[nñ]ol|no spanish", re.I)


def parse_languages(row: Row) -> None:
    """ISO codes named in the languages cell; a 'No hablamos español' anywhere removes 'es'."""
    text = squash(row.raw.get("languages"))
    row.languages_text = text or None
    codes = [code for code, pat in LANGUAGES.items() if re.search(pat, text, re.I)]
    everything = " ".join(squash(row.raw.get(k)) for k in ("languages", "caseTypeLimits", "intakePolicy"))
    if NO_SPANISH.search(everything) and "es" in codes:
        codes.remove("es")
        row.flag("states_no_spanish")
    elif NO_SPANISH.search(everything):
        row.flag("states_no_spanish")
    row.languages = codes


# --------------------------------------------------------------------------- street cell

TIME = re.compile(r"\b\d{1,2}(?::\d\d)?\s?(?:AM|PM)\b", re.I)
NUMBERED_START = re.compile(r"^(?:\d+[A-Za-z]?(?:-\d+)?\s+\S|One\s|Two\s)")
PO_BOX = re.compile(r"^(?:P\.?\s?O\.?\s*Box|Post Office Box)\b", re.I)


def _is_prose(segment: str) -> bool:
    words = segment.split()
    lower = sum(1 for w in words if w[:1].islower())
    return len(words) >= 4 and lower * 2 > len(words)


def clean_street(raw: str | None, row: Row) -> None:
    """Split an address cell into the street, an office label, phones and moved-out text.

    Rules, in order: a prefix ending in '*' is the tail of the organization name (or, for
    'Information Hotline**', a label); segments that are labels ('Houston Office:'), phone
    numbers, e-mail/web text, opening hours, parentheticals or prose are moved out; text after
    a hotline number is spill from the next record; when the cell holds several street
    addresses the last one is kept (the city/ZIP line printed under the cell belongs to it).
    """
    text = squash(raw)
    if not text:
        return
    star = text.find("*")
    if 0 < star < 90 and not text[:star].strip()[:1].isdigit():
        prefix = text[:star].strip(" ,")
        text = text[star:].lstrip("*").lstrip(" ,")
        label = re.search(r"\s((?:Main|Field)\s+Office)$", prefix)
        if prefix.lower().startswith("information hotline"):
            row.flag("hotline_label_in_address")
        else:
            if label:
                row.office_label, prefix = label.group(1), prefix[: label.start()].strip(" ,")
            row.flag("name_tail_in_address")
            row.name = f"{row.name} {prefix}".strip() if row.name else prefix
    segments = [s.strip() for s in text.split(",") if s.strip()]
    kept: list[str] = []
    moved: list[str] = []
    labels: list[tuple[int, str]] = []
    depth, after_phone, spill = 0, False, []
    for seg in segments:
        opens, closes = seg.count("("), seg.count(")")
        inside = depth > 0 or (seg.startswith("(") and opens > closes)
        depth = max(0, depth + opens - closes)
        if after_phone:
            spill.append(seg)
        elif inside or (seg.startswith("(") and seg.endswith(")")):
            moved.append(seg)
        elif seg.endswith(":"):
            labels.append((len(kept), seg.rstrip(":").strip()))
        elif PHONE.fullmatch(seg) or re.fullmatch(r"1\s*" + PHONE.pattern, seg):
            row.flag("phone_in_address")
            if not row.phone:
                row.phone = phones_in(seg)[0]
            after_phone = True
        elif "@" in seg or "www." in seg.lower() or "http" in seg.lower() or TIME.search(seg) or _is_prose(seg):
            moved.append(seg)
        else:
            kept.append(seg)
    starts = [i for i, seg in enumerate(kept) if NUMBERED_START.match(seg)]
    if not starts:
        starts = [i for i, seg in enumerate(kept) if PO_BOX.match(seg)]
    if not starts:
        if kept:
            moved = kept + moved
            row.flag("no_street_in_address")
        kept = []
    else:
        first = starts[-1]
        if len(starts) > 1:
            row.flag("several_addresses_in_cell")
            row.notes.append("Address cell: " + squash(raw))
        if first > 0:
            before = kept[: starts[0]]
            if before:
                moved = before + moved
                row.flag("text_before_address")
        label_here = [lab for pos, lab in labels if pos <= first]
        if label_here:
            row.office_label = label_here[-1]
        kept = kept[first:]
    if labels and not row.office_label:
        row.office_label = labels[-1][1]
    if moved:
        row.notes.append("From address cell: " + ", ".join(moved))
        row.flag("text_moved_from_address")
    if spill:
        row.spill = ", ".join(spill)
        row.flag("spill_after_hotline")
    row.street = ", ".join(kept) or None


# --------------------------------------------------------------------------- names

CONTINUATION = re.compile(
    r"@|^toll free|^(?:mailing|physical) address|^for help with|^to refer someone", re.I
)
FRAGMENT = re.compile(r"^(?:[a-z]|(?i:inc\.|project, inc\.|llc\b))")
LABEL_NAMES = re.compile(r"^information hotline$", re.I)  # a hotline printed where a name belongs


def classify_name(name: str) -> str:
    """organization | office_label | continuation | fragment (an organization whose name lost
    its start to the previous cell)."""
    if CONTINUATION.search(name) or name.count(")") > name.count("("):
        return "continuation"
    if name.endswith(":") or LABEL_NAMES.match(name):
        return "office_label"
    if FRAGMENT.match(name):
        return "fragment"
    return "organization"


def clean_name(raw: Any, row: Row) -> str:
    name = squash(raw)
    cleaned = re.sub(r"\*|\(cont\.\)", "", name).strip(" ,")
    cleaned = _WS.sub(" ", cleaned)
    if cleaned != name:
        row.flag("name_marks_removed")
    return cleaned


# --------------------------------------------------------------------------- rosters


def clean_recognized(records: list[dict[str, Any]]) -> list[Row]:
    """The Recognized Organizations roster: one row per organization office."""
    rows = []
    for i, rec in enumerate(records):
        row = Row(record_index=i, roster=RECOGNIZED, raw=dict(rec))
        row.name = clean_name(rec.get("organization_name"), row)
        row.street = squash(rec.get("street_address")) or None
        parse_city_state_zip(rec.get("city_state_zip"), row)
        printed_state = squash(rec.get("state")).upper() or None
        if row.state_usps and printed_state and printed_state != row.state_usps:
            row.flag("state_column_differs")
            row.review(f"state column {printed_state} differs from address state {row.state_usps}")
        row.state_usps = row.state_usps or printed_state
        row.phone = clean_phone(rec.get("phone"), row)
        row.status = squash(rec.get("organization_status")) or None
        row.office_label = squash(rec.get("office_type")) or None
        row.recognized_date = parse_us_date(rec.get("organization_recognized_date"), row, "recognized_date")
        row.expiration_date = parse_us_date(
            rec.get("organization_recognition_expiration"), row, "expiration_date"
        )
        pending = rec.get("organization_recognition_pending_renewal")
        row.pending_renewal = pending if isinstance(pending, bool) else None
        if not row.zip5:
            row.review("no ZIP code in the address")
        rows.append(row)
    return rows


def clean_pro_bono(records: list[dict[str, Any]]) -> list[Row]:
    """The List of Pro Bono Legal Service Providers: one row per (provider, court) listing."""
    rows: list[Row] = []
    for i, rec in enumerate(records):
        row = Row(record_index=i, roster=PRO_BONO, raw=dict(rec))
        row.court = squash(rec.get("immigrationCourt")) or None
        row.court_state = squash(rec.get("state")).upper() or None
        row.page_number = rec.get("pageNumber") if isinstance(rec.get("pageNumber"), int) else None
        row.is_referral = rec.get("isReferralService") is True
        name = clean_name(rec.get("organizationName"), row)
        kind = classify_name(name)
        row.name = name
        if kind == "office_label":
            row.office_label = name.rstrip(":").strip()
            row.name = None
            base = re.split(r"\s+[–-]\s+", row.office_label, maxsplit=1)
            if len(base) == 2:  # 'American Gateways – Waco Extension Office:'
                row.name, row.office_label = base[0], base[1]
                kind = "organization"
                row.flag("office_label_in_name")
        elif kind == "continuation":
            row.notes.append(f"Printed as name: {name}")
            row.name = None
        row.entry_kind = "continuation" if kind == "continuation" else (
            "office_label" if kind == "office_label" else "organization"
        )
        if kind == "fragment":
            row.flag("name_fragment")
        row.phone = clean_phone(rec.get("phone"), row)
        clean_street(rec.get("streetAddress"), row)
        parse_city_state_zip(rec.get("cityStateZip"), row)
        if "Toll Free" in name:
            row.notes.append(name)
            tollfree = phones_in(name)
            if tollfree:
                row.phone = " / ".join(dict.fromkeys(tollfree + ([row.phone] if row.phone else [])))
        email, redacted = clean_emails(rec.get("email"), row.name or "", row)
        row.email = email
        if redacted != rec.get("email"):
            row.raw["email"] = redacted
        for address in EMAIL.findall(name):  # a row whose "name" is e-mail addresses
            if mailbox_is_personal(address):
                row.flag("personal_mailbox_withheld")
                row.raw["organizationName"] = row.raw["organizationName"].replace(
                    address, "[withheld]@" + address.partition("@")[2]
                )
                row.notes = [n.replace(address, "[withheld]@" + address.partition("@")[2]) for n in row.notes]
        row.website = clean_website(rec.get("website"), row)
        parse_languages(row)
        row.case_types = squash(rec.get("caseTypeLimits")) or None
        row.intake = squash(rec.get("intakePolicy")) or None
        rows.append(row)
    _link_rows(rows)
    return rows


_GENERIC_DOMAINS = {"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com", "igc.org"}


def _domains(row: Row) -> set[str]:
    """Web domains of a row's e-mail and website (withheld mailboxes still name their domain)."""
    found = set()
    for text in (row.email or "", row.website or "", str(row.raw.get("email") or "")):
        for m in re.finditer(r"(?:@|www\.|^)([a-z0-9-]+\.[a-z.]+)", text.lower()):
            if m.group(1) not in _GENERIC_DOMAINS:
                found.add(m.group(1).rstrip("./"))
    return found


def _house(row: Row) -> str:
    m = re.match(r"\d+", row.street or "")
    return m.group(0) if m else ""


def _can_own(row: Row) -> bool:
    """Rows that may own an office label or continuation: named organizations, not hotlines."""
    return (
        row.entry_kind == "organization"
        and bool(row.name)
        and "hotline_label_in_address" not in row.flags
        and "name_fragment" not in row.flags
    )


def _link_rows(rows: list[Row]) -> None:
    """Attach office labels and continuation rows to the organization they belong to, rebuild
    names whose start spilled into the previous record's address cell, and split office
    suffixes ('KIND - Newark') off names whose base is itself a listed organization."""
    for pos, row in enumerate(rows):
        if "name_fragment" not in row.flags:
            continue
        prev = rows[pos - 1] if pos else None
        if prev is not None and prev.court == row.court and prev.spill:
            row.name = f"{prev.spill} {row.name}"
            row.flag("name_joined_from_previous_spill")
            prev.notes.append(f"Spilled text moved to next record: {prev.spill}")
            row.flags.remove("name_fragment")
    joined = {
        (squash(r.raw.get("organizationName")), r.zip5): r.name
        for r in rows
        if "name_joined_from_previous_spill" in r.flags
    }
    for row in rows:
        if "name_fragment" not in row.flags:
            continue
        found = joined.get((squash(row.raw.get("organizationName")), row.zip5))
        if found:
            row.name = found
            row.flag("name_completed_as_elsewhere_in_roster")
            row.flags.remove("name_fragment")
        else:
            row.review("organization name incomplete in the roster (its start was lost in the PDF)")
    for pos, row in enumerate(rows):
        if row.entry_kind == "organization":
            continue
        parent, rule = _find_parent(rows, pos)
        if parent is None:
            row.review("no organization found to attach this row to")
            continue
        row.parent_index, row.parent_rule = parent.record_index, rule
        row.name = parent.name
        if row.entry_kind == "continuation" and row.zip5 and row.street and not _is_mailing(row):
            row.flag("office_from_continuation_row")
            row.review(f"office attributed to '{parent.name}' from a garbled roster row")
        elif row.entry_kind == "office_label" and rule == "preceding_organization_in_court":
            row.flag("office_owner_from_position")
    _split_office_suffixes(rows)


def _find_parent(rows: list[Row], pos: int) -> tuple[Row | None, str | None]:
    row = rows[pos]
    same_court = [r for r in rows[:pos] if r.court == row.court]
    owners = [r for r in reversed(same_court) if _can_own(r)]
    if row.zip5 and _house(row):
        for r in rows:
            if r is not row and r.entry_kind == "organization" and r.name and r.zip5 == row.zip5 and _house(r) == _house(row):
                return r, "same_address_in_roster"
    mine = _domains(row)
    if mine:
        for r in owners:
            if _domains(r) & mine:
                return r, "same_web_domain_in_court"
        for r in rows:
            if _can_own(r) and _domains(r) & mine:
                return r, "same_web_domain_in_roster"
    if owners:
        return owners[0], "preceding_organization_in_court"
    return None, None


def _split_office_suffixes(rows: list[Row]) -> None:
    names = {name_key(r.name) for r in rows if r.name}
    for row in rows:
        parts = re.split(r"\s+[–-]\s+", row.name or "", maxsplit=1)
        if len(parts) == 2 and name_key(parts[0]) in names:
            row.name = parts[0]
            row.office_label = row.office_label or parts[1]
            row.flag("office_suffix_in_name")


def name_key(name: str | None) -> str:
    """Normalized organization name used for identity: case, punctuation, '&', legal suffixes
    and a leading 'The' do not distinguish organizations."""
    text = re.sub(r"\([A-Z/&.-]+\)", " ", name or "")  # '(KIND)', '(SFCS/CLAM)'; not '(New York)'
    text = text.lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9 ]", " ", text)
    words = [w for w in text.split() if w not in {"inc", "corp", "corporation", "llc", "the"}]
    return " ".join(words)


def _is_mailing(row: Row) -> bool:
    printed = squash(row.raw.get("organizationName")).lower()
    return printed.startswith("mailing address")


def to_db_tuple(sha256: str, row: Row) -> tuple:
    return (
        sha256, row.record_index, row.roster,
        json.dumps(row.raw, ensure_ascii=False, sort_keys=True),
        row.entry_kind, row.name, row.office_label, row.parent_index, row.parent_rule,
        row.street, row.city, row.state_usps, row.zip5, row.phone, row.email, row.website,
        json.dumps(row.languages), row.languages_text, row.case_types, row.intake,
        " | ".join(row.notes) or None, row.court, row.court_state, row.page_number,
        int(row.is_referral), row.recognized_date, row.expiration_date,
        None if row.pending_renewal is None else int(row.pending_renewal), row.status,
        json.dumps(row.flags), row.review_reason,
    )  # fmt: skip


ROW_COLUMNS = (
    "sha256, record_index, roster, raw, entry_kind, name, office_label, parent_index, parent_rule,"
    " street, city, state_usps, zip5, phone, email, website, languages, languages_text, case_types,"
    " intake, notes, court, court_state, page_number, is_referral, recognized_date, expiration_date,"
    " pending_renewal, status, flags, review_reason"
)
