"""The law family: law and policy on cooperation, as sourced, reviewable files.

The files in ``knowledge/data`` (federal.yaml, models.yaml, states/<usps>.yaml,
local/<usps>.yaml) are the truth; ``load_into`` copies them into SQLite at ingest and
``entries_for_place`` answers "what law applies here" for profiles, the API and lookup.
"""

from __future__ import annotations

from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from patchwork_atlas.families.law.cases import case, cases_for_entry, list_cases
from patchwork_atlas.families.law.designations import designation, designations_on
from patchwork_atlas.families.law.family import FAMILY
from patchwork_atlas.families.law.place import knowledge_for_place
from patchwork_atlas.families.law.store import (
    all_entries,
    entries_concerning_state,
    entries_for_place,
    entry,
    load_into,
    state_freshness,
    states_without_primary,
    stats,
)
from patchwork_atlas.families.law.validate import Problem, check, freshness, read_files, summarize


def load_entries(root: Traversable | Path | None = None) -> list[dict[str, Any]]:
    """Every entry in the files, as dicts (dates as ISO text), in file order; unvalidated."""
    return [e.data for e in read_files(root).entries]


def validate(root: Traversable | Path | None = None) -> list[Problem]:
    """Every problem in the files; an empty list means the knowledge base is valid."""
    return check(read_files(root))


__all__ = [
    "FAMILY",
    "Problem",
    "all_entries",
    "case",
    "cases_for_entry",
    "check",
    "designation",
    "designations_on",
    "entries_concerning_state",
    "freshness",
    "list_cases",
    "state_freshness",
    "states_without_primary",
    "entries_for_place",
    "entry",
    "stats",
    "knowledge_for_place",
    "load_entries",
    "load_into",
    "read_files",
    "summarize",
    "validate",
]
