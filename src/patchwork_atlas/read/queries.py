"""Read-only queries shared by the CLI, the JSON API and the web pages: the families' own
queries, gathered in one place so every consumer asks the same question the same way.

Every function takes a connection and plain, already-validated values; every value from a
request reaches SQL as a bound parameter. Results are plain dicts (JSON-ready), carrying the
ids that lead back to publications, files and rows.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from patchwork_atlas.families.ice287g.queries import (
    AGENCY_COLUMNS,
    AGREEMENT_COLUMNS,
    APPLICATION_COLUMNS,
    EVENT_COLUMNS,
    MODELS,
    agencies,
    agencies_in_county,
    agency,
    agency_jurisdictions,
    agreement,
    agreements,
    applications,
    as_of_publication,
    county_status,
    coverage,
    events,
    fips_list,
    freshness,
    has_table,
    list_in_force,
    publications,
    raw_file,
    series,
    state_series,
    states_table,
    summary,
)
from patchwork_atlas.families.law.cases import list_cases
from patchwork_atlas.families.law.place import designations_for_state
from patchwork_atlas.families.law.store import entries, entries_for_place, entry, federal_entries

__all__ = [
    "list_cases",
    "designations_for_state",
    "federal_law",
    "knowledge_entries",
    "knowledge_entry",
    "AGENCY_COLUMNS",
    "AGREEMENT_COLUMNS",
    "APPLICATION_COLUMNS",
    "EVENT_COLUMNS",
    "MODELS",
    "agencies",
    "agencies_in_county",
    "agency",
    "agency_jurisdictions",
    "agreement",
    "agreements",
    "applications",
    "as_of_publication",
    "county_status",
    "coverage",
    "events",
    "series",
    "fips_list",
    "list_in_force",
    "freshness",
    "has_table",
    "publications",
    "raw_file",
    "state_law",
    "state_series",
    "states_table",
    "summary",
]


def state_law(conn: sqlite3.Connection, state_fips: str) -> list[dict[str, Any]]:
    """The law family's state-level entries for a state (the state page and the state API)."""
    return entries_for_place(conn, state_fips)["state"]


def federal_law(conn: sqlite3.Connection, state_fips: str | None) -> list[dict[str, Any]]:
    """The federal entries in full, those concerning the state first (a place's report names
    them by reference; the profile page shows them whole)."""
    return federal_entries(conn, state_fips)


def knowledge_entries(conn: sqlite3.Connection, level: str | None = None,
                      state_fips: str | None = None) -> list[dict[str, Any]]:
    """Law and policy entries in full, of one level and/or one state's jurisdictions."""
    return entries(conn, level, state_fips)


def knowledge_entry(conn: sqlite3.Connection, entry_id: str) -> dict[str, Any] | None:
    return entry(conn, entry_id)
