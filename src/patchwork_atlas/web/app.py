"""The ASGI application: pages, API, feeds, downloads and static files, behind `Front`."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from patchwork_atlas.api.v1 import API
from patchwork_atlas.kernel import config
from patchwork_atlas.read.database import LRU, Database
from patchwork_atlas.web.apipage import api_page
from patchwork_atlas.web.deaths import DeathPages
from patchwork_atlas.web.downloads import Downloads
from patchwork_atlas.web.feeds import Feeds
from patchwork_atlas.web.front import Front
from patchwork_atlas.web.legal_help import LegalHelpPage
from patchwork_atlas.web.moa import MoaPages
from patchwork_atlas.web.pages import Site
from patchwork_atlas.web.reports import Reports

GET = ["GET", "HEAD"]


def create_app(db_path: str | os.PathLike | None = None, data_dir: str | os.PathLike | None = None,
               cache: bool = True) -> Front:
    """Build the site for one database file (opened read-only, per thread)."""
    db = Database(config.db_path(db_path))
    site, api, feeds = Site(db), API(db), Feeds(db)
    downloads = Downloads(db, Path(config.data_dir(data_dir)))
    deaths = DeathPages(db, site.not_found)
    moas = MoaPages(db, site.not_found)
    static = str(resources.files("patchwork_atlas.web") / "static")
    routes = [
        Route("/", site.home, methods=GET),
        Route("/search", site.search, methods=GET),
        Route("/state/{usps}", site.state, methods=GET),
        Route("/county/{fips}", site.county, methods=GET),
        Route("/place/{usps}/{name}", site.place, methods=GET),
        Route("/zip/{zip}", site.zip, methods=GET),
        Route("/agency/{agency_id}", site.agency, methods=GET),
        Route("/agreement/{agreement_id}", site.agreement, methods=GET),
        Route("/changes", site.changes, methods=GET),
        Route("/glossary", site.static_page("glossary.html"), methods=GET),
        Route("/methodology", site.static_page("methodology.html"), methods=GET),
        Route("/downloads", downloads.page, methods=GET),
        Route("/api", api_page, methods=GET),
        Route("/lang/{lang}", site.set_language, methods=GET),
        Route("/feeds/events.atom", feeds.national, methods=GET),
        Route("/feeds/state/{usps}.atom", feeds.state, methods=GET),
        Route("/feeds/county/{fips}.atom", feeds.county, methods=GET),
        Route("/downloads/patchwork.sqlite", downloads.snapshot, methods=GET),
        Route("/downloads/raw/{sha256}", downloads.raw, methods=GET),
        Route("/downloads/counties.geojson", downloads.geojson, methods=GET),
        Route("/downloads/{name}.{fmt}", downloads.table, methods=GET),
        Route("/healthz", lambda r: PlainTextResponse("ok"), methods=GET),
        Route("/legal-help", LegalHelpPage(db).page, methods=GET),
        Route("/facility/{facility_id}", deaths.facility, methods=GET),
        Route("/deaths", deaths.deaths, methods=GET),
        Route("/moa", moas.index, methods=GET),
        Route("/moa/search", moas.search, methods=GET),
        Route("/moa/{moa_id}", moas.moa, methods=GET),
        Route("/moa/{moa_id}/page/{page}", moas.page_text, methods=GET),
        *api.routes(),
        *_report_routes(Reports(db, Path(config.data_dir(data_dir)))),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": {"status": 404, "message": "not found"}}, status_code=404)
        return site.not_found(request)

    async def method_not_allowed(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("read-only: GET and HEAD only", status_code=405,
                                 headers={"allow": "GET, HEAD"})

    async def server_error(request: Request, exc: Exception) -> Response:
        # Never a stack trace to the client; nothing about the request is logged.
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": {"status": 500, "message": "internal error"}}, status_code=500)
        return PlainTextResponse("Internal error. Please try again later.", status_code=500)

    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: method_not_allowed,
                                                       500: server_error})
    app.state.as_of = api.as_of  # the date cited by pages that show no freshness of their own
    return Front(app, db, LRU() if cache else LRU(max_items=0))


def _report_routes(reports: Reports) -> list[Route]:
    """The reports form, the one write route (it writes only the reports file) and the public
    corrections page and feed."""
    return [
        Route("/report", reports.form, methods=GET),
        Route("/report", reports.submit, methods=["POST"]),
        Route("/corrections", reports.corrections, methods=GET),
        Route("/feeds/corrections.atom", reports.feed, methods=GET),
    ]

