"""The `moa` ingest family: storage, linking to the registry, comparison with the template.

Ingest stores each MOA PDF's page texts (its own layer, or OCR cached per page in the data
directory) and every extracted value with the page and span it was read from (`moa_values`).
`derive` rebuilds the facts from the stored page texts (extraction is pure), links each MOA to
its agreement(s) and compares it with its template group's standard text.

Linking: first the MOA or addendum link printed in ICE's lists (the file's name or URL is the
link's target); else the agency named in the MOA, its model and ICE's signing date, all three
equal to one agreement's. Whatever the method, a link whose MOA names another agency, model,
state or date than the list is kept and flagged in `review_reason`; nothing is guessed.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from rapidfuzz import fuzz

from patchwork_atlas.families.ice287g.normalize import name_key
from patchwork_atlas.families.moa import compare, extract, ocr
from patchwork_atlas.families.moa.text import DocumentText, PageText, ReadError
from patchwork_atlas.kernel.archive import RawFile
from patchwork_atlas.kernel.family import Rejected, SourceFamily, Table
from patchwork_atlas.kernel.geo.place import Place

MAX_BYTES = 60_000_000
LISTED_KINDS = ("moa", "addendum")  # provenance `listed_as` set by `patchwork moa fetch`
AGENCY_SAME = 85.0  # token-set ratio at or above which the MOA's agency is the list's
# OCR every scanned page by default. A number N limits OCR to each file's first N pages (0: none)
# for a quick trial ingest or the test suite; pages left unread are stored and flagged
# "pages without text", and a file already ingested is not read again.
OCR_PAGES_ENV = "PATCHWORK_MOA_OCR_PAGES"


def ocr_pages() -> range | None:
    limit = os.environ.get(OCR_PAGES_ENV, "").strip()
    return range(1, int(limit) + 1) if limit.isdigit() else None


def moa_id(sha256: str) -> str:
    return "moa-" + sha256[:12]


def ocr_cache_dir(raw: RawFile) -> Path:
    """OCR text is cached beside the archive (data_dir/ocr), so it runs once per page ever."""
    return Path(raw.path).resolve().parents[2] / "ocr"


class MoaFamily(SourceFamily):
    name = "moa"
    report_varies_by_language = False  # place_report ignores lang
    derives_from = ("ice287g",)

    def recognize(self, raw: RawFile) -> tuple[str, Any] | None:
        """A PDF whose first pages' text is an ICE memorandum of agreement under 287(g)."""
        if raw.bytes > MAX_BYTES or not raw.head(5).startswith(b"%PDF-"):
            return None
        data = raw.path.read_bytes()
        listed = raw.provenance.get("listed_as") in LISTED_KINDS
        if not extract.recognize(data, cache_dir=ocr_cache_dir(raw), listed_as_moa=listed):
            return None
        return "moa", data

    def prepare(self, raw: RawFile, kind: str, payload: Any) -> Any:
        """Read the text (OCR where a page has none) and the facts: in a worker when many arrive."""
        try:
            return extract.read_moa(payload, cache_dir=ocr_cache_dir(raw), ocr_pages=ocr_pages(),
                                    name_hint=raw.file_name)
        except ReadError as exc:
            return Rejected(f"moa: {exc}")

    def ingest_file(self, conn: sqlite3.Connection, raw: RawFile, kind: str, payload: Any) -> str:
        if isinstance(payload, Rejected):
            raise payload
        return store(conn, raw, payload)

    def derive(self, conn: sqlite3.Connection) -> None:
        derive(conn)

    def stats(self, conn: sqlite3.Connection) -> dict[str, Any]:
        return {"moas": stats(conn)}

    def place_report(self, conn: sqlite3.Connection, place: Place, lang: str) -> dict[str, Any]:
        return {}  # MOAs are shown on their agreements' pages

    def tables(self) -> dict[str, Table]:
        return {"moas": Table(
            "moas", MOA_COLUMNS, lambda conn: list_moas(conn),
            "One row per 287(g) memorandum of agreement (PDF) held, with the facts read from its"
            " text and the agreement it is linked to.")}

    def vocabulary(self) -> dict[str, str]:
        return {
            "moa_link_method": "SELECT method FROM moa_links",
            "moa_flag": "SELECT DISTINCT j.value FROM moas, json_each(moas.flags) j",
            "moa_difference": "SELECT kind FROM moa_differences",
        }


FAMILY = MoaFamily()


# ---------------------------------------------------------------- ingest


def _values(moa: extract.MOA) -> list[tuple[str, int, extract.Found[Any] | None]]:
    out: list[tuple[str, int, extract.Found[Any] | None]] = [
        ("model", 0, moa.model), ("agency", 0, moa.agency), ("state", 0, moa.state),
        ("template_revision", 0, moa.revision), ("term", 0, moa.term),
        ("termination", 0, moa.termination),
    ]
    for sig in (moa.ice, moa.lea):
        party = sig.party.lower()
        out += [(f"{party}_signer", 0, sig.name), (f"{party}_title", 0, sig.title),
                (f"{party}_signed_date", 0, sig.date)]
    for seq, c in enumerate(moa.contacts):
        out.append(("contact_" + c.kind.replace(" ", "_"), seq, c.lines))
    return out


def _text(x: extract.Found[Any] | None) -> str | None:
    if x is None:
        return None
    return x.value.isoformat() if hasattr(x.value, "isoformat") else str(x.value)


def store(conn: sqlite3.Connection, raw: RawFile, moa: extract.MOA) -> str:
    """One MOA: its pages' text, its facts and where each was read."""
    return _insert(conn, raw.sha256, raw.file_name, raw.origin, moa)


def _insert(conn: sqlite3.Connection, sha256: str, file_name: str, origin: str,
            moa: extract.MOA) -> str:
    mid = moa_id(sha256)
    conn.execute(
        "INSERT INTO moas(moa_id, sha256, file_name, origin, pages, ocr_engine, model, agency,"
        " state_usps, template_revision, ice_signed_date, lea_signed_date, flags)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (mid, sha256, file_name, origin, moa.pages, moa.text.ocr_engine,
         _text(moa.model), _text(moa.agency), _text(moa.state), _text(moa.revision),
         _text(moa.ice.date), _text(moa.lea.date), json.dumps(sorted(moa.flags))))
    conn.executemany(
        "INSERT INTO moa_pages(moa_id, page, layer, source, confidence, text) VALUES (?,?,?,?,?,?)",
        [(mid, p.number, p.layer, p.source, p.confidence, p.text) for p in moa.text.pages])
    conn.executemany(
        "INSERT INTO moa_values(moa_id, field, seq, value, page, span_start, span_end, printed,"
        " note) VALUES (?,?,?,?,?,?,?,?,?)",
        [(mid, f, seq, _text(x), x.page, x.start, x.end, x.printed, x.note)
         for f, seq, x in _values(moa) if x is not None])
    parts = [moa.model.value if moa.model else "model unknown",
             moa.agency.value if moa.agency else "agency unknown",
             moa.state.value if moa.state else "state unknown"]
    flags = f", flagged: {', '.join(sorted(moa.flags))}" if moa.flags else ""
    return f"287(g) MOA, {moa.pages} pages: {'; '.join(parts)}{flags}"


def with_unread_pages(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """MOAs stored with pages no text was read from (ingested without Tesseract, or with
    `PATCHWORK_MOA_OCR_PAGES`), with where their archived bytes are."""
    return [dict(r) for r in conn.execute(
        "SELECT m.moa_id, m.sha256, m.file_name, m.origin, r.archive_path FROM moas m"
        " JOIN raw_files r USING (sha256) WHERE EXISTS (SELECT 1 FROM moa_pages p"
        " WHERE p.moa_id = m.moa_id AND p.source = 'none') ORDER BY m.moa_id")]


def reread(conn: sqlite3.Connection, data_dir: Path, row: dict[str, Any]) -> str | None:
    """Read one stored MOA again from its archived bytes, OCR'ing the pages left unread, and
    replace its pages and values (inside the caller's transaction; `derive` afterwards).
    None when the new reading reads no page more; raises Rejected when the archived bytes
    are not the ones stored."""
    data = (data_dir / row["archive_path"]).read_bytes()
    try:
        moa = extract.read_moa(data, cache_dir=data_dir / "ocr", ocr_pages=ocr_pages(),
                               name_hint=row["file_name"])
    except ReadError as exc:
        raise Rejected(f"moa: {exc}") from exc
    if moa.sha256 != row["sha256"]:
        raise Rejected(f"moa: the archived copy of {row['moa_id']} no longer has its sha256")
    before = conn.execute("SELECT count(*) FROM moa_pages WHERE moa_id = ? AND source = 'none'",
                          (row["moa_id"],)).fetchone()[0]
    if len(moa.text.unread_pages) >= before:
        return None
    # Derived rows go too: `derive`, which the caller runs next, rebuilds them for every MOA.
    for table in ("moa_differences", "moa_comparisons", "moa_links", "moa_values", "moa_pages",
                  "moas"):
        conn.execute(f"DELETE FROM {table} WHERE moa_id = ?", (row["moa_id"],))  # noqa: S608 - fixed names
    return _insert(conn, row["sha256"], row["file_name"], row["origin"], moa)


def stored_text(conn: sqlite3.Connection, mid: str, sha256: str) -> DocumentText:
    pages = tuple(PageText(r["page"], r["text"], r["layer"], r["source"], r["confidence"])
                  for r in conn.execute("SELECT * FROM moa_pages WHERE moa_id = ? ORDER BY page",
                                        (mid,)))
    engine = conn.execute("SELECT ocr_engine FROM moas WHERE moa_id = ?", (mid,)).fetchone()[0]
    return DocumentText(sha256, pages, engine)


def stored_moas(conn: sqlite3.Connection) -> dict[str, extract.MOA]:
    """moa_id -> the MOA read again from its stored page texts (pure and quick)."""
    conn.row_factory = sqlite3.Row
    out = {}
    for r in conn.execute("SELECT moa_id, sha256, file_name FROM moas ORDER BY moa_id").fetchall():
        out[r["moa_id"]] = extract.extract(stored_text(conn, r["moa_id"], r["sha256"]),
                                           name_hint=r["file_name"])
    return out


# ---------------------------------------------------------------- derive: links


def link_name(url_or_name: str | None) -> str | None:
    """The file name a list's link points at, folded: 'https://www.ice.gov/.../X%20Y.pdf' -> 'x y.pdf'."""
    if not url_or_name:
        return None
    path = urlsplit(url_or_name.strip()).path or url_or_name
    name = unquote(path.rsplit("/", 1)[-1]).strip().lower()
    return name or None


def _listed_links(conn: sqlite3.Connection) -> dict[str, set[tuple[str, str]]]:
    """Link target (folded file name) -> {(agreement_id, 'moa'|'addendum')}, over every link any
    publication printed for the agreement (the agreements table keeps the latest)."""
    out: dict[str, set[tuple[str, str]]] = {}
    for r in conn.execute("SELECT agreement_id, moa_url, addendum_url FROM agreements"):
        for kind, url in (("moa", r[1]), ("addendum", r[2])):
            if (name := link_name(url)) is not None:
                out.setdefault(name, set()).add((r[0], kind))
    return out


_FILLER = frozenset({"office", "department", "dept", "of", "the", "by", "and", "through", "state"})


def _agency_words(name: str, state: str | None) -> set[str]:
    words = {w.rstrip("s") for w in name_key(name, state).split()} - _FILLER
    if state and (names := extract.STATES.get(state)):
        words -= {w.lower() for w in names.split()} | {state.lower()}
    return words


def same_agency(printed: str, listed: str, state: str | None) -> bool:
    """The MOA's party and the list's agency name the same body: the same words once case,
    punctuation, abbreviations, the state's name and filler words are set aside, or one name's
    words all in the other's ('Tarrant County, by and through the Tarrant County Sheriffs
    Office')."""
    a, b = _agency_words(printed, state), _agency_words(listed, state)
    if not a or not b:
        return False
    return a <= b or b <= a or fuzz.token_set_ratio(" ".join(sorted(a)), " ".join(sorted(b))) >= AGENCY_SAME


def _mismatches(moa: extract.MOA, agr: sqlite3.Row) -> list[str]:
    out = []
    if moa.model and moa.model.value != agr["model"]:
        out.append(f"the MOA is a {moa.model.value} agreement, the list says {agr['model']}")
    if moa.state and not moa.state.fallback and moa.state.value != agr["state_usps"]:
        out.append(f"the MOA names {moa.state.value}, the list {agr['state_usps']}")
    if moa.agency and not same_agency(moa.agency.value, agr["agency_name"] or "", agr["state_usps"]):
        out.append(f"the MOA names {moa.agency.value!r}, the list {agr['agency_name']!r}")
    signed = {d for d in (agr["signed_date"], agr["signed_date_first"]) if d}
    if moa.ice_signed and signed and moa.ice_signed.isoformat() not in signed:
        out.append(f"ICE signed on {moa.ice_signed.isoformat()}, the list prints"
                   f" {', '.join(sorted(signed))}")
    return out


def _flags(moa: extract.MOA) -> list[str]:
    out = []
    if "blank template" in moa.flags:
        out.append("the posted file is a blank template")
    if "pages without text" in moa.flags:
        out.append(f"pages without text: {', '.join(map(str, moa.text.unread_pages))}")
    return out


def link(conn: sqlite3.Connection, moas: dict[str, extract.MOA]) -> list[tuple]:
    """(moa_id, agreement_id, method, confidence, reason, review_reason) rows."""
    agreements = {r["agreement_id"]: r for r in conn.execute(
        "SELECT g.*, a.name AS agency_name FROM agreements g JOIN agencies a USING (agency_id)")}
    links = _listed_links(conn)
    files = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT moa_id, file_name, origin FROM moas")}
    out = []
    for mid, moa in moas.items():
        file_name, origin = files[mid]
        hits = links.get(link_name(origin) or "", set()) | links.get(link_name(file_name) or "", set())
        if hits:
            for agreement_id, kind in sorted(hits):
                review = _mismatches(moa, agreements[agreement_id]) + _flags(moa)
                out.append((mid, agreement_id, "list_link", "high",
                            f"the file is the {kind} link the list prints for this agreement",
                            "; ".join(review) or None))
            continue
        found = []
        if moa.agency and moa.model and moa.ice_signed:
            for agr in agreements.values():
                if (agr["model"] == moa.model.value
                        and moa.ice_signed.isoformat() in (agr["signed_date"], agr["signed_date_first"])
                        and (not moa.state or agr["state_usps"] == moa.state.value)
                        and same_agency(moa.agency.value, agr["agency_name"], agr["state_usps"])):
                    found.append(agr["agreement_id"])
        if len(found) == 1:
            out.append((mid, found[0], "agency_model_date", "medium",
                        "no list links this file; the agency, model and ICE's signing date"
                        " match this agreement", "; ".join(
                            ["not linked from the list: check the match"] + _flags(moa))))
            continue
        why = (f"{len(found)} agreements match the agency, model and date" if found else
               "no list links this file and no agreement has its agency, model and date")
        out.append((mid, None, "none", "none", why, "; ".join([why] + _flags(moa))))
    return out


# ---------------------------------------------------------------- derive: all


def derive(conn: sqlite3.Connection) -> None:
    """Rebuild links and comparisons from the stored MOAs and the registry's agreements."""
    factory = conn.row_factory
    try:
        moas = stored_moas(conn)
        conn.execute("DELETE FROM moa_links")
        conn.executemany(
            "INSERT INTO moa_links(moa_id, agreement_id, method, confidence, reason, review_reason)"
            " VALUES (?,?,?,?,?,?)", link(conn, moas))
        conn.execute("DELETE FROM moa_comparisons")
        conn.execute("DELETE FROM moa_differences")
        by_sha = {m.sha256: mid for mid, m in moas.items()}
        for sha, c in compare.compare(list(moas.values())).items():
            mid = by_sha[sha]
            conn.execute(
                "INSERT INTO moa_comparisons(moa_id, template_group, compared_with, score,"
                " n_differences, note) VALUES (?,?,?,?,?,?)",
                (mid, " ".join(c.group), " ".join(c.compared_with), c.score, len(c.differences),
                 c.note))
            conn.executemany(
                "INSERT INTO moa_differences(moa_id, seq, kind, section, text, standard, page)"
                " VALUES (?,?,?,?,?,?,?)",
                [(mid, i, d.kind, d.section, d.text, d.standard, d.page)
                 for i, d in enumerate(c.differences)])
    finally:
        conn.row_factory = factory


# ---------------------------------------------------------------- queries

MOA_COLUMNS = (
    "moa_id", "sha256", "model", "agency", "state", "template_revision", "signed_dates",
    "agreement_id", "match_confidence", "flags", "pages", "ice_signed_date", "lea_signed_date",
    "template_group", "departure_score", "link_method", "review_reason", "file_name",
    "archived_copy",
)  # fmt: skip

_LIST = """
SELECT m.*, l.agreement_id, l.method, l.confidence, l.review_reason, c.template_group, c.score
FROM moas m LEFT JOIN moa_links l USING (moa_id) LEFT JOIN moa_comparisons c USING (moa_id)
"""


def signed_dates(ice: str | None, lea: str | None) -> str:
    return "; ".join(f"{who} {d}" for who, d in (("LEA", lea), ("ICE", ice)) if d)


def _row(r: sqlite3.Row) -> dict[str, Any]:
    return {
        "moa_id": r["moa_id"], "sha256": r["sha256"], "model": r["model"], "agency": r["agency"],
        "state": r["state_usps"], "template_revision": r["template_revision"],
        "signed_dates": signed_dates(r["ice_signed_date"], r["lea_signed_date"]) or None,
        "agreement_id": r["agreement_id"], "match_confidence": r["confidence"],
        "flags": "; ".join(json.loads(r["flags"])) or None, "pages": r["pages"],
        "ice_signed_date": r["ice_signed_date"], "lea_signed_date": r["lea_signed_date"],
        "template_group": r["template_group"], "departure_score": r["score"],
        "link_method": r["method"], "review_reason": r["review_reason"],
        "file_name": r["file_name"], "archived_copy": f"/downloads/raw/{r['sha256']}",
    }  # fmt: skip


def list_moas(conn: sqlite3.Connection, *, state: str | None = None, model: str | None = None,
              revision: str | None = None, agreement_id: str | None = None) -> list[dict[str, Any]]:
    """MOAs held (one row per MOA and linked agreement), by state, agency and file; the one query
    behind the table, the CLI, the API and the pages."""
    where, args = ["1"], []
    for col, val in (("m.state_usps", state), ("m.model", model),
                     ("m.template_revision", revision), ("l.agreement_id", agreement_id)):
        if val:
            where.append(f"{col} = ?")
            args.append(val)
    sql = _LIST + " WHERE " + " AND ".join(where) + (
        " ORDER BY m.state_usps IS NULL, m.state_usps, m.agency, m.moa_id, l.agreement_id")
    return [_row(r) for r in conn.execute(sql, args)]


def get_moa(conn: sqlite3.Connection, mid: str) -> dict[str, Any] | None:
    """One MOA: its facts with the page and span of each, its links, pages, comparison."""
    rows = conn.execute(_LIST + " WHERE m.moa_id = ?", (mid,)).fetchall()
    if not rows:
        return None
    head = _row(rows[0])
    values: dict[str, list[dict[str, Any]]] = {}
    for v in conn.execute("SELECT * FROM moa_values WHERE moa_id = ? ORDER BY field, seq", (mid,)):
        values.setdefault(v["field"], []).append(
            {"value": v["value"], "page": v["page"], "span": [v["span_start"], v["span_end"]],
             "printed": v["printed"], "note": v["note"]})
    links = [dict(r) for r in conn.execute(
        "SELECT l.agreement_id, l.method, l.confidence, l.reason, l.review_reason,"
        " g.model, g.state_usps, g.status, g.signed_date, a.name AS agency_name, g.agency_id"
        " FROM moa_links l LEFT JOIN agreements g USING (agreement_id)"
        " LEFT JOIN agencies a ON a.agency_id = g.agency_id WHERE l.moa_id = ?"
        " ORDER BY l.agreement_id", (mid,))]
    pages = [dict(r) for r in conn.execute(
        "SELECT page, layer, source, confidence FROM moa_pages WHERE moa_id = ? ORDER BY page",
        (mid,))]
    comp = conn.execute("SELECT * FROM moa_comparisons WHERE moa_id = ?", (mid,)).fetchone()
    diffs = [dict(r) for r in conn.execute(
        "SELECT kind, section, text, standard, page FROM moa_differences WHERE moa_id = ?"
        " ORDER BY seq", (mid,))]
    raw = conn.execute(  # where and when the file was obtained: a URL first, then the earliest
        "SELECT origin, retrieved_utc, archived_by FROM file_sightings WHERE sha256 = ?"
        " ORDER BY origin NOT LIKE 'http%', retrieved_utc LIMIT 1", (head["sha256"],)).fetchone()
    return {**head, "values": values, "links": links, "page_texts": pages,
            "ocr_pages": [p["page"] for p in pages if "ocr" in p["source"]],
            "unread_pages": [p["page"] for p in pages if p["source"] == "none"],
            "comparison": dict(comp) if comp else None, "differences": diffs,
            "origin": raw["origin"] if raw else None,
            "retrieved_utc": raw["retrieved_utc"] if raw else None,
            "archived_by": raw["archived_by"] if raw else None}


def page_text(conn: sqlite3.Connection, mid: str, page: int) -> dict[str, Any] | None:
    r = conn.execute("SELECT * FROM moa_pages WHERE moa_id = ? AND page = ?", (mid, page)).fetchone()
    return dict(r) if r else None


def moas_for_agreement(conn: sqlite3.Connection, agreement_id: str) -> list[dict[str, Any]]:
    """The 'What this agreement says' section: each MOA linked to the agreement, in full."""
    ids = [r[0] for r in conn.execute(
        "SELECT DISTINCT moa_id FROM moa_links WHERE agreement_id = ? ORDER BY moa_id",
        (agreement_id,))]
    return [m for i in ids if (m := get_moa(conn, i)) is not None]


def fts_query(text: str) -> str | None:
    """What people type as an FTS5 query: each word a quoted prefix term, all required (no
    operators or syntax errors reach SQLite). None when nothing searchable is left. A hyphenated
    word is its parts, each required ("90-day": 90 and day)."""
    words = re.findall(r"[^\W_]+", text)  # as FTS5's tokenizer splits: "90-day" is 90, day
    return " ".join(f'"{w}"*' for w in words[:12]) or None


_SEARCH = """
SELECT m.moa_id, m.sha256, m.agency, m.state_usps, m.model, m.template_revision, p.page, p.source,
       snippet(moa_text, 0, '[', ']', '…', 16) AS snippet
FROM moa_text JOIN moa_pages p ON p.rowid = moa_text.rowid JOIN moas m ON m.moa_id = p.moa_id
WHERE {where} ORDER BY bm25(moa_text), m.moa_id, p.page LIMIT ?
"""


def search(conn: sqlite3.Connection, q: str, *, state: str | None = None,
           model: str | None = None, revision: str | None = None,
           limit: int = 50) -> list[dict[str, Any]]:
    """Full-text search over every MOA page: one hit per page, best first, with a snippet
    (matched words between [ and ])."""
    match = fts_query(q)
    if match is None:
        return []
    where, args = ["moa_text MATCH ?"], [match]
    for col, val in (("m.state_usps", state), ("m.model", model),
                     ("m.template_revision", revision)):
        if val:
            where.append(f"{col} = ?")
            args.append(val)
    sql = _SEARCH.replace("{where}", " AND ".join(where))
    return [{**dict(r), "state": r["state_usps"], "ocr": "ocr" in r["source"],
             "archived_copy": f"/downloads/raw/{r['sha256']}#page={r['page']}"}
            for r in conn.execute(sql, [*args, limit])]


def departures(conn: sqlite3.Connection, limit: int = 25) -> list[dict[str, Any]]:
    """The MOAs that depart most from their template group's standard text."""
    rows = conn.execute(
        "SELECT m.moa_id, m.agency, m.state_usps AS state, m.model, c.template_group,"
        " c.compared_with, c.score, c.n_differences, c.note FROM moa_comparisons c"
        " JOIN moas m USING (moa_id) WHERE c.score IS NOT NULL ORDER BY c.score DESC, m.moa_id"
        " LIMIT ?", (limit,))
    return [dict(r) for r in rows]


def stats(conn: sqlite3.Connection) -> dict[str, Any]:
    n = conn.execute("SELECT count(*) FROM moas").fetchone()[0]
    by_conf = dict(conn.execute(
        "SELECT confidence, count(DISTINCT moa_id) FROM moa_links GROUP BY confidence").fetchall())
    flagged = conn.execute("SELECT count(*) FROM moas WHERE flags != '[]'").fetchone()[0]
    ocr_pages = conn.execute(
        "SELECT count(*) FROM moa_pages WHERE source LIKE '%ocr%'").fetchone()[0]
    return {"moas_held": n, "linked": by_conf, "flagged": flagged, "ocr_pages": ocr_pages,
            "ocr_engine": ocr.engine()}
