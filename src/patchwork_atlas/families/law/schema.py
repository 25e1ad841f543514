"""The shape of a knowledge-base entry: a JSON Schema plus the fixed vocabularies.

The schema is strict (no unknown keys) so a typo in a reviewed file fails loudly instead of
silently dropping a fact. Checks a schema cannot express (FIPS exist, date order, quote
length, effect sources listed) live in ``validate.py``.
"""

from __future__ import annotations

from typing import Any

LEVELS = ("federal", "state", "county", "municipal")

KINDS = (
    "statute",
    "regulation",
    "executive_order",
    "court_ruling",
    "attorney_general_directive",
    "ordinance",
    "resolution",
    "sheriff_policy",
    "agency_policy",
    "federal_list",
    "none_found",
)

STATUSES = (
    "in_force",
    "partly_enjoined",
    "enjoined",
    "repealed",
    "struck_down",
    "expired",
    "pending",
    "superseded",
    "decided",
)

# Statuses under which an entry no longer (or not yet) binds anyone: an `ended` date only
# makes sense with these, and profiles present them as history rather than current law.
ENDED_STATUSES = ("repealed", "struck_down", "expired", "superseded")

EFFECT_TAGS: dict[str, str] = {
    "requires_287g": "requires 287(g) participation or application",
    "requires_detainer_compliance": "requires honoring ICE detainers",
    "requires_cooperation": "other mandates to cooperate or share information with federal immigration enforcement",
    "bars_sanctuary_policies": "bars sanctuary policies",
    "penalizes_noncooperation": "penalizes non-cooperation (fines, removal from office, funding cuts)",
    "limits_detainers": "limits honoring detainers (e.g. judicial warrant or conviction conditions)",
    "limits_information_sharing": "limits information sharing with immigration authorities",
    "limits_ice_jail_access": "limits ICE access to jails",
    "bars_287g": "bars 287(g) agreements",
    "bars_detention_contracts": "bars or limits civil immigration detention contracts",
    "limits_courthouse_arrests": "limits civil immigration arrests at courthouses",
    "limits_state_resources": "bars using state or local resources for federal immigration enforcement",
    # added for issue 13 (2026 state orders on ICE access to state buildings)
    "limits_state_property_access": "limits immigration enforcement access to, or use of, nonpublic government property",
    "federal_funding_for_cooperation": "federal payments or reimbursements to states and localities for immigration enforcement or for holding people",
    "federal_sanctuary_designation": "named on a federal list of sanctuary jurisdictions",
    "defines_federal_authority": "defines what federal law authorizes",
    "limits_federal_commandeering": "bars the federal government from commandeering states",
}

# How far an entry has been checked (issue 13):
#   primary    the official text, or an official/faithful reproduction of the enacted law, court
#              order or executive order, was read and supports every effect tag;
#   secondary  agreeing reliable secondary sources were read, but no primary text;
#   unverified not (yet) confirmed: the notes say what remains to check.
VERIFICATIONS = ("primary", "secondary", "unverified")
# Levels that count as "verified" for code that still reads a yes/no flag.
VERIFIED_LEVELS = ("primary", "secondary")

MAX_QUOTE_WORDS = 25

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"

_date = {"type": "string", "pattern": DATE_PATTERN}
_date_or_null = {"anyOf": [_date, {"type": "null"}]}
_text = {"type": "string", "minLength": 1}

EFFECT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["tag", "pinpoint", "quote", "source_url"],
    "properties": {
        "tag": {"enum": list(EFFECT_TAGS)},
        "pinpoint": _text,
        "quote": _text,
        "source_url": {"type": "string", "pattern": r"^https?://\S+$"},
    },
}

SOURCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["url", "publisher", "accessed", "primary"],
    "properties": {
        "url": {"type": "string", "pattern": r"^https?://\S+$"},
        "publisher": _text,
        "title": _text,
        "accessed": _date,
        "primary": {"type": "boolean"},
    },
}

JURISDICTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["level"],
    "properties": {
        "level": {"enum": list(LEVELS)},
        "state_fips": {"type": "string", "pattern": r"^\d{2}$"},
        "county_fips": {"type": "string", "pattern": r"^\d{5}$"},
        "place": _text,
        # municipal only: further counties a city spans (New York City's five boroughs)
        "other_county_fips": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": r"^\d{5}$"},
        },
    },
    "allOf": [
        {
            "if": {"properties": {"level": {"const": "federal"}}},
            "then": {
                "not": {
                    "anyOf": [
                        {"required": [k]}
                        for k in ("state_fips", "county_fips", "place", "other_county_fips")
                    ]
                }
            },
        },
        {
            "if": {"properties": {"level": {"const": "state"}}},
            "then": {
                "required": ["state_fips"],
                "not": {
                    "anyOf": [
                        {"required": ["county_fips"]},
                        {"required": ["place"]},
                        {"required": ["other_county_fips"]},
                    ]
                },
            },
        },
        {
            "if": {"properties": {"level": {"const": "county"}}},
            "then": {
                "required": ["state_fips", "county_fips"],
                "not": {"anyOf": [{"required": ["place"]}, {"required": ["other_county_fips"]}]},
            },
        },
        {
            "if": {"properties": {"level": {"const": "municipal"}}},
            "then": {"required": ["state_fips", "county_fips", "place"]},
        },
    ],
}

ENTRY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "id",
        "jurisdiction",
        "kind",
        "title",
        "dates",
        "status",
        "effects",
        "summary",
        "sources",
        "last_reviewed",
        "verification",
    ],
    "properties": {
        "id": {"type": "string", "pattern": ID_PATTERN},
        "jurisdiction": JURISDICTION_SCHEMA,
        "kind": {"enum": list(KINDS)},
        "title": _text,
        # the Spanish title (issue 17): optional here, required by the checker (titles.py)
        "title_es": _text,
        "citation": {"anyOf": [_text, {"type": "null"}]},
        "dates": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "enacted": _date_or_null,
                "effective": _date_or_null,
                "ended": _date_or_null,
                # court rulings are decided, lists are published: neither is "enacted"
                "decided": _date_or_null,
                "published": _date_or_null,
            },
        },
        "status": {"enum": list(STATUSES)},
        "effects": {"type": "array", "items": EFFECT_SCHEMA},
        "summary": {
            "type": "object",
            "additionalProperties": False,
            "required": ["en", "es"],
            "properties": {
                "en": {"type": "string", "minLength": 10},
                "es": {"type": "string", "minLength": 10},
            },
        },
        "sources": {"type": "array", "minItems": 1, "items": SOURCE_SCHEMA},
        "last_reviewed": _date,
        "verification": {"enum": list(VERIFICATIONS)},
        "searched": _text,
        "notes": _text,
        # federal.yaml only: the states a federal ruling or action concerns (it is shown in
        # their profiles; the state files do not repeat it)
        "concerns_states": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": r"^[A-Z]{2}$"},
        },
    },
    "allOf": [
        {
            "if": {"properties": {"kind": {"const": "none_found"}}},
            "then": {"required": ["searched"], "properties": {"effects": {"maxItems": 0}}},
            "else": {"required": ["citation"], "properties": {"citation": _text}},
        }
    ],
}

# One search done for a file's freshness record: where (the tool and corpus, or a site), what
# (the queries), and when. The search tool holds stored copies of public pages, so a record
# says so in `source`; `checked_through` is never later than the newest `accessed` here.
SEARCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["source", "queries", "accessed"],
    "properties": {
        "source": _text,
        "queries": {"type": "array", "minItems": 1, "items": _text},
        "accessed": _date,
        "result": _text,
    },
}

FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["entries"],
    "properties": {
        # states/ files must carry both (the checker enforces it); optional elsewhere
        "checked_through": _date,
        "searched": {"type": "array", "minItems": 1, "items": SEARCH_SCHEMA},
        "entries": {"type": "array", "items": {"type": "object"}},
    },
}

# ---- litigation tracker (data/cases.yaml) --------------------------------------------------

CASE_STATUSES = ("pending", "preliminary_injunction", "dismissed", "decided", "appealed")
PARTY_ROLES = ("plaintiff", "defendant", "intervenor", "appellant", "appellee", "petitioner", "respondent")

_source = SOURCE_SCHEMA
_url = {"type": "string", "pattern": r"^https?://\S+$"}

CASE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "id", "caption", "court", "parties", "status", "status_date", "status_source_url",
        "summary", "sources", "last_reviewed", "verification",
    ],
    "properties": {
        "id": {"type": "string", "pattern": r"^case-[a-z0-9]+(-[a-z0-9]+)*$"},
        "caption": _text,
        "caption_es": _text,  # the caption kept, its descriptive part in Spanish (titles.py)
        "court": _text,
        "docket": {"anyOf": [_text, {"type": "null"}]},
        "filed": _date_or_null,
        "parties": {
            "type": "array",
            "minItems": 2,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "role"],
                "properties": {
                    "name": _text,
                    "role": {"enum": list(PARTY_ROLES)},
                    # what kind of party: united_states, state, county, city, official, person, group
                    "kind": {"enum": ["united_states", "state", "county", "city", "official", "person", "group"]},
                },
            },
        },
        "entries": {"type": "array", "uniqueItems": True, "items": {"type": "string", "pattern": ID_PATTERN}},
        "policies": {"type": "array", "items": _text},
        "states": {"type": "array", "uniqueItems": True, "items": {"type": "string", "pattern": r"^[A-Z]{2}$"}},
        "county_fips": {"type": "array", "uniqueItems": True, "items": {"type": "string", "pattern": r"^\d{5}$"}},
        "places": {"type": "array", "uniqueItems": True, "items": _text},
        "status": {"enum": list(CASE_STATUSES)},
        "status_date": _date,
        "status_source_url": _url,
        "summary": ENTRY_SCHEMA["properties"]["summary"],
        "sources": {"type": "array", "minItems": 1, "items": _source},
        "last_reviewed": _date,
        "verification": {"enum": list(VERIFICATIONS)},
        "notes": _text,
    },
}  # fmt: skip

CASES_FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["cases"],
    "properties": {"cases": {"type": "array", "items": {"type": "object"}}},
}

# ---- federal lists of "sanctuary jurisdictions" (data/designations.yaml) -------------------

DESIGNATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "level", "state_fips", "listed", "sources"],
    "properties": {
        "name": _text,
        "level": {"enum": ["state", "county", "municipal"]},
        "state_fips": {"type": "string", "pattern": r"^\d{2}$"},
        "county_fips": {"type": "string", "pattern": r"^\d{5}$"},
        "place": _text,
        "listed": _date,
        "removed": _date_or_null,
        # urls among the list's sources (or given here) that support `listed` and `removed`
        "sources": {"type": "array", "minItems": 1, "items": _url},
        "removed_sources": {"type": "array", "items": _url},
        "verification": {"enum": list(VERIFICATIONS)},
        "notes": _text,
    },
    "allOf": [
        {"if": {"properties": {"level": {"const": "county"}}}, "then": {"required": ["county_fips"]}},
        {"if": {"properties": {"level": {"const": "municipal"}}}, "then": {"required": ["place"]}},
        {"if": {"required": ["removed"], "properties": {"removed": {"type": "string"}}},
         "then": {"required": ["removed_sources"]}},
    ],
}  # fmt: skip

DESIGNATION_LIST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "entry_id", "title", "published", "sources", "jurisdictions", "last_reviewed"],
    "properties": {
        "id": {"type": "string", "pattern": ID_PATTERN},
        "entry_id": {"type": "string", "pattern": ID_PATTERN},  # the list's federal.yaml entry
        "title": _text,
        "published": _date,
        "sources": {"type": "array", "minItems": 1, "items": SOURCE_SCHEMA},
        "jurisdictions": {"type": "array", "minItems": 1, "items": DESIGNATION_SCHEMA},
        "last_reviewed": _date,
        "notes": _text,
    },
}  # fmt: skip

DESIGNATIONS_FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["lists"],
    "properties": {"lists": {"type": "array", "items": DESIGNATION_LIST_SCHEMA}},
}
