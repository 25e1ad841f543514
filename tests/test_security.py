"""Script, SQL and formula text planted in a copy of a real ICE sheet comes out inert everywhere
it is shown: pages, API, feeds and CSV downloads (issue 6)."""

from __future__ import annotations

import csv
import io
import shutil
import warnings
import xml.etree.ElementTree as ET

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*")
openpyxl = pytest.importorskip("openpyxl")
from starlette.testclient import TestClient  # noqa: E402

SCRIPT = '<script>alert("pw")</script> Sheriff\'s Office'
SQL = "Robert'); DROP TABLE agreements;-- Police Department"
FORMULA = '=HYPERLINK("http://example.invalid","x") Police Department'
ATTRIBUTE = '"><img src=x onerror=alert(1)> County Sheriff\'s Office'
PAYLOADS = (SCRIPT, SQL, FORMULA, ATTRIBUTE)


@pytest.fixture(scope="module")
def planted(tmp_path_factory, shared_data):
    from patchwork_atlas.families import open_database as connect
    from patchwork_atlas.ingest import ingest_files, read_local
    from patchwork_atlas.kernel.archive import Archive
    from patchwork_atlas.web.app import create_app

    tmp = tmp_path_factory.mktemp("planted")
    folder = shared_data / "ice-287g" / "publications" / "ice-xlsx"
    sheets = []
    for name in ("participatingAgencies03272026am.xlsx", "pendingAgencies02272026am.xlsx"):
        src = folder / name
        if not src.exists():
            src = sorted(folder.glob(name[:-16] + "*.xlsx"))[-1]
        dest = tmp / src.name
        shutil.copy(src, dest)
        book = openpyxl.load_workbook(dest)
        sheet = book.worksheets[0]
        agency_col = [c.value for c in sheet[1]].index("LAW ENFORCEMENT AGENCY") + 1
        for row, payload in enumerate(PAYLOADS, start=2):
            cell = sheet.cell(row=row, column=agency_col, value=payload)
            cell.data_type = "s"  # text, as ICE would type it, not a formula for openpyxl to write
        book.save(dest)
        sheets.append(dest)
    db = tmp / "planted.sqlite"
    archive = Archive(tmp / "data")
    conn = connect(db)
    report = ingest_files(conn, archive, read_local(archive, sheets))
    assert report.count("ingested") == 2, report.outcomes
    ids = [r[0] for r in conn.execute(
        "SELECT agency_id FROM agencies WHERE name IN (?,?,?,?) ORDER BY name = ? DESC, agency_id",
        (*PAYLOADS, SCRIPT))]  # the script payload first
    conn.close()
    assert len(ids) >= 4  # the same names may sit in different states on the two lists
    return TestClient(create_app(db, data_dir=tmp / "data"), follow_redirects=False), ids, db


def _inert_html(text: str) -> None:
    assert "<script>alert" not in text
    assert "<img src=x" not in text
    assert 'onerror=alert' not in text or "&#34;&gt;&lt;img" in text or "&quot;&gt;&lt;img" in text


def test_pages_escape_planted_text(planted):
    client, ids, _db = planted
    pages = ["/", "/state/AL", "/changes", "/search?q=%3Cscript%3E", *[f"/agency/{i}" for i in ids]]
    for path in pages:
        response = client.get(path)
        assert response.status_code in (200, 300, 404), path
        _inert_html(response.text)
    agency_page = client.get(f"/agency/{ids[0]}").text
    assert "&lt;script&gt;" in agency_page  # shown, as text


def test_api_returns_planted_text_as_data(planted):
    client, ids, _db = planted
    response = client.get(f"/api/v1/agencies/{ids[0]}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["data"]["name"] == SCRIPT
    assert response.headers.get("x-content-type-options") == "nosniff"


def test_feeds_escape_planted_text(planted):
    client, _ids, _db = planted
    response = client.get("/feeds/events.atom")
    assert response.status_code == 200
    ET.fromstring(response.content)  # well-formed: nothing broke out of its element
    assert b"<script>" not in response.content


def test_csv_downloads_are_safe_from_formula_injection(planted):
    client, _ids, _db = planted
    response = client.get("/downloads/agencies.csv")
    assert response.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(response.text)) for cell in row]
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)


def test_sql_text_did_not_execute(planted):
    import sqlite3

    _client, _ids, db = planted
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM agreements").fetchone()[0] > 100


def test_security_headers(planted):
    client, _ids, _db = planted
    headers = client.get("/").headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[-1].split(";")[0]
    assert headers["x-content-type-options"] == "nosniff"
    assert "referrer-policy" in headers
    assert "set-cookie" not in headers
