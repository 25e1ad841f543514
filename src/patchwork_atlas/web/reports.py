"""Corrections in the open: the "Report an error" form, `POST /report` (the one write route; it
writes only the reports file, never the atlas database), and the public Corrections page and
feed of every accepted correction (rejected reports are never shown)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response

from patchwork_atlas.kernel import i18n
from patchwork_atlas.read import reports
from patchwork_atlas.read.database import Database
from patchwork_atlas.web.feeds import ATOM, _text
from patchwork_atlas.web.render import page


def accepted_corrections(conn: Any) -> list[dict[str, Any]]:
    """Accepted corrections, newest first (what, before, after, why, source); none before 0009."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'local_corrections'").fetchone():
        return []
    return [dict(r) for r in conn.execute(
        "SELECT correction_id, accepted_utc, tbl, key, value, before, reason, source"
        " FROM local_corrections ORDER BY correction_id DESC")]


class Reports:
    def __init__(self, db: Database, data_dir: Path):
        self.db, self.data_dir = db, data_dir

    def _address(self, request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def form(self, request: Request) -> Response:
        fact = request.query_params.get("fact", "")
        if not reports.FACT.fullmatch(fact):
            return page(request, "report.html", status=404, fact=None, error=i18n.gettext(
                "That link does not name a fact of this site."))
        conn = reports.connect(self.data_dir)
        try:
            token = reports.token(conn, self._address(request), fact)
        finally:
            conn.close()
        response = page(request, "report.html", fact=fact, token=token, back=_back(request))
        response.headers["cache-control"] = "no-store"  # the token is this client's
        return response

    async def submit(self, request: Request) -> Response:
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > reports.MAX_BODY:
                return self._refused(request, 413, i18n.gettext(
                    "The report is too long (at most 8,000 bytes). Nothing was stored."))
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        conn = reports.connect(self.data_dir)
        try:
            number = reports.submit(conn, self._address(request), form)
        except reports.Refused as exc:
            return self._refused(request, exc.status, i18n.gettext("Your report was not stored: %(reason)s.")
                                 % {"reason": str(exc)})
        finally:
            conn.close()
        return page(request, "report.html", fact=None, thanks=number, back=_back(request, form.get("back")))

    def _refused(self, request: Request, status: int, message: str) -> Response:
        return page(request, "report.html", status=status, fact=None, error=message)

    def corrections(self, request: Request) -> Response:
        with self.db.snapshot() as conn:
            rows = accepted_corrections(conn)
        return page(request, "corrections.html", corrections=rows)

    def feed(self, request: Request) -> Response:
        i18n.current_language.set(request.state.lang)
        with self.db.snapshot() as conn:
            rows = accepted_corrections(conn)
        base = f"{request.url.scheme}://{request.url.netloc}"
        ET.register_namespace("", ATOM)
        feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": request.state.lang})
        _text(feed, "title", i18n.gettext("Patchwork: corrections"))
        _text(feed, "id", f"{base}/feeds/corrections.atom")
        _text(feed, "updated", rows[0]["accepted_utc"] if rows else "1970-01-01T00:00:00Z")
        ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": f"{base}/feeds/corrections.atom"})
        ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": f"{base}{request.state.prefix}/corrections"})
        _text(ET.SubElement(feed, f"{{{ATOM}}}author"), "name", "Patchwork")
        for r in rows:
            entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
            _text(entry, "id", f"urn:patchwork:correction:{r['correction_id']}")
            _text(entry, "title", f"{i18n.term('correction', r['tbl'])}: {r['key']}")
            _text(entry, "updated", r["accepted_utc"])
            ET.SubElement(entry, f"{{{ATOM}}}link", {"href": f"{base}{request.state.prefix}/corrections#c{r['correction_id']}"})
            _text(entry, "summary", i18n.gettext("Before: %(before)s. After: %(after)s. Why: %(reason)s. Source: %(source)s.")
                  % {"before": r["before"] or i18n.gettext("unknown"), "after": r["value"],
                     "reason": r["reason"], "source": r["source"]})
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")
        return Response(body, media_type="application/atom+xml; charset=utf-8")


def _back(request: Request, given: str | None = None) -> str:
    """Where to return after the form: a path of this site only."""
    back = given or request.query_params.get("back") or "/"
    return back if back.startswith("/") and not back.startswith("//") and "\\" not in back else "/"
