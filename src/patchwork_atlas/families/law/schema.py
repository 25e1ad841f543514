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
    "federal_sanctuary_designation": "named on a federal list of sanctuary jurisdictions",
    "defines_federal_authority": "defines what federal law authorizes",
    "limits_federal_commandeering": "bars the federal government from commandeering states",
}

VERIFICATIONS = ("verified", "unverified")

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
    },
    "allOf": [
        {
            "if": {"properties": {"kind": {"const": "none_found"}}},
            "then": {"required": ["searched"], "properties": {"effects": {"maxItems": 0}}},
            "else": {"required": ["citation"], "properties": {"citation": _text}},
        }
    ],
}

FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["entries"],
    "properties": {"entries": {"type": "array", "items": {"type": "object"}}},
}
