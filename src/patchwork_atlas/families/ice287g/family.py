"""The ICE 287(g) family: recognize a list, store every row as printed and normalized, and
derive the registry (agencies, agreements, applications, events) from the ordered publications.

Normalized key (documented in the README): an agreement is (agency_id, model, signing date);
an application is (agency_id, model) while it stays on the pending list. agency_id is built from
the state and the normalized agency name (see normalize.name_key and corrections/agency_names.csv).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from patchwork_atlas.families.ice287g import lifecycle, local_corrections, queries, rowstore
from patchwork_atlas.families.ice287g.geography import resolve_agencies
from patchwork_atlas.families.ice287g.normalize import (
    WAYBACK_PREFIX,
    agency_identity,
    clean_text,
    link_of,
    normalize_model,
    normalize_signed,
    normalize_state,
    short_hash,
)
from patchwork_atlas.families.ice287g.place import place_section
from patchwork_atlas.families.ice287g.reader import ListFormatError, ParsedList, RawRow, parse_list
from patchwork_atlas.families.ice287g.stats import registry_stats
from patchwork_atlas.kernel.archive import RawFile
from patchwork_atlas.kernel.family import Rejected, SourceFamily, Table
from patchwork_atlas.kernel.geo import resolver
from patchwork_atlas.kernel.geo.place import Place
from patchwork_atlas.kernel.workers import fork_pool
from patchwork_atlas.kernel.xlsx import NotAWorkbook, read_workbook, sniff_kind

_LIST_NAME = re.compile(r"(participating|pending)(agencies|entities)", re.I)
_NAME_DATE = re.compile(r"agencies[-_]?(\d{2})(\d{2})(\d{4})(am|pm|mid)?(?!\d)", re.I)
_NAME_STAMP = re.compile(r"-(\d{14})(?!\d)")
ALL = 10_000_000  # a limit no table reaches: downloads are whole tables
_DAYPART = {"am": "09:00:00", "mid": "12:00:00", "pm": "17:00:00"}
GEO_HELPER_MIN_FILES = 50  # new files from which the walk outlasts building the resolver's tables


@dataclass
class FileDate:
    date: str | None
    rule: str
    note: str
    sort_key: str
    name_date: str | None
    name_note: str | None


@dataclass
class PreparedList:
    """A list read, normalized and dated, ready to store (made in a worker: picklable)."""

    sheet: str
    headers: list[str]
    n_data_rows: int
    rows: rowstore.PreparedRows
    flags_total: int
    era: str
    fdate: FileDate
    content_hash: str


def list_kind_from_name(name: str) -> str | None:
    m = _LIST_NAME.search(name.replace(" ", ""))
    return m.group(1).lower() if m else None


class Ice287gFamily(SourceFamily):
    name = "ice287g"
    report_varies_by_language = False  # place_report ignores lang

    def recognize(self, raw: RawFile) -> tuple[str, Any] | None:
        """Claim a workbook with a STATE + LAW ENFORCEMENT AGENCY header, or any file named like
        an ICE list (so that a damaged list is rejected with a precise reason)."""
        named = list_kind_from_name(raw.provenance.get("published_name") or raw.file_name) or (
            raw.provenance.get("list") or None
        )
        kind = sniff_kind(raw.head(64))
        if kind not in ("xlsx", "xls"):
            return (named, Rejected(f"not a workbook (content looks like {kind})")) if named else None
        try:
            workbook = read_workbook(raw.path)
            parsed = parse_list(raw.path, workbook)
        except (NotAWorkbook, ListFormatError) as exc:
            return (named, Rejected(str(exc))) if named else None
        if named is None:
            named = "participating" if "signed" in parsed.fields else "pending"
        return named, parsed

    def prepare(self, raw: RawFile, kind: str, payload: Any) -> Any:
        """Normalize and date the list: a function of the file alone, so it can run in a worker."""
        if isinstance(payload, Rejected):
            return payload
        parsed: ParsedList = payload
        rows, flags_total, max_signed, content_hash = _prepare_rows(kind, parsed, _latest_plausible(raw, parsed))
        era = raw.provenance.get("era") or _guess_era(raw.file_name, parsed)
        return PreparedList(parsed.sheet, parsed.headers, len(parsed.rows), rows, flags_total, era,
                            date_file(kind, era, raw, parsed.saved_utc, max_signed), content_hash)

    def ingest_file(self, conn: sqlite3.Connection, raw: RawFile, kind: str, payload: Any) -> str:
        if isinstance(payload, Rejected):
            raise payload
        prepared: PreparedList = payload
        fdate, era, content_hash = prepared.fdate, prepared.era, prepared.content_hash
        n_rows = len(prepared.rows.row_numbers)
        rowstore.store_rows(conn, raw.sha256, prepared.sheet, prepared.rows)
        existing = conn.execute(
            "SELECT publication_id, sort_key, canonical_sha256 FROM publications WHERE list = ? AND content_hash = ?",
            (kind, content_hash),
        ).fetchone()
        if existing:
            publication_id = existing["publication_id"]
            # The earliest sighting dates the publication and is its canonical file, whatever
            # order the files arrive in (ties go to the smaller hash).
            if (fdate.sort_key, raw.sha256) < (existing["sort_key"], existing["canonical_sha256"]):
                conn.execute(
                    "UPDATE publications SET published_date=?, date_rule=?, date_note=?, sort_key=?,"
                    " era=?, canonical_sha256=?, columns=? WHERE publication_id=?",
                    (fdate.date, fdate.rule, fdate.note, fdate.sort_key, era, raw.sha256,
                     json.dumps(prepared.headers), publication_id),
                )
        else:
            publication_id = f"{kind}-{content_hash[:12]}"  # from content alone: arrival order never changes it
            conn.execute(
                "INSERT INTO publications(publication_id, list, content_hash, published_date,"
                " date_rule, date_note, sort_key, era, canonical_sha256, columns, n_data_rows,"
                " n_rows_stored, suspect, suspect_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,0,NULL)",
                (
                    publication_id, kind, content_hash, fdate.date, fdate.rule, fdate.note,
                    fdate.sort_key, era, raw.sha256, json.dumps(prepared.headers),
                    prepared.n_data_rows, n_rows,
                ),
            )
        conn.execute(
            "INSERT INTO publication_files(publication_id, sha256, sheet, name_date, name_date_note,"
            " file_date, file_date_rule, n_data_rows) VALUES (?,?,?,?,?,?,?,?)",
            (publication_id, raw.sha256, prepared.sheet, fdate.name_date, fdate.name_note, fdate.date,
             fdate.rule, prepared.n_data_rows),
        )
        lifecycle.note_new_file(conn, raw.sha256)
        flagged = f", {prepared.flags_total} flagged cells" if prepared.flags_total else ""
        return f"{kind} list, {n_rows} rows, dated {fdate.date} ({fdate.rule}){flagged}"

    def derive(self, conn: sqlite3.Connection) -> None:
        if resolver.is_warm() or len(lifecycle.new_files(conn)) < GEO_HELPER_MIN_FILES:
            self._derive(conn, None)  # this process's tables are built, or the walk is short
            return
        # In a fresh process the resolver's tables take a second to build: a helper process
        # builds them while the (long) walk runs here, then places the agencies.
        with fork_pool(1) as helper:
            helper.submit(resolver.warm)
            self._derive(conn, helper)

    def _derive(self, conn: sqlite3.Connection, geo_helper: Executor | None) -> None:
        lifecycle.derive(conn)
        local_corrections.apply_names(conn)
        resolve_agencies(conn, geo_helper)
        local_corrections.apply_placements(conn)
        rowstore.analyze(conn)

    def stats(self, conn: sqlite3.Connection) -> dict[str, Any]:
        return registry_stats(conn)

    def place_report(self, conn: sqlite3.Connection, place: Place, lang: str) -> dict[str, Any]:
        return place_section(conn, place, lang)

    def tables(self) -> dict[str, Table]:
        return {t.name: t for t in (
            Table("agreements", (*queries.AGREEMENT_COLUMNS, *queries.PLACEMENT_COLUMNS),
                  lambda conn: queries.placed(conn, queries.agreements(conn, limit=ALL)[0]),
                  "One row per agreement (agency + model + signing date) with its lifecycle."),
            Table("agencies", (*queries.AGENCY_COLUMNS, "active_models",
                               *(c for c in queries.PLACEMENT_COLUMNS if c not in queries.AGENCY_COLUMNS)),
                  lambda conn: queries.agencies(conn, limit=ALL)[0],
                  "One row per agency ever listed, with the models it is active in."),
            Table("applications", (*queries.APPLICATION_COLUMNS, *queries.PLACEMENT_COLUMNS),
                  lambda conn: queries.placed(conn, queries.applications(conn, limit=ALL)[0]),
                  "One row per application on ICE's pending list, with its outcome."),
            Table("events", (*queries.EVENT_COLUMNS, *queries.PLACEMENT_COLUMNS),
                  lambda conn: queries.placed(conn, queries.events(conn, limit=ALL)[0]),
                  "What changed, publication by publication."),
        )}  # fmt: skip

    def vocabulary(self) -> dict[str, str]:
        return {
            "model": "SELECT model FROM agreements UNION SELECT model FROM applications",
            "status": "SELECT status FROM agreements",
            "application_status": "SELECT status FROM applications",
            "event": "SELECT kind FROM events",
            "list": "SELECT list FROM publications",
            "date_rule": "SELECT date_rule FROM publications",
            "level": "SELECT level FROM agency_jurisdictions",
            "flag": "SELECT j.value FROM sheet_rows, json_each(sheet_rows.flags) j",
            "correction": "SELECT tbl FROM local_corrections WHERE family = 'ice287g'",
        }


FAMILY = Ice287gFamily()


def _latest_plausible(raw: RawFile, parsed: ParsedList) -> dt.date:
    """No agreement can be signed after the list that prints it was saved or retrieved."""
    stamps = [parsed.saved_utc, raw.provenance.get("archive_capture_utc"), raw.retrieved_utc]
    dates = [dt.date.fromisoformat(s[:10]) for s in stamps if s and re.match(r"\d{4}-\d\d-\d\d", s)]
    return max(dates) + dt.timedelta(days=1) if dates else dt.date.today()


# A list repeats most rows of the one before (316,000 rows, 5,300 distinct): each process
# normalizes, addresses and keys a distinct row once. Bounded; emptied when full.
_ROW_MEMO: dict[tuple, tuple] = {}
_ROW_MEMO_MAX = 1 << 16


def _prepare_rows(kind: str, parsed: ParsedList,
                  latest_plausible: dt.date) -> tuple[rowstore.PreparedRows, int, str | None, str]:
    """The rows as they will be stored, how many carry a flag, the latest signing date, and
    the content hash of the list."""
    has_signed = "signed" in parsed.fields
    prefix = rowstore.link_prefix(row.values.get("moa") for row in parsed.rows)
    # A web-archive prefix the link cleaner removes whole changes nothing but moa_raw, which is
    # stored without it: rows of different captures then share their memo entry.
    strip = len(prefix) if prefix and WAYBACK_PREFIX.fullmatch(prefix) else 0
    numbers, contents, hashes, keys = [], [], [], []
    flagged = 0
    max_signed = None
    for row in parsed.rows:
        v = row.values
        signed = None
        if has_signed:  # the only part that depends on the file (its date), so in the key
            usps = normalize_state(v.get("state"))[0]
            signed = normalize_signed(
                v.get("signed"), row.signed_value, usps, agency_identity(usps, v.get("agency"))[1] if usps else "",
                latest_plausible)
        cells = tuple(v.items())
        moa = v.get("moa")
        moa_key: tuple = ("printed",)  # moa_raw is stored as printed, whatever the prefix
        if prefix and moa and moa.startswith(prefix):
            cells = tuple(item for item in cells if item[0] != "moa")
            moa_key = ("stripped", moa[strip:]) if strip else ("prefixed", prefix, moa)
        key = (moa_key, signed, cells, tuple(row.links.items()), tuple(row.extra.items()))
        hit = _ROW_MEMO.get(key)
        if hit is None:
            normalized = _normalize_row(row, signed)
            content = rowstore.content(normalized, prefix)
            hit = (content, rowstore.address(content), _content_key(normalized), normalized["flags"] != "[]")
            if len(_ROW_MEMO) >= _ROW_MEMO_MAX:
                _ROW_MEMO.clear()
            _ROW_MEMO[key] = hit
        numbers.append(row.row_number)
        contents.append(hit[0])
        hashes.append(hit[1])
        keys.append(hit[2])
        flagged += hit[3]
        if signed and signed[0] and (max_signed is None or signed[0] > max_signed):
            max_signed = signed[0]
    return (rowstore.PreparedRows(prefix, numbers, contents, hashes), flagged, max_signed,
            short_hash(kind, *sorted(keys), n=64))


def _normalize_row(row: RawRow, signed: tuple[str | None, tuple[str, ...]] | None) -> dict[str, Any]:
    """One row's sheet_rows columns (but its number); `signed`: the normalized signing date and
    its flags, None when the list has no SIGNED column."""
    v = row.values
    usps, _fips, state_flags = normalize_state(v.get("state"))
    flags = list(state_flags)  # the normalizers are cached: never mutate what they return
    agency_id = None
    if usps:
        agency_id, _key, name_flags = agency_identity(usps, v.get("agency"))
        flags += name_flags
    model, model_flags = normalize_model(v.get("support_type"))
    flags += model_flags
    signed_date = None
    if signed is not None:
        signed_date = signed[0]
        flags += signed[1]
    return {
        "state_raw": v.get("state"),
        "agency_raw": v.get("agency"),
        "type_raw": v.get("type"),
        "county_raw": v.get("county"),
        "support_type_raw": v.get("support_type"),
        "signed_raw": v.get("signed"),
        "moa_raw": v.get("moa"),
        "moa_target": row.links.get("moa"),
        "addendum_raw": v.get("addendum"),
        "addendum_target": row.links.get("addendum"),
        "extra": json.dumps(row.extra, ensure_ascii=False, sort_keys=True) if row.extra else None,
        "state_usps": usps,
        "agency_id": agency_id,
        "model": model,
        "signed_date": signed_date,
        "moa_url": link_of(v.get("moa"), row.links.get("moa")),
        "addendum_url": link_of(v.get("addendum"), row.links.get("addendum")),
        "flags": json.dumps(sorted(set(flags))) if flags else "[]",
    }


def _content_key(r: dict[str, Any]) -> str:
    """A row's part of the list's content hash: equal for two files whose rows are the same
    after normalization (links compared by their cleaned target, so web-archive prefixes do
    not count)."""
    return "\x1f".join(
        part or ""
        for part in (
            r["state_usps"] or clean_text(r["state_raw"]),
            r["agency_id"] or clean_text(r["agency_raw"]),
            r["model"],
            r["signed_date"] or clean_text(r["signed_raw"]),
            (clean_text(r["type_raw"]) or "").lower(),
            (clean_text(r["county_raw"]) or "").lower(),
            r["moa_url"],
            r["addendum_url"],
        )
    )


def _guess_era(file_name: str, parsed: ParsedList) -> str:
    if file_name.lower().startswith("participatingentities"):
        return "ice-html-table"
    if _NAME_STAMP.search(file_name):
        return "ice-xlsx-archived"
    return "ice-xlsx"


def _name_date(file_name: str) -> tuple[str | None, str | None, str | None]:
    """(ISO date ICE's file name claims, time of day from am/pm/mid, note)."""
    m = _NAME_DATE.search(file_name)
    if not m and _NAME_STAMP.search(file_name):
        return None, None, None  # an archive's capture stamp, not a date ICE typed
    if not m:
        digits = re.search(r"agencies[-_]?(\d+)", file_name, re.I)
        note = f"file name date unreadable: {digits.group(1)}" if digits else None
        return None, None, note
    month, day, year, part = m.groups()
    try:
        value = dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None, None, f"file name date impossible: {month}{day}{year}"
    return value, _DAYPART.get((part or "").lower()), None


def date_file(kind: str, era: str, raw: RawFile, saved_utc: str | None, max_signed: str | None) -> FileDate:
    """Date one file by the first rule that holds (the rule is recorded):
    file_name — ICE's file name, unless the workbook was saved after it (a list cannot be
      published before it was saved) or it precedes a signing date it prints;
    workbook_saved — else the workbook's own save time (docProps), which must not precede a
      signing date it prints nor follow an archive capture;
    archive_capture — else when a web archive captured it (HTML-table conversions always);
    latest_signed_date — else the latest signing date the sheet prints (a lower bound)."""
    name = raw.provenance.get("published_name") or raw.file_name
    name_date, daypart, name_note = _name_date(name)
    capture = raw.provenance.get("archive_capture_utc") or _stamp_to_iso(name)
    saved = saved_utc if era != "ice-html-table" else None
    saved_date = saved[:10] if saved else None
    notes = [name_note] if name_note else []

    def fd(date: str | None, rule: str, sort_time: str | None) -> FileDate:
        sort_key = f"{date or '9999-12-31'}T{sort_time or '12:00:00'}"
        return FileDate(date, rule, "; ".join(notes), sort_key, name_date, name_note)

    if name_date:
        too_early = (saved_date and name_date < _minus_day(saved_date)) or (max_signed and name_date < max_signed)
        if not too_early:
            same_day_saved = saved if saved and saved_date == name_date else None
            return fd(name_date, "file_name", (same_day_saved or "")[11:19] or daypart)
        notes.append(f"file name says {name_date}, but the workbook was saved {saved_date}" if saved_date and name_date < _minus_day(saved_date) else f"file name says {name_date}, before a signing date it prints ({max_signed})")
    if saved_date and (not max_signed or saved_date >= max_signed) and (not capture or saved_date <= capture[:10]):
        return fd(saved_date, "workbook_saved", saved[11:19])
    if capture:
        return fd(capture[:10], "archive_capture", capture[11:19])
    if max_signed:
        notes.append("no better evidence: dated by its latest signing date (a lower bound)")
        return fd(max_signed, "latest_signed_date", None)
    return fd(name_date, "file_name_unchecked" if name_date else "unknown", daypart)


def _minus_day(iso: str) -> str:
    return (dt.date.fromisoformat(iso) - dt.timedelta(days=1)).isoformat()


def _stamp_to_iso(name: str) -> str | None:
    m = _NAME_STAMP.search(PurePath(name).stem + "-")
    if not m:
        return None
    s = m.group(1)
    return f"{s[0:4]}-{s[4:6]}-{s[6:8]}T{s[8:10]}:{s[10:12]}:{s[12:14]}Z"


__all__ = ["FAMILY", "date_file"]
