"""Resolve an ICE-listed agency to its jurisdiction: level, state, county FIPS, municipality.

The name is the main evidence (ICE's TYPE cell is often wrong: "Okeechobee Police Department"
typed County); ICE's COUNTY cell is a second, independent witness. An answer is given without
a review flag only when the evidence is exact and consistent; fuzzy matches, contradictions,
same-named towns and names without a place are answered *and flagged* (`review_reason`), or
left without a county. A manual table (geo/corrections.csv) overrides everything.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

from patchwork_atlas.kernel.geo import reference as ref
from patchwork_atlas.kernel.geo import topo
from patchwork_atlas.kernel.geo.reference import State, fold

LEVELS = ("state", "county", "municipal", "other")


@dataclass
class Resolution:
    level: str
    state_fips: str | None
    county_fips: list[str] = field(default_factory=list)
    place: str | None = None
    method: str = ""
    confidence: float = 0.0
    review_reason: str | None = None

    def as_row(self) -> dict[str, object]:
        return {
            "level": self.level,
            "state_fips": self.state_fips or "",
            "county_fips": ";".join(self.county_fips),
            "place": self.place or "",
            "confidence": round(self.confidence, 2),
            "review_reason": self.review_reason or "",
        }


# --- name cleaning ------------------------------------------------------------------------------

_BLANK_CELLS = {"", "na", "n a", "none", "null", "nan", "tbd", "unknown", "0"}
_COUNTY_WORDS = r"(?:county|conty|couny|countyy|cnty|co\.?|parish|borough|census area|municipio|municipality)"
_TYPOS = [
    (r"\bdepartent\b|\bdeparment\b|\bdepartement\b|\bdeparmtent\b", "department"),
    (r"\bpolce\b", "police"),
    (r"\bsherrif'?s?\b|\bsherif'?s\b", "sheriff's"),
    (r"\bconstbales\b|\bconstables's\b", "constables"),
    (r"\bcounry\b|\bcouty\b|\bcounty's\b", "County"),
]


def clean_name(name: str | None) -> str:
    """Spacing, quotes and ICE's recurring typos normalised; trailing ', PA' and '(Addendum)' dropped."""
    s = " ".join(str(name or "").replace("’", "'").replace("‘", "'").replace("`", "'").split())
    s = re.sub(r"\s*\((?:addendum|jem|wso|tfm)[^)]*\)", "", s, flags=re.I)
    s = re.sub(r",\s*[A-Z]{2}$", "", s)
    for pat, rep in _TYPOS:
        s = re.sub(pat, rep, s, flags=re.I)
    return s.strip(" ,;/")


def _blank(cell: str | None) -> bool:
    return cell is None or fold(cell) in _BLANK_CELLS or fold(cell).startswith("n a")


def county_key(text: str) -> str:
    """'St. Landry Parish' -> 'stlandry'; 'Richmond city' keeps 'city' (a distinct county)."""
    s = fold(text)
    s = re.sub(r"\bsaint\b", "st", s)
    s = re.sub(r"\bsainte\b", "ste", s)
    s = re.sub(r"\b(county|conty|couny|cnty|parish|borough|census area|municipio|municipality|city and borough)$", "", s)
    return s.replace(" ", "")


@lru_cache(maxsize=1)
def _county_index() -> dict[str, dict[str, list[str]]]:
    """state_fips -> county key -> [fips]."""
    idx: dict[str, dict[str, list[str]]] = {}
    for c in ref.counties():
        idx.setdefault(c.state_fips, {}).setdefault(county_key(c.name), []).append(c.fips)
    return idx


def match_county(state_fips: str, text: str | None) -> tuple[list[str], str]:
    """County FIPS for a county name in a state: (fips, 'exact'|'fuzzy'|'') ."""
    if _blank(text):
        return [], ""
    key = county_key(str(text))
    if not key:
        return [], ""
    idx = _county_index().get(state_fips, {})
    if key in idx:
        return idx[key], "exact"
    alt = county_key(re.sub(r"'s\b", "", str(text)))
    if alt in idx:
        return idx[alt], "exact"
    if re.search(r"\bcounty\b", str(text), re.I) and key + "city" in idx and key not in idx:
        return idx[key + "city"], "exact"  # 'Hopewell County' (VA): there is only Hopewell city
    if key.endswith("city") and key[:-4] in idx and state_fips not in ("51", "24", "29", "32"):
        return idx[key[:-4]], "exact"
    from rapidfuzz import fuzz, process

    hits = process.extract(key, list(idx), scorer=fuzz.ratio, limit=2)
    if hits and hits[0][1] >= 85 and (len(hits) == 1 or hits[0][1] - hits[1][1] >= 8):
        return idx[hits[0][0]], "fuzzy"
    return [], ""


# --- places -------------------------------------------------------------------------------------


_SAINT, _FORT, _MOUNT = (re.compile(rf"\b({a}|{b})\b") for a, b in (("saint", "st"), ("fort", "ft"), ("mount", "mt")))


@lru_cache(maxsize=1 << 17)  # 92,000 names a cold resolver keys, many of them repeated
def place_key(text: str) -> str:
    s = fold(text)
    s = _SAINT.sub("st", s)
    s = _FORT.sub("fort", s)
    s = _MOUNT.sub("mount", s)
    return s.replace(" ", "")


@dataclass
class PlaceEvidence:
    names: list[ref.PlaceRef]  # GeoNames places with this name in the state
    zip_counties: Counter  # county -> number of ZIPs whose postal city has this name
    fuzzy: bool = False
    matched_name: str = ""
    alternate: bool = False

    @property
    def found(self) -> bool:
        return bool(self.names) or bool(self.zip_counties)

    def counties(self) -> set[str]:
        out = {f for p in self.names for f in p.county_fips}
        return out | set(self.zip_counties)


@lru_cache(maxsize=1)
def _place_index() -> dict[str, dict[str, list[ref.PlaceRef]]]:
    idx: dict[str, dict[str, list[ref.PlaceRef]]] = {}
    for st in ref.states():
        d: dict[str, list[ref.PlaceRef]] = {}
        for p in ref.places(st.usps):
            d.setdefault(place_key(p.name), []).append(p)
        idx[st.usps] = d
    return idx


@lru_cache(maxsize=1)
def _postal_index() -> dict[str, dict[str, Counter]]:
    """state -> postal city key -> ZIPs per county (the city each ZIP is named for)."""
    idx: dict[str, dict[str, Counter]] = {}
    for z in ref.zips().values():
        if z.zip_type == "MILITARY" or not z.county_fips:
            continue
        d = idx.setdefault(z.state_usps, {})
        d.setdefault(place_key(z.postal_city), Counter())[z.county_fips[0]] += 1
    return idx


@cache
def _secondary_index(usps: str) -> dict[str, tuple[list[ref.PlaceRef], Counter]]:
    """Weaker names for one state (built on first need): GeoNames alternates, USPS 'acceptable' names."""
    d: dict[str, tuple[list[ref.PlaceRef], Counter]] = {}
    for p in ref.places(usps):
        for alt in p.alternate_names:
            d.setdefault(place_key(alt), ([], Counter()))[0].append(p)
    for z in ref.zips().values():
        if z.state_usps != usps or z.zip_type == "MILITARY" or not z.county_fips:
            continue
        for c in z.acceptable_cities:
            d.setdefault(place_key(c), ([], Counter()))[1][z.county_fips[0]] += 1
    return d


def find_place(st: State, name: str, *, allow_fuzzy: bool = True) -> PlaceEvidence:
    """GeoNames places and postal cities named `name` in the state; then alternates; then fuzzy."""
    key = place_key(name)
    names = list(_place_index().get(st.usps, {}).get(key, []))
    zips = _postal_index().get(st.usps, {}).get(key, Counter())
    ev = PlaceEvidence(names, Counter(zips), matched_name=name)
    if ev.found or len(key) < 4:
        return ev
    alt_places, alt_zips = _secondary_index(st.usps).get(key, ([], Counter()))
    if alt_places or alt_zips:
        shown = alt_places[0].name if len({p.name for p in alt_places}) == 1 else name
        return PlaceEvidence(list(alt_places), Counter(alt_zips), alternate=True, matched_name=shown)
    if not allow_fuzzy or len(key) < 5:
        return ev
    from rapidfuzz import fuzz, process

    keys = set(_place_index().get(st.usps, {})) | set(_postal_index().get(st.usps, {}))
    hits = process.extract(key, list(keys), scorer=fuzz.ratio, limit=2)
    if hits and hits[0][1] >= 88 and (len(hits) == 1 or hits[0][1] - hits[1][1] >= 5):
        k = hits[0][0]
        found = _place_index().get(st.usps, {}).get(k, [])
        return PlaceEvidence(
            list(found),
            Counter(_postal_index().get(st.usps, {}).get(k, Counter())),
            fuzzy=True,
            matched_name=found[0].name if found else k,
        )
    return ev


# --- classification -----------------------------------------------------------------------------

_OTHER_PATTERNS = [
    ("campus", r"\buniversity\b|\bcollege\b|\bboard of trustees\b|\bschool district\b|\bschools?\b police"),
    ("airport/port", r"\bairport\b|\bport authority\b|\bseaport\b|\bharbor\b|\baviation\b"),
    ("regional jail", r"\bregional jail\b|\bdistrict jail\b|\bjail authority\b|\bregional (?:detention|correction)"),
    ("judicial district", r"\bjudicial\b|\bstate attorney\b|\bcircuit\b|\bdistrict attorney general\b"),
    ("task force", r"\btask force\b|\bdrug enforcement\b|\bnarcotics unit\b"),
    ("tribal", r"\btribe\b|\btribal\b|\bnation\b(?! ?al)|\breservation\b|\bpueblo\b|\brancheria\b"),
    ("regional police", r"\bmetro(?:politan)? police authority\b|\bregional police\b"),
    ("ward", r"^ward \d+\b"),
]
_STATE_WORDS = (
    r"\bstate police\b|\bhighway patrol\b|\bstate patrol\b|\bnational guard\b|\bstate guard\b"
    r"|\battorney general\b|\bdepartment of (?:public safety|corrections?|correctional services|justice"
    r"|law enforcement|agriculture|revenue|transportation|financial services|environmental protection"
    r"|homeland security|safety|wildlife|natural resources|fish|highway safety|military|lottery)"
    r"|\bbureau of (?:investigation|narcotics|criminal)|\bdivision of (?:criminal investigation|law enforcement)"
    r"|\bstate fire marshal\b|\bstate auditor\b|\bmilitary department\b|\bgaming control\b"
    r"|\bconservation commission\b|\bagricultural law enforcement\b|\balcohol(?:ic beverages)? and tobacco\b"
    r"|\blaw enforcement division\b|\bcrime information center\b|\bdept\.? of (?:public safety|justice|corrections)"
)
_MUNI_SUFFIX = re.compile(
    r"\s*(?:police (?:services )?department|police dept\.?|police|pd|(?:village |town |city )?department of public safety|dps"
    r"|public safety(?: department)?|division of public safety(?: and security)?"
    r"|city marshal'?s office|marshal'?s office|marshals? office|marshal"
    r"|(?:pa |pennsylvania )?state constables?(?:'s)? office|state constable|constables?(?:'s)? office|constable)$",
    re.I,
)
_MUNI_PREFIX = re.compile(
    r"^(?:the )?(?:city|town|village|borough|township|municipality) of\s+|^office of constable\s+|^constable\s+"
    r"|^pennsylvania state constables?(?:'s)? office,?\s+|^[a-z]+ state constable(?:'s)? office,?\s+",
    re.I,
)
_SHERIFF = re.compile(r"\bsheriff", re.I)
# Consolidated city-counties whose sheriff is named for the city (facts of their charters).
_CONSOLIDATED = {
    ("FL", "jacksonville"): "12031",
    ("TN", "nashville"): "47037",
    ("KY", "louisville"): "21111",
    ("KY", "lexington"): "21067",
    ("IN", "indianapolis"): "18097",
    ("GA", "athens"): "13059",
    ("GA", "augusta"): "13245",
    ("GA", "columbus"): "13215",
    ("GA", "macon"): "13021",
    ("NV", "carson city"): "32510",
}
_COUNTY_IN_NAME = re.compile(
    r"(?:^|\bof |\b(?:the) )?([A-Z][\w.' -]*?)\s+(?:County|Parish|Conty|Couny|Cnty)\b"
    r"|\bCounty of ([A-Z][\w.' -]+?)(?:\s*(?:/|,|$| Jail| Sheriff| Police))",
)


def _state_names(st: State) -> list[str]:
    names = [fold(st.name)]
    if st.usps == "MP":
        names.append("cnmi")
    return names


def _mentions_state(st: State, name: str) -> bool:
    f = fold(name)
    return any(re.search(rf"\b{re.escape(n)}\b", f) for n in _state_names(st)) or bool(
        re.match(rf"^{st.usps.lower()}\b", f)
    )


def _county_from_name(st: State, name: str) -> tuple[list[str], str, str]:
    """(fips, how, county text) for '<X> County ...' / 'County of X' / '<X> Parish' names."""
    for m in _COUNTY_IN_NAME.finditer(name):
        text = (m.group(1) or m.group(2) or "").strip()
        # keep the words just before 'County': 'Office of the State Attorney Pinal' -> try shorter tails
        words = text.split()
        for i in range(len(words)):
            cand = " ".join(words[i:])
            fips, how = match_county(st.fips, cand)
            if fips and how == "exact":
                return fips, how, cand
        for i in range(max(0, len(words) - 3), len(words)):
            cand = " ".join(words[i:])
            fips, how = match_county(st.fips, cand)
            if fips:
                return fips, how, cand
    return [], "", ""


def _county_prefix(st: State, name: str) -> tuple[list[str], str]:
    """'Miami Dade Corrections' -> Miami-Dade: the longest leading words that are a county name."""
    words = clean_name(name).split()
    idx = _county_index().get(st.fips, {})
    for n in range(min(4, len(words)), 0, -1):
        key = county_key(" ".join(words[:n]))
        if key in idx and not key.endswith("city"):
            return idx[key], " ".join(words[:n])
    return [], ""


def municipal_place_name(name: str) -> str:
    """The place a municipal agency is named for: 'City of St. Cloud Police Department' -> 'St. Cloud'."""
    s = clean_name(name)
    s = re.split(r"\s*[,/]\s*", s)[0] if not _MUNI_PREFIX.match(s) else s
    for _ in range(3):
        s2 = _MUNI_PREFIX.sub("", s).strip()
        s2 = _MUNI_SUFFIX.sub("", s2).strip(" ,")
        if s2 == s:
            break
        s = s2
    s = re.sub(r"\s+(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth) ward$", "", s, flags=re.I)
    s = re.sub(r"\s+precinct \d+$", "", s, flags=re.I)
    s = re.split(r",\s*", s)[-1] if s.lower().startswith(("pennsylvania state", "pa state")) else s
    return s.strip(" ,")


# --- corrections --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def corrections() -> dict[tuple[str, str], dict[str, str]]:
    """Manual overrides keyed on (USPS, folded agency name)."""
    path = resources.files("patchwork_atlas.kernel.geo") / "corrections.csv"
    out: dict[tuple[str, str], dict[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            st = ref.state(row["state"])
            if st is None:
                continue
            out[(st.usps, fold(clean_name(row["agency"])))] = row
    return out


def _from_correction(st: State, row: dict[str, str]) -> Resolution:
    fips = [f.strip() for f in (row.get("county_fips") or "").split(";") if f.strip()]
    return Resolution(
        level=row["level"],
        state_fips=st.fips,
        county_fips=fips,
        place=row.get("place") or None,
        method="correction",
        confidence=1.0,
        review_reason=None,
    )


# --- the resolver -------------------------------------------------------------------------------


def resolve(state: str | None, agency: str | None, type: str | None = None, county: str | None = None) -> Resolution:  # noqa: A002 - the column is called TYPE
    """Jurisdiction of one agency record, from its state, name, ICE TYPE and COUNTY cells."""
    st, score = ref.state_fuzzy(state)
    name = clean_name(agency)
    if st is None:
        return Resolution("other", None, method="unresolved", confidence=0.0, review_reason=f"unknown_state: {state!r}")
    res = _resolve_in_state(st, name, type, county)
    if score < 100:
        res.method = f"{res.method}+state_typo"
        res.confidence = min(res.confidence, 0.95)
    return res


def _resolve_in_state(st: State, name: str, type_cell: str | None, county_cell: str | None) -> Resolution:
    fixed = corrections().get((st.usps, fold(name)))
    if fixed is not None:
        return _from_correction(st, fixed)
    if not name:
        return Resolution("other", st.fips, method="unresolved", review_reason="no_agency_name")
    cell_fips, cell_how = match_county(st.fips, county_cell)
    tfold = fold(type_cell)
    lname = name.lower()

    for label, pat in _OTHER_PATTERNS:
        if re.search(pat, lname):
            return _resolve_other(st, name, label, cell_fips, cell_how, county_cell)

    fips, how, text = _county_from_name(st, name)
    township = re.search(r"\btownship\b|\btwp\b", lname)
    pa_borough = st.usps in ("PA", "NJ") and re.search(r"\bborough\b", lname)
    if fips and not township and not pa_borough and not re.search(r"\bcity of\b", lname):
        return _county_result(st, fips, how, text, cell_fips, cell_how, county_cell, "county_name")

    elsewhere = _county_in_other_states(st, name) if not fips else []
    if elsewhere:
        return _wrong_state(st, name, elsewhere)
    if _SHERIFF.search(name) and not township:
        return _resolve_sheriff_without_county(st, name, cell_fips, cell_how, county_cell)

    muni = bool(_MUNI_SUFFIX.search(name) or _MUNI_PREFIX.match(name) or township or pa_borough)
    statey = _mentions_state(st, name) or re.search(_STATE_WORDS, lname)
    local_word = re.search(r"\b(?:village|town|city)\b", lname) and not _mentions_state(st, name)
    if muni and statey and (local_word or _is_known_place(st, municipal_place_name(name))):
        # 'Virginia Beach Police Department', 'Texas City Police Department': a city, not the state
        return _resolve_municipal(st, name, cell_fips, cell_how, county_cell)
    if re.search(r"\bconstable", lname) and re.search(r"\b(?:district|precinct|pct)\b", lname) and cell_fips:
        # 'Tennessee State Constable 4th District' (COUNTY Polk): a county constable district
        how = "constable_district+county_cell"
        if cell_how == "exact":
            return Resolution("county", st.fips, cell_fips, None, how, 0.85, None)
        return Resolution("county", st.fips, cell_fips, None, how, 0.6, f"fuzzy_county_cell: {county_cell!r}")
    if _mentions_state(st, name) or re.search(_STATE_WORDS, lname):
        if not township and not pa_borough and not re.search(r"\bcity of\b|\btown of\b", lname):
            return Resolution("state", st.fips, [], None, "state_agency_name", 0.95, None)

    if muni or tfold.startswith("mun"):
        return _resolve_municipal(st, name, cell_fips, cell_how, county_cell)

    pre, text = _county_prefix(st, name)
    if pre and (tfold == "county" or not tfold):
        return _county_result(st, pre, "exact", text, cell_fips, cell_how, county_cell, "county_prefix")
    if tfold in ("state", "state agency"):
        return Resolution("state", st.fips, [], None, "type_state", 0.8, "state_by_type_only: name has no state word")
    if cell_fips:
        return Resolution(
            "other", st.fips, cell_fips, None, "county_cell", 0.6, "no_place_in_name: county from ICE's COUNTY cell only"
        )
    return Resolution("other", st.fips, [], None, "unresolved", 0.0, "no_place_in_name")


def _county_result(
    st: State,
    fips: list[str],
    how: str,
    text: str,
    cell_fips: list[str],
    cell_how: str,
    county_cell: str | None,
    method: str,
) -> Resolution:
    if len(fips) > 1:
        return Resolution("county", st.fips, fips, None, method, 0.5, f"ambiguous_county: {text!r}")
    if cell_fips and cell_fips[0] != fips[0]:
        return Resolution(
            "county", st.fips, fips + cell_fips, None, f"{method}+county_cell_conflict", 0.5,
            f"county_cell_contradicts_name: name says {text!r}, COUNTY cell says {county_cell!r}",
        )
    if how == "fuzzy":
        if cell_fips and cell_how == "exact":
            return Resolution("county", st.fips, fips, None, f"{method}_fuzzy+county_cell", 0.93, None)
        return Resolution(
            "county", st.fips, fips, None, f"{method}_fuzzy", 0.75,
            f"fuzzy_county_name: {text!r} read as {ref.county(fips[0]).name if ref.county(fips[0]) else fips[0]}",
        )
    conf = 0.99 if cell_fips else 0.97
    return Resolution("county", st.fips, fips, None, method + ("+county_cell" if cell_fips else ""), conf, None)


def _county_in_other_states(st: State, name: str) -> list[str]:
    """'Kershaw County Sheriff's Office' listed under FLORIDA: the county exists only elsewhere."""
    m = re.match(r"^([A-Z][\w.' -]*?)\s+(?:County|Parish)\b", name)
    if not m:
        return []
    key = county_key(m.group(1))
    if not key or key in _county_index().get(st.fips, {}):
        return []
    return [f for sf, d in _county_index().items() if sf != st.fips for f in d.get(key, [])]


def _wrong_state(st: State, name: str, elsewhere: list[str]) -> Resolution:
    where = _names(elsewhere)
    if len(elsewhere) == 1:
        other = ref.state(elsewhere[0][:2])
        return Resolution(
            "county", st.fips, [], None, "state_mismatch", 0.3,
            f"state_mismatch: no such county in {st.usps}; the only county of that name is {where}"
            f" ({other.usps if other else '?'})",
        )
    return Resolution(
        "county", st.fips, [], None, "state_mismatch", 0.0,
        f"state_mismatch: no such county in {st.usps}; counties of that name: {where}",
    )


def _resolve_sheriff_without_county(
    st: State, name: str, cell_fips: list[str], cell_how: str, county_cell: str | None
) -> Resolution:
    base = re.split(r"\s+sheriff", name, flags=re.I)[0]
    base = re.sub(r"^(?:the )?(?:city|town) of\s+", "", base, flags=re.I).strip()
    key = fold(base)
    if (st.usps, key) in _CONSOLIDATED:
        f = _CONSOLIDATED[(st.usps, key)]
        return Resolution("county", st.fips, [f], base, "consolidated_city_county", 0.97, None)
    fips, how = match_county(st.fips, base)
    if fips and how == "exact":
        return _county_result(st, fips, how, base, cell_fips, cell_how, county_cell, "sheriff_county_name")
    city, how = match_county(st.fips, re.sub(r"\s+city$", "", base, flags=re.I) + " city")
    if city and how == "exact":  # Virginia's independent cities have their own sheriffs
        return _county_result(st, city, how, base, cell_fips, cell_how, county_cell, "sheriff_independent_city")
    if cell_fips:
        return Resolution(
            "county", st.fips, cell_fips, None, "sheriff+county_cell", 0.7,
            f"sheriff_without_county_name: county from COUNTY cell {county_cell!r}",
        )
    return Resolution("county", st.fips, [], None, "unresolved", 0.0, "sheriff_without_county_name")


def _resolve_other(
    st: State, name: str, label: str, cell_fips: list[str], cell_how: str, county_cell: str | None
) -> Resolution:
    listed = _county_list_prefix(st, name)
    if listed:  # 'Rappahannock, Shenandoah, Warren Regional Jail Authority'
        return Resolution("other", st.fips, listed, None, f"{label}+county_list", 0.9, None)
    fips, how, text = _county_from_name(st, name)
    if fips and how == "exact":
        out = fips + [f for f in cell_fips if f not in fips]
        return Resolution("other", st.fips, out, None, f"{label}+county_name", 0.9, None)
    if cell_fips and cell_how == "exact":
        return Resolution("other", st.fips, cell_fips, None, f"{label}+county_cell", 0.85, None)
    return Resolution(
        "other", st.fips, fips or cell_fips, None, label, 0.3,
        f"other_jurisdiction_unplaced: {label}; location not in the reference data",
    )


def _is_known_place(st: State, pname: str) -> bool:
    if not pname or fold(pname) in _state_names(st) or len(pname.split()) > 4:
        return False
    ic, how = match_county(st.fips, pname + " city")
    if how == "exact" and ic and ref.county(ic[0]).name.lower().endswith("city"):
        return True
    key = place_key(pname)
    return key in _place_index().get(st.usps, {}) or key in _postal_index().get(st.usps, {})


def _county_list_prefix(st: State, name: str) -> list[str]:
    """Counties listed before 'Regional'/'District'/'Airport': all must be exact county names."""
    m = re.match(r"^(.+?)\s+(?:regional|district|airport|jail)\b", name, flags=re.I)
    if not m:
        return []
    parts = [p for p in re.split(r"\s*(?:,|/|&|\band\b)\s*|\s+(?=[A-Z])", m.group(1)) if p.strip()]
    if len(parts) < 2:
        return []
    out: list[str] = []
    for part in parts:
        fips, how = match_county(st.fips, part)
        if how != "exact" or len(fips) != 1:
            return []
        out.append(fips[0])
    return out


def _resolve_municipal(
    st: State, name: str, cell_fips: list[str], cell_how: str, county_cell: str | None
) -> Resolution:
    pname = municipal_place_name(name)
    if not pname:
        return Resolution("municipal", st.fips, cell_fips, None, "unresolved", 0.0, "no_place_in_name")
    township = re.search(r"\b(township|twp\.?)$", pname, flags=re.I)
    if township:
        pname = re.sub(r"\btwp\.?$", "Township", pname, flags=re.I)
    # Independent cities (Virginia, Baltimore, St. Louis, Carson City) are county-equivalents.
    ic, ic_how = match_county(st.fips, pname + " city")
    if ic and ic_how == "exact" and ref.county(ic[0]) and ref.county(ic[0]).name.lower().endswith("city"):
        return Resolution("municipal", st.fips, ic, pname, "independent_city", 0.98, None)

    ev = find_place(st, pname, allow_fuzzy=not township)
    bare = re.sub(r"\s+(borough|village|town)$", "", pname, flags=re.I)
    if not ev.found and bare != pname:  # 'Manheim Borough' is GeoNames' 'Manheim'
        ev = find_place(st, bare, allow_fuzzy=False)
        pname = bare if ev.found else pname
    if township or not (ev.zip_counties or any(p.county_fips for p in ev.names)):
        if cell_fips and cell_how == "exact":
            return Resolution("municipal", st.fips, cell_fips, pname, "county_cell", 0.85, None)
        if cell_fips:
            return Resolution(
                "municipal", st.fips, cell_fips, pname, "county_cell_fuzzy", 0.6,
                f"fuzzy_county_cell: {county_cell!r}; place {pname!r} not in the reference data",
            )
        return Resolution("municipal", st.fips, [], pname, "unresolved", 0.0, f"place_not_found: {pname!r}")

    shown = ev.matched_name if ev.fuzzy else pname
    if not cell_fips and not _blank(county_cell):
        # 'Texarkana Police Department' under ARKANSAS with COUNTY 'Bowie County' (Texas): which one?
        best = _primary_from_places(ev)
        return Resolution(
            "municipal", st.fips, [best] if best else [], shown, "place+unknown_county_cell", 0.5,
            f"county_cell_not_in_state: COUNTY cell {county_cell!r} is not a county of {st.usps}",
        )
    geo_counties = [p.county_fips for p in ev.names if p.county_fips]
    distinct = {c[0] for c in geo_counties}
    all_counties = ev.counties()

    if cell_fips:
        cf = cell_fips[0]
        if cf in all_counties:
            extra = _secondary_counties(ev, cf)
            conf = 0.97 if not (ev.fuzzy or ev.alternate) and cell_how == "exact" else 0.88
            method = "alternate_name+county_cell" if ev.alternate else "place+county_cell"
            return Resolution("municipal", st.fips, [cf, *extra], shown, method, conf, None)
        # A town on a county line: its point lies within a few km of the cell's county.
        if cell_how == "exact" and any(topo.near_county(p.lat, p.lon, cf, 6.0) for p in ev.names):
            return Resolution("municipal", st.fips, [cf], shown, "place_near_county_cell", 0.85, None)
        # The COUNTY cell names a county the place is not known in: the name's place comes first
        # (ICE's cell is the likelier slip: 'Cherokee Police Department', COUNTY 'Cherokee County').
        best = _primary_from_places(ev)
        if len({p.county_fips[0] for p in ev.names if p.county_fips}) > 1:
            best = None  # the name is itself ambiguous: the cell is the better first guess ('Paw Paw')
        return Resolution(
            "municipal", st.fips, ([best] if best and best != cf else []) + [cf], shown,
            "place+county_cell_conflict", 0.5,
            f"county_cell_contradicts_place: {pname!r} is in {_names(all_counties)}, COUNTY cell says {county_cell!r}",
        )

    if ev.fuzzy:
        best = _primary_from_places(ev)
        return Resolution(
            "municipal", st.fips, [best] if best else [], shown, "fuzzy_place", 0.6,
            f"fuzzy_place_name: {pname!r} read as {shown!r}",
        )
    if len(distinct) > 1:
        best = _primary_from_places(ev)
        return Resolution(
            "municipal", st.fips, [best] if best else [], shown, "ambiguous_place", 0.4,
            f"ambiguous_place: {len(ev.names)} places named {pname!r} in {st.usps} ({_names(distinct)})",
        )
    if distinct:
        primary = next(iter(distinct))
        zip_only = set(ev.zip_counties) - {primary}
        if zip_only and sum(ev.zip_counties[c] for c in zip_only) > ev.zip_counties.get(primary, 0):
            return Resolution(
                "municipal", st.fips, [primary, *sorted(zip_only)], shown, "place_point_vs_zip", 0.5,
                f"place_county_uncertain: GeoNames point in {_names({primary})}, its ZIPs mostly in {_names(zip_only)}",
            )
        method, conf = ("alternate_name", 0.85) if ev.alternate else ("place", 0.93)
        return Resolution("municipal", st.fips, [primary, *_secondary_counties(ev, primary)], shown, method, conf, None)
    # Only a postal city of that name.
    if len(ev.zip_counties) == 1:
        only = next(iter(ev.zip_counties))
        return Resolution("municipal", st.fips, [only], shown, "postal_city", 0.85, None)
    best = ev.zip_counties.most_common(1)[0][0]
    return Resolution(
        "municipal", st.fips, [best], shown, "postal_city_multi", 0.5,
        f"ambiguous_place: postal city {pname!r} spans {_names(set(ev.zip_counties))}",
    )


def _primary_from_places(ev: PlaceEvidence) -> str | None:
    ranked = sorted((p for p in ev.names if p.county_fips), key=lambda p: -p.population)
    if ranked:
        return ranked[0].county_fips[0]
    if ev.zip_counties:
        return ev.zip_counties.most_common(1)[0][0]
    return None


def _secondary_counties(ev: PlaceEvidence, primary: str) -> list[str]:
    """Other counties holding at least two ZIPs named for the place and lying within 10 km of its
    point: a city that spans a county line (Houston), not a postal area that sprawls (Orlando)."""
    out = []
    for c, n in sorted(ev.zip_counties.items()):
        if c == primary or n < 2:
            continue
        if any(topo.near_county(p.lat, p.lon, c, 10.0) for p in ev.names):
            out.append(c)
    return out


def _names(fips: set[str] | list[str]) -> str:
    out = []
    for f in sorted(fips):
        c = ref.county(f)
        out.append(f"{c.name} ({f})" if c else f)
    return ", ".join(out)


# --- the registry side --------------------------------------------------------------------------


def warm() -> None:
    """Build the tables every `resolve` reads (about a second in a fresh process)."""
    _county_index()
    _place_index()
    _postal_index()
    corrections()


def is_warm() -> bool:
    return bool(_place_index.cache_info().currsize and _postal_index.cache_info().currsize)


def is_placed(level: str, county_fips: str | None, review_reason: str | None) -> bool:
    """Placed in a county with no flag: the acceptance measure for county-or-smaller agencies."""
    return level != "state" and bool(county_fips) and not review_reason
