"""Issue 14, the MOAs' API, CLI and fetch, on the session's real data (the 76 MOAs of
../shared/data/ice-287g-moa with the 287(g) lists). No network: `moa fetch` is driven through a
stand-in server that answers with the real PDFs by file name and 404 for any other."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import warnings
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from click.testing import CliRunner

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402

HEAD = ("moa_id", "sha256", "model", "agency", "state", "template_revision", "signed_dates",
        "agreement_id", "match_confidence", "flags")


@pytest.fixture(scope="module")
def api(ingested_db: Path) -> TestClient:
    from patchwork_atlas.web.app import create_app

    return TestClient(create_app(ingested_db, data_dir=ingested_db.parent / "data"),
                      follow_redirects=False)


def cli(*args: str) -> tuple[int, str]:
    from patchwork_atlas.cli import main

    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout


# ---------------------------------------------------------------- CLI


def test_moa_list_csv_is_the_moas_table(ingested_db, db):
    code, out = cli("moa", "list", "--format", "csv", "--db", str(ingested_db))
    assert code == 0, out
    rows = list(csv.reader(io.StringIO(out)))
    assert tuple(rows[0][:10]) == HEAD
    assert len(rows) - 1 >= 76 and len({r[0] for r in rows[1:]}) >= 76
    # the same writer as every other table: byte for byte the `patchwork moas` table command
    assert cli("moas", "--format", "csv", "--db", str(ingested_db)) == (0, out)
    held = db.execute("SELECT count(*) FROM moas").fetchone()[0]
    assert len({r[0] for r in rows[1:]}) == held


def test_moa_list_filters_and_formats(ingested_db):
    code, out = cli("moa", "list", "--state", "tx", "--model", "wso", "--format", "json",
                    "--db", str(ingested_db))
    assert code == 0
    rows = json.loads(out)
    assert rows and all(r["state"] == "TX" and r["model"] == "WSO" for r in rows)
    assert list(rows[0])[:10] == list(HEAD)
    code, out = cli("moa", "list", "--db", str(ingested_db))
    assert code == 0 and out.split()[:3] == ["moa_id", "state", "model"]
    assert cli("moa", "list", "--revision", "2025-02-31", "--db", str(ingested_db))[0] == 2


def test_moa_search_prints_snippets_and_pages(ingested_db):
    code, out = cli("moa", "search", "public information", "--db", str(ingested_db))
    assert code == 0, out
    assert "page " in out and "[" in out and "#page=" in out
    code, out = cli("moa", "search", "public information", "--format", "json", "--limit", "5",
                    "--db", str(ingested_db))
    hits = json.loads(out)
    assert 0 < len(hits) <= 5
    for h in hits:
        assert "[" in h["snippet"] and isinstance(h["page"], int) and h["page"] >= 1
        assert h["archived_copy"].endswith(f"#page={h['page']}")
    assert cli("moa", "search", "!!", "--db", str(ingested_db))[0] == 2


def test_moa_show_gives_pages_links_and_differences(ingested_db, db):
    mid = db.execute("SELECT moa_id FROM moa_links WHERE method = 'list_link' ORDER BY moa_id"
                     " LIMIT 1").fetchone()[0]
    code, out = cli("moa", "show", mid, "--db", str(ingested_db))
    assert code == 0, out
    assert "(p. " in out and "links:" in out and "list_link" in out and "flags:" in out
    assert "difference" in out
    code, out = cli("moa", "show", mid, "--format", "json", "--db", str(ingested_db))
    found = json.loads(out)
    assert found["moa_id"] == mid and found["links"][0]["agreement_id"]
    assert all(v["page"] >= 0 for vs in found["values"].values() for v in vs)
    assert cli("moa", "show", "moa-000000000000", "--db", str(ingested_db))[0] == 1


# ---------------------------------------------------------------- API


def test_api_moas_list_filters_and_coverage(api, db):
    body = api.get("/api/v1/moas", params={"limit": 1000}).json()
    held = db.execute("SELECT count(*) FROM moas").fetchone()[0]
    assert {r["moa_id"] for r in body["data"]} == {r[0] for r in db.execute("SELECT moa_id FROM moas")}
    assert list(body["data"][0])[:10] == list(HEAD)
    assert body["coverage"]["moas_held"] == held and body["citation"]["as_of"]
    page = api.get("/api/v1/moas", params={"model": "TFM", "limit": 2}).json()
    assert len(page["data"]) == 2 and all(r["model"] == "TFM" for r in page["data"])
    assert page["pagination"]["next"]
    agr = db.execute("SELECT agreement_id FROM moa_links WHERE agreement_id IS NOT NULL LIMIT 1").fetchone()[0]
    linked = api.get("/api/v1/moas", params={"agreement_id": agr}).json()["data"]
    assert linked and all(r["agreement_id"] == agr for r in linked)
    for bad in ({"revision": "2025-13-01"}, {"agreement_id": "x"}, {"moa": "1"}):
        assert api.get("/api/v1/moas", params=bad).status_code == 400


def test_api_moa_detail_and_404(api, db, ingested_db):
    mid = db.execute("SELECT moa_id FROM moas ORDER BY moa_id LIMIT 1").fetchone()[0]
    r = api.get(f"/api/v1/moas/{mid}")
    assert r.status_code == 200
    data = r.json()["data"]
    assert data["moa_id"] == mid and data["values"] and data["page_texts"]
    assert data["published_url"] is None or data["published_url"].startswith("http")
    assert str(ingested_db.parent) not in r.text and "/work/" not in r.text
    assert api.get("/api/v1/moas/moa-000000000000").status_code == 404
    assert api.get("/api/v1/moas/not-an-id").status_code == 404


def test_api_moa_search(api):
    r = api.get("/api/v1/moas/search", params={"q": "public information", "limit": 10})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == len(body["data"]) > 0 and body["query"]["q"] == "public information"
    for h in body["data"]:
        assert "[" in h["snippet"] and isinstance(h["ocr"], bool)
        assert h["archived_copy"] == f"/downloads/raw/{h['sha256']}#page={h['page']}"
    only = api.get("/api/v1/moas/search", params={"q": "complaint", "model": "TFM"}).json()["data"]
    assert only and all(h["model"] == "TFM" for h in only)
    for bad in ({}, {"q": ""}, {"q": "!!!"}, {"q": "x", "limit": "0"}, {"q": "x", "offset": "1"}):
        assert api.get("/api/v1/moas/search", params=bad).status_code == 400, bad


def test_openapi_documents_the_moa_endpoints(api):
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/moas", "/api/v1/moas/search", "/api/v1/moas/{moa_id}"} <= set(paths)
    for path in ("/api/v1/moas", "/api/v1/moas/search", "/api/v1/moas/{moa_id}"):
        assert all(p.get("example") for p in paths[path]["get"]["parameters"]), path


# ---------------------------------------------------------------- fetch


def test_listed_links_are_every_link_once_active_first(db):
    from patchwork_atlas.families.moa.fetch import listed_links

    links = listed_links(db)
    urls = [x.url for x in links]
    expected = {r[0] for r in db.execute(
        "SELECT moa_url FROM agreements WHERE moa_url LIKE 'http%' UNION"
        " SELECT addendum_url FROM agreements WHERE addendum_url LIKE 'http%'")}
    assert len(urls) == len(set(urls)) and set(urls) == expected
    flags = [x.active for x in links]
    assert flags == sorted(flags, reverse=True) and flags[0]
    as_moa = {r[0] for r in db.execute("SELECT moa_url FROM agreements")}
    assert all(x.listed_as == ("moa" if x.url in as_moa else "addendum") for x in links)


def test_check_pdf_refuses_html_and_truncated_bytes(shared_data):
    from patchwork_atlas.families.ice287g.fetch import FetchError
    from patchwork_atlas.families.moa.fetch import check_pdf

    real = next((shared_data / "ice-287g-moa").glob("*.pdf")).read_bytes()
    check_pdf(real)
    for bad in (b"<!DOCTYPE html><html>Not found</html>", real[: len(real) // 2], b"PK\x03\x04"):
        with pytest.raises(FetchError):
            check_pdf(bad)


# Two agreements whose MOA links name PDFs held in ../shared (PDFs with a text layer: no OCR);
# the first one's addendum is not held there, so the stand-in server answers 404 for it.
MOA_FILES = ("287gWSO_LakeCoFl2019-10-15.pdf", "KansasBureauOfInv_TFM_MOA_02182025.pdf")


@pytest.fixture()
def small_registry(db, tmp_path):
    """A new database holding only the real agency and agreement rows of MOA_FILES."""
    from patchwork_atlas.families import open_database

    conn = open_database(tmp_path / "patchwork.sqlite")
    agreements = [dict(db.execute("SELECT * FROM agreements WHERE moa_url LIKE ?",
                                  (f"%/{name}",)).fetchone()) for name in MOA_FILES]
    assert len(agreements) == len(MOA_FILES)
    agencies = [dict(db.execute("SELECT * FROM agencies WHERE agency_id = ?",
                                (a["agency_id"],)).fetchone()) for a in agreements]
    for table, rows in (("agencies", agencies), ("agreements", agreements)):
        cols = list(rows[0])
        conn.executemany(f"INSERT INTO {table}({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",  # noqa: S608
                         [tuple(r[c] for c in cols) for r in rows])
    yield conn, tmp_path, agreements
    conn.close()


@pytest.fixture()
def server(monkeypatch, shared_data):
    """Patch the fetcher's HTTP client onto a stand-in for ice.gov; returns the requests seen."""
    from patchwork_atlas.families.moa import fetch as moa_fetch

    seen: list[httpx.Request] = []
    folder = shared_data / "ice-287g-moa"

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        name = unquote(request.url.path.rsplit("/", 1)[-1])
        file = folder / name
        if name.lower().endswith(".pdf") and file.is_file():
            return httpx.Response(200, content=file.read_bytes(),
                                  headers={"content-type": "application/pdf", "etag": '"x1"'})
        return httpx.Response(404, text="<html>Page not found</html>")

    real_client = moa_fetch.client
    monkeypatch.setattr(moa_fetch, "client",
                        lambda: real_client(transport=httpx.MockTransport(answer)))
    return seen


def test_fetch_is_polite_resumable_and_ingests_each_file(small_registry, server):
    from patchwork_atlas.families.moa.fetch import fetch_moas, listed_links
    from patchwork_atlas.ingest import ingest_files
    from patchwork_atlas.kernel.archive import Archive

    conn, tmp, agreements = small_registry
    archive = Archive(tmp / "data")
    links = listed_links(conn)
    assert len(links) == 3  # two MOA links and one addendum link

    # the CLI, capped at one file: the first link only
    code, out = cli("moa", "fetch", "--max", "1", "--db", str(tmp / "patchwork.sqlite"),
                    "--data-dir", str(tmp / "data"), "-q")
    assert code == 0, out
    assert [str(r.url) for r in server] == [links[0].url]
    assert "patchwork-atlas" in server[0].headers["user-agent"]
    assert "1 downloaded (1 ingested" in out and "2 still to fetch" in out

    def run() -> object:
        pauses: list[float] = []
        report = fetch_moas(conn, archive, lambda raws: ingest_files(conn, archive, raws),
                            delay=1.5, sleep=pauses.append)
        return report, pauses

    # resumed: the two links not yet archived, one at a time with a pause between them
    report, pauses = run()
    assert [str(r.url) for r in server[1:]] == [x.url for x in links[1:]]
    assert pauses == [1.5]
    assert report.already == 1 and report.downloaded == 1 and len(report.errors) == 1
    addendum = next(x for x in links if x.listed_as == "addendum")
    assert report.errors[0].startswith(addendum.url) and "404" in report.errors[0]
    assert report.remaining == 1 and report.ingest.count("ingested") == 1

    # what was stored: both MOAs, each linked through the list's own link, with its provenance
    held = {r["file_name"]: r["moa_id"] for r in conn.execute("SELECT file_name, moa_id FROM moas")}
    assert set(held) == set(MOA_FILES)
    by_url = {a["moa_url"]: a["agreement_id"] for a in agreements}
    for r in conn.execute("SELECT m.origin, l.agreement_id, l.method FROM moas m JOIN moa_links l"
                          " USING (moa_id)"):
        assert (r["agreement_id"], r["method"]) == (by_url[r["origin"]], "list_link")
    entries = [json.loads(line) for line in archive.manifest.read_text().splitlines()]
    assert {e["origin"] for e in entries} == set(by_url)
    assert all(e["provenance"] == {"listed_as": "moa", "published_url": e["origin"]}
               and e["outcome"] == "ingested" for e in entries)
    assert conn.execute("SELECT url FROM source_checks WHERE outcome = 'error'").fetchall()[0][0] == addendum.url

    # a third run asks only for the link that failed; nothing is ingested twice
    before = len(server)
    report, pauses = run()
    assert [str(r.url) for r in server[before:]] == [addendum.url]
    assert report.downloaded == 0 and report.ingest.count("ingested") == 0 and pauses == []
    assert conn.execute("SELECT count(*) FROM moas").fetchone()[0] == 2


def test_fetch_skips_urls_the_archive_already_holds(small_registry, server):
    """Resumable from the archive itself: a URL in the manifest (whatever became of the file)
    or in a sighting is not asked for again."""
    from patchwork_atlas.families.moa.fetch import archived_urls, listed_links, to_fetch
    from patchwork_atlas.kernel.archive import Archive

    conn, tmp, _ = small_registry
    archive = Archive(tmp / "data")
    links = listed_links(conn)
    assert to_fetch(links, archived_urls(conn, archive)) == links
    raw = archive.store_bytes(b"%PDF-1.4 not an MOA %%EOF", origin=links[0].url, file_name="x.pdf")
    archive.record(raw, "rejected", "not a publication Patchwork knows")
    assert to_fetch(links, archived_urls(conn, archive)) == links[1:]
    assert to_fetch(links, archived_urls(conn, archive), max_files=1) == links[1:2]
    assert isinstance(conn, sqlite3.Connection) and server == []
