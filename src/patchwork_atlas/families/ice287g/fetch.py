"""Fetch ICE's current 287(g) lists from its web page (or given URLs) and archive them.

A response is accepted only if it really is a workbook: an HTML error page served as .xlsx,
or a truncated download, is rejected here, before any parser sees it."""

from __future__ import annotations

import io
import os
import re
import sqlite3
import time
import zipfile
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from patchwork_atlas import __version__
from patchwork_atlas.kernel.archive import Archive, RawFile, utc_now
from patchwork_atlas.kernel.config import SOURCE_ENV

ICE_287G_PAGE = "https://www.ice.gov/identify-and-arrest/287g"
LIST_LINK = re.compile(r"(participating|pending)agencies[^/]*\.xlsx?$", re.I)
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RETRIES = 3
BACKOFF = 1.0  # seconds before the 2nd attempt; doubles after each
MAX_BYTES = 50 * 1024 * 1024
MAX_SECONDS = 300.0  # whole-response deadline: a server dripping bytes must not hang the ingest


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


def _transport_reason(exc: httpx.TransportError) -> str:
    """A short human reason for a network failure (the class name alone says little)."""
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection closed mid-response"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return "connection reset"
    return f"network error ({type(exc).__name__})"


def _read_bounded(client: httpx.Client, url: str) -> httpx.Response:
    """GET, reading the body in chunks so that a huge or endlessly dripping response is cut off
    at MAX_BYTES / MAX_SECONDS instead of exhausting memory or hanging the ingest."""
    started = time.monotonic()
    with client.stream("GET", url) as response:
        if response.status_code >= 400:
            return httpx.Response(response.status_code, headers=response.headers, request=response.request)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BYTES:
            raise FetchError(f"{url}: response larger than {MAX_BYTES} bytes")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_BYTES:
                raise FetchError(f"{url}: response larger than {MAX_BYTES} bytes")
            if time.monotonic() - started > MAX_SECONDS:
                raise httpx.ReadTimeout(f"no complete response within {MAX_SECONDS} s")
            chunks.append(chunk)
        # The body is already decoded: drop the headers that would make httpx decode it again.
        headers = [(k, v) for k, v in response.headers.multi_items()
                   if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        return httpx.Response(
            response.status_code, headers=headers, content=b"".join(chunks), request=response.request
        )


def _retry_on_content(content: bytes) -> bool:
    """A truncated workbook is worth asking for again; an HTML page or a non-workbook is not."""
    try:
        check_workbook(content)
    except FetchError as exc:
        return str(exc).startswith(("truncated", "corrupt"))
    return False


def get(
    client: httpx.Client,
    url: str,
    *,
    retries: int | None = None,
    backoff: float | None = None,
    workbook: bool = False,
) -> httpx.Response:
    """GET with bounded retries on timeouts, connection resets, 5xx and (for a workbook) a
    truncated body; 4xx fails at once. Raises FetchError with a one-line reason."""
    retries = max(1, RETRIES if retries is None else retries)
    backoff = BACKOFF if backoff is None else backoff
    last = ""
    for attempt in range(retries):
        try:
            response = _read_bounded(client, url)
        except httpx.TransportError as exc:
            last = _transport_reason(exc)
        except httpx.InvalidURL as exc:
            raise FetchError(f"{url}: invalid URL ({exc})") from exc
        else:
            if response.status_code < 400:
                if not (workbook and _retry_on_content(response.content)):
                    return response
                last = "truncated workbook"
            elif response.status_code < 500:
                raise FetchError(f"{url}: HTTP {response.status_code}")
            else:
                last = f"HTTP {response.status_code}"
        if attempt + 1 < retries:
            time.sleep(backoff * (2**attempt))
    raise FetchError(f"{url}: {last} after {retries} attempt{'s' if retries > 1 else ''}")


def fetch(
    archive: Archive,
    conn: sqlite3.Connection | None,
    urls: list[str] | None = None,
    *,
    page_url: str | None = None,
    retries: int | None = None,
    backoff: float | None = None,
) -> tuple[list[RawFile], list[str]]:
    """Fetch the given workbook URLs, or those linked from ICE's page (or the page named by
    $PATCHWORK_SOURCE, for a mirror). Returns (archived files, one-line errors). Every check
    of the network is logged in source_checks."""
    page_url = page_url or os.environ.get(SOURCE_ENV) or ICE_287G_PAGE
    errors: list[str] = []
    raws: list[RawFile] = []
    with _client() as client:
        if not urls:
            try:
                page = get(client, page_url, retries=retries, backoff=backoff)
            except FetchError as exc:
                _log(conn, page_url, "error", str(exc))
                raise
            urls = discover_links(page.text, str(page.url))
            if not urls:
                _log(conn, page_url, "error", "no list links found on the page")
                raise FetchError(f"{page_url}: no participating/pending workbook links found")
        for url in urls:
            try:
                response = get(client, url, retries=retries, backoff=backoff, workbook=True)
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
