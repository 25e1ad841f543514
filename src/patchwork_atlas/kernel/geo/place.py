"""The one typed place every layer passes around: what `locate` answers and what a place report,
a family's section and a page are about."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Place:
    kind: str  # zip | place | county | coordinates
    name: str
    state_usps: str
    state_fips: str
    county_fips: list[str]
    municipality: str | None = None  # only where known (independent cities; see place_report)
    lat: float | None = None
    lon: float | None = None
    note: str = ""
    candidates: list[dict[str, Any]] = field(default_factory=list)
    postal_cities: list[str] = field(default_factory=list)  # ZIP queries: USPS names, not towns

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class AmbiguousPlace(LookupError):
    """A name shared by several places: `candidates` lists them; the message says how to choose."""

    def __init__(self, message: str, candidates: list[dict[str, Any]]):
        super().__init__(message)
        self.candidates = candidates
