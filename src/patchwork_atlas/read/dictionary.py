"""The data dictionary: one description of every column of every published table (type, meaning,
source), from which the downloads page and `datapackage.json` are both generated, so neither can
drift from the files. Examples are taken from the data itself (never typed by hand).

A column is described once by name; a `table.column` key overrides it where the same name means
something else in one table. `tests/test_dictionary.py` fails on any column left undescribed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from patchwork_atlas.kernel.family import Table
from patchwork_atlas.read import tables


def _(message: str) -> str:
    """Marks a meaning for the catalog extractor; it is translated where it is shown."""
    return message


# Table Schema types (https://specs.frictionlessdata.io/table-schema/); a list is `;`-joined text.
TYPES = ("string", "integer", "number", "boolean", "date", "list")


@dataclass(frozen=True)
class Column:
    type: str
    meaning: str
    source: str  # a key of SOURCES


SOURCES = {
    "ice287g": _("ICE's 287(g) lists (participating agencies and pending applications), ice.gov"),
    "detention": _("ICE's detention statistics workbooks and facility lists, ice.gov"),
    "eoir": _("The Justice Department's (EOIR) rosters of recognized organizations and pro bono providers"),
    "deaths": _("ICE's Detainee Death Reports and its FOIA list of deaths in custody, ice.gov"),
    "moa": _("The 287(g) memoranda of agreement (signed PDFs) that ICE's lists link to, as read by Patchwork from their text"),
    "census": _("Census Bureau reference geography (FIPS codes), matched by Patchwork"),
    "patchwork": _("Derived by Patchwork from the stored source rows"),
}

# Titles of the tables on the downloads page (a table without one shows its own description).
TABLE_TITLES = {
    "agreements": _("Agreements (every one ever listed)"),
    "agencies": _("Agencies"),
    "applications": _("Applications"),
    "events": _("Changes (events)"),
    "facilities": _("Jails and detention facilities that hold people for ICE (latest fiscal year)"),
    "facility_years": _("Their average daily population, year by year, with the workbook row of each figure"),
    "deaths": _("Deaths in ICE custody, from ICE's own reports, each linked to a facility where certain"),
    "legal_help_offices": _("Legal-service offices on the Justice Department's rosters, each placed by its own ZIP"),
    "moas": _("Memoranda of agreement (MOAs): the signed 287(g) agreements held, with what each says and the page it says it on"),
}

S, INT, NUM, DATE, LIST, BOOL = "string", "integer", "number", "date", "list", "boolean"

COLUMNS: dict[str, Column] = {
    # ---- ids and provenance
    "agreement_id": Column(S, _("Patchwork's stable id for one agreement (agency, model and first signing date)."), "patchwork"),
    "agency_id": Column(S, _("Patchwork's stable id for one agency (state and normalized name)."), "patchwork"),
    "application_id": Column(S, _("Patchwork's stable id for one application on ICE's pending list."), "patchwork"),
    "event_id": Column(S, _("Patchwork's stable id for one change between two lists."), "patchwork"),
    "facility_id": Column(S, _("Patchwork's stable id for one facility (from ICE's DETLOC code when printed)."), "patchwork"),
    "office_id": Column(S, _("Patchwork's stable id for one office of an organization."), "patchwork"),
    "org_id": Column(S, _("Patchwork's stable id for the organization the office belongs to."), "patchwork"),
    "publication_id": Column(S, _("One distinct ICE list: its kind and a hash of its content (see /api/v1/publications)."), "patchwork"),
    "first_publication_id": Column(S, _("The ICE list where it was first seen."), "patchwork"),
    "last_publication_id": Column(S, _("The ICE list where it was last seen."), "patchwork"),
    "superseded_by": Column(S, _("The newer agreement of the same agency and model that replaced it; empty otherwise."), "patchwork"),
    "source_file": Column(S, _("The name of the ICE file the figure comes from."), "detention"),
    "sha256": Column(S, _("SHA-256 hash of that file; the original is at /downloads/raw/<sha256>."), "detention"),
    "sheet": Column(S, _("The sheet (or PDF page) of that file."), "detention"),
    "row": Column(INT, _("The row number on that sheet or page."), "detention"),
    "rosters": Column(LIST, _("The rosters that list the office: roster, its date, file hash and record numbers."), "eoir"),
    "n_publications": Column(INT, _("How many distinct ICE lists included it."), "patchwork"),
    # ---- what the source printed
    "agency_name": Column(S, _("The agency's name as ICE printed it (most recent spelling, corrected where a correction is recorded)."), "ice287g"),
    "name": Column(S, _("The name as the source printed it."), "ice287g"),
    "agency_type": Column(S, _("ICE's 'type' cell for the agency (for example Sheriff's Office)."), "ice287g"),
    "county_cell": Column(S, _("ICE's county cell exactly as printed (not a resolved county)."), "ice287g"),
    "model": Column(S, _("287(g) model: JEM (jail enforcement), TFM (task force), WSO (warrant service officer), or other text exactly as ICE printed it."), "ice287g"),
    "signed_date": Column(DATE, _("The signing date ICE printed most recently (YYYY-MM-DD)."), "ice287g"),
    "signed_date_first": Column(DATE, _("The signing date ICE printed first (YYYY-MM-DD)."), "ice287g"),
    "moa_url": Column(S, _("Link to the signed agreement, as ICE linked it."), "ice287g"),
    "addendum_url": Column(S, _("Link to an addendum, as ICE linked it."), "ice287g"),
    "list": Column(S, _("Which ICE list: participating or pending."), "ice287g"),
    "address": Column(S, _("Street address as the source printed it."), "detention"),
    "street": Column(S, _("Street address as the roster printed it."), "eoir"),
    "city": Column(S, _("City as the source printed it."), "detention"),
    "zip": Column(S, _("ZIP code (5 digits) as the source printed it, corrected where a correction is recorded."), "detention"),
    "zip5": Column(S, _("ZIP code (5 digits) as the roster printed it."), "eoir"),
    "type_code": Column(S, _("ICE's facility type code (for example IGSA: an agreement with a state or local government)."), "detention"),
    "type_label": Column(S, _("What ICE's facility type code stands for."), "detention"),
    "owner_listed": Column(S, _("The owner ICE's facility list printed."), "detention"),
    "operator_listed": Column(S, _("The operator ICE's facility list printed."), "detention"),
    "phone": Column(S, _("Telephone number as the roster printed it."), "eoir"),
    "email": Column(S, _("Email address as the roster printed it."), "eoir"),
    "website": Column(S, _("Website as the roster printed it."), "eoir"),
    "languages": Column(LIST, _("Languages served, as ISO 639-1 codes (;-separated)."), "eoir"),
    "languages_text": Column(S, _("The roster's language text as printed."), "eoir"),
    "case_types": Column(S, _("The kinds of cases taken, as the roster printed them."), "eoir"),
    "intake": Column(S, _("How to ask for help (intake hours or rules), as printed."), "eoir"),
    "courts": Column(LIST, _("Immigration courts the roster lists the office under (;-separated)."), "eoir"),
    "in_recognized": Column(INT, _("1 when on the roster of recognized organizations, else 0."), "eoir"),
    "in_pro_bono": Column(INT, _("1 when on the list of pro bono legal service providers, else 0."), "eoir"),
    "is_referral": Column(INT, _("1 when the roster marks it as a referral service, else 0."), "eoir"),
    # ---- lifecycle and figures (derived)
    "status": Column(S, _("active: on ICE's newest list; removed: no longer listed; superseded: replaced by a newer agreement of the same agency and model."), "patchwork"),
    "applications.status": Column(S, _("pending: on ICE's newest pending list; approved: an agreement followed; withdrawn: left the list without one."), "patchwork"),
    "first_seen_date": Column(DATE, _("Date of the first ICE list that included it."), "patchwork"),
    "last_seen_date": Column(DATE, _("Date of the last ICE list that included it."), "patchwork"),
    "removed_date": Column(DATE, _("Date of the first ICE list without it; empty while listed."), "patchwork"),
    "ended_date": Column(DATE, _("Date of the first pending list without the application; empty while pending."), "patchwork"),
    "approved_date": Column(DATE, _("Signing date of the agreement the application became; empty otherwise."), "patchwork"),
    "applications.agreement_id": Column(S, _("The agreement the application became, when one followed."), "patchwork"),
    "active_models": Column(LIST, _("287(g) models the agency is active in on ICE's newest list (;-separated)."), "patchwork"),
    "event_date": Column(DATE, _("Date of the ICE list on which the change was seen."), "patchwork"),
    "kind": Column(S, _("What changed between two lists (see the glossary)."), "patchwork"),
    "detail": Column(LIST, _("Details of the change as key=value pairs (;-separated): signed date, link, old and new dates, days."), "patchwork"),
    "fiscal_year": Column(INT, _("Federal fiscal year (October to September) of the figures."), "detention"),
    "adp": Column(NUM, _("Average daily population: how many people ICE held there on an average day of that fiscal year (sum of ICE's four security levels)."), "detention"),
    "alos": Column(NUM, _("Average length of stay in days, as ICE printed it."), "detention"),
    "data_date": Column(DATE, _("The date ICE gives for the figures of that file."), "detention"),
    "local_agreement": Column(S, _("Whether the facility type is an agreement with a local government: yes, no or unknown."), "patchwork"),
    "review_reason": Column(S, _("Set when a person should check this record (why); empty otherwise."), "patchwork"),
    "place_review": Column(S, _("Set when the placement (county) should be checked by a person (why); empty otherwise."), "patchwork"),
    # ---- resolved geography (joinable)
    "state_usps": Column(S, _("Two-letter state code."), "ice287g"),
    "state_fips": Column(S, _("Two-digit state FIPS code."), "census"),
    "county_fips": Column(S, _("Five-digit county FIPS code as resolved by Patchwork (joins to counties.geojson); empty when not placed."), "census"),
    "county_fips_all": Column(LIST, _("Every county of the agency's jurisdiction, primary first (;-separated FIPS codes)."), "census"),
    "county_name": Column(S, _("Name of the resolved county."), "census"),
    "level": Column(S, _("Level of government of the agency's jurisdiction as resolved: state, county, municipal or other."), "patchwork"),
    "place": Column(S, _("Municipality (or campus, port ...) of the agency as resolved; empty for none."), "patchwork"),
    "place_method": Column(S, _("How the placement was made (for example county_name+county_cell, zip+city, correction)."), "patchwork"),
    "county_listed": Column(S, _("The county ICE's facility list printed, as printed."), "detention"),
    "county_check": Column(S, _("Whether the resolved county agrees with the county ICE printed: agrees, disagrees or empty."), "patchwork"),
    "lat": Column(NUM, _("Latitude of the ZIP code's centre (not of the office itself)."), "census"),
    "lon": Column(NUM, _("Longitude of the ZIP code's centre (not of the office itself)."), "census"),
    "placement": Column(S, _("How the office was placed (by ZIP, by city, or not placed)."), "patchwork"),
    "placement_flags": Column(LIST, _("Cautions about the placement (;-separated codes, see /api/v1/vocabulary)."), "patchwork"),
    "agencies.name": Column(S, _("The agency's name as ICE printed it (most recent spelling, corrected where a correction is recorded)."), "ice287g"),
    "facilities.name": Column(S, _("The facility's name as ICE printed it."), "detention"),
    "facility_years.name": Column(S, _("The facility's name as ICE printed it."), "detention"),
    "legal_help_offices.name": Column(S, _("The organization's name as the roster printed it."), "eoir"),
    "legal_help_offices.city": Column(S, _("City as the roster printed it."), "eoir"),
    "legal_help_offices.state_usps": Column(S, _("Two-letter state code."), "eoir"),
    "legal_help_offices.review_reason": Column(S, _("Set when a person should check this office's placement (why); empty otherwise."), "patchwork"),
    "legal_help_offices.mailing_only": Column(BOOL, _("True when the roster prints only a mailing address (P.O. Box or private mailbox), so the office cannot be walked into."), "eoir"),
    "recognized_date": Column(DATE, _("The date the roster of recognized organizations prints as the start of recognition."), "eoir"),
    "recognition_expires": Column(DATE, _("The date the roster of recognized organizations prints as the end of recognition."), "eoir"),
    "renewal_pending": Column(INT, _("1 when the roster prints the renewal as pending, 0 when it prints it is not; empty when it says nothing."), "eoir"),
    "recognition_roster_date": Column(DATE, _("The date of the roster of recognized organizations the recognition dates come from."), "eoir"),
    "languages_denied": Column(LIST, _("Languages the roster entry says are not spoken, as ISO 639-1 codes (;-separated)."), "eoir"),
    "county_candidates": Column(LIST, _("When the ZIP code spans counties and nothing decides between them: every county it spans (;-separated FIPS codes)."), "census"),
    # ---- deaths in ICE custody
    "death_id": Column(S, _("Patchwork's stable id for one death (the file's hash and its row)."), "patchwork"),
    "source_kind": Column(S, _("Which ICE document: ddr (a Detainee Death Report, FY2018 on) or foia_list (ICE's FOIA list of deaths, FY2003 to FY2017)."), "deaths"),
    "deaths.name": Column(S, _("The person's name as printed inside ICE's document."), "deaths"),
    "date_of_death": Column(DATE, _("Date of death as ICE printed it (YYYY-MM-DD)."), "deaths"),
    "deaths.fiscal_year": Column(INT, _("Federal fiscal year (October to September) of the date of death."), "patchwork"),
    "age": Column(INT, _("Age as ICE printed it; empty when not stated."), "deaths"),
    "sex": Column(S, _("The document's 'Sex' entry as printed."), "deaths"),
    "gender": Column(S, _("The document's 'Gender' entry as printed (else its 'Sex' entry)."), "deaths"),
    "citizenship": Column(S, _("Country of citizenship as the death report printed it."), "deaths"),
    "country_of_birth": Column(S, _("Country of birth as the FOIA list printed it."), "deaths"),
    "facility_printed": Column(S, _("The detention facility (or location of last detention) as ICE's document printed it."), "deaths"),
    "facility_name": Column(S, _("Name of the detention facility the death was linked to, as ICE's detention statistics print it."), "detention"),
    "facility_type": Column(S, _("ICE's type code of the linked facility."), "detention"),
    "facility_type_printed": Column(S, _("The facility type cell of the FOIA list, as printed."), "deaths"),
    "place_of_death": Column(S, _("Where the person died (often a hospital), as printed."), "deaths"),
    "field_office": Column(S, _("The ICE field office the report names last before the death."), "deaths"),
    "link_method": Column(S, _("How the death was linked to a facility: correction, name_state, name or none."), "patchwork"),
    "deaths.county_fips": Column(S, _("Five-digit county FIPS code of the linked facility; empty when no facility is certain."), "census"),
    "deaths.state_usps": Column(S, _("Two-letter code of the linked facility's state, else of the state the document prints."), "deaths"),
    "deaths.sha256": Column(S, _("SHA-256 hash of ICE's document; the original is at /downloads/raw/<sha256>."), "deaths"),
    "published_url": Column(S, _("ICE's address for the document, when known."), "deaths"),
    "archived_copy": Column(S, _("Patchwork's archived copy of the document."), "patchwork"),
    "page": Column(INT, _("The page of the document the name is printed on."), "deaths"),
    "row_number": Column(INT, _("The row number the FOIA list prints in its first column; empty for a death report."), "deaths"),
    # ---- 287(g) memoranda of agreement (each value read from the PDF's text; /api/v1/moas/<moa_id> gives its page and span)
    "moa_id": Column(S, _("Patchwork's stable id for one MOA file ('moa-' and the first 12 hex digits of its SHA-256)."), "patchwork"),
    "moas.sha256": Column(S, _("SHA-256 hash of the MOA's PDF; the original is at /downloads/raw/<sha256>."), "moa"),
    "moas.model": Column(S, _("287(g) model the MOA's text names: JEM (jail enforcement), TFM (task force) or WSO (warrant service officer); empty when it names none."), "moa"),
    "agency": Column(S, _("The law enforcement agency the MOA names as party, as printed."), "moa"),
    "moas.state": Column(S, _("Two-letter code of the state the MOA's text names (else the one its file name gives); empty when neither does."), "moa"),
    "template_revision": Column(DATE, _("Revision date of ICE's template printed in the MOA's footer (2025 templates); empty when none is printed."), "moa"),
    "signed_dates": Column(LIST, _("The signing dates typed beside the signatures, the agency's (LEA) and ICE's (;-separated)."), "moa"),
    "moas.agreement_id": Column(S, _("The agreement in ICE's lists the MOA is linked to; empty when none is found (an MOA linked to two agreements has a row for each)."), "patchwork"),
    "match_confidence": Column(S, _("How sure the link to the agreement is: high (the list links this file), medium (agency, model and ICE's signing date agree) or none."), "patchwork"),
    "flags": Column(LIST, _("Cautions about how the MOA was read (;-separated): ocr text used, pages without text, blank template."), "patchwork"),
    "pages": Column(INT, _("Number of pages of the PDF."), "moa"),
    "ice_signed_date": Column(DATE, _("The date typed beside ICE's signature (YYYY-MM-DD)."), "moa"),
    "lea_signed_date": Column(DATE, _("The date typed beside the agency's signature (YYYY-MM-DD)."), "moa"),
    "template_group": Column(S, _("The group it is compared with: MOAs of the same model and template revision (for the 2019-2020 templates, which print none, of the same year)."), "patchwork"),
    "departure_score": Column(NUM, _("How far its text departs from its group's standard text: changed characters divided by the standard's characters (0: the same)."), "patchwork"),
    "moas.link_method": Column(S, _("How the MOA was linked to its agreement: list_link (the list links this file), agency_model_date, or none."), "patchwork"),
    "moas.review_reason": Column(S, _("Set when a person should check the MOA or its link (what the MOA and the list disagree on, or how it was read); empty otherwise."), "patchwork"),
    "file_name": Column(S, _("The name of the PDF as it was obtained (for a download, the last part of ICE's link)."), "moa"),
    "moas.archived_copy": Column(S, _("Patchwork's archived copy of the PDF (add #page=N for a page)."), "patchwork"),
}  # fmt: skip


def describe(table: str, column: str) -> Column | None:
    """The description of one column of one table (table-specific first), or None."""
    return COLUMNS.get(f"{table}.{column}") or COLUMNS.get(column)


def undocumented() -> list[str]:
    """`table.column` for every published column without a description (the test wants none)."""
    return [f"{name}.{c}" for name, t in tables.TABLES.items() for c in t.columns if describe(name, c) is None]


def _example(records: list[dict[str, Any]], column: str) -> str:
    """The first non-empty value in the data, as it appears in the CSV."""
    from patchwork_atlas.kernel.formats import csv_cell

    for r in records:
        value = r.get(column)
        if value not in (None, "", [], {}):
            return str(csv_cell(value))[:80]
    return ""


def inventory(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Per published table: name, description, rows, CSV bytes, coverage dates and its columns
    (described, with an example), computed from the current data."""
    out = []
    for name, table in tables.TABLES.items():
        records = table.rows(conn)
        dates = [str(r[c])[:10] for r in records for c in table.columns
                 if c.endswith("_date") and r.get(c) and describe(name, c).type == DATE]  # type: ignore[union-attr]
        out.append({
            "name": name, "description": table.description, "rows": len(records),
            "bytes_csv": len(tables.to_csv(name, records).encode()),
            "coverage": (min(dates), max(dates)) if dates else None,
            "columns": [_column(table, c, records) for c in table.columns],
        })  # fmt: skip
    return out


def _column(table: Table, column: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    d = describe(table.name, column)
    if d is None:
        raise KeyError(f"column {column!r} of table {table.name!r} has no description in read/dictionary.py")
    return {"name": column, "type": d.type, "meaning": d.meaning, "source": d.source,
            "example": _example(records, column)}


def datapackage(inventory_rows: list[dict[str, Any]], as_of: str | None) -> dict[str, Any]:
    """A Frictionless Data Package describing the CSV downloads (served beside them)."""
    resources = []
    for t in inventory_rows:
        fields = []
        for c in t["columns"]:
            field: dict[str, Any] = {"name": c["name"], "type": "string" if c["type"] == LIST else c["type"],
                                     "description": f"{c['meaning']} Source: {SOURCES[c['source']]}."}
            if c["example"]:
                field["example"] = c["example"]
            fields.append(field)
        resources.append({
            "name": t["name"].replace("_", "-"), "path": f"{t['name']}.csv", "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "bytes": t["bytes_csv"],
            "description": t["description"], "schema": {"fields": fields},
        })  # fmt: skip
    return {
        "profile": "tabular-data-package", "name": "patchwork-atlas", "title": "Patchwork atlas",
        "description": "How US local governments take part in immigration enforcement: ICE 287(g) "
                       "agreements, detention facilities and legal-service offices, each row traceable "
                       "to its source file.",
        **({"created": f"{as_of}T00:00:00Z"} if as_of else {}),
        "licenses": [{"name": "other-pd", "title": "US government works (public domain)"}],
        "sources": [{"title": SOURCES[k]} for k in ("ice287g", "detention", "eoir", "moa", "census")],
        "resources": resources,
    }
