"""Federal lists of "sanctuary jurisdictions" with dated additions and removals.

data/designations.yaml holds each list (e.g. the Justice Department's list of August 5, 2025)
and, per jurisdiction, the date it was listed and, if so, removed, with sources for both.
``designation`` answers "was this place on the list on that date", so a page never calls a
jurisdiction listed after its removal date.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator

from patchwork_atlas.families.law import reference
from patchwork_atlas.families.law.schema import DESIGNATION_LIST_SCHEMA

if TYPE_CHECKING:
    from patchwork_atlas.families.law.model import Entry, Loaded, Problem

LISTED, REMOVED, NOT_LISTED = "listed", "removed", "not listed"

_VALIDATOR = Draft202012Validator(DESIGNATION_LIST_SCHEMA)


def check_lists(loaded: Loaded, today: dt.date) -> Iterator[Problem]:
    from patchwork_atlas.families.law.model import Problem

    entry_ids = {e.id for e in loaded.entries if e.id}
    for item in loaded.designation_lists:
        for msg in _check_list(item.data, entry_ids, today):
            yield Problem(item.file, item.line, item.id, msg)


def _check_list(data: Any, entry_ids: set[str], today: dt.date) -> Iterator[str]:
    if not isinstance(data, dict):
        yield "list must be a mapping"
        return
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
    for err in errors:
        path = ".".join(str(p) for p in err.absolute_path) or "list"
        yield f"schema: {path}: {' '.join(err.message.split())[:160]}"
    if errors:
        return
    if data["entry_id"] not in entry_ids:
        yield f"entry_id: no knowledge entry {data['entry_id']!r}"
    urls = {s["url"] for s in data["sources"]}
    published = _date(data["published"])
    for key, value in [("published", data["published"]), ("last_reviewed", data["last_reviewed"])]:
        d = _date(value)
        if d is None:
            yield f"{key}: {value!r} is not a real date"
        elif d > today:
            yield f"{key} {d} is in the future"
    seen: set[tuple] = set()
    for i, j in enumerate(data["jurisdictions"]):
        where = f"jurisdictions.{i} ({j['name']})"
        key = _key(j)
        if key in seen:
            yield f"{where}: listed twice"
        seen.add(key)
        if not reference.state_exists(j["state_fips"]):
            yield f"{where}: unknown state FIPS {j['state_fips']!r}"
        county = j.get("county_fips")
        if county and (
            not county.startswith(j["state_fips"]) or not reference.county_exists(county)
        ):
            yield f"{where}: county FIPS {county} is unknown or not in state {j['state_fips']}"
        listed, removed = _date(j["listed"]), _date(j.get("removed"))
        if listed is None:
            yield f"{where}: listed {j['listed']!r} is not a real date"
        elif listed > today:
            yield f"{where}: listed {listed} is in the future"
        elif published and listed < published:
            yield f"{where}: listed {listed} is before the list was published ({published})"
        if j.get("removed") and removed is None:
            yield f"{where}: removed {j['removed']!r} is not a real date"
        if removed and listed and removed < listed:
            yield f"{where}: removed {removed} is before listed {listed}"
        if removed and removed > today:
            yield f"{where}: removed {removed} is in the future"
        for url in list(j["sources"]) + list(j.get("removed_sources") or []):
            if url not in urls:
                yield f"{where}: source {url} is not one of the list's sources"
        if j.get("verification") == "unverified" and not j.get("notes"):
            yield f"{where}: unverified needs notes saying what remains to check"


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _key(j: dict[str, Any]) -> tuple:
    return (j["level"], j["state_fips"], j.get("county_fips"), _place(j.get("place")))


def _place(name: str | None) -> str:
    key = " ".join((name or "").casefold().replace(".", "").split())
    for prefix in ("city of ", "town of "):
        key = key.removeprefix(prefix)
    return key


# ---- SQLite --------------------------------------------------------------------------------


def replace_designations(conn: sqlite3.Connection, lists: Sequence[Entry]) -> None:
    conn.execute("DELETE FROM knowledge_designations")
    conn.executemany(
        "INSERT INTO knowledge_designations(list_id, entry_id, list_title, published, seq, name,"
        " level, state_fips, county_fips, place, listed, removed, sources, removed_sources,"
        " verification, notes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                lst.data["id"],
                lst.data["entry_id"],
                lst.data["title"],
                lst.data["published"],
                i,
                j["name"],
                j["level"],
                j["state_fips"],
                j.get("county_fips"),
                j.get("place"),
                j["listed"],
                j.get("removed"),
                " ".join(j["sources"]),
                " ".join(j.get("removed_sources") or []),
                j.get("verification"),
                j.get("notes"),
            )  # fmt: skip
            for lst in lists
            for i, j in enumerate(lst.data["jurisdictions"])
        ],
    )


def _rows(conn_or_entries: Any) -> list[dict[str, Any]]:
    """Designation rows from a connection, a Loaded, or the lists as dicts/Entries."""
    if isinstance(conn_or_entries, sqlite3.Connection):
        cur = conn_or_entries.execute("SELECT * FROM knowledge_designations ORDER BY list_id, seq")
        return [dict(zip([c[0] for c in cur.description], r, strict=True)) for r in cur]
    lists: Iterable[Any] = getattr(conn_or_entries, "designation_lists", conn_or_entries)
    out = []
    for lst in lists:
        data = getattr(lst, "data", lst)
        for j in data["jurisdictions"]:
            out.append({"list_id": data["id"], **j})
    return out


def designation(
    conn_or_entries: Any,
    fips_or_usps: str,
    on_date: dt.date | str,
    *,
    place: str | None = None,
    list_id: str | None = None,
) -> str:
    """'listed', 'removed' or 'not listed': the jurisdiction's standing on `on_date`.

    `fips_or_usps` is a state (postal code 'NV' or FIPS '32') or a county FIPS ('24005');
    a city is named by `place` together with its state or county ('IL'/'17031', place='Chicago').
    Listed means listed on or before `on_date` and not removed on or before it; a jurisdiction
    removed on `on_date` is already 'removed'. Before its listing date it is 'not listed'.
    """
    day = on_date if isinstance(on_date, dt.date) else dt.date.fromisoformat(on_date)
    code = fips_or_usps.strip().upper()
    if code.isdigit():
        state_fips = code[:2]
        county_fips = code if len(code) == 5 else None
    else:
        state_fips = reference.state_fips_for_usps(code)
        county_fips = None
        if state_fips is None:
            raise ValueError(f"unknown state {fips_or_usps!r}")
    wanted_place = _place(place) if place else None
    best = NOT_LISTED
    for row in _rows(conn_or_entries):
        if list_id and row["list_id"] != list_id:
            continue
        if row["state_fips"] != state_fips:
            continue
        if wanted_place is not None:
            if row["level"] != "municipal" or _place(row.get("place")) != wanted_place:
                continue
            if county_fips and row.get("county_fips") != county_fips:
                continue
        elif county_fips:
            if row["level"] != "county" or row.get("county_fips") != county_fips:
                continue
        elif row["level"] != "state":
            continue
        status = _status(row, day)
        if status == LISTED:
            return LISTED
        if status == REMOVED:
            best = REMOVED
    return best


def _status(row: dict[str, Any], day: dt.date) -> str:
    listed, removed = _date(row["listed"]), _date(row.get("removed"))
    if listed is None or day < listed:
        return NOT_LISTED
    if removed is not None and day >= removed:
        return REMOVED
    return LISTED


def designations_on(conn_or_entries: Any, on_date: dt.date | str) -> list[dict[str, Any]]:
    """Every jurisdiction with its standing on `on_date` (for a list page)."""
    day = on_date if isinstance(on_date, dt.date) else dt.date.fromisoformat(on_date)
    return [{**row, "standing": _status(row, day)} for row in _rows(conn_or_entries)]
