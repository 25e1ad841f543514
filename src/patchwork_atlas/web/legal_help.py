"""`/legal-help?q=...&speaks=es`: the legal-help answer for a place on its own page, the web
equivalent of `patchwork legal-help --speaks` (profiles show the same section unfiltered)."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from patchwork_atlas.kernel import i18n
from patchwork_atlas.read import places
from patchwork_atlas.read.database import Database
from patchwork_atlas.web.render import page

SPEAKS = re.compile(r"^[a-z]{2,3}$")


class LegalHelpPage:
    def __init__(self, db: Database):
        self.db = db

    def page(self, request: Request) -> Response:
        from patchwork_atlas.families.eoir.directory import legal_help_for_place

        query = (request.query_params.get("q") or "").strip()
        speaks = request.query_params.get("speaks") or None
        if not query or len(query) > 120 or (speaks and not SPEAKS.match(speaks)):
            return self._error(request, 400, i18n.gettext("Give a ZIP code or 'City, ST', and a language code such as es."))
        try:
            place = places.locate(query)
        except places.Ambiguous as exc:
            return self._error(request, 400, str(exc))
        if place is None:
            return self._error(request, 404, i18n.gettext("We do not know that place."))
        with self.db.snapshot() as conn:
            help_ = legal_help_for_place(conn, place, language=request.state.lang, speaks=speaks)
        title = f"{help_['title']}: {query}"
        return page(request, "legal_help_page.html", help=help_, help_q=query, title=title)

    def _error(self, request: Request, status: int, message: str) -> Response:
        return page(request, "error.html", status=status, title=i18n.gettext("Where to get legal help"),
                    message=message)
