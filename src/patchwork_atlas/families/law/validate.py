"""Read the knowledge-base YAML files and check every rule the schema alone cannot.

Reading and checking never raise on bad content: each problem becomes one line
(``file:line: id: message``) so a reviewer sees every fault in one run.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from patchwork_atlas.families.law import reference
from patchwork_atlas.families.law.model import Entry, Loaded, Problem
from patchwork_atlas.families.law.schema import (
    ENDED_STATUSES,
    ENTRY_SCHEMA,
    FILE_SCHEMA,
    MAX_QUOTE_WORDS,
    VERIFICATIONS,
)
from patchwork_atlas.families.law.titles import spanish_title_problems

FEDERAL_FILES = ("federal.yaml", "models.yaml")
GROUP_DIRS = ("states", "local")
# Files that are not lists of entries: the litigation tracker and the federal lists.
OTHER_FILES = ("cases.yaml", "designations.yaml")
STATE_LEVEL_TARGET = 51  # 50 states + DC
STALE_AFTER_DAYS = 365  # `--strict`: a state's checked_through older than this fails


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
    for name in OTHER_FILES:
        handle = root / name
        if handle.is_file():
            yield name, handle


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML that refuses duplicate keys (a second `quote:` would silently win). libyaml's
    parser where PyYAML has it: every ingest reads the law files to see whether they changed,
    and the pure-Python parser took 2 s of it."""

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
    if name in OTHER_FILES:
        _parse_other(name, text, out)
        return
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
    errors = sorted(Draft202012Validator(FILE_SCHEMA).iter_errors(_iso(document)), key=str)
    if errors:
        out.problems.append(
            Problem(
                name, 1, "", f"file must be a mapping with `entries:` list ({errors[0].message})"
            )
        )
        return
    out.meta[name] = {k: _iso(v) for k, v in document.items() if k != "entries"}
    item_nodes = _entry_nodes(node)
    for position, data in enumerate(document["entries"]):
        line = item_nodes[position].start_mark.line + 1 if position < len(item_nodes) else 0
        out.entries.append(Entry(_iso(data), name, line, position))


def _entry_nodes(node: yaml.Node, key_name: str = "entries") -> list[yaml.Node]:
    for key, value in node.value:
        if key.value == key_name and isinstance(value, yaml.SequenceNode):
            return list(value.value)
    return []


def _load_document(name: str, text: str, out: Loaded) -> tuple[Any, Any] | None:
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        document = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        out.problems.append(Problem(name, line, "", f"unreadable YAML: {_one_line(exc)}"))
        return None
    except ValueError as exc:
        out.problems.append(Problem(name, 0, "", f"unreadable YAML value: {exc}"))
        return None
    finally:
        loader.dispose()
    return node, document


def _parse_other(name: str, text: str, out: Loaded) -> None:
    """cases.yaml (`cases:` list) and designations.yaml (`lists:`); checked in their modules."""
    key = "cases" if name == "cases.yaml" else "lists"
    parsed = _load_document(name, text, out)
    if parsed is None:
        return
    node, document = parsed
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        out.problems.append(Problem(name, 1, "", f"file must be a mapping with a `{key}:` list"))
        return
    extra = sorted(set(document) - {key})
    if extra:
        out.problems.append(Problem(name, 1, "", f"unknown top-level keys {extra}"))
    nodes = _entry_nodes(node, key)
    target = out.cases if key == "cases" else out.designation_lists
    for position, data in enumerate(document[key]):
        line = nodes[position].start_mark.line + 1 if position < len(nodes) else 0
        target.append(Entry(_iso(data), name, line, position))


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


def check(
    loaded: Loaded, *, today: dt.date | None = None, strict: bool = False
) -> list[Problem]:
    """Every problem in the loaded files: parse, schema, vocabulary, FIPS, dates, sources,
    duplicates, state freshness records, cases and federal lists.

    `strict` also fails a state whose `checked_through` is more than a year before `today`.
    """
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
    problems.extend(_check_duplicates(loaded.entries))
    problems.extend(_check_freshness(loaded, today, strict))
    from patchwork_atlas.families.law import cases as cases_mod
    from patchwork_atlas.families.law import designations as designations_mod

    problems.extend(cases_mod.check_cases(loaded, today))
    problems.extend(designations_mod.check_lists(loaded, today))
    return problems


# ---- one entry per law or ruling ----------------------------------------------------------


def citation_keys(data: dict[str, Any]) -> set[str]:
    """Keys under which two entries would describe the same law or ruling.

    The whole citation, normalised (case, punctuation and spacing ignored); for a court ruling
    also its caption (the citation up to the first comma or parenthesis), so 'Lunn v.
    Commonwealth, 477 Mass. 517 (2017)' and 'Lunn v. Commonwealth, 477 Mass. 517 (2017),
    SJC-12276' collide.
    """
    citation = data.get("citation")
    if data.get("kind") == "none_found" or not isinstance(citation, str) or not citation.strip():
        return set()
    keys = {"cite:" + _norm(citation)}
    if data.get("kind") == "court_ruling":
        caption = citation.split(",")[0].split("(")[0]
        if " v. " in caption or " v " in caption:
            keys.add("caption:" + _norm(caption))
    return keys


def _norm(text: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text.casefold()).split())


def _check_duplicates(entries: Iterable[Entry]) -> Iterator[Problem]:
    first: dict[str, Entry] = {}
    for entry in entries:
        if not isinstance(entry.data, dict):
            continue
        for key in sorted(citation_keys(entry.data)):
            other = first.setdefault(key, entry)
            if other is not entry and other.id != entry.id:
                what = key.split(":", 1)[0]
                yield Problem(
                    entry.file, entry.line, entry.id,
                    f"same {what} as {other.id} ({other.file}:{other.line}): keep one entry"
                    " per law or ruling (a federal ruling lists the states it concerns in"
                    " `concerns_states`)",
                )  # fmt: skip
                break


# ---- freshness: what was searched for each state, and through when ----------------------


def _check_freshness(loaded: Loaded, today: dt.date, strict: bool) -> Iterator[Problem]:
    for name in sorted(loaded.files):
        if name in OTHER_FILES:
            continue
        meta = loaded.meta.get(name)
        if meta is None:  # unreadable: already reported
            continue
        is_state = name.startswith("states/")
        for msg in _freshness_messages(meta, today, strict, required=is_state):
            yield Problem(name, 1, "", msg)


def _freshness_messages(
    meta: dict[str, Any], today: dt.date, strict: bool, *, required: bool
) -> Iterator[str]:
    from jsonschema import Draft202012Validator as V

    from patchwork_atlas.families.law.schema import FILE_SCHEMA as FS

    props = FS["properties"]
    has_date, has_searched = "checked_through" in meta, "searched" in meta
    if required and not has_date:
        yield "state file lacks `checked_through:` (the date through which it was searched)"
    if required and not has_searched:
        yield "state file lacks `searched:` (what was searched, where, when)"
    if has_searched:
        errors = list(V(props["searched"]).iter_errors(meta["searched"]))
        for err in errors[:3]:
            path = ".".join(str(p) for p in err.absolute_path)
            yield f"schema: searched.{path}: {_short(err.message)}"
        if errors:
            return
    if not has_date:
        return
    try:
        checked = dt.date.fromisoformat(str(meta["checked_through"]))
    except ValueError:
        yield f"checked_through {meta['checked_through']!r} is not a real date"
        return
    if checked > today:
        yield f"checked_through {checked} is in the future"
    accessed = []
    for item in meta.get("searched") or []:
        try:
            accessed.append(dt.date.fromisoformat(item["accessed"]))
        except ValueError:
            yield f"searched: accessed {item['accessed']!r} is not a real date"
    if accessed and checked > max(accessed):
        yield f"checked_through {checked} is after the newest search ({max(accessed)})"
    if accessed and max(accessed) > today:
        yield f"searched: accessed {max(accessed)} is in the future"
    if strict and (today - checked).days > STALE_AFTER_DAYS:
        yield f"stale: checked_through {checked} is more than 12 months before {today}"


def freshness(loaded: Loaded) -> list[dict[str, Any]]:
    """Each state file's checked_through and number of searches, stalest (or missing) first."""
    out = []
    for name in sorted(loaded.files):
        if not name.startswith("states/"):
            continue
        meta = loaded.meta.get(name) or {}
        out.append(
            {
                "usps": name.split("/")[1].rsplit(".", 1)[0].upper(),
                "checked_through": meta.get("checked_through"),
                "searches": len(meta.get("searched") or []),
            }
        )
    out.sort(key=lambda r: (r["checked_through"] or "", r["usps"]))
    return out


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
    yield from _check_level(data)
    if data["summary"]["en"].strip() == data["summary"]["es"].strip():
        yield "summary.es is a copy of summary.en"
    yield from spanish_title_problems("title_es", data["title"], data.get("title_es"))


def _check_level(data: dict[str, Any]) -> Iterator[str]:
    """`primary` needs a primary source behind every effect; `secondary` needs a source read."""
    level = data["verification"]
    primary_urls = {s["url"] for s in data["sources"] if s["primary"]}
    if level == "primary":
        if not primary_urls:
            yield "verification primary but no source is marked primary"
        for i, effect in enumerate(data["effects"]):
            if effect["source_url"] not in primary_urls:
                yield (
                    f"effects.{i} ({effect['tag']}): verification primary but the quote's"
                    " source is not primary (use secondary, or quote the official text)"
                )
    if level == "unverified" and not data.get("notes"):
        yield "unverified entries need `notes` saying what remains to check"


def _short(message: str, limit: int = 160) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _check_placement(entry: Entry) -> Iterator[str]:
    """Files are organised by jurisdiction; an entry in the wrong file would show on the wrong map."""
    juris = entry.data["jurisdiction"]
    level = juris["level"]
    concerns = entry.data.get("concerns_states") or []
    if concerns:
        if entry.file != "federal.yaml":
            yield "concerns_states is for federal.yaml entries (a state's own entries sit in its file)"
        for usps in concerns:
            fips = reference.state_fips_for_usps(usps)
            if fips is None or fips not in reference.target_state_fips():
                yield f"concerns_states: {usps!r} is not a state or DC postal code"
    if entry.file in FEDERAL_FILES:
        # One entry per law or ruling: a state court ruling lives in its state's file only; a
        # federal ruling about particular states names them in `concerns_states`.
        if level != "federal":
            yield f"{entry.file} holds federal entries only (level is {level}); a state's ruling goes in states/<usps>.yaml"
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


def is_verified(level: Any) -> bool:
    """The derived yes/no flag kept for older readers: primary or secondary."""
    return level in ("primary", "secondary")


def states_without_primary(entries: Iterable[Entry]) -> list[str]:
    """Postal codes of the 50 states + DC with no state-level entry verified at `primary`.

    Pages use this to say plainly that a state's record rests on secondary sources only.
    """
    entries = [e for e in entries if isinstance(e.data, dict)]
    have = {
        _state(e)
        for e in entries
        if e.group == "state" and _level(e) == "state" and e.data.get("verification") == "primary"
    }
    return sorted(
        reference.usps_for_state_fips(f) or f for f in reference.target_state_fips() - have
    )


def summarize(entries: Iterable[Entry]) -> dict[str, Any]:
    """Counts for `knowledge check`: by status, verification level, kind and state coverage."""
    entries = [e for e in entries if isinstance(e.data, dict)]
    by = {k: Counter() for k in ("status", "verification", "kind", "group")}
    for e in entries:
        for key in ("status", "verification", "kind"):
            by[key][str(e.data.get(key))] += 1
        by["group"][e.group] += 1
    # states/ files only: a state court ruling cited in federal.yaml does not cover its state
    state_entries = [e for e in entries if e.group == "state" and _level(e) == "state"]
    covered = {_state(e) for e in state_entries} & reference.target_state_fips()
    verified_primary = [e for e in state_entries if e.data.get("verification") == "primary"]
    by_level = {level: by["verification"].get(level, 0) for level in VERIFICATIONS}
    return {
        "entries": len(entries),
        "by_status": dict(sorted(by["status"].items())),
        "by_verification": by_level,
        "by_kind": dict(sorted(by["kind"].items())),
        "by_group": dict(sorted(by["group"].items())),
        "state_level": {
            "covered": len(covered),
            "target": STATE_LEVEL_TARGET,
            "entries": len(state_entries),
            "verified_primary_entries": len(verified_primary),
            "verified_primary_states": len({_state(e) for e in verified_primary}),
            "by_verification": {
                level: sum(1 for e in state_entries if e.data.get("verification") == level)
                for level in VERIFICATIONS
            },
            "without_primary": states_without_primary(entries),
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
