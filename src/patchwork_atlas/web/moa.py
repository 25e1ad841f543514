"""The MOA pages: the MOAs held, full-text search over them, one MOA's facts and page texts.

Every value on these pages comes with the page it was read from (a link to the archived PDF at
that page), so a reader can check it; a value the reader did not find is shown as unknown, and
one read by OCR, inferred or taken from the file name says so. The MOAs are read through the
`moa` family's query functions (the same ones behind the CLI and the downloads); the few small
queries here only add what a page shows beside them (linked agreements' dates, a count).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response

from patchwork_atlas.families.moa import family as moa
from patchwork_atlas.kernel import i18n
from patchwork_atlas.read import places
from patchwork_atlas.read.database import Database
from patchwork_atlas.web.render import fmt_date, fmt_num, page

MOA_ID = re.compile(r"^moa-[0-9a-f]{12}$")
USPS = re.compile(r"^[A-Z]{2}$")
MODELS = ("JEM", "TFM", "WSO")
REVISION = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_QUERY = 200
SEARCH_LIMIT = 50
# A snippet marks each matched word as [word]; anything else in it is page text, escaped.
_MARKED = re.compile(r"\[([^\[\]\n]{1,200})\]")
_GROUP = re.compile(r"^(\S+) (?:rev (\d{4}-\d\d-\d\d)|year (\d{4})|(unknown))$")


class MoaPages:
    """The handlers; each validates its path and query, reads one snapshot, renders."""

    def __init__(self, db: Database, not_found: Callable[[Request], Response]):
        self.db = db
        self.not_found = not_found

    # ---- /moa --------------------------------------------------------------------------------

    def index(self, request: Request) -> Response:
        """What the MOAs are, how many are held, the table of them and the largest departures
        from their template. A malformed or unknown filter is ignored, never an error."""
        with self.db.snapshot() as conn:
            everything = moa.list_moas(conn)
            options = _options(everything)
            chosen = _filters(request, options)
            rows = moa.list_moas(conn, **chosen) if any(chosen.values()) else everything
            agreements = _linked_agreements(conn)
            departures = moa.departures(conn, limit=15)
            listed = _listed(conn)
        held = len({r["moa_id"] for r in everything})
        table = _one_row_per_moa(rows, agreements)
        return page(request, "moa.html", moas=table, held=held, listed=listed,
                    n_shown=len(table), options=options, chosen=chosen,
                    departures=[_comparison(d) for d in departures],
                    title=i18n.gettext("What the 287(g) agreements say"))

    # ---- /moa/search -------------------------------------------------------------------------

    def search(self, request: Request) -> Response:
        """Full-text search over every page held: one hit per page, best first, matched words
        marked. The query stays in the box; no query shows the form alone."""
        text = (request.query_params.get("q") or "").strip()[:MAX_QUERY]
        with self.db.snapshot() as conn:
            options = _options(moa.list_moas(conn))
            chosen = _filters(request, options)
            hits = moa.search(conn, text, limit=SEARCH_LIMIT, **chosen) if text else []
        searchable = bool(text) and moa.fts_query(text) is not None
        for h in hits:
            h["snippet_html"] = mark_snippet(h["snippet"])
        return page(request, "moa_search.html", moa_q=text, searched=bool(text),
                    searchable=searchable, hits=hits, limit=SEARCH_LIMIT, options=options,
                    chosen=chosen, title=i18n.gettext("Search the text of the MOAs"))

    # ---- /moa/{moa_id} -----------------------------------------------------------------------

    def moa(self, request: Request) -> Response:
        """One MOA: each fact with its page, the flags, the agreements it is linked to, how it
        departs from its template, where the copy came from and its pages."""
        mid = request.path_params["moa_id"]
        if not MOA_ID.match(mid):
            return self.not_found(request)
        with self.db.snapshot() as conn:
            found = moa.get_moa(conn, mid)
            engine = _ocr_engine(conn, mid)
        if found is None:
            return self.not_found(request)
        return page(request, "moa_page.html", m=found, facts=facts(found),
                    flags=flag_items(found, engine), links=[_link(x) for x in found["links"]],
                    comparison=_comparison(found["comparison"]),
                    differences=found["differences"], pages=_pages(found),
                    origin=_origin(found), title=moa_title(found))

    def page_text(self, request: Request) -> Response:
        """One page's text as stored (the PDF's own text layer, or OCR with its confidence)."""
        mid = request.path_params["moa_id"]
        number = request.path_params["page"]
        if not MOA_ID.match(mid) or not number.isdigit() or len(number) > 4:
            return self.not_found(request)
        with self.db.snapshot() as conn:
            found = moa.get_moa(conn, mid)
            text = moa.page_text(conn, mid, int(number)) if found else None
        if found is None or text is None:
            return self.not_found(request)
        n = int(number)
        title = i18n.gettext("%(title)s, page %(n)s") % {"title": moa_title(found), "n": n}
        return page(request, "moa_text.html", m=found, p=text, n=n, label=source_label(text),
                    title=title, moa_name=moa_title(found))


# ---- view helpers (pure, in the request's language) ---------------------------------------------


def moa_title(m: dict[str, Any]) -> str:
    """'Benton County Sheriff's Office: 287(g) MOA' — the agency as printed, or unknown."""
    agency = m.get("agency") or i18n.gettext("agency unknown")
    return i18n.gettext("%(agency)s: 287(g) MOA") % {"agency": agency}


def mark_snippet(snippet: str | None) -> Markup:
    """The search function's snippet as HTML: [word] becomes <mark>word</mark>, all else escaped."""
    if not snippet:
        return Markup("")
    out, pos = [], 0
    for m in _MARKED.finditer(snippet):
        out.append(escape(snippet[pos:m.start()]))
        out.append(Markup("<mark>%s</mark>") % m.group(1))
        pos = m.end()
    out.append(escape(snippet[pos:]))
    return Markup("").join(out)


def group_label(group: str | None) -> str:
    """A template group key ('TFM rev 2025-02-14', 'JEM year 2020', 'WSO unknown') in words."""
    if not group:
        return i18n.gettext("not found")
    m = _GROUP.match(group)
    if m is None:
        return group
    model = i18n.term("model", m.group(1)) if m.group(1) in MODELS else i18n.gettext("model unknown")
    if m.group(2):
        return i18n.gettext("%(model)s template revised %(date)s") % {
            "model": model, "date": fmt_date(m.group(2))}
    if m.group(3):
        return i18n.gettext("%(model)s MOAs signed in %(year)s (no revision printed)") % {
            "model": model, "year": m.group(3)}
    return i18n.gettext("%(model)s MOAs with no revision or date read") % {"model": model}


def comparison_note(note: str | None) -> dict[str, Any] | None:
    """The comparison's note in words; a note not recognized is shown as written (English)."""
    if not note:
        return None
    m = re.match(r"^group of (\d+): compared with (.+)$", note)
    if m:
        return {"text": i18n.ngettext(
            "Its group has only %(n)s MOA, too few for a standard text: compared with %(group)s.",
            "Its group has only %(n)s MOAs, too few for a standard text: compared with %(group)s.",
            int(m.group(1))) % {"n": m.group(1), "group": group_label(m.group(2))}, "raw": False}
    m = re.match(r"^group of (\d+) and no other group of this model$", note)
    if m:
        return {"text": i18n.ngettext(
            "Its group has only %(n)s MOA and there is no other group of this model: not compared.",
            "Its group has only %(n)s MOAs and there is no other group of this model: not"
            " compared.", int(m.group(1))) % {"n": m.group(1)}, "raw": False}
    if note == "too little text to compare":
        return {"text": i18n.gettext("Too little of its text could be read to compare it."),
                "raw": False}
    return {"text": note, "raw": True}


def note_labels(note: str | None) -> list[dict[str, Any]]:
    """Why a value is not plain printed text (OCR, inferred, fallback), each part in words."""
    if not note:
        return []
    known = {
        "ocr": i18n.gettext("read by OCR: check it against the page"),
        "LEA address": i18n.gettext("read from the LEA's address"),
        "form field": i18n.gettext("read from the filled-in form field"),
        "fallback: file name": i18n.gettext("not printed in the text: taken from the file name"),
        "inferred from the two delegated authorities (serving warrants)": i18n.gettext(
            "not named in the text: inferred from the two delegated authorities (serving"
            " warrants)"),
        "inferred from the assignment to ICE task forces": i18n.gettext(
            "not named in the text: inferred from the assignment to ICE task forces"),
    }
    out = []
    for part in (p.strip() for p in note.split(", ")):
        if part:
            out.append({"text": known.get(part, part), "raw": part not in known})
    return out


def source_label(p: dict[str, Any]) -> dict[str, Any]:
    """How a page's text was obtained, for its label: the PDF's text layer, OCR (with its
    confidence, 0 to 100) or nothing readable."""
    source = p.get("source") or ""
    if "ocr" in source:
        conf = p.get("confidence")
        text = (i18n.gettext("OCR text (confidence %(c)s of 100)") % {"c": fmt_num(conf)}
                if conf is not None else i18n.gettext("OCR text (confidence unknown)"))
        return {"ocr": True, "text": text, "empty": False}
    if source == "none":
        return {"ocr": False, "empty": True,
                "text": i18n.gettext("No text could be read from this page")}
    return {"ocr": False, "empty": False, "text": i18n.gettext("Text of the PDF itself")}


def _value_text(field: str, value: str | None) -> str:
    if value is None:
        return i18n.gettext("unknown")
    if field == "model":
        return i18n.term("model", value)
    if field == "state":
        st = places.state(value)
        return f"{st['name']} ({value})" if st else value
    if field == "template_revision":
        return i18n.gettext("revised %(date)s") % {"date": fmt_date(value)}
    if field.endswith("_date"):
        return fmt_date(value)
    return value


def facts(m: dict[str, Any]) -> list[dict[str, Any]]:
    """Each fact with every value read for it (value, page, PDF link, printed text, notes);
    `found` empty means the reader did not find it: unknown."""
    labels = [
        ("model", i18n.gettext("Model")),
        ("agency", i18n.gettext("Agency (as printed)")),
        ("state", i18n.gettext("State")),
        ("template_revision", i18n.gettext("Template revision")),
        ("ice_signer", i18n.gettext("Signed for ICE by")),
        ("ice_title", i18n.gettext("ICE signer's title")),
        ("ice_signed_date", i18n.gettext("ICE signed on")),
        ("lea_signer", i18n.gettext("Signed for the agency by")),
        ("lea_title", i18n.gettext("Agency signer's title")),
        ("lea_signed_date", i18n.gettext("Agency signed on")),
        ("contact_program", i18n.gettext("Agency's point of contact")),
        ("contact_public_information", i18n.gettext("Agency's public information contact")),
        ("term", i18n.gettext("Term")),
        ("termination", i18n.gettext("Termination clause")),
    ]
    out = []
    for field, label in labels:
        values = []
        for v in m["values"].get(field, []):
            page_no = v["page"] if v["page"] and v["page"] > 0 else None
            text = _value_text(field, v["value"])
            values.append({
                "text": text, "printed": v["printed"],
                "show_printed": bool(v["printed"]) and " ".join(v["printed"].split()) != text,
                "page": page_no, "notes": note_labels(v["note"]),
                "pdf": f"{m['archived_copy']}#page={page_no}" if page_no else None,
                "multiline": field.startswith("contact_"),
            })
        out.append({"field": field, "label": label, "found": values})
    return out


def flag_items(m: dict[str, Any], engine: str | None = None) -> list[dict[str, Any]]:
    """The MOA's flags, each with what it concerns (which pages, which OCR engine)."""
    out = []
    for f in (m.get("flags") or "").split("; "):
        if not f:
            continue
        detail = None
        if f == "pages without text" and m["unread_pages"]:
            detail = _page_list(m["unread_pages"])
        elif f == "ocr text used" and m["ocr_pages"]:
            detail = _page_list(m["ocr_pages"])
            if engine:
                detail = i18n.gettext("%(pages)s; OCR engine: %(engine)s") % {
                    "pages": detail, "engine": engine}
        out.append({"code": f, "text": i18n.term("moa_flag", f), "detail": detail})
    return out


def _page_list(pages: list[int]) -> str:
    return i18n.ngettext("page %(pages)s", "pages %(pages)s", len(pages)) % {
        "pages": ", ".join(str(p) for p in pages)}


def _confidence(code: str | None) -> str:
    return {"high": i18n.gettext("high"), "medium": i18n.gettext("medium"),
            "none": i18n.gettext("not linked")}.get(code or "", code or i18n.gettext("unknown"))


def _link(x: dict[str, Any]) -> dict[str, Any]:
    return {**x, "method_text": i18n.term("moa_link_method", x["method"]),
            "confidence_text": _confidence(x["confidence"])}


def _comparison(c: dict[str, Any] | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {**c, "group_text": group_label(c["template_group"]),
            "compared_text": group_label(c["compared_with"]),
            "same_group": c["compared_with"] == c["template_group"],
            "note_item": comparison_note(c["note"]),
            "percent": round(c["score"] * 100, 1) if c["score"] is not None else None}


def _pages(m: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**p, "label": source_label(p), "pdf": f"{m['archived_copy']}#page={p['page']}"}
            for p in m["page_texts"]]


def _origin(m: dict[str, Any]) -> dict[str, Any]:
    """Where the copy came from. A URL is shown; a local path is not (it would show the server's
    file system), only the file's name, as the downloadable snapshot does."""
    origin = m.get("origin") or ""
    url = origin if origin.startswith(("https://", "http://")) else None
    return {"url": url, "file_name": m.get("file_name"), "retrieved": m.get("retrieved_utc"),
            "archived_by": m.get("archived_by")}


def _options(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {
        "states": sorted({r["state"] for r in rows if r["state"]}),
        "models": [x for x in MODELS if any(r["model"] == x for r in rows)],
        "revisions": sorted({r["template_revision"] for r in rows if r["template_revision"]},
                            reverse=True),
    }


def _filters(request: Request, options: dict[str, list[str]]) -> dict[str, str | None]:
    """state, model and revision from the query, each kept only when it is one of the choices."""
    qp = request.query_params
    state = (qp.get("state") or "").upper()
    model = (qp.get("model") or "").upper()
    revision = qp.get("revision") or ""
    return {
        "state": state if USPS.match(state) and state in options["states"] else None,
        "model": model if model in options["models"] else None,
        "revision": revision if REVISION.match(revision) and revision in options["revisions"]
        else None,
    }


def _linked_agreements(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """agreement_id -> its model, state, status and signing date, for the links in the table."""
    rows = conn.execute(
        "SELECT agreement_id, model, state_usps, status, signed_date FROM agreements"
        " WHERE agreement_id IN (SELECT agreement_id FROM moa_links)").fetchall()
    return {r[0]: {"agreement_id": r[0], "model": r[1], "state": r[2], "status": r[3],
                   "signed_date": r[4]} for r in rows}


def _ocr_engine(conn: sqlite3.Connection, mid: str) -> str | None:
    """The OCR engine (and its settings) that read the MOA's scanned pages, as stored."""
    row = conn.execute("SELECT ocr_engine FROM moas WHERE moa_id = ?", (mid,)).fetchone()
    return row[0] if row else None


def _listed(conn: sqlite3.Connection) -> int:
    """Agreements for which ICE's lists (the latest sighting of each) print an MOA link."""
    return conn.execute(
        "SELECT count(*) FROM agreements WHERE coalesce(moa_url, '') != ''").fetchone()[0]


def _one_row_per_moa(rows: list[dict[str, Any]],
                     agreements: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """list_moas gives one row per MOA and linked agreement: one row per MOA, its links listed."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        row = out.setdefault(r["moa_id"], {**r, "agreements": [], "flag_texts": [
            i18n.term("moa_flag", f) for f in (r["flags"] or "").split("; ") if f],
            "confidence_text": _confidence(r["match_confidence"])})
        if r["agreement_id"]:
            row["agreements"].append(agreements.get(r["agreement_id"]) or
                                     {"agreement_id": r["agreement_id"], "signed_date": None})
    return list(out.values())


def moa_summary(m: dict[str, Any], agreement_id: str) -> dict[str, Any]:
    """What an agreement's page shows of one MOA linked to it: model, revision, signers and
    dates (each with its page), departures from the template, and the link's review note."""
    by_field = {f["field"]: f for f in facts(m)}
    link = next((x for x in m["links"] if x["agreement_id"] == agreement_id), None)
    return {
        "moa_id": m["moa_id"], "archived_copy": m["archived_copy"], "pages": m["pages"],
        "facts": [by_field[f] for f in ("model", "template_revision", "ice_signer", "ice_title",
                                        "ice_signed_date", "lea_signer", "lea_title",
                                        "lea_signed_date")],
        "comparison": _comparison(m["comparison"]),
        "link": _link(link) if link else None,
        "flags": flag_items(m),
    }
