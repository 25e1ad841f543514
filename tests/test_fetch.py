"""The 287(g) fetcher against a real local HTTP server that misbehaves on purpose.

The server (http.server on 127.0.0.1, random port) serves real ICE workbooks from ../shared.
Each path has a script of behaviours, one per request (the last one repeats): a timeout, a
connection reset, a 5xx, an HTML page with status 200, a truncated body, a slow drip. No
request leaves this machine.
"""

from __future__ import annotations

import socket
import struct
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from patchwork_atlas.cli import main
from patchwork_atlas.families import open_database as connect
from patchwork_atlas.families.ice287g import fetch as fetcher
from patchwork_atlas.kernel.archive import Archive

PARTICIPATING = "ice-287g/publications/ice-xlsx/participatingAgencies03052026pm.xlsx"
PENDING = "ice-287g/publications/ice-xlsx/pendingAgencies02272026am.xlsx"
# ICE's link pattern, from the manifest's published_name values (e.g. /doclib/about/287g/...).
LINK_DIR = "/doclib/about/287g/"
# An HTML error page of the kind a CDN serves with status 200 in place of a file.
HTML_ERROR = b"<!DOCTYPE html><html><head><title>Access Denied</title></head><body>Denied</body></html>"

Behaviour = Callable[[BaseHTTPRequestHandler], None]


def send(body: bytes, content_type: str = "application/octet-stream", status: int = 200) -> Behaviour:
    def act(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("ETag", '"test-etag"')
        h.end_headers()
        h.wfile.write(body)

    return act


def status(code: int) -> Behaviour:
    return send(f"error {code}".encode(), "text/plain", code)


def reset(h: BaseHTTPRequestHandler) -> None:
    """Abort the TCP connection (RST) without a response."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.close_connection = True
    h.connection.close()


def stall(seconds: float) -> Behaviour:
    def act(h: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        h.close_connection = True

    return act


def truncated(body: bytes, keep: int, *, declare_full: bool) -> Behaviour:
    """Send the first `keep` bytes and hang up, with or without the full Content-Length."""

    def act(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/octet-stream")
        if declare_full:
            h.send_header("Content-Length", str(len(body)))
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body[:keep])
        h.wfile.flush()
        h.close_connection = True

    return act


def drip(body: bytes, every: float) -> Behaviour:
    """A byte at a time, each within the read timeout: only a whole-response deadline ends it."""

    def act(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        try:
            for i in range(len(body)):
                h.wfile.write(body[i : i + 1])
                h.wfile.flush()
                time.sleep(every)
        except OSError:
            pass
        h.close_connection = True

    return act


class Server:
    def __init__(self) -> None:
        self.script: dict[str, list[Behaviour]] = {}
        self.hits: dict[str, int] = defaultdict(int)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = self.path.split("?", 1)[0]
                n = server.hits[path]
                server.hits[path] += 1
                steps = server.script.get(path)
                if not steps:
                    status(404)(self)
                    return
                steps[min(n, len(steps) - 1)](self)

            def log_message(self, *args) -> None:
                pass

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # a client hanging up mid-response is what these tests provoke

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    s.thread.start()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


@pytest.fixture
def fast(monkeypatch):
    """No waiting between attempts and a short timeout, so the faults cost milliseconds."""
    monkeypatch.setattr(fetcher, "BACKOFF", 0.0)
    monkeypatch.setattr(fetcher, "TIMEOUT", fetcher.httpx.Timeout(0.5))


@pytest.fixture
def real(shared_data) -> dict[str, bytes]:
    return {"participating": (shared_data / PARTICIPATING).read_bytes(),
            "pending": (shared_data / PENDING).read_bytes()}


def stand_in_page(*names: str) -> bytes:
    """A minimal stand-in for ICE's 287(g) page, built to the link pattern of the manifest's
    published_name values; it is not a copy of ICE's page."""
    links = "".join(f'<li><a href="{LINK_DIR}{n}">{n}</a></li>' for n in names)
    return (f"<!DOCTYPE html><html><body><!-- test stand-in, not ICE's page --><ul>{links}"
            '<li><a href="/doclib/about/287g/factsheet.pdf">Fact sheet</a></li></ul></body></html>').encode()


def one_line(message: str) -> None:
    assert message and "\n" not in message and "Traceback" not in message, message


# --------------------------------------------------------------------------- discovery


def test_discover_links_on_a_stand_in_page():
    page = stand_in_page("participatingAgencies03052026pm.xlsx", "pendingAgencies02272026am.xlsx",
                         "participatingAgencies03052026pm.xlsx")
    found = fetcher.discover_links(page.decode(), "https://www.ice.gov/identify-and-arrest/287g")
    assert found == [
        "https://www.ice.gov/doclib/about/287g/participatingAgencies03052026pm.xlsx",
        "https://www.ice.gov/doclib/about/287g/pendingAgencies02272026am.xlsx",
    ]


def test_fetch_follows_the_page_links_and_archives_real_files(server, fast, real, tmp_path):
    names = ["participatingAgencies03052026pm.xlsx", "pendingAgencies02272026am.xlsx"]
    server.script["/287g"] = [send(stand_in_page(*names), "text/html; charset=utf-8")]
    server.script[LINK_DIR + names[0]] = [send(real["participating"])]
    server.script[LINK_DIR + names[1]] = [send(real["pending"])]
    conn = connect(tmp_path / "db.sqlite")
    raws, errors = fetcher.fetch(Archive(tmp_path / "data"), conn, page_url=server.url("/287g"))
    assert errors == []
    assert [r.file_name for r in raws] == names
    assert [r.path.read_bytes() for r in raws] == [real["participating"], real["pending"]]
    assert raws[0].etag == '"test-etag"'
    outcomes = [r["outcome"] for r in conn.execute("SELECT outcome FROM source_checks")]
    assert outcomes == ["new", "new"]


def test_page_without_list_links_is_an_error(server, fast, tmp_path):
    server.script["/287g"] = [send(b"<html><body><a href='/x.pdf'>x</a></body></html>", "text/html")]
    conn = connect(tmp_path / "db.sqlite")
    with pytest.raises(fetcher.FetchError) as err:
        fetcher.fetch(Archive(tmp_path / "data"), conn, page_url=server.url("/287g"))
    one_line(str(err.value))
    assert "no participating/pending workbook links" in str(err.value)
    assert conn.execute("SELECT outcome FROM source_checks").fetchone()[0] == "error"


# --------------------------------------------------------------------------- faults


def fetch_one(server: Server, tmp_path: Path, path: str, retries: int = 3):
    return fetcher.fetch(Archive(tmp_path / "data"), None, [server.url(path)], retries=retries)


def test_5xx_then_success_is_retried(server, fast, real, tmp_path):
    server.script["/a.xlsx"] = [status(503), status(500), send(real["participating"])]
    raws, errors = fetch_one(server, tmp_path, "/a.xlsx")
    assert errors == [] and raws[0].bytes == len(real["participating"])
    assert server.hits["/a.xlsx"] == 3


def test_reset_then_success_is_retried(server, fast, real, tmp_path):
    server.script["/a.xlsx"] = [reset, send(real["participating"])]
    raws, errors = fetch_one(server, tmp_path, "/a.xlsx")
    assert errors == [] and len(raws) == 1 and server.hits["/a.xlsx"] == 2


def test_timeout_then_success_is_retried(server, fast, real, tmp_path):
    server.script["/a.xlsx"] = [stall(1.5), send(real["participating"])]
    raws, errors = fetch_one(server, tmp_path, "/a.xlsx")
    assert errors == [] and len(raws) == 1


@pytest.mark.parametrize(
    ("steps", "expected", "attempts"),
    [
        ([status(503)], "HTTP 503 after 3 attempts", 3),
        ([reset], "after 3 attempts", 3),
        ([stall(1.5)], "timed out after 3 attempts", 3),
        ([status(404)], "HTTP 404", 1),  # a client error is not retried
        ([send(HTML_ERROR, "text/html")], "an HTML page was served instead of a workbook", 1),
        ([send(b"just some text")], "not a workbook (no zip signature)", 1),
    ],
    ids=["5xx", "reset", "timeout", "404", "html-200", "text-200"],
)
def test_persistent_faults_give_bounded_retries_and_one_line(server, fast, tmp_path, steps, expected, attempts):
    server.script["/a.xlsx"] = steps
    started = time.monotonic()
    raws, errors = fetch_one(server, tmp_path, "/a.xlsx")
    assert raws == [] and len(errors) == 1
    one_line(errors[0])
    assert errors[0].startswith(server.url("/a.xlsx") + ": ") and expected in errors[0], errors[0]
    assert server.hits["/a.xlsx"] == attempts
    assert time.monotonic() - started < 30  # bounded (a generous guard against a hang, not a benchmark)


def test_reset_message_is_plain(server, fast, tmp_path):
    server.script["/a.xlsx"] = [reset]
    _, errors = fetch_one(server, tmp_path, "/a.xlsx")
    assert any(w in errors[0] for w in ("connection reset", "connection closed")), errors[0]


@pytest.mark.parametrize("declare_full", [True, False], ids=["short-of-content-length", "no-content-length"])
def test_truncated_download_is_retried_then_rejected(server, fast, real, tmp_path, declare_full):
    body = real["participating"]
    server.script["/a.xlsx"] = [truncated(body, len(body) // 2, declare_full=declare_full)]
    raws, errors = fetch_one(server, tmp_path, "/a.xlsx")
    assert raws == [] and len(errors) == 1 and server.hits["/a.xlsx"] == 3
    one_line(errors[0])
    assert "after 3 attempts" in errors[0]
    assert not (tmp_path / "data" / "archive").exists() or not list((tmp_path / "data" / "archive").glob("??/*"))


def test_truncated_then_complete_is_archived(server, fast, real, tmp_path):
    body = real["pending"]
    server.script["/a.xlsx"] = [truncated(body, 1000, declare_full=False), send(body)]
    raws, errors = fetch_one(server, tmp_path, "/a.xlsx")
    assert errors == [] and raws[0].path.read_bytes() == body


def test_slow_drip_hits_the_whole_response_deadline(server, fast, real, monkeypatch, tmp_path):
    monkeypatch.setattr(fetcher, "MAX_SECONDS", 0.5)
    server.script["/a.xlsx"] = [drip(real["pending"], 0.05)]
    started = time.monotonic()
    raws, errors = fetch_one(server, tmp_path, "/a.xlsx", retries=2)
    assert raws == [] and "timed out after 2 attempts" in errors[0], errors
    assert time.monotonic() - started < 10


def test_oversized_response_is_refused(server, fast, real, monkeypatch, tmp_path):
    monkeypatch.setattr(fetcher, "MAX_BYTES", 1000)
    server.script["/a.xlsx"] = [send(real["pending"])]
    raws, errors = fetch_one(server, tmp_path, "/a.xlsx")
    assert raws == [] and "larger than 1000 bytes" in errors[0]


def test_nothing_listening_is_a_clear_error(fast, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    raws, errors = fetcher.fetch(Archive(tmp_path / "data"), None, [f"http://127.0.0.1:{port}/a.xlsx"], retries=2)
    assert raws == [] and "could not connect after 2 attempts" in errors[0]


# --------------------------------------------------------------------------- the CLI


def run_cli(*args: str):
    return CliRunner().invoke(main, list(args))


def test_cli_ingests_a_url(server, fast, real, tmp_path):
    server.script["/participatingAgencies03052026pm.xlsx"] = [status(502), send(real["participating"])]
    db = tmp_path / "db.sqlite"
    result = run_cli("ingest", server.url("/participatingAgencies03052026pm.xlsx"), "--db", str(db),
                     "--data-dir", str(tmp_path / "data"))
    assert result.exit_code == 0, result.output
    assert "1 ingested" in result.output
    conn = connect(db)
    assert conn.execute("SELECT count(*) FROM raw_files").fetchone()[0] == 1
    assert conn.execute("SELECT origin FROM file_sightings").fetchone()[0].startswith(server.base)


def test_cli_bad_url_alone_fails_with_exit_1(server, fast, tmp_path):
    server.script["/x.xlsx"] = [send(HTML_ERROR, "text/html")]
    result = run_cli("ingest", server.url("/x.xlsx"), "--db", str(tmp_path / "db.sqlite"),
                     "--data-dir", str(tmp_path / "data"))
    assert result.exit_code == 1
    line = [ln for ln in result.output.splitlines() if "could not fetch" in ln]
    assert line == [f"patchwork: could not fetch {server.url('/x.xlsx')}: an HTML page was served instead of a workbook"]


def test_cli_good_and_bad_url_is_partial_exit_3(server, fast, real, tmp_path):
    server.script["/good.xlsx"] = [send(real["pending"])]
    server.script["/bad.xlsx"] = [status(503)]
    result = run_cli("ingest", server.url("/good.xlsx"), server.url("/bad.xlsx"),
                     "--db", str(tmp_path / "db.sqlite"), "--data-dir", str(tmp_path / "data"))
    assert result.exit_code == 3, result.output
    assert "1 ingested, 0 already known, 1 rejected" in result.output
    assert f"could not fetch {server.url('/bad.xlsx')}: HTTP 503 after 3 attempts" in result.output


def test_cli_unreachable_page_fails_with_one_line(server, fast, monkeypatch, tmp_path):
    server.script["/287g"] = [status(500)]
    monkeypatch.setenv("PATCHWORK_SOURCE", server.url("/287g"))
    result = run_cli("ingest", "--db", str(tmp_path / "db.sqlite"), "--data-dir", str(tmp_path / "data"))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"patchwork: {server.url('/287g')}: HTTP 500 after 3 attempts"]


def test_cli_without_arguments_reads_the_page_named_by_patchwork_source(server, fast, real, monkeypatch, tmp_path):
    name = "pendingAgencies02272026am.xlsx"
    server.script["/287g"] = [send(stand_in_page(name), "text/html")]
    server.script[LINK_DIR + name] = [send(real["pending"])]
    monkeypatch.setenv("PATCHWORK_SOURCE", server.url("/287g"))
    db = tmp_path / "db.sqlite"
    args = ["ingest", "--db", str(db), "--data-dir", str(tmp_path / "data")]
    first, second = run_cli(*args), run_cli(*args)
    assert first.exit_code == 0 and "1 ingested" in first.output, first.output
    assert second.exit_code == 0 and "1 already known" in second.output, second.output
    latest = connect(db).execute("SELECT outcome FROM source_checks ORDER BY checked_utc DESC, rowid DESC").fetchone()
    assert latest[0] == "unchanged"


if sys.platform == "win32":  # pragma: no cover - SO_LINGER resets differ
    pytestmark = pytest.mark.skip("POSIX socket behaviour")
