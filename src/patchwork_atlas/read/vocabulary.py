"""The coded values stored in the database (models, statuses, event kinds, facility types,
cleaning rules ...), gathered from the families, each named in both languages' catalogs."""

from __future__ import annotations

import sqlite3

from patchwork_atlas.families import FAMILIES


def stored_codes(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """{catalog kind: the distinct codes stored} (NULLs and empty codes left out)."""
    out: dict[str, set[str]] = {}
    for family in FAMILIES:
        for kind, sql in family.vocabulary().items():
            codes = {str(r[0]) for r in conn.execute(sql) if r[0] not in (None, "")}
            out.setdefault(kind, set()).update(codes)
    return out
