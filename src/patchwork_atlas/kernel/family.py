"""The contract of a source family: the unit of extension.

A family is one folder under `families/` that owns its readers, storage, derivation,
migrations, queries, its section of a place report and its downloads, and exposes one object
satisfying `Family`. `families.FAMILIES` lists them explicitly; ingest asks each in turn to
`recognize` a file by its content, has the family `prepare` it (reading and normalizing, with
no database: in a worker process when many files arrive at once), stores it with `ingest_file`
inside one transaction, and calls `derive` once the run has stored everything.

`SourceFamily` gives the optional parts a neutral default, so a family writes only what it has.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from patchwork_atlas.kernel.archive import RawFile
    from patchwork_atlas.kernel.geo.place import Place


class Rejected(Exception):
    """A file that cannot be ingested; the message is the one-line reason."""


@dataclass(frozen=True)
class Table:
    """A table a family publishes (the CLI's `--format csv|json` and the web download): one
    query and one column list, so every output of it has the same header and the same rows."""

    name: str
    columns: tuple[str, ...]
    rows: Callable[[sqlite3.Connection], list[dict[str, Any]]]
    description: str = ""


class Family(Protocol):
    name: str
    derives_from: tuple[str, ...]  # families whose derived tables `derive` reads
    report_varies_by_language: bool  # False: place_report ignores `lang`

    def migrations(self) -> Traversable | None:
        """The folder of this family's numbered *.sql migrations (names unique project-wide)."""

    def recognize(self, raw: RawFile) -> tuple[str, Any] | None:
        """(kind, payload) when this family reads the file, judged by its content; else None.
        Reads the file only (it may run in a worker process)."""

    def prepare(self, raw: RawFile, kind: str, payload: Any) -> Any:
        """The database-free rest of reading a recognized file (normalizing its rows): runs in a
        worker process when many files arrive at once, so it reads only the file and returns a
        picklable payload for `ingest_file`."""

    def ingest_file(self, conn: sqlite3.Connection, raw: RawFile, kind: str, payload: Any) -> str:
        """Store the file's rows inside the caller's transaction; return a one-line summary.
        Raise Rejected for a file that is not acceptable."""

    def derive(self, conn: sqlite3.Connection) -> None:
        """Recompute this family's derived tables from its stored rows (inside a transaction)."""

    def refresh(self, conn: sqlite3.Connection) -> bool:
        """Reload sources that ship with the package (the law files); True when rows changed."""

    def stats(self, conn: sqlite3.Connection) -> dict[str, Any] | None:
        """This family's figures for `patchwork stats`, or None."""

    def place_report(self, conn: sqlite3.Connection, place: Place, lang: str) -> dict[str, Any]:
        """This family's sections of a place report, by key (keys unique across families)."""

    def place_reports(self, conn: sqlite3.Connection, places: Iterable[Place], lang: str) -> Iterator[dict[str, Any]]:
        """`place_report` of each place in turn (the stored county reports): a family may read
        once what many places share. Must equal `place_report` place by place."""

    def tables(self) -> dict[str, Table]:
        """Tables this family publishes, by name."""

    def vocabulary(self) -> dict[str, str]:
        """Coded values this family stores, as {catalog kind: SQL selecting the codes}; every code
        is named in the gettext catalogs as `kind:code` (tests check every stored one)."""


class SourceFamily:
    """Defaults for the optional parts of `Family`; subclasses set `name` and override."""

    name = ""
    # Families whose derived tables this family's `derive` reads: it is derived after them,
    # and again whenever they are.
    derives_from: tuple[str, ...] = ()
    # False when `place_report` gives every language the same section (the law's carries both
    # languages' titles): stored reports then compute it once per place.
    report_varies_by_language = True

    def migrations(self) -> Traversable | None:
        folder = resources.files(type(self).__module__.rsplit(".", 1)[0]) / "migrations"
        return folder if folder.is_dir() else None

    def recognize(self, raw: RawFile) -> tuple[str, Any] | None:
        return None

    def prepare(self, raw: RawFile, kind: str, payload: Any) -> Any:
        return payload

    def ingest_file(self, conn: sqlite3.Connection, raw: RawFile, kind: str, payload: Any) -> str:
        raise Rejected(f"the {self.name} family stores no files")

    def derive(self, conn: sqlite3.Connection) -> None:
        return None

    def refresh(self, conn: sqlite3.Connection) -> bool:
        return False

    def stats(self, conn: sqlite3.Connection) -> dict[str, Any] | None:
        return None

    def place_report(self, conn: sqlite3.Connection, place: Place, lang: str) -> dict[str, Any]:
        return {}

    def place_reports(self, conn: sqlite3.Connection, places: Iterable[Place], lang: str) -> Iterator[dict[str, Any]]:
        return (self.place_report(conn, place, lang) for place in places)

    def tables(self) -> dict[str, Table]:
        return {}

    def vocabulary(self) -> dict[str, str]:
        return {}
