"""JSON API, version 1. Strict: unknown or malformed parameters are a 400, never ignored."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from patchwork_atlas.api.openapi import document
from patchwork_atlas.api.params import DEFAULT_LIMIT, MAX_LIMIT, PARAMS, BadRequest, NotFound
from patchwork_atlas.read import places
from patchwork_atlas.read import queries as q
from patchwork_atlas.read.database import Database


def params(request: Request, allowed: tuple[str, ...]) -> dict[str, str]:
    """Validated query parameters: each at most once, each known, each well formed."""
    out: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key not in allowed:
            raise BadRequest(f"unknown parameter {key!r}; allowed: {', '.join(allowed) or 'none'}")
        if key in out:
            raise BadRequest(f"parameter {key!r} given more than once")
        out[key] = PARAMS[key].parse(value)
    return out


def page_args(p: dict[str, str]) -> tuple[int, int]:
    limit = int(p.get("limit", DEFAULT_LIMIT))
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"'limit' must be from 1 to {MAX_LIMIT}")
    return limit, int(p.get("offset", 0))


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode()


# The citation of the answer being built (set per request by _guard; read by JSON.render).
_CITATION: ContextVar[dict[str, Any] | None] = ContextVar("citation", default=None)
_FRESHNESS: ContextVar[dict[str, Any] | None] = ContextVar("freshness", default=None)


class JSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        cite = _CITATION.get()
        if cite is not None and isinstance(content, dict) and not {"error", "openapi"} & content.keys():
            content = {**content, "citation": cite}
        return dumps(content)


def citation(request: Request, as_of: str | None) -> dict[str, Any]:
    """Title, the as-of date of the data, a URL that pins it (where the endpoint takes as_of),
    and the sources: carried by every answer."""
    path = request.url.path
    op = next((o for pattern, o in _operations() if pattern.fullmatch(path)), {})
    pinned = request.query_params.get("as_of", "")
    try:
        as_of = dt.date.fromisoformat(pinned).isoformat()
    except ValueError:
        pass
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "as_of"]
    if as_of and any(p["name"] == "as_of" for p in op.get("parameters", [])):
        params.append(("as_of", as_of))
    query = "&".join(f"{k}={v}" for k, v in params)
    return {"title": f"Patchwork atlas API: {op.get('summary', path)}", "as_of": as_of,
            "url": f"{request.url.scheme}://{request.url.netloc}{path}" + (f"?{query}" if query else ""),
            "sources": [{"title": t, "url": u} for t, u in SOURCES]}


@lru_cache(maxsize=1)
def _operations() -> list[tuple[re.Pattern[str], dict[str, Any]]]:
    """Each documented path as a pattern, with its GET operation (asked by every answer)."""
    return [(re.compile(re.sub(r"\{[^}]+\}", "[^/]+", p)), o["get"]) for p, o in document()["paths"].items()]


SOURCES = (
    ("ICE, 287(g) program", "https://www.ice.gov/identify-and-arrest/287g"),
    ("ICE, detention statistics", "https://www.ice.gov/detain/detention-management"),
    ("DOJ EOIR, recognized organizations", "https://www.justice.gov/eoir/recognized-organizations-and-accredited-representatives-roster-state-and-city"),
    ("DOJ EOIR, pro bono legal service providers", "https://www.justice.gov/eoir/list-pro-bono-legal-service-providers"),
)  # fmt: skip


def listing(request: Request, rows: list[dict], total: int, limit: int, offset: int,
            extra: dict[str, Any] | None = None) -> JSON:
    nxt = None
    if offset + limit < total:
        nxt = str(request.url.include_query_params(offset=offset + limit, limit=limit))
        nxt = nxt[nxt.index("/api/"):]
    return JSON({"data": rows, "pagination": {"limit": limit, "offset": offset, "total": total,
                                               "next": nxt}, **(extra or {})})


def _place(p: dict[str, str]) -> Any:
    """The place a `q` names; a 300 response listing candidates when it is ambiguous."""
    if "q" not in p:
        raise BadRequest("parameter 'q' is required (a ZIP code, 'City, ST' or 'County, ST')")
    try:
        place = places.locate(p["q"])
    except places.Ambiguous as exc:
        return JSON({"error": {"status": 300, "message": str(exc)}, "candidates": exc.candidates},
                    status_code=300)
    if place is None:
        raise NotFound("no place matches that query")
    return place


def _as_of_note(conn: Any, date: str, pub: dict[str, Any] | None) -> str | None:
    """Say what an as_of answer rests on: no list before the first one we hold, or a gap."""
    if pub is None:
        first = next((c["first"] for c in q.coverage(conn) if c["list"] == "participating"), None)
        return f"no list held before {first}" if first else "no list held"
    gap = pub.get("gap")
    if gap:
        return (f"{date} falls in a gap of {gap['days']} days between the lists of {gap['after']} and"
                f" {gap['before']}; answered from the list of {pub['published_date']}")
    return None


class API:
    def __init__(self, db: Database):
        self.db = db

    def routes(self) -> list[Route]:
        r = [
            ("/api/v1/", self.index), ("/api/v1/summary", self.summary),
            ("/api/v1/agreements", self.agreements), ("/api/v1/agreements/{agreement_id}", self.agreement),
            ("/api/v1/agencies", self.agencies), ("/api/v1/agencies/{agency_id}", self.agency),
            ("/api/v1/applications", self.applications),
            ("/api/v1/jurisdictions/{fips}", self.jurisdiction), ("/api/v1/lookup", self.lookup),
            ("/api/v1/events", self.events), ("/api/v1/publications", self.publications),
            ("/api/v1/vocabulary", self.vocabulary), ("/api/v1/openapi.json", self.openapi),
            ("/api/v1/facilities", self.facilities), ("/api/v1/facilities/{facility_id}", self.facility),
            ("/api/v1/legal-help", self.legal_help),
            ("/api/v1/cases", self.cases),
            ("/api/v1/knowledge", self.knowledge), ("/api/v1/knowledge/{entry_id}", self.knowledge_entry),
            ("/api/v1/deaths", self.deaths),
            ("/api/v1/moas", self.moas), ("/api/v1/moas/search", self.moa_search),
            ("/api/v1/moas/{moa_id}", self.moa),
        ]  # fmt: skip
        return [Route(path, _inline(_guard(fn, self.as_of)) if fn.__name__ in INLINE else
                      _guard(fn, self.as_of), methods=["GET", "HEAD"]) for path, fn in r]

    def as_of(self) -> str | None:
        """The data's as-of date (ICE's newest participating list), for citations; the whole
        freshness is kept for the answer being built (a profile carries it too)."""
        with self.db.snapshot() as conn:
            fresh = q.freshness(conn)
        _FRESHNESS.set(fresh)
        return fresh.get("participating_as_of")

    def index(self, request: Request) -> Response:
        params(request, ())
        return JSON({"openapi": "/api/v1/openapi.json",
                     "endpoints": sorted(document()["paths"])})

    def openapi(self, request: Request) -> Response:
        params(request, ())
        return JSON(document(), media_type="application/vnd.oai.openapi+json")

    def vocabulary(self, request: Request) -> Response:
        """Plain-language names of every code in the data, in English and Spanish."""
        params(request, ())
        from patchwork_atlas.kernel import catalogs, i18n

        out: dict[str, dict[str, dict[str, str]]] = {}
        for key in catalogs.vocabulary():
            kind, code = key.split(":", 1)
            out.setdefault(kind, {})[code] = {lang: i18n.term(kind, code, lang) for lang in i18n.LANGUAGES}
        return JSON({"data": out})

    def summary(self, request: Request) -> Response:
        p = params(request, ("state",))
        with self.db.snapshot() as conn:
            return JSON({"data": q.summary(conn, p.get("state"))})

    def agreements(self, request: Request) -> Response:
        p = params(request, ("state", "model", "status", "agency_id", "county", "as_of", "limit", "offset"))
        limit, offset = page_args(p)
        with self.db.snapshot() as conn:
            extra: dict[str, Any] = {}
            pub_id = None
            if "as_of" in p:
                pub = q.as_of_publication(conn, "participating", p["as_of"])
                extra["as_of"] = {"date": p["as_of"], "publication": pub, "note": _as_of_note(conn, p["as_of"], pub)}
                if pub is None:
                    return listing(request, [], 0, limit, offset, extra)
                pub_id = pub["publication_id"]
            rows, total = q.agreements(
                conn, state=p.get("state"), model=p.get("model"), status=p.get("status"),
                agency_id=p.get("agency_id"), county_fips=p.get("county"),
                as_of_publication_id=pub_id, limit=limit, offset=offset,
            )
        return listing(request, rows, total, limit, offset, extra)

    def _one(self, request: Request, key: str, find: Callable[..., Any], what: str) -> Response:
        """One record by the id in the path: 404 when there is none."""
        params(request, ())
        with self.db.snapshot() as conn:
            found = find(conn, request.path_params[key][:120])
        if found is None:
            raise NotFound(f"no such {what}")
        return JSON({"data": found})

    def agreement(self, request: Request) -> Response:
        return self._one(request, "agreement_id", q.agreement, "agreement")

    def facilities(self, request: Request) -> Response:
        """Detention facilities holding people for ICE, with the chosen (default: latest)
        fiscal year's figures and the whole yearly trend, each figure citing its workbook row."""
        p = params(request, ("state", "county", "year", "limit", "offset"))
        limit, offset = page_args(p)
        from patchwork_atlas.families.detention.family import list_facilities

        with self.db.snapshot() as conn:
            rows = list_facilities(conn, p.get("state"), p.get("county"),
                                   int(p["year"]) if "year" in p else None)
        return listing(request, rows[offset:offset + limit], len(rows), limit, offset)

    def facility(self, request: Request) -> Response:
        params(request, ())
        from patchwork_atlas.families.detention.family import facility_summary

        with self.db.snapshot() as conn:
            row = conn.execute("SELECT * FROM facilities WHERE facility_id = ?",
                               (request.path_params["facility_id"][:80],)).fetchone()
            found = facility_summary(conn, row) if row else None
        if found is None:
            raise NotFound("no such facility")
        return JSON({"data": found})

    def cases(self, request: Request) -> Response:
        p = params(request, ("state", "status", "limit", "offset"))
        limit, offset = page_args(p)
        with self.db.snapshot() as conn:
            try:
                rows = q.list_cases(conn, state=p.get("state"), status=p.get("status"))
            except ValueError as exc:
                raise BadRequest(str(exc)) from None
        return listing(request, rows[offset:offset + limit], len(rows), limit, offset)

    def knowledge(self, request: Request) -> Response:
        """Law and policy entries in full (a place's report names federal entries by id)."""
        p = params(request, ("level", "state", "limit", "offset"))
        limit, offset = page_args(p)
        state = places.state(p["state"]) if "state" in p else None
        if "state" in p and state is None:
            raise BadRequest(f"unknown state {p['state']!r}")
        with self.db.snapshot() as conn:
            rows = q.knowledge_entries(conn, p.get("level"), state and state["fips"])
        return listing(request, rows[offset:offset + limit], len(rows), limit, offset)

    def knowledge_entry(self, request: Request) -> Response:
        return self._one(request, "entry_id", q.knowledge_entry, "entry")

    def legal_help(self, request: Request) -> Response:
        """Nearest recognized organizations and pro bono providers for a place (the same
        section profiles and lookup show); `speaks` puts entries naming that language first."""
        p = params(request, ("q", "language", "speaks", "limit"))
        place = _place(p)
        if isinstance(place, Response):
            return place
        from patchwork_atlas.families.eoir.directory import legal_help_for_place

        limit = max(1, min(int(p.get("limit", 10)), 100))
        with self.db.snapshot() as conn:
            return JSON({"data": legal_help_for_place(conn, place, language=p.get("language", "en"),
                                                      limit=limit, speaks=p.get("speaks"))})

    def agencies(self, request: Request) -> Response:
        p = params(request, ("state", "q", "active", "limit", "offset"))
        limit, offset = page_args(p)
        active = None if "active" not in p else p["active"] == "true"
        with self.db.snapshot() as conn:
            rows, total = q.agencies(conn, state=p.get("state"), q=p.get("q"), active=active,
                                     limit=limit, offset=offset)
        return listing(request, rows, total, limit, offset)

    def agency(self, request: Request) -> Response:
        return self._one(request, "agency_id", q.agency, "agency")

    def applications(self, request: Request) -> Response:
        p = params(request, ("state", "status", "agency_id", "limit", "offset"))
        limit, offset = page_args(p)
        with self.db.snapshot() as conn:
            rows, total = q.applications(conn, state=p.get("state"), status=p.get("status"),
                                         agency_id=p.get("agency_id"), limit=limit, offset=offset)
        return listing(request, rows, total, limit, offset)

    def jurisdiction(self, request: Request) -> Response:
        params(request, ())
        fips = request.path_params["fips"]
        if re.fullmatch(r"\d{2}", fips):
            st = places.state(fips)
            if st is None:
                raise NotFound("no such state FIPS code")
            with self.db.snapshot() as conn:
                return JSON({"data": {"level": "state", **st, "summary": q.summary(conn, st["usps"]),
                                      "series": q.state_series(conn, st["usps"]),
                                      "law": q.state_law(conn, st["fips"]),
                                      "designations": q.designations_for_state(conn, st["fips"])}})
        if not re.fullmatch(r"\d{5}", fips):
            raise BadRequest("FIPS must be 2 digits (state) or 5 digits (county)")
        place = places.county_place(fips)
        if place is None:
            raise NotFound("no such county FIPS code")
        with self.db.snapshot() as conn:
            report = places.report_json(conn, place)  # stored at ingest: spliced, not re-encoded
            fresh = _FRESHNESS.get() or q.freshness(conn)
        cite = _CITATION.get()
        body = (b'{"data":{"level":"county","fips":' + dumps(fips) + b',"report":' + report
                + b',"as_of":' + dumps(fresh) + b"}"
                + (b',"citation":' + dumps(cite) if cite is not None else b"") + b"}")
        return Response(body, media_type="application/json")

    def lookup(self, request: Request) -> Response:
        """The same search as the web atlas and `patchwork lookup` (read.places.search)."""
        p = params(request, ("q",))
        if "q" not in p:
            raise BadRequest("parameter 'q' is required (a ZIP code, a place, a county or an agency)")
        with self.db.snapshot() as conn:
            found = places.search(conn, p["q"])
            place = found["place"]
            report = places.report(conn, place) if place is not None else None
            fresh = q.freshness(conn)
        agencies = [{"agency_id": a["agency_id"], "name": a["name"], "state_usps": a["state_usps"]}
                    for a in found["agencies"]]
        if found["choices"]:
            return JSON({"error": {"status": 300, "message": found["message"]},
                         "candidates": found["choices"]}, status_code=300)
        if place is None:
            return JSON({"error": {"status": 404, "message": found["message"] or "no place matches"},
                         "state": found["state"], "agencies": agencies,
                         "suggestions": found["suggestions"]}, status_code=404)
        return JSON({"data": {"report": report, "alternatives": found["alternatives"],
                              "agencies": agencies, "as_of": fresh}})

    def events(self, request: Request) -> Response:
        p = params(request, ("state", "kind", "agency_id", "county", "since", "until", "limit", "offset"))
        limit, offset = page_args(p)
        with self.db.snapshot() as conn:
            ids = q.agencies_in_county(conn, p["county"]) if "county" in p else None
            rows, total = q.events(conn, state=p.get("state"), kind=p.get("kind"),
                                   agency_id=p.get("agency_id"), agency_ids=ids,
                                   since=p.get("since"), until=p.get("until"),
                                   limit=limit, offset=offset)
        return listing(request, rows, total, limit, offset)

    def publications(self, request: Request) -> Response:
        p = params(request, ("list", "limit", "offset"))
        limit, offset = page_args(p)
        with self.db.snapshot() as conn:
            rows, total = q.publications(conn, list_name=p.get("list"), limit=limit, offset=offset)
        return listing(request, rows, total, limit, offset)

    def deaths(self, request: Request) -> Response:
        """Deaths in ICE custody held (ICE's death reports and its FOIA list), newest first, in
        the columns of the `deaths` download; `coverage` says what is and is not held."""
        p = params(request, ("state", "facility", "year", "limit", "offset"))
        limit, offset = page_args(p)
        from patchwork_atlas.families.deaths.family import DEATH_COLUMNS, coverage, list_deaths

        with self.db.snapshot() as conn:
            rows = list_deaths(conn, state=p.get("state"), facility=p.get("facility"),
                               year=int(p["year"]) if "year" in p else None)
            held = coverage(conn)
        page = [{c: r[c] for c in DEATH_COLUMNS} for r in rows[offset:offset + limit]]
        return listing(request, page, len(rows), limit, offset, {"coverage": held})

    def moas(self, request: Request) -> Response:
        """MOAs held, in the columns of the `moas` download (one row per MOA and linked
        agreement); `coverage` says how many the lists link to, so a gap reads as a gap."""
        p = params(request, ("state", "model", "revision", "agreement_id", "limit", "offset"))
        limit, offset = page_args(p)
        from patchwork_atlas.families.moa.family import MOA_COLUMNS, list_moas
        from patchwork_atlas.families.moa.fetch import coverage

        with self.db.snapshot() as conn:
            rows = list_moas(conn, state=p.get("state"), model=_upper(p.get("model")),
                             revision=p.get("revision"), agreement_id=p.get("agreement_id"))
            held = coverage(conn)
        page = [{c: r[c] for c in MOA_COLUMNS} for r in rows[offset:offset + limit]]
        return listing(request, page, len(rows), limit, offset, {"coverage": held})

    def moa(self, request: Request) -> Response:
        """One MOA with each fact's page and span; a local file's path is not shown (its name
        is, in `file_name`), only a URL it was published at."""
        params(request, ())
        from patchwork_atlas.families.moa.family import get_moa

        mid = request.path_params["moa_id"]
        found = None
        if re.fullmatch(r"moa-[0-9a-f]{12}", mid):
            with self.db.snapshot() as conn:
                found = get_moa(conn, mid)
        if found is None:
            raise NotFound("no such MOA")
        origin = found.pop("origin", None) or ""
        found["published_url"] = origin if origin.startswith(("https://", "http://")) else None
        return JSON({"data": found})

    def moa_search(self, request: Request) -> Response:
        """Full-text search over every MOA page (the same `search` as `patchwork moa search`):
        one hit per page, best first; each links to that page of the archived PDF."""
        p = params(request, ("q", "state", "model", "revision", "limit"))
        from patchwork_atlas.families.moa.family import fts_query, search

        match = fts_query(p.get("q", ""))
        if match is None:
            raise BadRequest("parameter 'q' is required: one or more words to look for")
        limit = int(p.get("limit", DEFAULT_LIMIT))
        if not 1 <= limit <= MAX_LIMIT:
            raise BadRequest(f"'limit' must be from 1 to {MAX_LIMIT}")
        with self.db.snapshot() as conn:
            hits = search(conn, p["q"], state=p.get("state"), model=_upper(p.get("model")),
                          revision=p.get("revision"), limit=limit)
        return JSON({"data": hits, "query": {"q": p["q"], "match": match}, "count": len(hits)})


def _upper(code: str | None) -> str | None:
    """Model codes are stored in capitals (JEM, TFM, WSO)."""
    return code.upper() if code else code


def _error(status: int, message: str) -> JSON:
    return JSON({"error": {"status": status, "message": message}}, status_code=status,
                headers={"cache-control": "no-store"})


# Answers read from storage in well under a millisecond (a county's report is stored at
# ingest): run on the event loop, sparing the thread hop that would cost more than the answer.
INLINE = frozenset({"jurisdiction"})


def _inline(endpoint: Callable[[Request], Response]) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        return endpoint(request)

    run.__name__ = endpoint.__name__
    return run


def _guard(fn: Callable[[Request], Response],
           as_of: Callable[[], str | None] | None = None) -> Callable[[Request], Response]:
    """Turn BadRequest/NotFound into JSON errors (and never leak a stack trace); give every
    answer its citation."""

    def endpoint(request: Request) -> Response:
        if as_of is not None:
            _CITATION.set(citation(request, as_of()))
        try:
            return fn(request)
        except BadRequest as exc:
            return _error(400, str(exc))
        except NotFound as exc:
            return _error(404, str(exc))

    endpoint.__name__ = fn.__name__
    return endpoint

