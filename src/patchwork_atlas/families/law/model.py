"""What reading the law files yields: entries with their place in the files, and problems.
Shared by the checker and the readers of cases and federal lists (no circle between them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    entry_id: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.entry_id or '-'}: {self.message}"


@dataclass
class Entry:
    """One entry as read: its data (dates as ISO text) and where it sits, for provenance."""

    data: dict[str, Any]
    file: str  # relative to the data folder, e.g. "states/tx.yaml"
    line: int  # 1-based line of the entry's first key
    position: int  # index in the file's list

    @property
    def id(self) -> str:
        value = self.data.get("id")
        return value if isinstance(value, str) else ""

    @property
    def group(self) -> str:
        """federal | models | state | local: which file family the entry came from."""
        if self.file == "models.yaml":
            return "models"
        if self.file == "federal.yaml":
            return "federal"
        return "state" if self.file.startswith("states/") else "local"


@dataclass
class Loaded:
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    # file-level keys other than `entries` (checked_through, searched), by file name
    meta: dict[str, dict[str, Any]] = field(default_factory=dict)
    # cases.yaml and designations.yaml, parsed (dates as ISO text), with each item's line
    cases: list[Entry] = field(default_factory=list)
    designation_lists: list[Entry] = field(default_factory=list)
