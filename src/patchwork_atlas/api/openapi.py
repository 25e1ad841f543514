"""The OpenAPI 3.1 document for /api/v1, built from the same parameter table the API enforces."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from patchwork_atlas.api.params import EVENT_KINDS, MAX_LIMIT, PARAMS

# One real example value per parameter (ids from the shipped data), shown on the API page.
EXAMPLES = {
    "state": "TX", "model": "JEM", "as_of": "2025-06-01", "limit": "100", "offset": "0",
    "agency_id": "ag-99fdc1aa628c", "county": "48201", "status": "active", "q": "77002",
    "active": "true", "kind": "agreement_listed", "since": "2025-01-01", "until": "2025-12-31",
    "list": "participating", "year": "2026", "language": "es", "agreement_id": "agr-d448ace9d635",
    "fips": "48201", "facility_id": "fac-anchoak", "speaks": "es", "facility": "fac-stwrtga",
    "revision": "2025-02-14", "moa_id": "moa-097cc0aa4d44", "level": "federal",
    "entry_id": "us-ina-287g",
}  # fmt: skip


def _param(name: str, where: str = "query", required: bool = False,
           example: str | None = None) -> dict[str, Any]:
    """One parameter; `example` where the shared one would find nothing on this endpoint."""
    p = PARAMS[name]
    schema: dict[str, Any] = {"type": "string", "pattern": f"^(?:{p.pattern})$"}
    if p.is_date:
        schema["format"] = "date"
    if name == "limit":
        schema = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 100}
    elif name == "offset":
        schema = {"type": "integer", "minimum": 0, "default": 0}
    elif p.enum:
        schema = {"type": "string", "enum": list(p.enum)}
    return {"name": name, "in": where, "required": required, "description": p.description,
            "schema": schema, "example": example or EXAMPLES[name]}


def _path(name: str, description: str, pattern: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string", "pattern": pattern}, "example": EXAMPLES[name]}


def _op(summary: str, params: list[dict[str, Any]], schema: str, *, listing: bool = False,
        not_found: bool = False) -> dict[str, Any]:
    ok_schema: dict[str, Any] = {"$ref": f"#/components/schemas/{schema}"}
    if listing:
        ok_schema = {"type": "object", "required": ["data", "pagination"], "properties": {
            "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}},
            "pagination": {"$ref": "#/components/schemas/Pagination"}}}
    responses: dict[str, Any] = {
        "200": {"description": "OK", "headers": {"ETag": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": ok_schema}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
    }
    if not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    return {"get": {"summary": summary, "parameters": params, "responses": responses}}


def _obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, "additionalProperties": True}


S = {"type": "string"}
SN = {"type": ["string", "null"]}
IN = {"type": ["integer", "null"]}


def example_url(path: str, operation: dict[str, Any]) -> str:
    """A working request for one endpoint: path parameters and required ones filled in, plus
    the first optional filter."""
    query = []
    for p in operation.get("parameters", []):
        if p["in"] == "path":
            path = path.replace("{" + p["name"] + "}", p["example"])
        elif p["required"] or (not query and p["name"] not in ("limit", "offset")):
            query.append(f"{p['name']}={p['example']}")
    return path + ("?" + "&".join(query) if query else "")


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    P = _param
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Patchwork atlas API",
            "version": "1.0.0",
            "description": (
                "Who takes part in US immigration enforcement, where, and since when: ICE 287(g) "
                "agreements, applications and their changes, each traceable to the ICE publication "
                "(file and row) it comes from. Read-only; GET only; CORS open; ETag on every 200."
            ),
            "license": {"name": "Data: US government works (public domain); code: MIT",
                        "identifier": "MIT"},
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/api/v1/summary": _op("Headline counts and as-of dates", [P("state")], "Summary"),
            "/api/v1/agreements": _op(
                "287(g) agreements; with as_of, the participating list as it stood on that date",
                [P("state"), P("model"), P("status"), P("agency_id"), P("county"), P("as_of"),
                 P("limit"), P("offset")], "Agreement", listing=True),
            "/api/v1/agreements/{agreement_id}": _op(
                "One agreement with every list it appeared in and its source rows",
                [_path("agreement_id", "agreement id", "^agr-[0-9a-f]+$")], "Agreement",
                not_found=True),
            "/api/v1/agencies": _op("Agencies named in ICE's lists",
                                    [P("state"), P("q"), P("active"), P("limit"), P("offset")],
                                    "Agency", listing=True),
            "/api/v1/agencies/{agency_id}": _op(
                "One agency: names, agreements, applications, events, jurisdiction",
                [_path("agency_id", "agency id", "^ag-[0-9a-f]+$")], "Agency", not_found=True),
            "/api/v1/applications": _op("Applications (ICE's pending list)",
                                        [P("state"), P("status"), P("agency_id"), P("limit"), P("offset")],
                                        "Application", listing=True),
            "/api/v1/jurisdictions/{fips}": _op(
                "A state (2-digit FIPS) or county (5-digit FIPS) profile",
                [_path("fips", "state or county FIPS code", r"^\d{2}(\d{3})?$")], "Jurisdiction",
                not_found=True),
            "/api/v1/lookup": _op("Find the place for a ZIP code, place, county or agency name",
                                  [P("q", required=True)], "Lookup", not_found=True),
            "/api/v1/events": _op("What changed, newest first",
                                  [P("state"), P("kind"), P("agency_id"), P("county"), P("since"),
                                   P("until"), P("limit"), P("offset")], "Event", listing=True),
            "/api/v1/publications": _op("Every distinct ICE list, with its files",
                                        [P("list"), P("limit"), P("offset")], "Publication",
                                        listing=True),
            "/api/v1/vocabulary": _op("Plain-language names of every data code (model, status,"
                                      " event kind, date rule), in English and Spanish", [],
                                      "Vocabulary"),
            "/api/v1/facilities": _op(
                "Jails and detention facilities that hold people for ICE, with yearly populations",
                [P("state"), P("county"), P("year"), P("limit"), P("offset")], "Facility", listing=True),
            "/api/v1/facilities/{facility_id}": _op(
                "One facility with its yearly figures, each citing its workbook row",
                [_path("facility_id", "facility id", r"^fac-[a-z0-9-]{1,60}$")], "Facility", not_found=True),
            "/api/v1/legal-help": _op(
                "Nearest recognized organizations and pro bono providers (DOJ rosters) for a place",
                [P("q", required=True), P("language"), P("speaks"), P("limit")], "LegalHelp", not_found=True),
            "/api/v1/cases": _op(
                "Court cases over how far local cooperation goes, with their status and its date",
                [P("state"), P("status"), P("limit"), P("offset")], "Case", listing=True),
            "/api/v1/knowledge": _op(
                "Law and policy on cooperation in full (effects with quotes, sources, status and"
                " the date it was checked); a place's report names federal entries by id",
                [P("level"), P("state"), P("limit"), P("offset")], "KnowledgeEntry", listing=True),
            "/api/v1/knowledge/{entry_id}": _op(
                "One law or policy entry in full",
                [_path("entry_id", "Entry id, as a place's report names it", "^[a-z0-9][a-z0-9-]{1,118}$")],
                "KnowledgeEntryDetail", not_found=True),
            "/api/v1/deaths": _op(
                "Deaths in ICE custody held (ICE's death reports and FOIA list), linked to facilities;"
                " reports held, not a complete count", [P("state"), P("facility"), P("year"),
                                                         P("limit"), P("offset")], "Death",
                listing=True),
            "/api/v1/moas": _op(
                "287(g) memoranda of agreement held (the signed PDFs), with the facts read from"
                " each and the agreement it is linked to; MOAs held, not every agreement's",
                [P("state"), P("model"), P("revision"), P("agreement_id"), P("limit"),
                 P("offset")], "Moa", listing=True),
            # before /moas/{moa_id}: the first path that fits a URL names its operation
            "/api/v1/moas/search": _op(
                "Full-text search of every MOA page held: one hit per page, best first, with a"
                " snippet and a link to that page of the archived PDF",
                [P("q", required=True, example="complaint"), P("state"), P("model"),
                 P("revision"), P("limit")], "MoaSearch"),
            "/api/v1/moas/{moa_id}": _op(
                "One MOA: each fact with the page and text span it was read from, its links to"
                " agreements, its pages (PDF text or OCR) and how it departs from its template",
                [_path("moa_id", "MOA id ('moa-' and the first 12 hex digits of the PDF's"
                       " SHA-256)", "^moa-[0-9a-f]{12}$")], "MoaDetail", not_found=True),
            "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": {
                "200": {"description": "OpenAPI document",
                        "content": {"application/vnd.oai.openapi+json": {"schema": {"type": "object"}}}}}}},
        },
        "components": {
            "schemas": {
                "Pagination": {"type": "object", "required": ["limit", "offset", "total"],
                               "properties": {"limit": {"type": "integer"}, "offset": {"type": "integer"},
                                              "total": {"type": "integer"}, "next": SN}},
                "Error": {"type": "object", "required": ["error"], "properties": {"error": _obj(
                    status={"type": "integer"}, message=S)}},
                "Summary": _obj(data=_obj(active_agreements={"type": "integer"},
                                          active_by_model={"type": "object"},
                                          pending_applications={"type": "integer"},
                                          participating_as_of=SN, last_checked_utc=SN,
                                          last_changed_utc=SN)),
                "Agreement": _obj(agreement_id=S, agency_id=S, agency_name=S, state_usps=S, model=S,
                                  status={"type": "string", "enum": ["active", "removed", "superseded"]},
                                  signed_date=SN, first_seen_date=SN, last_seen_date=SN,
                                  removed_date=SN, moa_url=SN, n_publications={"type": "integer"},
                                  review_reason=SN),
                "Facility": _obj(facility_id=S, name=S, state_usps=SN, county_fips=SN, type_code=SN,
                                 type_label=SN, local_agreement=SN, latest_adp={"type": ["number", "null"]},
                                 adp_trend={"type": "array", "items": {"type": "object"}}),
                "Case": _obj(id=S, caption=S, court=S, docket=SN, filed=SN, status=S, status_date=S,
                             status_source_url=S, states={"type": "array", "items": S},
                             county_fips={"type": "array", "items": S},
                             parties={"type": "array", "items": {"type": "object"}},
                             entries={"type": "array", "items": S},
                             summary={"type": "object"}, sources={"type": "array"},
                             caption_es=SN, captions={"type": "object"}),
                "KnowledgeEntry": _obj(id=S, level=S, kind=S, title=S, title_es=SN,
                                       titles={"type": "object"}, citation=SN, dates={"type": "object"},
                                       status=S, as_of=S, last_reviewed=SN, verification_level=SN,
                                       jurisdiction={"type": "object"},
                                       concerns_states={"type": "array", "items": S},
                                       effects={"type": "array"}, summary={"type": "object"},
                                       sources={"type": "array"}, provenance={"type": "object"}),
                "KnowledgeEntryDetail": _obj(data={"$ref": "#/components/schemas/KnowledgeEntry"}),
                "LegalHelp": _obj(data=_obj(offices={"type": "array", "items": {"type": "object"}},
                                            disclaimer=S, official_rosters={"type": "array"})),
                "Agency": _obj(agency_id=S, state_usps=S, name=S, agency_type=SN,
                               active_models={"type": "array", "items": S}),
                "Application": _obj(application_id=S, agency_id=S, agency_name=S, model=S,
                                    status={"type": "string", "enum": ["pending", "approved", "withdrawn"]}),
                "Event": _obj(event_id=S, event_date=SN, kind={"type": "string", "enum": list(EVENT_KINDS)},
                              state_usps=SN, agency_id=SN, model=SN, publication_id=S,
                              detail={"type": ["object", "string"]}),
                "Publication": _obj(publication_id=S, list=S, published_date=SN, date_rule=S,
                                    era=S, canonical_sha256=S, n_data_rows=IN,
                                    files={"type": "array", "items": {"type": "object"}}),
                "Death": _obj(death_id=S, source_kind={"type": "string", "enum": ["ddr", "foia_list"]},
                              name=SN, date_of_death=SN, fiscal_year=IN, age=IN, facility_printed=SN,
                              facility_id=SN, county_fips=SN, state_usps=SN, place_of_death=SN,
                              review_reason=SN, published_url=SN, sha256=S, archived_copy=S),
                "Moa": _obj(moa_id=S, sha256=S, model=SN, agency=SN, state=SN,
                            template_revision=SN, signed_dates=SN, agreement_id=SN,
                            match_confidence=SN, flags=SN, pages={"type": "integer"},
                            ice_signed_date=SN, lea_signed_date=SN, template_group=SN,
                            departure_score={"type": ["number", "null"]}, link_method=SN,
                            review_reason=SN, file_name=S, archived_copy=S),
                "MoaDetail": _obj(data={"allOf": [
                    {"$ref": "#/components/schemas/Moa"},
                    _obj(values={"type": "object"}, links={"type": "array"},
                         page_texts={"type": "array"}, ocr_pages={"type": "array"},
                         unread_pages={"type": "array"}, comparison={"type": ["object", "null"]},
                         differences={"type": "array"}, published_url=SN, retrieved_utc=SN)]}),
                "MoaSearch": _obj(
                    data={"type": "array", "items": _obj(
                        moa_id=S, sha256=S, agency=SN, state=SN, model=SN, template_revision=SN,
                        page={"type": "integer"}, snippet=S, ocr={"type": "boolean"},
                        archived_copy=S)},
                    query=_obj(q=S, match=S), count={"type": "integer"}),
                "Jurisdiction": _obj(data={"type": "object", "description": (
                    "The place's report: every family's section. Its law (report.knowledge) holds the"
                    " state's and local entries in full; the federal framework, the same everywhere,"
                    " is named entry by entry (id, titles, citation, dates, status, as_of,"
                    " concerns_state) and read in full at /api/v1/knowledge/{id}.")}),
                "Vocabulary": _obj(data={"type": "object", "additionalProperties": {"type": "object"}}),
                "Lookup": _obj(data={"type": "object"}),
            },
            "responses": {
                "BadRequest": {"description": "A parameter is unknown or malformed",
                               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "NotFound": {"description": "Nothing matches",
                             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        },
    }
