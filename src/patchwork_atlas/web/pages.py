"""HTML pages. Each handler validates its path/query values, reads one snapshot, renders."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from patchwork_atlas.families.deaths.family import deaths_section
from patchwork_atlas.families.moa.family import moas_for_agreement
from patchwork_atlas.kernel import i18n
from patchwork_atlas.kernel.geo.reference import is_territory
from patchwork_atlas.read import places
from patchwork_atlas.read import queries as q
from patchwork_atlas.read.database import Database
from patchwork_atlas.web import charts, mapsvg
from patchwork_atlas.web.moa import moa_summary
from patchwork_atlas.web.render import fragment, page, safe_svg

FIPS5 = re.compile(r"^\d{5}$")
USPS = re.compile(r"^[A-Za-z]{2}$")
ID = re.compile(r"^[a-z]{2,4}-[0-9a-f]{6,40}$")
ZIP = re.compile(r"^\d{5}$")
PAGE_SIZE = 50


# The page path in a fragment rendered for many pages, as urlencode writes it in a link.
_PATH_MARK = "/\x1fpage-path\x1f"
_PATH_MARK_QUOTED = quote_plus(_PATH_MARK)


class Site:
    def __init__(self, db: Database):
        self.db = db
        self._svg: dict[tuple, str] = {}
        self._federal: dict[tuple, Markup] = {}
        self._lock = threading.Lock()

    def _remembered(self, memo: dict[tuple, Any], key: tuple, limit: int, build: Any) -> Any:
        """A rendered part kept per key (which starts with the database state), built once;
        the memo is emptied when it holds more than `limit`."""
        with self._lock:
            if key in memo:
                return memo[key]
        value = build()
        with self._lock:
            if len(memo) > limit:
                memo.clear()
            memo[key] = value
        return value

    # ---- helpers -------------------------------------------------------------------------

    def not_found(self, request: Request, message: str | None = None) -> Response:
        return page(request, "error.html", status=404, title=i18n.gettext("Page not found"),
                    message=message or i18n.gettext("We could not find that page."))

    def _federal_law(self, request: Request, conn: sqlite3.Connection, place: Any) -> Markup:
        """The federal law in full, the same on every page of a state (rulings about the state
        first) but for the page's own path in its "report an error" links: rendered once per
        state, language and content version (it was over a third of a county page's time),
        the page's path put in after."""
        key = (self.db.state(), request.state.lang, request.state.prefix, place.state_fips)
        block = self._remembered(self._federal, key, 256, lambda: fragment(
            request, "federal_law.html", path=_PATH_MARK, federal=q.federal_law(conn, place.state_fips)))
        return Markup(str(block).replace(_PATH_MARK_QUOTED, quote_plus(request.url.path)))

    def _fills(self, request: Request, status: dict[str, Any]) -> dict[str, mapsvg.Fill]:
        prefix = request.state.prefix
        fills = {}
        for fips, info in status["counties"].items():
            models = sorted(info["models"])
            fills[fips] = mapsvg.Fill(
                css=mapsvg.model_class(models),
                label=", ".join(i18n.term("model", m) for m in models),
                href=f"{prefix}/county/{fips}",
            )
        return fills

    def _jail_markers(self, request: Request, conn) -> tuple[int | None, list[mapsvg.Marker]]:
        from patchwork_atlas.families.detention.family import facilities_by_county

        year, counties = facilities_by_county(conn)
        markers = []
        for fips, info in counties.items():
            label = i18n.gettext("Held people for ICE in fiscal year %(year)s: %(names)s (about %(n)s a day)") % {
                "year": year, "names": "; ".join(n.title() for n in info["names"]), "n": f"{info['adp']:,.0f}"}
            markers.append(mapsvg.Marker(fips, label, jail_radius(info["adp"]),
                                         f"{request.state.prefix}/county/{fips}"))
        return year, markers

    def map_svg(self, request: Request, conn, state_fips: str | None = None, jails: bool = False,
                as_of: dict[str, Any] | None = None) -> str:
        """The county map, cached per database state, language, scope and layer."""
        path = mapsvg.topojson_path()
        if path is None:
            return ""
        key = (self.db.state(), request.state.lang, request.state.prefix, state_fips, jails,
               as_of["publication_id"] if as_of else None)
        return self._remembered(self._svg, key, 64, lambda: self._draw_map(request, conn, state_fips,
                                                                           jails, as_of, path))

    def _draw_map(self, request: Request, conn: sqlite3.Connection, state_fips: str | None,
                  jails: bool, as_of: dict[str, Any] | None, path: Any) -> str:
        status = q.county_status(conn, as_of=as_of)
        geometry = (mapsvg.load_geometry(str(path)) if state_fips is None
                    else mapsvg.load_geometry(str(path), 0.15, 1))
        outlined = [fips for fips in status["statewide"]]
        return mapsvg.render_svg(
            geometry, self._fills(request, status),
            title=i18n.gettext("Map of counties with active 287(g) agreements"),
            description=i18n.gettext(
                "Each county is coloured by the 287(g) models active there. The same figures are in the table below the map."
            ),
            default_href=f"{request.state.prefix}/county/{{fips}}",
            state_fips=state_fips, outlined_states=outlined,
            markers=self._jail_markers(request, conn)[1] if jails else (),
        )

    # ---- pages ---------------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        # The jails layer is a plain link (?layer=jails), so it works with JavaScript off.
        jails = request.query_params.get("layer") == "jails"
        with self.db.snapshot() as conn:
            when = _as_of(request, conn)
            as_of = when["list"]
            summary = q.summary(conn, as_of=as_of)
            table = q.states_table(conn, as_of=as_of)
            status = q.county_status(conn, as_of=as_of)
            svg = self.map_svg(request, conn, jails=jails, as_of=as_of)
            jail_year = self._jail_markers(request, conn)[0] if jails else None
            growth = q.series(conn, monthly=True, until=as_of["published_date"] if as_of else None)
            first_list = next((c["first"] for c in q.coverage(conn) if c["list"] == "participating"), None)
        names = {s["usps"]: s for s in places.states()}
        by_fips = {s["fips"]: s for s in names.values()}
        table = _every_state(table, names)
        statewide = sorted(
            ({"state": by_fips.get(f, {"usps": f, "name": f}), "models": sorted(v["models"]),
              "agencies": len(v["agencies"])} for f, v in status["statewide"].items()),
            key=lambda r: r["state"]["name"],
        )
        chart = charts.series_svg(
            growth, labels={m: i18n.term("model", m) for m in q.MODELS},
            title=i18n.gettext("Active 287(g) agreements by model, month by month"),
            start_label=i18n.gettext("First list we hold: %(date)s") % {"date": first_list} if first_list else None)
        return page(request, "home.html", summary=summary, states=table, statewide=statewide,
                    when=when, chart=safe_svg(chart), growth=charts.distinct_rows(growth),
                    first_list=first_list,
                    map_svg=safe_svg(svg), n_counties=len(status["counties"]),
                    legend_items=_legend(status), jails=jails, jail_year=jail_year,
                    jail_sizes=[(n, jail_radius(n)) for n in JAIL_LEGEND])

    def state(self, request: Request) -> Response:
        code = request.path_params["usps"]
        st = places.state(code) if USPS.match(code) else None
        if st is None:
            return self.not_found(request)
        if code != st["usps"]:
            return RedirectResponse(f"{request.state.prefix}/state/{st['usps']}", status_code=301)
        with self.db.snapshot() as conn:
            when = _as_of(request, conn)
            as_of = when["list"]
            summary = q.summary(conn, st["usps"], as_of=as_of)
            series = q.series(conn, state_usps=st["usps"], until=as_of["published_date"] if as_of else None)
            if as_of:
                agreements, _ = q.agreements(conn, state=st["usps"], limit=5000,
                                             as_of_publication_id=as_of["publication_id"])
            else:
                agreements, _ = q.agreements(conn, state=st["usps"], status="active", limit=5000)
            pending, _ = q.applications(conn, state=st["usps"], status="pending", limit=2000)
            svg = self.map_svg(request, conn, st["fips"], as_of=as_of)
            status = q.county_status(conn, as_of=as_of)
            law = q.state_law(conn, st["fips"])
            designations = q.designations_for_state(conn, st["fips"])
            cases = q.list_cases(conn, state=st["fips"])
            recent, _ = q.events(conn, state=st["usps"], limit=15)
            coverage = q.coverage(conn)
            deaths = deaths_section(conn, state=st["usps"])
        labels = {m: i18n.term("model", m) for m in q.MODELS}
        first_list = next((c["first"] for c in coverage if c["list"] == "participating"), None)
        chart = charts.series_svg(series, labels=labels, title=i18n.gettext(
            "Active 287(g) agreements by model over time, %(state)s") % {"state": st["name"]},
            start_label=i18n.gettext("First list we hold: %(date)s") % {"date": first_list} if first_list else None)
        in_state = {"counties": {f: v for f, v in status["counties"].items() if f[:2] == st["fips"]},
                    "statewide": {}}
        county_rows = [
            {"fips": c["fips"], "name": c["name"], "models": sorted(in_state["counties"][c["fips"]]["models"]),
             "agencies": len(in_state["counties"][c["fips"]]["agencies"])}
            for c in places.counties(st["fips"]) if c["fips"] in in_state["counties"]
        ]
        table = _agreement_view(request, agreements)
        return page(request, "state.html", st=st, summary=summary, series=charts.distinct_rows(series),
                    when=when,
                    chart=safe_svg(chart), agreements=table["rows"], table=table, pending=pending,
                    map_svg=safe_svg(svg), legend_items=_legend(in_state), county_rows=county_rows,
                    law=law, designations=designations, cases=cases, events=recent,
                    coverage=coverage, deaths_section=deaths)

    def county(self, request: Request) -> Response:
        fips = request.path_params["fips"]
        place = places.county_place(fips) if FIPS5.match(fips) else None
        if place is None:
            return self.not_found(request)
        return self._profile(request, place)

    def zip(self, request: Request) -> Response:
        code = request.path_params["zip"]
        place = places.locate(code) if ZIP.match(code) else None
        if place is None:
            return self.not_found(request, i18n.gettext("We do not know that ZIP code."))
        return self._profile(request, place)

    def place(self, request: Request) -> Response:
        """A city or town, found through the lookup (name, optional county, state)."""
        st = places.state(request.path_params["usps"])
        name = request.path_params["name"].strip()
        county = (request.query_params.get("county") or "").strip()
        if st is None or not name or len(name) > 120 or len(county) > 120:
            return self.not_found(request)
        query = ", ".join(x for x in (name, county, st["usps"]) if x)
        try:
            place = places.locate(query)
        except places.Ambiguous as exc:
            return self._choices(request, query, exc.candidates)
        if place is None:
            return self.not_found(request)
        return self._profile(request, place)

    def _profile(self, request: Request, place: Any, **search: Any) -> Response:
        with self.db.snapshot() as conn:
            report = places.report(conn, place, request.state.lang) or {}
            ids = sorted({a["agency_id"] for key in ("agreements", "applications")
                          for a in report.get(key) or []})
            recent, _ = q.events(conn, agency_ids=ids, limit=25)
            fresh = q.freshness(conn)
            # the report names the federal entries; the page shows them whole
            federal = self._federal_law(request, conn, place) if (report.get("knowledge") or {}).get("federal") else ""
        agreements = report.get("agreements") or []
        local = [a for a in agreements if a.get("relation") != "statewide"]
        statewide = [a for a in agreements if a.get("relation") == "statewide"]
        st = report.get("state") or places.state(place.state_usps) or {}
        counties = report.get("counties") or []
        return page(request, "profile.html", place=place, st=st, counties=counties,
                    report=report, local=local, statewide=statewide,
                    applications=report.get("applications") or [], events=recent, fresh=fresh,
                    federal_law=federal, title=_place_title(place, counties, st), query=(search.get("search") or {}).get("query"),
                    **search)

    def _choices(self, request: Request, query: str, candidates: list[dict[str, Any]]) -> Response:
        options = []
        for c in candidates:
            fips = (c.get("county_fips") or [None])[0]
            county = places.county(fips) if fips else None
            usps = c.get("state_usps")
            options.append({
                "label": f"{c.get('name')}, {c.get('county') or (county or {}).get('name', '')}, {usps}",
                "href": (f"{request.state.prefix}/place/{usps}/{quote(str(c.get('name')), safe='')}?"
                         + urlencode({"county": county["name"]})) if county else None,
            })
        return page(request, "search.html", query=query, agencies=[], total=0, st=None, choices=options)

    def search(self, request: Request) -> Response:
        """The one search (read.places.search): straight to the page when the answer is unique;
        the largest place of a name shown here with the others and any matching agencies; the
        choices, or "did you mean", otherwise. The query stays in the search box."""
        text = (request.query_params.get("q") or "").strip()[:120]
        if not text:
            return RedirectResponse(request.state.prefix + "/", status_code=303)
        with self.db.snapshot() as conn:
            found = places.search(conn, text)
        if found["choices"]:
            return self._choices(request, text, found["choices"])
        place = found["place"]
        target = _target(request.state.prefix, place)
        if target and not found["alternatives"] and not found["agencies"]:
            return RedirectResponse(target, status_code=303)
        if place is not None:
            return self._profile(request, place, search=found, target=target)
        if found["state"] is not None:
            return RedirectResponse(f"{request.state.prefix}/state/{found['state']['usps']}",
                                    status_code=303)
        return page(request, "search.html", query=text, agencies=found["agencies"],
                    total=found["agencies_total"], st=None, choices=[],
                    suggestions=found["suggestions"])

    def agency(self, request: Request) -> Response:
        agency_id = request.path_params["agency_id"]
        if not ID.match(agency_id):
            return self.not_found(request)
        with self.db.snapshot() as conn:
            found = q.agency(conn, agency_id)
        if found is None:
            return self.not_found(request)
        st = places.state(found["state_usps"])
        counties = [places.county(f) for f in _jurisdiction_counties(found)]
        return page(request, "agency.html", agency=found, st=st, counties=[c for c in counties if c])

    def agreement(self, request: Request) -> Response:
        agreement_id = request.path_params["agreement_id"]
        if not ID.match(agreement_id):
            return self.not_found(request)
        with self.db.snapshot() as conn:
            found = q.agreement(conn, agreement_id)
            moas = moas_for_agreement(conn, agreement_id) if found is not None else []
        if found is None:
            return self.not_found(request)
        return page(request, "agreement.html", agreement=found, st=places.state(found["state_usps"]),
                    moas=[moa_summary(m, agreement_id) for m in moas])

    def changes(self, request: Request) -> Response:
        state = request.query_params.get("state") or None
        kind = request.query_params.get("kind") or None
        try:
            page_no = max(1, min(10_000, int(request.query_params.get("page", "1"))))
        except ValueError:
            page_no = 1
        st = places.state(state) if state and USPS.match(state) else None
        if state and st is None:
            state = None
        if kind and kind not in EVENT_KINDS:
            kind = None
        # ICE posting an agreement's text is not a change in who cooperates: hidden unless asked.
        with_moa = request.query_params.get("moa") == "1" or kind == "moa_posted"
        with self.db.snapshot() as conn:
            rows, total = q.events(conn, state=st["usps"] if st else None, kind=kind,
                                   exclude_kinds=() if with_moa else ("moa_posted",),
                                   limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
            fresh = q.freshness(conn)
        pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
        params = {k: v for k, v in (("state", st["usps"] if st else None), ("kind", kind),
                                    ("moa", "1" if with_moa and kind != "moa_posted" else None)) if v}
        toggle = {k: v for k, v in params.items() if k != "moa"}
        if not with_moa:
            toggle["moa"] = "1"
        return page(request, "changes.html", events=rows, total=total, page_no=page_no, pages=pages,
                    st=st, kind=kind, kinds=EVENT_KINDS, states=places.states(), params=params,
                    fresh=fresh, page_query=lambda n: urlencode({**params, "page": n}),
                    with_moa=with_moa, moa_toggle=urlencode(toggle))

    def static_page(self, template: str):
        def handler(request: Request) -> Response:
            with self.db.snapshot() as conn:
                fresh = q.freshness(conn)
                coverage = q.coverage(conn)
            return page(request, template, fresh=fresh, coverage=coverage)

        return handler

    def set_language(self, request: Request) -> Response:
        lang = request.path_params["lang"]
        nxt = request.query_params.get("next") or "/"
        if lang not in i18n.LANGUAGES:
            lang = i18n.DEFAULT_LANGUAGE
        if not nxt.startswith("/") or nxt.startswith("//") or "\\" in nxt:
            nxt = "/"
        response = RedirectResponse(f"/{lang}{nxt}", status_code=303)
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax", httponly=True)
        return response


EVENT_KINDS = (
    "agreement_listed", "agreement_relisted", "agreement_removed", "agreement_superseded",
    "signing_date_corrected", "moa_posted", "application_listed", "application_withdrawn",
    "application_approved",
)  # fmt: skip


def _as_of(request: Request, conn: sqlite3.Connection) -> dict[str, Any]:
    """?as_of=YYYY-MM-DD: the list in force that day (None: today's data). `note` says which list
    answers, and that none is held before the first one."""
    raw = (request.query_params.get("as_of") or "").strip()
    out: dict[str, Any] = {"date": None, "list": None, "note": None, "invalid": False}
    if not raw:
        return out
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        out["invalid"] = True
        return out
    out["date"] = day.isoformat()
    found = q.list_in_force(conn, day.isoformat())
    if found is None:
        first = next((c["first"] for c in q.coverage(conn) if c["list"] == "participating"), None)
        out["note"] = i18n.gettext("No list is held before %(date)s; this is today's data.") % {
            "date": first or "?"}
        return out
    out["list"] = found
    return out


TABLE_PAGE = 50
_SORTS = {
    "agency": lambda a: ((a.get("agency_name") or "").casefold(), a.get("signed_date") or ""),
    "signed": lambda a: (a.get("signed_date") or "", (a.get("agency_name") or "").casefold()),
    "model": lambda a: (a.get("model") or "", (a.get("agency_name") or "").casefold()),
}


def _agreement_view(request: Request, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A long table sorted, filtered and paged on the server (query parameters), so it works
    without JavaScript: ?agency=text&model=TFM&sort=signed&dir=desc&tpage=2."""
    qp = request.query_params
    text = (qp.get("agency") or "").strip()[:80]
    model = qp.get("model") if qp.get("model") in ("JEM", "TFM", "WSO") else ""
    sort = qp.get("sort") if qp.get("sort") in _SORTS else "agency"
    desc = qp.get("dir") == "desc"
    key = text.casefold()
    kept = [a for a in rows if (not key or key in (a.get("agency_name") or "").casefold())
            and (not model or a.get("model") == model)]
    kept.sort(key=_SORTS[sort], reverse=desc)
    pages = max(1, -(-len(kept) // TABLE_PAGE))
    try:
        page_no = min(pages, max(1, int(qp.get("tpage", "1"))))
    except ValueError:
        page_no = 1
    state = {k: v for k, v in (("agency", text), ("model", model), ("sort", sort),
                               ("dir", "desc" if desc else "")) if v}
    return {
        "rows": kept[(page_no - 1) * TABLE_PAGE:page_no * TABLE_PAGE], "total": len(rows),
        "shown": len(kept), "page": page_no, "pages": pages, "agency": text, "model": model,
        "sort": sort, "desc": desc,
        "page_query": lambda n: urlencode({**state, "tpage": n}),
        "sort_query": lambda s: urlencode({**{k: v for k, v in state.items() if k not in ("sort", "dir")},
                                           "sort": s, **({"dir": "desc"} if s == sort and not desc else {})}),
    }


def jail_radius(adp: float) -> float:
    """A jail circle's radius on the map: grows with the square root of the people held on an
    average day, capped so a large centre does not hide its neighbours."""
    return 1.6 + min(9.0, adp ** 0.5 / 4)


JAIL_LEGEND = (10, 100, 1000)  # people a day, shown as circles in the legend


def _legend(status: dict[str, Any]) -> list[dict[str, Any]]:
    """Legend rows for the combinations present on the map, with county counts."""
    counts: dict[str, int] = {}
    labels: dict[str, list[str]] = {}
    for info in status["counties"].values():
        css = mapsvg.model_class(info["models"])
        counts[css] = counts.get(css, 0) + 1
        labels[css] = [m for m in mapsvg.MODEL_ORDER if m in info["models"]] or sorted(info["models"])
    order = ["m-jem", "m-tfm", "m-wso", "m-jem-tfm", "m-jem-wso", "m-tfm-wso", "m-jem-tfm-wso", "m-other"]
    return [{"css": c, "models": labels[c], "count": counts[c]} for c in order if c in counts]


def _every_state(rows: list[dict[str, Any]], names: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """The 50 states and DC alphabetically by name, each shown even with no agreement (zeros),
    then the territories that have any."""
    by_state = {r["state_usps"]: r for r in rows}
    blank = {"by_model": {}, "pending": 0, "active": 0}
    out = []
    for usps, st in sorted(names.items(), key=lambda item: item[1]["name"]):
        row = by_state.get(usps)
        if row is None and is_territory(usps):
            continue
        out.append({**blank, **(row or {}), "state_usps": usps, "name": st["name"],
                    "territory": is_territory(usps)})
    return sorted(out, key=lambda r: (r["territory"], r["name"]))


def _target(prefix: str, place: Any) -> str | None:
    """Where a lookup result lives on the site: a ZIP, a county, or a city or town."""
    if place is None:
        return None
    kind = getattr(place, "kind", "")
    if kind == "zip":
        return f"{prefix}/zip/{place.name}"
    if kind == "county" and len(place.county_fips) == 1:
        return f"{prefix}/county/{place.county_fips[0]}"
    if kind == "place":
        return f"{prefix}/place/{place.state_usps}/{quote(place.name, safe='')}"
    return None


def _place_title(place: Any, counties: list[dict[str, Any]], st: dict[str, Any]) -> str:
    usps = st.get("usps") or getattr(place, "state_usps", "")
    if getattr(place, "kind", "") == "zip":
        names = ", ".join(c["name"] for c in counties if c.get("name"))
        return i18n.gettext("ZIP code %(zip)s (%(counties)s), %(state)s") % {
            "zip": place.name, "counties": names, "state": usps}
    return f"{place.name}, {usps}"


def _jurisdiction_counties(agency: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for j in agency.get("jurisdictions", []):
        for f in q.fips_list(j.get("county_fips_all")) or ([j["county_fips"]] if j.get("county_fips") else []):
            if f not in out:
                out.append(f)
    return out
