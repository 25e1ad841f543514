"""The API's parameters: one strict definition that the handlers validate against and the
OpenAPI document describes, so the two cannot disagree."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
EVENT_KINDS = (
    "agreement_listed", "agreement_relisted", "agreement_removed", "agreement_superseded",
    "signing_date_corrected", "moa_posted", "application_listed", "application_withdrawn",
    "application_approved",
)  # fmt: skip


class BadRequest(Exception):
    pass


class NotFound(Exception):
    pass


@dataclass(frozen=True)
class Param:
    name: str
    pattern: str
    description: str
    enum: tuple[str, ...] = ()
    is_date: bool = False  # the pattern's shape is not enough: 2025-13-45 is no date

    def parse(self, raw: str) -> str:
        if len(raw) > 200 or not re.fullmatch(self.pattern, raw):
            raise BadRequest(f"invalid value for {self.name!r}: {self.description}")
        if self.enum and raw not in self.enum:
            raise BadRequest(f"{self.name!r} must be one of: {', '.join(self.enum)}")
        if self.is_date:
            try:
                dt.date.fromisoformat(raw)
            except ValueError:
                raise BadRequest(f"{self.name!r} is not a real date: {raw} ({self.description})") from None
        return raw


STATE = Param("state", r"[A-Z]{2}", "two-letter USPS state code, e.g. TX")
MODEL = Param("model", r"[A-Za-z0-9 ()_-]{1,40}", "287(g) model: JEM, TFM or WSO")
DATE = Param("as_of", r"\d{4}-\d{2}-\d{2}", "a date as YYYY-MM-DD", is_date=True)
LIMIT = Param("limit", r"\d{1,4}", f"an integer from 1 to {MAX_LIMIT}")
OFFSET = Param("offset", r"\d{1,7}", "an integer from 0")
AGENCY = Param("agency_id", r"ag-[0-9a-f]{6,40}", "an agency id such as ag-1234abcd")
COUNTY = Param("county", r"\d{5}", "a 5-digit county FIPS code")
PARAMS: dict[str, Param] = {
    "state": STATE, "model": MODEL, "as_of": DATE, "limit": LIMIT, "offset": OFFSET,
    "agency_id": AGENCY, "county": COUNTY,
    "status": Param("status", r"[a-z_]{3,30}", "a status code"),
    "q": Param("q", r"[^\x00-\x1f]{1,120}", "1 to 120 characters of text"),
    "active": Param("active", r"true|false", "true or false", ("true", "false")),
    "kind": Param("kind", r"[a-z_]{3,40}", "an event kind", EVENT_KINDS),
    "since": Param("since", r"\d{4}-\d{2}-\d{2}", "a date as YYYY-MM-DD", is_date=True),
    "until": Param("until", r"\d{4}-\d{2}-\d{2}", "a date as YYYY-MM-DD", is_date=True),
    "list": Param("list", r"participating|pending", "participating or pending", ("participating", "pending")),
    "year": Param("year", r"20\d{2}", "a fiscal year such as 2026"),
    "language": Param("language", r"en|es", "en or es", ("en", "es")),
    "speaks": Param("speaks", r"[a-z]{2,3}", "a language code such as es: entries naming it first"),
    "facility": Param("facility", r"fac-[a-z0-9-]{1,60}", "a facility id such as fac-stwrtga"),
    "revision": Param("revision", r"\d{4}-\d{2}-\d{2}",
                      "the MOA template revision date printed in its footer, as YYYY-MM-DD",
                      is_date=True),
    "level": Param("level", r"federal|state|county|municipal", "federal, state, county or municipal",
                   ("federal", "state", "county", "municipal")),
    "entry_id": Param("entry_id", r"[a-z0-9][a-z0-9-]{1,118}", "a law entry id such as us-ina-287g"),
    "agreement_id": Param("agreement_id", r"agr-[0-9a-f]{6,40}",
                          "an agreement id such as agr-d448ace9d635"),
}  # fmt: skip


