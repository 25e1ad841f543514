"""Atom feeds of events: national, per state, per county. Built with ElementTree (escaped)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from patchwork_atlas.kernel import i18n
from patchwork_atlas.read import places
from patchwork_atlas.read import queries as q
from patchwork_atlas.read.database import Database
from patchwork_atlas.web.pages import FIPS5, USPS

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 100


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    el.text = text
    return el


def event_title(e: dict[str, Any]) -> str:
    """'Agency name (ST): what changed (model)': never a bare id."""
    kind = i18n.term("event", e["kind"])
    detail = e.get("detail") if isinstance(e.get("detail"), dict) else {}
    if e["kind"] == "agreement_listed" and detail.get("on_first_list"):
        kind = i18n.gettext("On the first list we hold (%(date)s)") % {"date": e.get("event_date")}
    who = e.get("agency_name") or i18n.gettext("An agency")
    state = f" ({e['state_usps']})" if e.get("state_usps") else ""
    model = f" ({i18n.term('model', e['model'])})" if e.get("model") else ""
    return f"{who}{state}: {kind}{model}"


def atom(request: Request, events: list[dict[str, Any]], title: str, self_path: str, alt_path: str,
         updated: str | None) -> Response:
    base = f"{request.url.scheme}://{request.url.netloc}"
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": request.state.lang})
    _text(feed, "title", title)
    _text(feed, "id", f"{base}{self_path}")
    _text(feed, "updated", _ts(updated))
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": f"{base}{self_path}"})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": f"{base}{alt_path}"})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "Patchwork")
    for e in events:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", f"urn:patchwork:event:{e['event_id']}")
        _text(entry, "title", event_title(e))
        _text(entry, "updated", _ts(e.get("event_date")))
        if e.get("agreement_id"):
            href = f"{base}{request.state.prefix}/agreement/{e['agreement_id']}"
        elif e.get("agency_id"):
            href = f"{base}{request.state.prefix}/agency/{e['agency_id']}"
        else:
            href = f"{base}{alt_path}"
        ET.SubElement(entry, f"{{{ATOM}}}link", {"href": href})
        source = i18n.gettext("Source: ICE's list of %(date)s") % {"date": e.get("event_date") or "?"}
        _text(entry, "summary", f"{event_title(e)}. {source}")
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def _ts(date: str | None) -> str:
    return f"{date[:10]}T00:00:00Z" if date else "1970-01-01T00:00:00Z"


class Feeds:
    def __init__(self, db: Database):
        self.db = db

    def national(self, request: Request) -> Response:
        i18n.current_language.set(request.state.lang)
        with self.db.snapshot() as conn:
            rows, _ = q.events(conn, exclude_kinds=("moa_posted",), limit=FEED_SIZE)
        return atom(request, rows, i18n.gettext("Patchwork: changes to 287(g) agreements"),
                    request.url.path, f"{request.state.prefix}/changes",
                    rows[0]["event_date"] if rows else None)

    def state(self, request: Request) -> Response:
        i18n.current_language.set(request.state.lang)
        code = request.path_params["usps"]
        st = places.state(code) if USPS.match(code) else None
        if st is None:
            return Response("not found", status_code=404, media_type="text/plain")
        with self.db.snapshot() as conn:
            rows, _ = q.events(conn, state=st["usps"], exclude_kinds=("moa_posted",),
                                limit=FEED_SIZE)
        title = i18n.gettext("Patchwork: changes in %(place)s") % {"place": st["name"]}
        return atom(request, rows, title, request.url.path,
                    f"{request.state.prefix}/changes?state={st['usps']}",
                    rows[0]["event_date"] if rows else None)

    def county(self, request: Request) -> Response:
        i18n.current_language.set(request.state.lang)
        fips = request.path_params["fips"]
        info = places.county(fips) if FIPS5.match(fips) else None
        if info is None:
            return Response("not found", status_code=404, media_type="text/plain")
        with self.db.snapshot() as conn:
            rows, _ = q.events(conn, agency_ids=q.agencies_in_county(conn, fips),
                               exclude_kinds=("moa_posted",), limit=FEED_SIZE)
        title = i18n.gettext("Patchwork: changes in %(place)s") % {
            "place": f"{info['name']}, {info['state_usps']}"}
        return atom(request, rows, title, request.url.path, f"{request.state.prefix}/county/{fips}",
                    rows[0]["event_date"] if rows else None)
