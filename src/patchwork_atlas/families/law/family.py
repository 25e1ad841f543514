"""The law-and-policy base as a family: its sources are the reviewed YAML files that ship with
the package (no file is ingested), reloaded at every ingest run when they changed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from patchwork_atlas.families.law.place import knowledge_for_place
from patchwork_atlas.families.law.store import load_into, stats
from patchwork_atlas.kernel.family import SourceFamily
from patchwork_atlas.kernel.geo.place import Place


class LawFamily(SourceFamily):
    name = "law"
    report_varies_by_language = False  # entries carry their English and Spanish titles

    def refresh(self, conn: sqlite3.Connection) -> bool:
        return bool(load_into(conn).get("changed"))

    def stats(self, conn: sqlite3.Connection) -> dict[str, Any]:
        return {"knowledge": stats(conn)}

    def place_report(self, conn: sqlite3.Connection, place: Place, lang: str) -> dict[str, Any]:
        return {"knowledge": knowledge_for_place(conn, place)}

    def place_reports(self, conn: sqlite3.Connection, places: Iterable[Place], lang: str) -> Iterator[dict[str, Any]]:
        memo: dict[Any, Any] = {}  # the federal entries, each state's entries, lists and cases
        return ({"knowledge": knowledge_for_place(conn, place, memo)} for place in places)

    def vocabulary(self) -> dict[str, str]:
        return {
            "verification": "SELECT verification_level FROM knowledge_entries",
            "law_status": "SELECT status FROM knowledge_entries",
            "case_status": "SELECT status FROM knowledge_cases",
            "party_role": "SELECT role FROM knowledge_case_parties",
        }


FAMILY = LawFamily()
