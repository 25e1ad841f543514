"""Fetch ICE's current 287(g) lists from its web page (or given URLs) and archive them.

A response is accepted only if it really is a workbook: an HTML error page served as .xlsx,
or a truncated download, is rejected here, before any parser sees it."""

from __future__ import annotations

import io
import re
import sqlite3
import time
import zipfile
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from patchwork_atlas import __version__
from patchwork_atlas.sources.archive import Archive, RawFile, utc_now

ICE_287G_PAGE = "https://www.ice.gov/identify-and-arrest/287g"
LIST_LINK = re.compile(r"(participating|pending)agencies[^/]*\.xlsx?$", re.I)
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RETRIES = 3
MAX_BYTES = 50 * 1024 * 1024


class FetchError(Exception):
    """The page or a file could not be obtained or is not what it claims to be."""


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def discover_links(html: str, base_url: str) -> list[str]:
    """The participating and pending workbook links on ICE's 287(g) page, in page order."""
    parser = _Links()
    parser.feed(html)
    found: list[str] = []
    for href in parser.hrefs:
        url = urljoin(base_url, href.strip())
        name = unquote(PurePosixPath(urlsplit(url).path).name)
        if LIST_LINK.search(name) and url not in found:
            found.append(url)
    return found


def check_workbook(content: bytes) -> None:
    """Raise FetchError unless the bytes are a complete xlsx (zip with a workbook part)."""
    head = content[:512].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<head", b"<body")) or b"<html" in head:
        raise FetchError("an HTML page was served instead of a workbook")
    if not content.startswith(b"PK\x03\x04"):
        raise FetchError("not a workbook (no zip signature)")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            if "xl/workbook.xml" not in zf.namelist():
                raise FetchError("zip without a workbook part")
            if zf.testzip() is not None:
                raise FetchError("corrupt zip member")
    except zipfile.BadZipFile as exc:
        raise FetchError(f"truncated or broken workbook ({exc})") from exc


def _client() -> httpx.Client:
    return httpx.Client(
        timeout=TIMEOUT,
        follow_redirects=True,
        headers={"User-Agent": f"patchwork-atlas/{__version__} (civic data; +https://github.com/)"},
    )


def get(client: httpx.Client, url: str, *, retries: int = RETRIES, backoff: float = 1.0) -> httpx.Response:
    """GET with bounded retries on timeouts, connection resets and 5xx; 4xx fails at once."""
    last = ""
    for attempt in range(retries):
        try:
            response = client.get(url)
        except httpx.TransportError as exc:
            last = f"{type(exc).__name__}"
        else:
            if response.status_code < 400:
                if len(response.content) > MAX_BYTES:
                    raise FetchError(f"{url}: response larger than {MAX_BYTES} bytes")
                return response
            if response.status_code < 500:
                raise FetchError(f"{url}: HTTP {response.status_code}")
            last = f"HTTP {response.status_code}"
        if attempt + 1 < retries:
            time.sleep(backoff * (2**attempt))
    raise FetchError(f"{url}: {last} after {retries} attempts")


def fetch(
    archive: Archive,
    conn: sqlite3.Connection | None,
    urls: list[str] | None = None,
    *,
    page_url: str = ICE_287G_PAGE,
    retries: int = RETRIES,
    backoff: float = 1.0,
) -> tuple[list[RawFile], list[str]]:
    """Fetch the given workbook URLs, or those linked from ICE's page. Returns (archived files,
    one-line errors). Every check of the network is logged in source_checks."""
    errors: list[str] = []
    raws: list[RawFile] = []
    with _client() as client:
        if not urls:
            page = get(client, page_url, retries=retries, backoff=backoff)
            urls = discover_links(page.text, str(page.url))
            if not urls:
                _log(conn, page_url, "error", "no list links found on the page")
                raise FetchError(f"{page_url}: no participating/pending workbook links found")
        for url in urls:
            try:
                response = get(client, url, retries=retries, backoff=backoff)
                check_workbook(response.content)
            except FetchError as exc:
                errors.append(str(exc) if str(exc).startswith(url) else f"{url}: {exc}")
                _log(conn, url, "error", str(exc))
                continue
            name = unquote(PurePosixPath(urlsplit(str(response.url)).path).name) or "download.xlsx"
            raw = archive.store_bytes(
                response.content,
                origin=url,
                file_name=name,
                retrieved_utc=utc_now(),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            )
            raws.append(raw)
            known = conn is not None and conn.execute("SELECT 1 FROM raw_files WHERE sha256=?", (raw.sha256,)).fetchone()
            _log(conn, url, "unchanged" if known else "new", raw.sha256)
    return raws, errors


def _log(conn: sqlite3.Connection | None, url: str, outcome: str, detail: str) -> None:
    if conn is None:
        return
    conn.execute(
        "INSERT OR REPLACE INTO source_checks(checked_utc, url, outcome, detail) VALUES (?,?,?,?)",
        (utc_now(), url, outcome, detail),
    )
