"""`patchwork export-site`: the atlas as static files, for any static host or CDN.

Every page is rendered by the same application that `patchwork serve` runs (through Starlette's
TestClient, so there is one way to draw a page), in both languages, and written as a file with
relative links: the nation, states, counties, agencies and agreements, the canonical API answer
for each of them, the feeds and downloads. ZIP codes (about 42,800) and cities and towns (about
21,800) become small pages that point to their county, which keeps the export small. A search
index (ZIPs, places, counties, agencies) and static/search.js make the search box work with no
server. Query variants (filters, paging beyond the changes list) are not exported: their links
point to the page without the query.
"""

from __future__ import annotations

import asyncio
import json
import os
import posixpath
import re
import shutil
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from patchwork_atlas.kernel import i18n
from patchwork_atlas.kernel.geo import reference
from patchwork_atlas.read.queries import has_table
from patchwork_atlas.web.front import split_language as split_language_prefix

_LINK = re.compile(r'(\b(?:href|src|action)="|\bcontent="0; url=)([^"]*)(")')
_FILE_SUFFIXES = (".json", ".atom", ".csv", ".geojson", ".sqlite", ".css", ".js", ".svg")
_SHARED_PREFIXES = ("/api/", "/downloads/", "/static/", "/search/")  # the same in every language
_CHANGES_PAGE_SIZE = 50
_CANONICAL_API = re.compile(
    r"^/api/v1/(summary|vocabulary|openapi\.json|(jurisdictions|agencies|agreements|knowledge)/[^/]+)$")


@dataclass
class Summary:
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    failed: list[str] = field(default_factory=list)

    def add(self, other: Summary) -> None:
        self.files += other.files
        self.bytes += other.bytes
        self.failed += other.failed


# ---- where each URL goes ---------------------------------------------------------------------


def split_language(path: str) -> tuple[str, str]:
    """'/es/county/06037' -> ('es', '/county/06037'); no prefix: the default language."""
    lang, rest = split_language_prefix(path)
    return lang or i18n.DEFAULT_LANGUAGE, rest


def _lang_dir(lang: str) -> str:
    return "" if lang == i18n.DEFAULT_LANGUAGE else f"{lang}/"


def _safe(segment: str) -> str:
    """A path segment as a file name: decoded, with no separators."""
    return unquote(segment).replace("/", "-").replace("\\", "-").strip(".") or "-"


# Pages that take input (the error report form, the legal-help search by place and language,
# the full-text search of the MOAs): a static copy links to the server for them.
SERVER_ONLY = frozenset({"/report", "/legal-help", "/moa/search"})


@lru_cache(maxsize=1 << 16)  # the same few hundred links on every page
def file_for(url: str) -> str | None:
    """The file (relative to the export root) that holds a site URL, or None when the export
    has no file for it. Query strings are dropped except the two variants exported."""
    parts = urlsplit(url)
    lang, path = split_language(parts.path)
    query = parse_qs(parts.query)
    if path in SERVER_ONLY:
        return None
    if path.startswith("/lang/"):
        target = (query.get("next") or ["/"])[0]
        to = path.rsplit("/", 1)[-1]
        return file_for(f"/{to}{target}" if to in i18n.LANGUAGES and target.startswith("/") else "/")
    if path.startswith(_SHARED_PREFIXES):
        if path == "/api/v1/" or path == "/api/v1":
            return "api/v1/index.json"
        if path.startswith("/api/") and not _CANONICAL_API.match(path):
            return None  # listings, filters, lookup: only the server answers them
        rel = path.lstrip("/")
        if path.startswith("/api/") and not rel.endswith(".json"):
            rel += ".json"
        return "/".join(_safe(s) for s in rel.split("/"))
    base = _lang_dir(lang)
    if path.startswith("/feeds/"):
        return base + "/".join(_safe(s) for s in path.lstrip("/").split("/"))
    if path == "/":
        return base + ("index-jails.html" if query.get("layer") == ["jails"] else "index.html")
    if path == "/changes" and query.get("page") and set(query) == {"page"}:
        page = query["page"][0]
        return base + (f"changes-{int(page)}.html" if page.isdigit() and int(page) > 1 else "changes.html")
    segments = [_safe(s) for s in path.strip("/").split("/") if s]
    if not segments or path.endswith(_FILE_SUFFIXES):
        return None
    return base + "/".join(segments) + ".html"


def relative_link(target_file: str, from_file: str, fragment: str = "") -> str:
    return _relative(target_file, posixpath.dirname(from_file)) + (f"#{fragment}" if fragment else "")


@lru_cache(maxsize=1 << 16)
def _relative(target: str, from_dir: str) -> str:
    """posixpath.relpath for two paths under the export root, quoted, without its abspath
    (a getcwd per link: a tenth of the export's time)."""
    to = [s for s in target.split("/") if s not in ("", ".")]
    start = [s for s in from_dir.split("/") if s not in ("", ".")]
    common = len(posixpath.commonprefix([start, to]))
    return quote("/".join([".."] * (len(start) - common) + to[common:]) or ".")


def rewrite_links(html: str, from_file: str, base_url: str = "", absolute: bool = False,
                  downloads: set[str] | None = None) -> str:
    """Site links (and links to base_url) become links to the exported files: relative, or
    absolute under base_url (feeds, which readers use away from the site). `downloads` gathers
    the /downloads/ links met (a PDF linked from many pages is copied once)."""

    def sub(m: re.Match) -> str:
        if downloads is not None and "/downloads/" in m.group(2):
            downloads.add(m.group(2).split("#")[0].split("?")[0])
        url = m.group(2).replace("&amp;", "&")
        if base_url and url.startswith(base_url):
            url = url[len(base_url):] or "/"
        if not url.startswith("/") or url.startswith("//"):
            return m.group(0)
        target = file_for(url)
        if target is None:
            if base_url and split_language(urlsplit(url).path)[1] in SERVER_ONLY:
                return m.group(0) if m.group(2).startswith(base_url) else m.group(1) + base_url + m.group(2) + m.group(3)
            return m.group(0)
        fragment = urlsplit(url).fragment
        if absolute and base_url:
            return m.group(1) + f"{base_url}/{quote(target)}" + (f"#{fragment}" if fragment else "") + m.group(3)
        return m.group(1) + relative_link(target, from_file, fragment) + m.group(3)

    return _LINK.sub(sub, html)


# ---- what is exported ------------------------------------------------------------------------


def _ids(conn: sqlite3.Connection, sql: str, states: list[str] | None) -> list[str]:
    where = f" WHERE state_usps IN ({','.join('?' * len(states))})" if states else ""
    return [r[0] for r in conn.execute(sql + where + " ORDER BY 1", states or [])]


def site_urls(conn: sqlite3.Connection, states: list[str] | None) -> list[str]:
    """Every URL rendered through the application: pages in each language, API answers, feeds."""
    state_rows = [s for s in reference.states() if not states or s.usps in states]
    counties = [c.fips for s in state_rows for c in reference.counties(s.fips)]
    agencies = _ids(conn, "SELECT agency_id FROM agencies", states)
    agreements = _ids(conn, "SELECT agreement_id FROM agreements", states)
    n_events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    facilities = _ids(conn, "SELECT facility_id FROM facilities", states)
    pages = ["/", "/?layer=jails", "/changes", "/glossary", "/methodology", "/downloads", "/api",
             "/deaths", "/corrections", "/moa"]
    pages += [f"/changes?page={n}" for n in range(2, (n_events - 1) // _CHANGES_PAGE_SIZE + 2)]
    pages += [f"/state/{s.usps}" for s in state_rows]
    pages += [f"/county/{f}" for f in counties]
    pages += [f"/agency/{a}" for a in agencies] + [f"/agreement/{a}" for a in agreements]
    pages += [f"/facility/{f}" for f in facilities]
    pages += _moa_pages(conn, states)
    feeds = ["/feeds/events.atom", "/feeds/corrections.atom"] + [f"/feeds/state/{s.usps}.atom" for s in state_rows]
    feeds += [f"/feeds/county/{f}.atom" for f in counties]
    localized = [_lang_path(lang, u) for lang in i18n.LANGUAGES for u in pages + feeds]
    api = ["/api/v1/", "/api/v1/summary", "/api/v1/vocabulary", "/api/v1/openapi.json"]
    api += [f"/api/v1/jurisdictions/{s.fips}" for s in state_rows]
    api += [f"/api/v1/jurisdictions/{f}" for f in counties]
    api += [f"/api/v1/agencies/{a}" for a in agencies] + [f"/api/v1/agreements/{a}" for a in agreements]
    # every law entry (a few hundred small files): the place reports name federal ones by id
    if has_table(conn, "knowledge_entries"):
        api += [f"/api/v1/knowledge/{r[0]}" for r in conn.execute(
            "SELECT entry_id FROM knowledge_entries ORDER BY entry_id")]
    return localized + api


def _moa_pages(conn: sqlite3.Connection, states: list[str] | None) -> list[str]:
    """Each MOA's page and its pages' texts; in a one-state export, the MOAs that print the state
    or are linked to an agreement there."""
    where: dict[str, set[str | None]] = {}
    for mid, printed, linked in conn.execute(
            "SELECT m.moa_id, m.state_usps, g.state_usps FROM moas m LEFT JOIN moa_links l"
            " USING (moa_id) LEFT JOIN agreements g USING (agreement_id)"):
        where.setdefault(mid, set()).update((printed, linked))
    out = []
    for mid, n in conn.execute("SELECT moa_id, pages FROM moas ORDER BY moa_id"):
        if states and not where.get(mid, set()) & set(states):
            continue
        out.append(f"/moa/{mid}")
        out += [f"/moa/{mid}/page/{p}" for p in range(1, (n or 0) + 1)]
    return out


def _lang_path(lang: str, url: str) -> str:
    return url if lang == i18n.DEFAULT_LANGUAGE else f"/{lang}{url}"


# ---- rendering (in worker processes) ---------------------------------------------------------

_worker: dict[str, Any] = {}


def _start_worker(db_path: str, data_dir: str, out: str, base_url: str) -> None:
    from patchwork_atlas.web.app import create_app

    app = create_app(db_path, data_dir, cache=False)
    parts = urlsplit(base_url or "http://localhost")
    _worker.update(out=Path(out), base_url=base_url, app=app.app, loop=asyncio.new_event_loop(),
                   scheme=parts.scheme, host=parts.hostname or "localhost",
                   port=parts.port or (443 if parts.scheme == "https" else 80))


async def _get(url: str) -> tuple[int, str, bytes]:
    """One GET through the site's routes, as `Front` would pass it on (language from the path,
    no response cache, no compression): (status, content type, body)."""
    parts = urlsplit(url)
    prefixed, path = split_language_prefix(parts.path)
    lang = prefixed or i18n.DEFAULT_LANGUAGE
    host = _worker["host"]
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
             "method": "GET", "scheme": _worker["scheme"], "server": (host, _worker["port"]),
             "root_path": "", "path": unquote(path), "raw_path": path.encode(),
             "query_string": parts.query.encode(), "headers": [(b"host", host.encode())],
             "client": ("127.0.0.1", 0), "state": {"lang": lang, "prefix": f"/{prefixed}" if prefixed else ""}}
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    i18n.current_language.set(lang)
    await _worker["app"](scope, receive, send)
    ctype = next((v.decode() for k, v in start.get("headers", []) if k.lower() == b"content-type"), "")
    return start.get("status", 500), ctype, b"".join(chunks)


def _write(rel: str, body: bytes) -> int:
    path = _worker["out"] / rel
    made = _worker.setdefault("dirs", set())
    if path.parent not in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        made.add(path.parent)
    path.write_bytes(body)
    return len(body)


def _fetch_batch(urls: list[str]) -> tuple[Summary, set[str]]:
    return _worker["loop"].run_until_complete(_fetch(urls))


async def _fetch(urls: list[str]) -> tuple[Summary, set[str]]:
    """Render URLs, rewrite their links, write them; return the /downloads/ links seen."""
    done, linked = Summary(), set()
    for url in urls:
        rel = file_for(url)
        status, ctype, body = await _get(url)
        if status != 200 or rel is None:
            done.failed.append(f"{url}: HTTP {status}")
            continue
        if ctype.startswith(("text/html", "application/atom+xml")):
            body = rewrite_links(body.decode("utf-8"), rel, _worker["base_url"],
                                 absolute=ctype.startswith("application/atom+xml"),
                                 downloads=linked).encode("utf-8")
        done.files += 1
        done.bytes += _write(rel, body)
    return done, linked


def _render_local(batch: list[tuple[str, str, dict[str, Any]]]) -> Summary:
    """Pages the server has no route for (search, ZIP and place pointers), drawn with the site's
    own templates and link rules."""
    from starlette.requests import Request

    from patchwork_atlas.web.render import page

    done = Summary()
    for url, template, context in batch:
        lang, path = split_language(urlsplit(url).path)
        prefix = "" if url.startswith(path) else f"/{lang}"
        request = Request({"type": "http", "method": "GET", "path": path, "query_string": b"",
                           "headers": [], "scheme": "http", "server": ("localhost", 80),
                           "state": {"lang": lang, "prefix": prefix}})
        rel = file_for(url)
        assert rel is not None
        root = _relative(".", posixpath.dirname(rel)) + "/"
        html = page(request, template, root="" if root == "./" else root,
                    lang_dir=_lang_dir(lang), **context).body.decode("utf-8")
        done.files += 1
        done.bytes += _write(rel, rewrite_links(html, rel, _worker["base_url"]).encode("utf-8"))
    return done


# ---- the search index and pointer pages ------------------------------------------------------


def _search_index(conn: sqlite3.Connection, states: list[str] | None) -> dict[str, Any]:
    """What the browser searches: states, counties, places and agencies by name; ZIPs apart
    (loaded only for a 5-digit query). Each entry carries only what its link needs."""
    state_rows = [s for s in reference.states() if not states or s.usps in states]
    counties = {c.fips: (c, s.usps) for s in state_rows for c in reference.counties(s.fips)}
    names: dict[str, Any] = {
        "s": [[s.usps, s.name] for s in state_rows],
        "c": [[c.fips, c.name, usps] for c, usps in counties.values()],
        "p": [[p.name, p.state_usps, ";".join(f for f in p.county_fips if f in counties)]
              for s in state_rows for p in reference.places(s.usps)],
        "a": [list(r) for r in conn.execute(
            "SELECT agency_id, name, state_usps FROM agencies ORDER BY state_usps, name")
            if not states or r[2] in states],
    }
    names["p"] = [p for p in names["p"] if p[2]]
    zips = {z.zip: ";".join(f for f in z.county_fips if f in counties)
            for z in reference.zips().values()}
    return {"names": names, "zips": {k: v for k, v in sorted(zips.items()) if v}}


def _pointer_pages(index: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    county_name = {c[0]: f"{c[1]}, {c[2]}" for c in index["names"]["c"]}
    places: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, usps, fips in index["names"]["p"]:
        places[(usps, name)].update(fips.split(";"))
    items = []
    for lang in i18n.LANGUAGES:
        for z, fips in index["zips"].items():
            links = [(f"/county/{f}", county_name.get(f, f)) for f in fips.split(";")]
            title = i18n.gettext("ZIP code %(zip)s", lang) % {"zip": z}
            items.append((_lang_path(lang, f"/zip/{z}"), "export_pointer.html",
                          {"title": title, "links": links}))
        for (usps, name), fips in places.items():
            links = [(f"/county/{f}", county_name.get(f, f)) for f in sorted(fips)]
            items.append((_lang_path(lang, f"/place/{usps}/{quote(name, safe='')}"),
                          "export_pointer.html", {"title": f"{name}, {usps}", "links": links}))
        items.append((_lang_path(lang, "/search"), "export_search.html", {}))
    return items


# ---- the command -----------------------------------------------------------------------------


def _chunks(items: list, n: int) -> Iterable[list]:
    size = max(1, min(200, len(items) // (n * 4) or 1))
    for i in range(0, len(items), size):
        yield items[i: i + size]


def export_site(db_path: Path, data_dir: Path, out: Path, *, base_url: str = "",
                states: list[str] | None = None, workers: int | None = None) -> Summary:
    """Write the static atlas into `out` (created; existing files are overwritten)."""
    from patchwork_atlas.kernel.store import connect_readonly

    start = time.perf_counter()
    base_url = base_url.rstrip("/")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(str(resources.files("patchwork_atlas.web") / "static"), out / "static",
                    dirs_exist_ok=True)
    conn = connect_readonly(db_path)
    try:
        urls = site_urls(conn, states)
        index = _search_index(conn, states)
    finally:
        conn.close()
    (out / "search").mkdir(exist_ok=True)
    for name, data in index.items():
        (out / "search" / f"{name}.json").write_text(
            json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    local = _pointer_pages(index)
    workers = workers or os.cpu_count() or 1
    summary = Summary()
    linked: set[str] = set()
    args = (str(db_path), str(data_dir), str(out), base_url)
    with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=args) as pool:
        for done, seen in pool.map(_fetch_batch, _chunks(urls, workers)):
            summary.add(done)
            linked |= seen
        for done in pool.map(_render_local, _chunks(local, workers)):
            summary.add(done)
        downloads = sorted({split_language(u)[1] for u in linked if u.startswith("/")})
        downloads = [u for u in downloads if file_for(u) and not (out / str(file_for(u))).exists()]
        for done, _ in pool.map(_fetch_batch, _chunks(downloads, workers)):
            summary.add(done)
    summary.files += len(index) + sum(1 for _ in (out / "static").iterdir())
    summary.seconds = round(time.perf_counter() - start, 1)
    return summary
