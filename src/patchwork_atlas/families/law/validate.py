"""Read the knowledge-base YAML files and check every rule the schema alone cannot.

Reading and checking never raise on bad content: each problem becomes one line
(``file:line: id: message``) so a reviewer sees every fault in one run.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from patchwork_atlas.families.law import reference
from patchwork_atlas.families.law.schema import (
    ENDED_STATUSES,
    ENTRY_SCHEMA,
    FILE_SCHEMA,
    MAX_QUOTE_WORDS,
)

FEDERAL_FILES = ("federal.yaml", "models.yaml")
GROUP_DIRS = ("states", "local")
STATE_LEVEL_TARGET = 51  # 50 states + DC


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


def data_root() -> Traversable:
    """The packaged data folder (works from a wheel as well as a checkout)."""
    return resources.files("patchwork_atlas.families.law") / "data"


def _yaml_files(root: Traversable | Path) -> Iterator[tuple[str, Traversable | Path]]:
    """Every knowledge file as (relative name, handle), in a stable order."""
    for name in FEDERAL_FILES:
        handle = root / name
        if handle.is_file():
            yield name, handle
    for sub in GROUP_DIRS:
        folder = root / sub
        if not folder.is_dir():
            continue
        for handle in sorted(folder.iterdir(), key=lambda h: h.name):
            if handle.name.endswith((".yaml", ".yml")):
                yield f"{sub}/{handle.name}", handle


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses duplicate keys (a second `quote:` would silently win)."""

    def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _iso(value: Any) -> Any:
    """Dates parsed by YAML become ISO text, so files may quote them or not."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


def _parse(name: str, text: str, out: Loaded) -> None:
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        document = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        out.problems.append(Problem(name, line, "", f"unreadable YAML: {_one_line(exc)}"))
        return
    except ValueError as exc:  # e.g. an impossible date such as 2025-02-30
        out.problems.append(Problem(name, 0, "", f"unreadable YAML value: {exc}"))
        return
    finally:
        loader.dispose()
    errors = sorted(Draft202012Validator(FILE_SCHEMA).iter_errors(document), key=str)
    if errors:
        out.problems.append(
            Problem(
                name, 1, "", f"file must be a mapping with `entries:` list ({errors[0].message})"
            )
        )
        return
    item_nodes = _entry_nodes(node)
    for position, data in enumerate(document["entries"]):
        line = item_nodes[position].start_mark.line + 1 if position < len(item_nodes) else 0
        out.entries.append(Entry(_iso(data), name, line, position))


def _entry_nodes(node: yaml.Node) -> list[yaml.Node]:
    for key, value in node.value:
        if key.value == "entries" and isinstance(value, yaml.SequenceNode):
            return list(value.value)
    return []


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def file_digests(root: Traversable | Path | None = None) -> dict[str, str]:
    """SHA-256 of every knowledge file, without parsing: tells whether a reload is needed."""
    import hashlib

    root = data_root() if root is None else root
    return {name: hashlib.sha256(h.read_bytes()).hexdigest() for name, h in _yaml_files(root)}


def read_files(root: Traversable | Path | None = None) -> Loaded:
    """Parse every knowledge file under `root` (default: the packaged data)."""
    root = data_root() if root is None else root
    out = Loaded()
    for name, handle in _yaml_files(root):
        raw = handle.read_bytes()
        out.files[name] = raw
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            out.problems.append(Problem(name, 0, "", "not UTF-8"))
            continue
        _parse(name, text, out)
    return out


# ---- checks -----------------------------------------------------------------------------

_ENTRY_VALIDATOR = Draft202012Validator(ENTRY_SCHEMA)


def check(loaded: Loaded, *, today: dt.date | None = None) -> list[Problem]:
    """Every problem in the loaded files: parse, schema, vocabulary, FIPS, dates, sources."""
    today = today or dt.date.today()
    problems = list(loaded.problems)
    seen_ids: dict[str, str] = {}
    for entry in loaded.entries:
        found = list(_check_entry(entry, today))
        if entry.id:
            if entry.id in seen_ids:
                found.append(f"duplicate id (also in {seen_ids[entry.id]})")
            else:
                seen_ids[entry.id] = f"{entry.file}:{entry.line}"
        problems.extend(Problem(entry.file, entry.line, entry.id, msg) for msg in found)
    return problems


def _check_entry(entry: Entry, today: dt.date) -> Iterator[str]:
    data = entry.data
    if not isinstance(data, dict):
        yield "entry must be a mapping"
        return
    schema_errors = sorted(_ENTRY_VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
    for err in schema_errors:
        path = ".".join(str(p) for p in err.absolute_path) or "entry"
        yield f"schema: {path}: {_short(err.message)}"
    if schema_errors:
        return  # the semantic checks below assume the shape is right
    yield from _check_placement(entry)
    yield from _check_fips(data["jurisdiction"])
    yield from _check_dates(data, today)
    yield from _check_effects(data)
    yield from _check_sources(data)
    if data["summary"]["en"].strip() == data["summary"]["es"].strip():
        yield "summary.es is a copy of summary.en"


def _short(message: str, limit: int = 160) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _check_placement(entry: Entry) -> Iterator[str]:
    """Files are organised by jurisdiction; an entry in the wrong file would show on the wrong map."""
    juris = entry.data["jurisdiction"]
    level = juris["level"]
    if entry.file in FEDERAL_FILES:
        # The framework may cite a state court's ruling (e.g. Lunn v. Commonwealth); it is
        # stored at state level so it shows only where it binds.
        framework_ruling = (
            entry.file == "federal.yaml"
            and level == "state"
            and entry.data["kind"] == "court_ruling"
        )
        if level != "federal" and not framework_ruling:
            yield f"{entry.file} holds federal entries (and state court rulings in federal.yaml) only (level is {level})"
        if not entry.id.startswith("us-"):
            yield f"ids in {entry.file} start with 'us-'"
        return
    folder, _, filename = entry.file.partition("/")
    usps = filename.rsplit(".", 1)[0]
    fips = reference.state_fips_for_usps(usps)
    if fips is None:
        yield f"file name {filename!r} is not a state, DC or territory postal code"
        return
    if folder == "states" and level != "state":
        yield f"states/ files hold state-level entries only (level is {level}); local ones go in local/{usps}.yaml"
    if folder == "local" and level not in ("county", "municipal"):
        yield f"local/ files hold county or municipal entries only (level is {level})"
    if juris.get("state_fips") != fips:
        yield f"state_fips {juris.get('state_fips')!r} does not match the file's state {usps.upper()} ({fips})"
    if not entry.id.startswith(f"{usps}-"):
        yield f"ids in {entry.file} start with '{usps}-'"


def _check_fips(juris: dict[str, Any]) -> Iterator[str]:
    state_fips = juris.get("state_fips")
    if state_fips is not None and not reference.state_exists(state_fips):
        yield f"unknown state FIPS {state_fips!r}"
    counties = [juris["county_fips"]] if juris.get("county_fips") else []
    counties += juris.get("other_county_fips") or []
    for county_fips in counties:
        if state_fips and not county_fips.startswith(state_fips):
            yield f"county FIPS {county_fips} is not in state {state_fips}"
        elif not reference.county_exists(county_fips):
            yield f"unknown county FIPS {county_fips!r}"
    if juris.get("county_fips") in (juris.get("other_county_fips") or []):
        yield "other_county_fips repeats county_fips"


def _as_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _check_dates(data: dict[str, Any], today: dt.date) -> Iterator[str]:
    raw = dict(data.get("dates") or {})
    raw["last_reviewed"] = data["last_reviewed"]
    for i, source in enumerate(data["sources"]):
        raw[f"sources.{i}.accessed"] = source["accessed"]
    parsed: dict[str, dt.date | None] = {}
    for key, value in raw.items():
        try:
            parsed[key] = _as_date(value)
        except ValueError:
            yield f"{key}: {value!r} is not a real date"
            parsed[key] = None
    for key in ("enacted", "decided", "published", "last_reviewed"):
        if parsed.get(key) and parsed[key] > today:
            yield f"{key} {parsed[key]} is in the future"
    for key, value in parsed.items():
        if key.startswith("sources.") and value:
            if value > today:
                yield f"{key} {value} is in the future"
            if parsed["last_reviewed"] and value > parsed["last_reviewed"]:
                yield f"{key} {value} is after last_reviewed {parsed['last_reviewed']}"
    order = [
        ("enacted", "effective"),
        ("enacted", "ended"),
        ("effective", "ended"),
        ("decided", "ended"),
    ]
    for first, second in order:
        a, b = parsed.get(first), parsed.get(second)
        if a and b and a > b:
            yield f"dates: {first} {a} is after {second} {b}"
    status, kind = data["status"], data["kind"]
    if parsed.get("ended") and status not in ENDED_STATUSES:
        yield f"dates.ended is set but status is {status}"
    if status == "decided" and kind != "court_ruling":
        yield "status `decided` is for court rulings"


def _check_effects(data: dict[str, Any]) -> Iterator[str]:
    urls = {s["url"] for s in data["sources"]}
    pairs = Counter((e["tag"], " ".join(e["quote"].split())) for e in data["effects"])
    for (tag, _quote), n in pairs.items():
        if n > 1:
            yield f"effect {tag} listed {n} times with the same quote"
    for i, effect in enumerate(data["effects"]):
        words = quote_words(effect["quote"])
        if words > MAX_QUOTE_WORDS:
            yield f"effects.{i} ({effect['tag']}): quote has {words} words (max {MAX_QUOTE_WORDS})"
        if effect["source_url"] not in urls:
            yield f"effects.{i} ({effect['tag']}): source_url is not one of the entry's sources"
        if not effect["pinpoint"].strip():
            yield f"effects.{i} ({effect['tag']}): empty pinpoint"


def quote_words(quote: str) -> int:
    """Words in a quote; an ellipsis (". . .") or a dash is punctuation, not words."""
    return sum(1 for token in quote.split() if any(ch.isalnum() for ch in token))


def _check_sources(data: dict[str, Any]) -> Iterator[str]:
    urls = Counter(s["url"] for s in data["sources"])
    for url, n in urls.items():
        if n > 1:
            yield f"source {url} listed {n} times"


# ---- counts -----------------------------------------------------------------------------


def has_primary(data: dict[str, Any]) -> bool:
    return any(s.get("primary") is True for s in data.get("sources") or [])


def summarize(entries: Iterable[Entry]) -> dict[str, Any]:
    """Counts for `knowledge check`: by status, verification, kind and state coverage."""
    entries = [e for e in entries if isinstance(e.data, dict)]
    by = {k: Counter() for k in ("status", "verification", "kind", "group")}
    for e in entries:
        for key in ("status", "verification", "kind"):
            by[key][str(e.data.get(key))] += 1
        by["group"][e.group] += 1
    # states/ files only: a state court ruling cited in federal.yaml does not cover its state
    state_entries = [e for e in entries if e.group == "state" and _level(e) == "state"]
    covered = {_state(e) for e in state_entries} & reference.target_state_fips()
    verified_primary = [
        e for e in state_entries if e.data.get("verification") == "verified" and has_primary(e.data)
    ]
    return {
        "entries": len(entries),
        "by_status": dict(sorted(by["status"].items())),
        "by_verification": dict(sorted(by["verification"].items())),
        "by_kind": dict(sorted(by["kind"].items())),
        "by_group": dict(sorted(by["group"].items())),
        "state_level": {
            "covered": len(covered),
            "target": STATE_LEVEL_TARGET,
            "entries": len(state_entries),
            "verified_primary_entries": len(verified_primary),
            "verified_primary_states": len({_state(e) for e in verified_primary}),
            "missing": sorted(
                reference.usps_for_state_fips(f) or f
                for f in reference.target_state_fips() - covered
            ),
        },
    }


def _level(entry: Entry) -> str | None:
    juris = entry.data.get("jurisdiction")
    return juris.get("level") if isinstance(juris, dict) else None


def _state(entry: Entry) -> str | None:
    juris = entry.data.get("jurisdiction")
    return juris.get("state_fips") if isinstance(juris, dict) else None
