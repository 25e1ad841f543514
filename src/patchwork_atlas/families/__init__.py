"""The source families, registered in one explicit tuple.

Adding a family is one folder here (see the README's "Adding a source family") and one line in
`FAMILIES`. Ingest offers each file to the families in this order and the first to recognize
it reads it; place reports and `patchwork stats` show the families' sections in this order.
The imports are plain: a broken family fails every run loudly, never quietly.
"""

from __future__ import annotations

import sqlite3
from importlib.abc import Traversable
from pathlib import Path

from patchwork_atlas.families import deaths, detention, eoir, ice287g, law, moa
from patchwork_atlas.kernel import store
from patchwork_atlas.kernel.family import Family

FAMILIES: tuple[Family, ...] = (
    ice287g.FAMILY,
    detention.FAMILY,
    eoir.FAMILY,
    law.FAMILY,
    deaths.FAMILY,
    moa.FAMILY,
)


def _check(families: tuple[Family, ...]) -> None:
    names = [f.name for f in families]
    if len(set(names)) != len(names) or not all(names):
        raise RuntimeError(f"family names must be unique and non-empty: {names}")
    for family in families:
        missing = [m for m in ("recognize", "prepare", "ingest_file", "derive", "refresh", "stats",
                               "place_report", "place_reports", "tables", "vocabulary", "migrations")
                   if not callable(getattr(family, m, None))]
        if missing:
            raise RuntimeError(f"family {family.name} lacks {', '.join(missing)}")


_check(FAMILIES)


def by_name(name: str) -> Family:
    for family in FAMILIES:
        if family.name == name:
            return family
    raise KeyError(f"no family named {name!r}")


def migration_folders() -> list[Traversable]:
    return [folder for f in FAMILIES if (folder := f.migrations()) is not None]


def open_database(path: str | Path) -> sqlite3.Connection:
    """Open the database for writing, with the kernel's and every family's migrations applied."""
    return store.connect(path, migration_folders())
