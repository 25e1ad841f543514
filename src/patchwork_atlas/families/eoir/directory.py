"""The legal-help answer for a place: organizations from DOJ's rosters, nearest first, one entry
per organization with its offices beneath it, recognition in plain words, languages as the
roster prints them, and the two short guides ('Before you pay anyone', 'If someone is detained').

Patchwork lists organizations from the Justice Department's rosters; it gives no legal advice
and vouches for no provider. Every listing carries the roster it came from and that roster's
date. An office that is only a mailing address is never given a distance or ranked as if one
could walk in; a roster entry silent on languages is 'languages not listed', never 'does not
speak'.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from collections.abc import Callable
from typing import Any

from patchwork_atlas.families.eoir import reader as eoir
from patchwork_atlas.families.eoir.guidance import guidance
from patchwork_atlas.kernel.geo.place import Place
from patchwork_atlas.kernel.i18n import gettext as _

# Official pages of the two rosters (Department of Justice, EOIR).
ROSTER_URLS = {
    eoir.RECOGNIZED: "https://www.justice.gov/eoir/recognized-organizations-and-accredited-representatives-roster-state-and-city",
    eoir.PRO_BONO: "https://www.justice.gov/eoir/list-pro-bono-legal-service-providers",
}
ROSTER_NAMES = {
    eoir.RECOGNIZED: "Recognized Organizations roster",
    eoir.PRO_BONO: "List of Pro Bono Legal Service Providers",
}
LANGUAGE_NAMES = {"es": "Spanish", "en": "English", "fr": "French", "ht": "Haitian Creole",
                  "pt": "Portuguese", "zh": "Chinese", "yue": "Cantonese", "vi": "Vietnamese",
                  "fa": "Farsi", "prs": "Dari", "ps": "Pashto", "ru": "Russian", "ar": "Arabic",
                  "kar": "Karen", "ase": "American Sign Language"}  # fmt: skip
# Recognition as the roster prints it, judged on a given day (see recognition()).
RECOGNITION_STATES = ("current", "renewal_pending", "passed_on_roster", "passed_since_roster", "unknown")
# What a roster entry says about one language (see speaks()).
SPEAKS_ANSWERS = ("named", "not_listed", "not_named", "says_no")
OFFICES_PER_ORG = 5
CANDIDATE_MARGIN = 15
CALL_FIRST_LIMIT = 5


def vocabulary_key(kind: str, code: str) -> str:
    """'kind:code', the catalog key of a computed code (both catalogs name each one)."""
    return f"{kind}:{code}"


def latest_rosters(conn: sqlite3.Connection) -> dict[str, sqlite3.Row]:
    """The newest file of each roster (by as-of date, then first retrieval)."""
    out: dict[str, sqlite3.Row] = {}
    for r in conn.execute(
        "SELECT l.*, f.first_retrieved_utc FROM legal_rosters l JOIN raw_files f USING (sha256)"
        " ORDER BY coalesce(l.as_of_date, ''), f.first_retrieved_utc"
    ):
        out[r["roster"]] = r
    return out


# --------------------------------------------------------------------------- recognition


def recognition_state(expires: str | None, pending: int | None, roster_date: str | None,
                      today: dt.date) -> str:
    """One of RECOGNITION_STATES. The roster is the only source: a passed date is shown as
    pending renewal only when the roster says so, and never as lapsed (the roster lists every
    organization as Active; it may have been renewed since)."""
    if not expires:
        return "unknown"
    if expires >= today.isoformat():
        return "current"
    if pending:
        return "renewal_pending"
    if roster_date and expires < roster_date:
        return "passed_on_roster"
    return "passed_since_roster"


def recognition(r: sqlite3.Row, lang: str, today: dt.date) -> dict[str, Any] | None:
    """The recognition dates of a recognized organization's office, in plain words."""
    if not r["in_recognized"]:
        return None
    state = recognition_state(r["recognition_expires"], r["renewal_pending"],
                              r["recognition_roster_date"], today)
    values = {"since": r["recognized_date"] or _("an unknown date", lang),
              "until": r["recognition_expires"] or "", "roster": r["recognition_roster_date"] or ""}
    texts = {
        "current": _("Recognized by the Justice Department since {since}, until {until}.", lang),
        "renewal_pending": _("Recognized by the Justice Department since {since}. Its printed date, {until}, has passed; the roster of {roster} lists its renewal as pending.", lang),
        "passed_on_roster": _("Recognized by the Justice Department since {since}. Its printed date, {until}, had passed by the roster of {roster}, which still lists it as active with no renewal pending. Check the current roster.", lang),
        "passed_since_roster": _("Recognized by the Justice Department since {since}, until {until}, says the roster of {roster}. That date has passed since; check the current roster.", lang),
        "unknown": _("The roster gives no readable recognition dates; check the current roster.", lang),
    }  # fmt: skip
    return {
        "state": state, "state_label": _(vocabulary_key("recognition", state), lang),
        "recognized_date": r["recognized_date"], "expires": r["recognition_expires"],
        "renewal_pending": None if r["renewal_pending"] is None else bool(r["renewal_pending"]),
        "roster_date": r["recognition_roster_date"], "text": texts[state].format(**values),
        "check_current": state != "current",
        "source": {"name": _(ROSTER_NAMES[eoir.RECOGNIZED], lang), "url": ROSTER_URLS[eoir.RECOGNIZED],
                   "as_of_date": r["recognition_roster_date"]},
    }  # fmt: skip


def recognition_counts(conn: sqlite3.Connection, today: dt.date) -> dict[str, int]:
    """How many offices on the Recognized Organizations roster are in each recognition state."""
    out = dict.fromkeys(RECOGNITION_STATES, 0)
    for r in conn.execute(
        "SELECT recognition_expires, renewal_pending, recognition_roster_date FROM legal_offices"
        " WHERE in_recognized = 1"
    ):
        out[recognition_state(r[0], r[1], r[2], today)] += 1
    return out


# --------------------------------------------------------------------------- languages


def speaks(r: sqlite3.Row, code: str) -> str:
    """What an office's roster entry says about one language (SPEAKS_ANSWERS): 'says_no' only
    when the entry itself says so; an entry with no languages text is 'not_listed'."""
    if code in json.loads(r["languages_denied"] or "[]"):
        return "says_no"
    if code in json.loads(r["languages"] or "[]"):
        return "named"
    return "not_named" if r["languages_text"] else "not_listed"


def _languages(r: sqlite3.Row, lang: str) -> dict[str, Any]:
    langs = json.loads(r["languages"])
    denied = json.loads(r["languages_denied"] or "[]")
    return {
        "languages": langs,
        "languages_named": [_(LANGUAGE_NAMES.get(c, c), lang) for c in langs],
        "languages_text": r["languages_text"],  # the roster's own words, beside the codes
        "languages_denied": denied,
        "languages_label": (", ".join(_(LANGUAGE_NAMES.get(c, c), lang) for c in langs)
                            or (r["languages_text"] or _("languages not listed", lang))),
        # True only when the entry names Spanish, False only when it says it does not speak it.
        "speaks_spanish": True if "es" in langs else (False if "es" in denied else None),
    }  # fmt: skip


# --------------------------------------------------------------------------- listings


def _office(r: sqlite3.Row, lang: str, origin: tuple[float, float] | None, state: str | None,
            today: dt.date) -> dict[str, Any]:
    """One office as shown: a mailing-only address carries no distance."""
    from patchwork_atlas.kernel.geo import reference

    mailing = bool(r["mailing_only"])
    distance = None
    if origin and r["lat"] is not None and not mailing:
        distance = reference.distance_km(origin[0], origin[1], r["lat"], r["lon"])
    kinds = []
    if r["in_recognized"]:
        kinds.append(_("Recognized organization", lang))
    if r["in_pro_bono"]:
        kinds.append(_("Referral service", lang) if r["is_referral"] else _("Pro bono provider", lang))
    return {
        "office_id": r["office_id"], "org_id": r["org_id"], "name": r["name"], "kinds": kinds,
        "street": r["street"], "city": r["city"], "state_usps": r["state_usps"], "zip5": r["zip5"],
        "county_fips": r["county_fips"], "county_name": r["county_name"],
        "county_candidates": json.loads(r["county_candidates"] or "[]"),
        "mailing_only": mailing,
        "mailing_label": _("mailing address: call first", lang) if mailing else None,
        "distance_km": round(distance, 1) if distance is not None else None,
        "distance_mi": round(distance / 1.609344, 1) if distance is not None else None,
        "in_state": bool(state and r["state_usps"] == state),
        "phone": r["phone"], "email": r["email"], "website": r["website"],
        **_languages(r, lang),
        "case_types": r["case_types"], "intake": r["intake"],
        "courts": json.loads(r["courts"]),
        "recognition": recognition(r, lang, today),
        "rosters": [
            {"roster": x["roster"], "name": _(ROSTER_NAMES[x["roster"]], lang),
             "as_of_date": x["as_of_date"], "url": ROSTER_URLS[x["roster"]],
             "sha256": x["sha256"], "record_index": x["record_index"]}
            for x in json.loads(r["rosters"])
        ],
        "placement_review": r["review_reason"],
    }  # fmt: skip


def _organization(conn: sqlite3.Connection, org_id: str, nearest: sqlite3.Row, lang: str,
                  origin: tuple[float, float] | None, state: str | None, today: dt.date,
                  speaks_code: str | None) -> dict[str, Any]:
    """One organization: its nearest office first, then its other offices in that office's
    state (walk-in offices by distance, then mailing addresses), at most OFFICES_PER_ORG."""
    rows = conn.execute(
        "SELECT * FROM legal_offices WHERE org_id = ? AND placement != 'no_address'", (org_id,)
    ).fetchall()
    nearest = next(r for r in rows if r["office_id"] == nearest["office_id"])
    same_state = [r for r in rows if r["state_usps"] == nearest["state_usps"]]
    listed = [_office(r, lang, origin, state, today) for r in same_state]
    listed.sort(key=lambda o: (o["office_id"] != nearest["office_id"], o["mailing_only"],
                               o["distance_km"] if o["distance_km"] is not None else 1e9, o["office_id"]))
    head = listed[0]
    answer = speaks(nearest, speaks_code) if speaks_code else None
    return {
        "org_id": org_id, "name": head["name"],
        "kinds": list(dict.fromkeys(k for o in listed for k in o["kinds"])),
        "distance_km": head["distance_km"], "distance_mi": head["distance_mi"],
        "in_state": head["in_state"],
        # The organization's recognition: its nearest recognized office's (the roster lists one
        # office per organization).
        "recognition": next((recognition(r, lang, today) for r in sorted(rows, key=lambda r: r["office_id"] != nearest["office_id"]) if r["in_recognized"]), None),
        "speaks": None if answer is None else {
            "language": speaks_code, "answer": answer, "label": _(vocabulary_key("speaks", answer), lang),
            "languages_text": nearest["languages_text"]},
        "offices": listed[:OFFICES_PER_ORG],
        "more_offices": max(0, len(rows) - OFFICES_PER_ORG),
    }  # fmt: skip


def legal_help_for_place(
    conn: sqlite3.Connection, place: Place, language: str = "en", limit: int = 10,
    speaks: str | None = None, today: dt.date | None = None, memo: dict[Any, Any] | None = None,
) -> dict[str, Any]:
    """The nearest organizations on the rosters for a place: one entry per organization,
    ranked by its nearest walk-in office (offices in the place's own state first wherever the
    state has any). Organizations known only by a mailing address come separately, unranked.

    `speaks` (an ISO code) lists organizations whose entry names that language first, then
    those whose entry is silent ('languages not listed'); entries that name other languages
    only, or say they do not speak it, are left out. `today` fixes the day recognition is
    judged on (tests); by default the real date. `memo` (one dict for many places read in one
    go, never kept across reads) holds what places of one state share.
    """
    from patchwork_atlas.kernel.geo import reference

    lang = language if language in ("en", "es") else "en"
    today = today or dt.date.today()
    state = place.state_usps or None
    origin = _origin(place)
    organizations: list[dict[str, Any]] = []
    for where in (_SPEAKS_GROUPS if speaks else (WALK_IN,)):
        rows = _candidates(conn, where, {"speaks": speaks, "state": state or ""}, origin, limit)
        for org_id, nearest in _rank_orgs(rows, origin, state, limit, exclude={o["org_id"] for o in organizations}):
            organizations.append(_organization(conn, org_id, nearest, lang, origin, state, today, speaks))
    state_obj = reference.state(state) if state else None
    state_name = state_obj.name if state_obj else (state or "")
    memo = {} if memo is None else memo

    def shared(key: tuple, compute: Callable[[], Any]) -> Any:
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    any_in_state = shared(("in_state", state), lambda: conn.execute(
        "SELECT count(*) FROM legal_offices WHERE placement = 'zip' AND state_usps = ?", (state,)
    ).fetchone()[0] if state else 0)  # fmt: skip
    notices = []
    if state and not any_in_state:
        notices.append(_("Neither roster lists an office in {state}. These are the nearest ones across the state line.", lang).format(state=state_name))
    if speaks and not any(o["speaks"]["answer"] == "named" for o in organizations):
        notices.append(_("No office in the rosters lists {language}.", lang).format(language=_(LANGUAGE_NAMES.get(speaks, speaks), lang)))
    return {
        "section": "legal_help",
        "language": lang,
        "today": today.isoformat(),
        "title": _("Where to get legal help", lang),
        "disclaimer": _("Patchwork gives no legal advice and does not vouch for any provider. These organizations come from the Justice Department's official rosters (EOIR); call them to confirm before you go.", lang),
        "fee_note": _("Recognized organizations may charge small fees; pro bono providers take some cases for free.", lang),
        "court_note": _("The roster lists the immigration court it serves; its office may be in another state.", lang),
        "distance_note": _("Distances are measured from ZIP code centers and are approximate. A mailing address gets no distance: call first.", lang),
        "recognition_note": _("The Justice Department updates its rosters and says the R&A Program Coordinator has the most up-to-date status; a date shown here is the one printed on the roster of the date given.", lang),
        "state_usps": state,
        "state_has_offices": bool(any_in_state),
        "notices": notices,
        "speaks": speaks,
        "organizations": organizations,
        # One line per organization: its nearest walk-in office (the first ten never repeat one).
        "offices": [o["offices"][0] for o in organizations],
        "call_first": _call_first(conn, state, lang, origin, today, {o["org_id"] for o in organizations}),
        "statewide_contacts": shared(("contacts", state, lang, today), lambda: _contacts(conn, state, lang, today)),
        "national_referral": _national(conn, lang, origin, state, today),
        "if_detained": shared(("if_detained", state, lang), lambda: {
            **guidance(lang)["if_detained"], "providers": detained_providers(conn, state, lang)}),
        "before_you_pay": guidance(lang)["before_you_pay"],
        "sources": shared(("sources", lang), lambda: _sources(conn, lang)),
        "official_rosters": [{"name": _(ROSTER_NAMES[k], lang), "url": u} for k, u in ROSTER_URLS.items()],
    }  # fmt: skip


# Offices one can walk into, outside the national referral services (listed on their own).
WALK_IN = ("placement = 'zip' AND mailing_only = 0 AND org_id NOT IN"
           " (SELECT org_id FROM legal_orgs WHERE is_national = 1)")
# With --speaks: entries naming the language first, then entries silent on languages.
_SPEAKS_GROUPS = (
    WALK_IN + " AND EXISTS (SELECT 1 FROM json_each(languages) WHERE value = :speaks)",  # noqa: S608 - fixed SQL
    WALK_IN + " AND languages_text IS NULL AND NOT EXISTS"  # noqa: S608 - fixed SQL
              " (SELECT 1 FROM json_each(languages_denied) WHERE value = :speaks)",
)  # fmt: skip


def _rank_orgs(rows: list[sqlite3.Row], origin: tuple[float, float] | None, state: str | None,
               limit: int, exclude: set[str]) -> list[tuple[str, sqlite3.Row]]:
    """Organizations in the order of their nearest office: in-state ones first, then the
    nearest across the state line to fill the list."""
    from patchwork_atlas.kernel.geo import reference

    ranked = []
    for r in rows:
        distance = None
        if origin and r["lat"] is not None:
            distance = reference.distance_km(origin[0], origin[1], r["lat"], r["lon"])
        if origin and distance is None:
            continue
        in_state = bool(state and r["state_usps"] == state)
        ranked.append(((not in_state, distance if distance is not None else 1e9, r["name"], r["office_id"]), r))
    ranked.sort(key=lambda x: x[0])
    seen: dict[str, tuple[bool, sqlite3.Row]] = {}
    for key, r in ranked:
        if r["org_id"] not in seen and r["org_id"] not in exclude:
            seen[r["org_id"]] = (key[0], r)
    inside = [(o, r) for o, (out, r) in seen.items() if not out][:limit]
    return inside + [(o, r) for o, (out, r) in seen.items() if out][: limit - len(inside)]


def _candidates(conn: sqlite3.Connection, where: str, params: dict, origin: tuple[float, float] | None,
                limit: int) -> list[sqlite3.Row]:
    """The offices that can make the list: with an origin, the nearest few in the state and
    out of it by a flat-earth distance computed in SQL (with a margin for the exact
    great-circle order and for organizations with several offices); without one, all."""
    columns = "SELECT office_id, org_id, lat, lon, state_usps, name FROM legal_offices WHERE "
    if origin is None:
        return conn.execute(columns + where, params).fetchall()
    lat0, lon0 = origin
    flat = (
        "(lat - :lat0) * (lat - :lat0) + :kx * :kx * min(abs(lon - :lon0), 360 - abs(lon - :lon0))"
        " * min(abs(lon - :lon0), 360 - abs(lon - :lon0))"
    )
    args = {**params, "lat0": lat0, "lon0": lon0, "kx": math.cos(math.radians(lat0)),
            "n": 3 * limit + CANDIDATE_MARGIN}
    out = []
    for side in ("state_usps = :state", "state_usps != :state"):
        out += conn.execute(
            f"{columns}{where} AND lat IS NOT NULL AND {side} ORDER BY {flat} LIMIT :n", args  # noqa: S608
        ).fetchall()
    return out


def _origin(place: Place) -> tuple[float, float] | None:
    """Where distances are measured from: the place's point, else its primary county's centre."""
    if place.lat is not None and place.lon is not None:
        return float(place.lat), float(place.lon)
    from patchwork_atlas.kernel.geo import reference

    county = reference.county(place.county_fips[0]) if place.county_fips else None
    if county and county.lat is not None:
        return county.lat, county.lon
    return None


def _call_first(conn: sqlite3.Connection, state: str | None, lang: str,
                origin: tuple[float, float] | None, today: dt.date, shown: set[str]) -> list[dict[str, Any]]:
    """Organizations in the state known only by a mailing address: the few whose mailing ZIP
    is nearest are chosen, then listed by name with no distance (one cannot walk in)."""
    if not state:
        return []
    rows = conn.execute(
        "SELECT * FROM legal_offices o WHERE mailing_only = 1 AND state_usps = ? AND placement = 'zip'"
        " AND NOT EXISTS (SELECT 1 FROM legal_offices w WHERE w.org_id = o.org_id AND w.mailing_only = 0"
        "                 AND w.placement = 'zip')"
        " AND org_id NOT IN (SELECT org_id FROM legal_orgs WHERE is_national = 1)", (state,)
    ).fetchall()  # fmt: skip
    from patchwork_atlas.kernel.geo import reference

    def near(r: sqlite3.Row) -> float:
        return reference.distance_km(origin[0], origin[1], r["lat"], r["lon"]) if origin else 0.0

    best: dict[str, sqlite3.Row] = {}
    for r in sorted(rows, key=lambda r: (near(r), r["office_id"])):
        if r["org_id"] not in shown:
            best.setdefault(r["org_id"], r)
    chosen = list(best.values())[:CALL_FIRST_LIMIT]
    return sorted((_office(r, lang, None, state, today) for r in chosen), key=lambda o: o["name"])


def _contacts(conn: sqlite3.Connection, state: str | None, lang: str, today: dt.date) -> list[dict[str, Any]]:
    """Pro bono entries with no street address, listed under an immigration court in the state."""
    if not state:
        return []
    out = []
    for r in conn.execute("SELECT * FROM legal_offices WHERE placement = 'no_address' ORDER BY name"):
        rosters = json.loads(r["rosters"])
        indices = [i for x in rosters for i in x["record_index"]]
        marks = ",".join("?" * len(indices))
        states = {
            s for (s,) in conn.execute(
                f"SELECT court_state FROM legal_roster_rows WHERE sha256 = ? AND record_index IN ({marks})",  # noqa: S608
                (rosters[0]["sha256"], *indices),
            )
        }  # fmt: skip
        if state in states:
            out.append(_office(r, lang, None, state, today))
    return out


def _national(conn: sqlite3.Connection, lang: str, origin: tuple[float, float] | None, state: str | None,
              today: dt.date) -> list[dict[str, Any]]:
    """Referral services listed under immigration courts in two or more states: for each, its
    nearest walk-in office that the pro bono list names (else its nearest office)."""
    rows = conn.execute(
        "SELECT o.* FROM legal_offices o WHERE o.org_id IN (SELECT org_id FROM legal_orgs WHERE is_national = 1)"
        " ORDER BY o.name, o.office_id"
    ).fetchall()
    from patchwork_atlas.kernel.geo import reference

    best: dict[str, tuple[tuple[bool, bool, float], sqlite3.Row]] = {}
    for r in rows:
        distance = None
        if origin and r["lat"] is not None and not r["mailing_only"]:
            distance = reference.distance_km(origin[0], origin[1], r["lat"], r["lon"])
        rank = (not r["in_pro_bono"], bool(r["mailing_only"]), distance if distance is not None else 1e9)
        if r["org_id"] not in best or rank < best[r["org_id"]][0]:
            best[r["org_id"]] = (rank, r)
    items = [_office(r, lang, origin, state, today) for _, r in best.values()]
    return sorted(items, key=lambda x: x["name"])


def detained_providers(conn: sqlite3.Connection, state: str | None, lang: str) -> list[dict[str, Any]]:
    """Pro bono providers the newest pro bono list prints under an immigration court in the
    state, each with that court as printed (its office may be elsewhere)."""
    src = latest_rosters(conn).get(eoir.PRO_BONO)
    if not state or src is None:
        return []
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for r in conn.execute(
        "SELECT record_index, name, court, phone, email, website, case_types, languages_text, is_referral"
        " FROM legal_roster_rows WHERE sha256 = ? AND court_state = ? AND name IS NOT NULL"
        " AND entry_kind = 'organization' ORDER BY court, name, record_index",
        (src["sha256"], state),
    ):
        key = (r["court"] or "", eoir.name_key(r["name"]))
        if key in out:
            continue
        out[key] = {
            "name": r["name"], "court": r["court"], "phone": r["phone"], "email": r["email"],
            "website": r["website"], "case_types": r["case_types"],
            "languages_text": r["languages_text"], "is_referral": bool(r["is_referral"]),
            "roster": {"name": _(ROSTER_NAMES[eoir.PRO_BONO], lang), "as_of_date": src["as_of_date"],
                       "url": ROSTER_URLS[eoir.PRO_BONO], "sha256": src["sha256"],
                       "record_index": r["record_index"]},
        }  # fmt: skip
    return list(out.values())


def _sources(conn: sqlite3.Connection, lang: str) -> list[dict[str, Any]]:
    out = []
    for roster, src in sorted(latest_rosters(conn).items()):
        out.append({
            "roster": roster, "name": _(ROSTER_NAMES[roster], lang), "as_of_date": src["as_of_date"],
            "date_rule": src["date_rule"], "url": ROSTER_URLS[roster], "file": src["file_name"],
            "sha256": src["sha256"],
        })  # fmt: skip
    return out
