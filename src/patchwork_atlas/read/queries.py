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
from patchwork_atlas.families.law.store import entries as knowledge_entries
from patchwork_atlas.families.law.store import entries_for_place
from patchwork_atlas.families.law.store import entry as knowledge_entry
from patchwork_atlas.families.law.store import federal_entries as federal_law

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

