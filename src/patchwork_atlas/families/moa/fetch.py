"""`patchwork moa fetch`: download the MOA and addendum PDFs that ICE's 287(g) lists link to,
politely, resumably, and through the normal ingest path.

Politely: one request at a time, a pause between requests, a User-Agent naming Patchwork,
timeouts and bounded retries (the 287(g) fetcher's `get`). Resumably: what to fetch is a pure
function of the links in the database and the URLs the archive already holds, so a run that is
stopped (or capped with `--max`) goes on where it left off. Each file is archived by hash with
the provenance the moa family's `recognize` reads (`listed_as`), then handed to the ingest
(`ingest_files`, passed in by the caller: a family sits below the ingest layer) as soon as it
arrives, so each file is ingested in its own transaction; the family's derived tables are
rebuilt once at the end of the run (or by the next run, if this one is killed).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from patchwork_atlas import __version__
from patchwork_atlas.families.ice287g.fetch import TIMEOUT, FetchError, get
from patchwork_atlas.kernel.archive import Archive, RawFile, utc_now

USER_AGENT = f"patchwork-atlas/{__version__} (civic data: Patchwork atlas of 287(g) agreements)"
DEFAULT_DELAY = 2.0  # seconds between two requests to ICE's server


@dataclass(frozen=True)
class Link:
    """One URL the lists print as an agreement's MOA or addendum."""

    url: str
    listed_as: str  # moa | addendum (moa when some list prints it as both)
    agreement_ids: tuple[str, ...]
    active: bool  # linked from an agreement on ICE's newest list

    @property
    def file_name(self) -> str:
        """The link's own file name: the moa family links a file to its agreement by it."""
        return unquote(PurePosixPath(urlsplit(self.url).path).name) or "moa.pdf"


@dataclass(frozen=True)
class Fetched:
    content: bytes
    etag: str | None = None
    last_modified: str | None = None


Getter = Callable[[str], Fetched]  # raises FetchError with a one-line reason
Ingest = Callable[[Iterable[RawFile]], Any]  # ingest.ingest_files bound to a database and archive


@dataclass
class FetchReport:
    listed: int  # distinct MOA and addendum URLs in the lists
    already: int  # of those, already in the archive before this run
    attempted: int = 0
    downloaded: int = 0
    errors: list[str] = field(default_factory=list)
    ingest: Any = None  # what the ingest returned (an ingest.IngestReport); None: nothing to do

    @property
    def remaining(self) -> int:
        """URLs still to fetch after this run (failed ones are tried again next time)."""
        return self.listed - self.already - self.downloaded


# ---------------------------------------------------------------- which URLs (pure)


def listed_links(conn: sqlite3.Connection) -> list[Link]:
    """Every MOA and addendum link the agreements carry, each URL once: the links of active
    agreements first (what ICE links to now), then those of removed or superseded ones."""
    found: dict[str, dict[str, Any]] = {}
    rows = conn.execute(
        "SELECT agreement_id, status, moa_url, addendum_url FROM agreements"
        " ORDER BY status != 'active', state_usps, agreement_id")
    for agreement_id, status, moa, addendum in rows:
        for kind, url in (("moa", moa), ("addendum", addendum)):
            url = (url or "").strip()
            if not url.lower().startswith(("https://", "http://")):
                continue
            entry = found.setdefault(url, {"kinds": set(), "ids": [], "active": False})
            entry["kinds"].add(kind)
            if agreement_id not in entry["ids"]:
                entry["ids"].append(agreement_id)
            entry["active"] = entry["active"] or status == "active"
    links = [Link(url, "moa" if "moa" in e["kinds"] else "addendum", tuple(e["ids"]), e["active"])
             for url, e in found.items()]
    return sorted(links, key=lambda link: not link.active)  # stable: keeps the query's order


def archived_urls(conn: sqlite3.Connection, archive: Archive) -> set[str]:
    """URLs whose bytes the archive already holds: every origin of a file ingested (its
    sightings) and every origin in the archive's manifest, whatever became of the file (a PDF
    that was not an MOA need not be downloaded again)."""
    urls = {r[0] for r in conn.execute(
        "SELECT DISTINCT origin FROM file_sightings WHERE origin LIKE 'http%'")}
    try:
        with open(archive.manifest, encoding="utf-8") as fh:
            for line in fh:
                try:
                    origin = json.loads(line).get("origin")
                except (ValueError, AttributeError):
                    continue  # a torn last line of a killed run
                if isinstance(origin, str) and origin.startswith("http"):
                    urls.add(origin)
    except FileNotFoundError:
        pass
    return urls


def to_fetch(links: list[Link], archived: set[str], max_files: int | None = None) -> list[Link]:
    """The links not yet archived, in order, at most `max_files` of them."""
    todo = [link for link in links if link.url not in archived]
    return todo if max_files is None else todo[:max(0, max_files)]


def coverage(conn: sqlite3.Connection) -> dict[str, Any]:
    """What is held against what the lists link to, so an empty answer is read right."""
    one = conn.execute(
        "SELECT (SELECT count(*) FROM moas),"
        " (SELECT count(DISTINCT moa_id) FROM moa_links WHERE agreement_id IS NOT NULL),"
        " (SELECT count(*) FROM agreements WHERE status = 'active'),"
        " (SELECT count(*) FROM agreements WHERE status = 'active'"
        "   AND coalesce(moa_url, addendum_url) IS NOT NULL),"
        " (SELECT count(DISTINCT l.agreement_id) FROM moa_links l JOIN agreements g"
        "   USING (agreement_id) WHERE g.status = 'active')").fetchone()
    return {
        "moas_held": one[0], "moas_linked_to_an_agreement": one[1],
        "active_agreements": one[2], "active_agreements_with_a_listed_link": one[3],
        "active_agreements_with_a_moa_held": one[4],
        "note": "The MOAs held are the PDFs archived so far, not every agreement's: an agreement"
                " without one here may still have one at ICE (`patchwork moa fetch` downloads"
                " the links ICE's lists print).",
    }  # fmt: skip


# ---------------------------------------------------------------- the network


def check_pdf(content: bytes) -> None:
    """Raise FetchError unless the bytes are a whole PDF: an HTML error page served with 200,
    or a download cut short, must not reach the archive."""
    head = content[:1024].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<head", b"<body")) or b"<html" in head:
        raise FetchError("an HTML page was served instead of a PDF")
    if not content.startswith(b"%PDF-"):
        raise FetchError("not a PDF (no %PDF- header)")
    if b"%%EOF" not in content[-2048:]:
        raise FetchError("truncated PDF (no %%EOF at the end)")


def client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """One connection pool for the run, with our User-Agent and the 287(g) fetcher's timeouts
    (`transport`: a stand-in server for the tests)."""
    return httpx.Client(timeout=TIMEOUT, follow_redirects=True, transport=transport,
                        headers={"User-Agent": USER_AGENT, "Accept": "application/pdf"})


def http_get(session: httpx.Client, url: str) -> Fetched:
    """One PDF over HTTP (retries on timeouts and 5xx; 4xx fails at once); checked whole."""
    response = get(session, url)
    check_pdf(response.content)
    return Fetched(response.content, response.headers.get("etag"),
                   response.headers.get("last-modified"))


def download(links: list[Link], archive: Archive, fetch: Getter, report: FetchReport, *,
             delay: float = DEFAULT_DELAY, conn: sqlite3.Connection | None = None,
             sleep: Callable[[float], None] = time.sleep) -> Iterator[RawFile]:
    """Fetch the links one at a time, pausing `delay` seconds between requests, archiving each
    PDF as it arrives (a generator: the ingest reads each file before the next is asked for)."""
    for n, link in enumerate(links):
        if n:
            sleep(delay)
        report.attempted += 1
        try:
            got = fetch(link.url)
        except (FetchError, httpx.HTTPError) as exc:  # e.g. too many redirects: skip, go on
            reason = str(exc) or type(exc).__name__
            report.errors.append(reason if reason.startswith(link.url) else f"{link.url}: {reason}")
            _log(conn, link.url, "error", reason)
            continue
        raw = archive.store_bytes(
            got.content, origin=link.url, file_name=link.file_name, retrieved_utc=utc_now(),
            etag=got.etag, last_modified=got.last_modified,
            provenance={"listed_as": link.listed_as, "published_url": link.url})
        report.downloaded += 1
        known = conn is not None and conn.execute(
            "SELECT 1 FROM raw_files WHERE sha256 = ?", (raw.sha256,)).fetchone()
        _log(conn, link.url, "unchanged" if known else "new", raw.sha256)
        yield raw


def fetch_moas(conn: sqlite3.Connection, archive: Archive, ingest: Ingest, *,
               max_files: int | None = None, delay: float = DEFAULT_DELAY,
               fetch: Getter | None = None,
               sleep: Callable[[float], None] = time.sleep) -> FetchReport:
    """Download what the lists link to and the archive lacks (at most `max_files`), handing
    each file to `ingest` as it arrives. Without `fetch`, over HTTP (`http_get`)."""
    links = listed_links(conn)
    archived = archived_urls(conn, archive)
    todo = to_fetch(links, archived, max_files)
    report = FetchReport(listed=len(links), already=sum(1 for x in links if x.url in archived))
    if not todo:
        return report
    if fetch is not None:
        report.ingest = ingest(download(todo, archive, fetch, report, delay=delay, conn=conn,
                                        sleep=sleep))
        return report
    with client() as session:
        report.ingest = ingest(download(todo, archive, lambda url: http_get(session, url), report,
                                        delay=delay, conn=conn, sleep=sleep))
    return report


def _log(conn: sqlite3.Connection | None, url: str, outcome: str, detail: str) -> None:
    """Each check of the network in source_checks, as the 287(g) fetcher logs its own."""
    if conn is None:
        return
    conn.execute(
        "INSERT OR REPLACE INTO source_checks(checked_utc, url, outcome, detail) VALUES (?,?,?,?)",
        (utc_now(), url, outcome, detail))
