"""Issue 16: data a journalist can cite, join and correct (on the real ingested data)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sqlite3
import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402

from conftest import copy_database  # noqa: E402

# The parts of the Frictionless Data Package / Table Schema specs a consumer relies on.
DATAPACKAGE_SCHEMA = {
    "type": "object", "required": ["name", "resources"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9._-]+$"},
        "profile": {"const": "tabular-data-package"},
        "created": {"type": "string", "format": "date-time"},
        "licenses": {"type": "array", "minItems": 1},
        "resources": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["name", "path", "schema"],
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z0-9._-]+$"},
                "path": {"type": "string", "pattern": r"^[^/\\]+\.csv$"},
                "profile": {"const": "tabular-data-resource"},
                "bytes": {"type": "integer", "minimum": 1},
                "schema": {"type": "object", "required": ["fields"], "properties": {"fields": {
                    "type": "array", "minItems": 1, "items": {
                        "type": "object", "required": ["name", "type", "description"],
                        "properties": {
                            "name": {"type": "string", "minLength": 1},
                            "type": {"enum": ["string", "integer", "number", "boolean", "date"]},
                            "description": {"type": "string", "minLength": 10}}}}}}}}},
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def client(ingested_db: Path) -> TestClient:
    from patchwork_atlas.web.app import create_app

    return TestClient(create_app(ingested_db, data_dir=ingested_db.parent / "data"))


def _csv(client: TestClient, name: str) -> list[dict[str, str]]:
    r = client.get(f"/downloads/{name}.csv")
    assert r.status_code == 200, name
    return list(csv.DictReader(io.StringIO(r.text)))


def test_every_published_column_is_described():
    """Iterates over read.tables.TABLES, so a table added by any family is covered."""
    from patchwork_atlas.read import dictionary

    missing = dictionary.undocumented()
    assert missing == [], f"columns without a description in read/dictionary.py: {', '.join(missing)}"


def test_downloads_match_the_dictionary_and_datapackage(client):
    import jsonschema

    from patchwork_atlas.read import dictionary, tables

    package = client.get("/downloads/datapackage.json").json()
    jsonschema.validate(package, DATAPACKAGE_SCHEMA, format_checker=jsonschema.FormatChecker())
    resources = {r["path"]: r for r in package["resources"]}
    assert set(resources) == {f"{n}.csv" for n in tables.TABLES}
    undocumented = []
    for name in tables.TABLES:
        r = client.get(f"/downloads/{name}.csv")
        header = next(csv.reader(io.StringIO(r.text)))
        fields = resources[f"{name}.csv"]["schema"]["fields"]
        assert [f["name"] for f in fields] == header, name
        undocumented += [f"{name}.{c}" for c in header if dictionary.describe(name, c) is None]
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert resources[f"{name}.csv"]["bytes"] == len(r.content)
        for f in fields:  # every value is of its declared type; no JSON in a cell
            for row in rows:
                v = row[f["name"]]
                if not v:
                    continue
                assert not re.match(r"^'?[\[{]", v), (name, f["name"], v)
                if f["type"] == "integer":
                    int(v)
                elif f["type"] == "number":
                    float(v)
                elif f["type"] == "date":
                    dt.date.fromisoformat(v)
    assert undocumented == []
    page = client.get("/downloads").text
    for name in tables.TABLES:
        assert f'id="dict-{name}"' in page and f"/downloads/{name}.csv" in page
    assert "KB" in page and "datapackage.json" in page
    assert "from None" not in client.get("/downloads/agreements.csv").text


def test_agencies_and_facilities_join_to_county_geojson(client):
    counties = {f["properties"]["fips"] for f in client.get("/downloads/counties.geojson").json()["features"]}
    for name in ("agencies", "facilities", "legal_help_offices", "agreements"):
        rows = _csv(client, name)
        placed = [r for r in rows if r["county_fips"]]
        assert len(placed) > 0.8 * len(rows), name
        unjoined = [r["county_fips"] for r in placed if r["county_fips"] not in counties]
        assert unjoined == [], (name, unjoined[:5])
        assert {"state_fips", "county_fips"} <= set(rows[0])
    agencies = _csv(client, "agencies")
    assert {"level", "place", "place_method", "place_review", "county_cell"} <= set(agencies[0])
    assert {r["level"] for r in agencies} <= {"state", "county", "municipal", "other"}


@pytest.mark.parametrize("url", [
    "/api/v1/events?since=2025-13-45", "/api/v1/events?until=2025-02-30",
    "/api/v1/agreements?as_of=2026-00-10",
])
def test_date_parameters_must_be_real_dates(client, url):
    r = client.get(url)
    assert r.status_code == 400
    assert "not a real date" in r.json()["error"]["message"]


def test_api_page_lists_every_endpoint_with_an_example(client):
    from patchwork_atlas.api.openapi import document

    page = client.get("/api").text
    for path in document()["paths"]:
        assert f"GET {path}</code>" in page, path
    assert "/api/v1/facilities" in page and "/api/v1/legal-help?q=" in page


def test_every_page_and_api_answer_carries_a_citation(client):
    for url in ("/", "/downloads", "/api", "/changes", "/corrections", "/county/48201"):
        html = client.get(url).text
        m = re.search(r'<p class="citation".*?</p>', html, re.S)
        assert m and "as_of=" in m.group(0) and "ice.gov" in m.group(0), url
    body = client.get("/api/v1/agreements?state=TX&limit=1&as_of=2025-06-01").json()
    assert body["citation"]["as_of"] == "2025-06-01"
    assert body["citation"]["url"].endswith("as_of=2025-06-01") and body["citation"]["sources"]
    assert client.get("/api/v1/summary").json()["citation"]["as_of"]


def test_no_absolute_server_path_in_answers_pages_or_downloads(client, ingested_db, shared_data):
    roots = {str(shared_data.resolve()), str(ingested_db.parent.resolve()), str(Path.home())}
    roots |= {"/work/", "/tmp/"}
    answers = [client.get("/api/v1/publications?limit=1000").content]
    answers += [client.get(u).content for u in ("/downloads", "/api", "/downloads/datapackage.json")]
    answers += [client.get(f"/downloads/{n}.csv").content for n in ("agreements", "facilities", "events")]
    for body in answers:
        assert not any(root.encode() in body for root in roots)
    files = client.get("/api/v1/publications?limit=5").json()["data"][0]["files"]
    assert files and all("/" not in f["origin"] or f["origin"].startswith("https://") for f in files)
    snapshot = client.get("/downloads/patchwork.sqlite").content
    assert not any(root.encode() in snapshot for root in roots)


# ---- reports ------------------------------------------------------------------------------


@pytest.fixture()
def private(ingested_db: Path, tmp_path: Path):
    """A private copy of the database and data directory (these tests write)."""
    from patchwork_atlas.web.app import create_app

    db = copy_database(ingested_db, tmp_path / "patchwork.sqlite")
    data = tmp_path / "data"
    return db, data, TestClient(create_app(db, data_dir=data), follow_redirects=False)


def _token(client: TestClient, fact: str) -> str:
    html = client.get("/report", params={"fact": fact}).text
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def _stored(data: Path) -> int:
    file = data / "reports.sqlite"
    if not file.exists():
        return 0
    with sqlite3.connect(file) as conn:
        return conn.execute("SELECT count(*) FROM reports").fetchone()[0]


def test_reports_are_refused_with_clear_messages_and_store_nothing(private, db):
    _db, data, client = private
    agreement_id = db.execute("SELECT agreement_id FROM agreements LIMIT 1").fetchone()[0]
    fact = f"agreement:{agreement_id}"
    token = _token(client, fact)
    big = client.post("/report", data={"fact": fact, "token": token, "what": "x" * 100_000, "source": "s"})
    assert big.status_code == 413 and "too long" in big.text and _stored(data) == 0
    no_token = client.post("/report", data={"fact": fact, "what": "wrong", "source": "s"})
    assert no_token.status_code == 403 and "security token" in no_token.text and _stored(data) == 0
    forged = client.post("/report", data={"fact": fact, "token": token[:-4] + "0000", "what": "w", "source": "s"})
    assert forged.status_code == 403 and _stored(data) == 0
    codes = [client.post("/report", data={"fact": fact, "token": token, "what": f"w{i}", "source": "s"}).status_code
             for i in range(50)]
    assert codes.count(200) == 5 and codes[5:] == [429] * 45 and _stored(data) == 5
    refused = client.post("/report", data={"fact": fact, "token": token, "what": "w", "source": "s"})
    assert "too many reports" in refused.text
    with sqlite3.connect(data / "reports.sqlite") as conn:  # no address is stored
        dump = "\n".join(conn.iterdump())
    assert "testclient" not in dump and "127.0.0.1" not in dump
    assert client.put("/report").status_code == 405 and client.post("/downloads").status_code == 405


def test_an_accepted_placement_is_applied_by_ingest_without_a_new_file(private, db):
    """accept -> corrections/accepted.csv -> ingest (no new file) re-derives -> page and table."""
    from click.testing import CliRunner

    from patchwork_atlas.cli import main
    from patchwork_atlas.families import open_database
    from patchwork_atlas.ingest import ingest_files
    from patchwork_atlas.kernel.archive import Archive

    path, data, client = private
    agency, was = db.execute("SELECT agency_id, county_fips FROM agency_jurisdictions WHERE level = 'county'"
                             " AND state_fips = '48' AND county_fips != '48157' LIMIT 1").fetchone()
    token = _token(client, f"agency:{agency}")
    assert client.post("/report", data={"fact": f"agency:{agency}", "token": token, "what": "wrong county",
                                        "source": "https://example.org/x"}).status_code == 200
    runner = CliRunner()
    bad = runner.invoke(main, ["reports", "accept", "1", "--table", "agency_placement", "--key", agency,
                               "--value", "level=county;county_fips=99999", "--reason", "r", "--source", "s",
                               "--data-dir", str(data), "--db", str(path)])
    assert bad.exit_code != 0 and "not a county FIPS" in bad.output
    ok = runner.invoke(main, ["reports", "accept", "1", "--table", "agency_placement", "--key", agency,
                              "--value", "level=county;county_fips=48157", "--reason", "wrong county",
                              "--source", "https://example.org/x", "--data-dir", str(data), "--db", str(path)])
    assert ok.exit_code == 0, ok.output
    conn = open_database(path)
    ingest_files(conn, Archive(data), [])
    row = conn.execute("SELECT county_fips, method FROM agency_jurisdictions WHERE agency_id = ?", (agency,)).fetchone()
    assert tuple(row) == ("48157", "local_correction")
    ingest_files(conn, Archive(data), [])  # unchanged file: nothing re-derived
    assert conn.execute("SELECT count(*) FROM meta WHERE key LIKE 'dirty:%'").fetchone()[0] == 0
    conn.close()
    agencies = {r["agency_id"]: r for r in _csv(client, "agencies")}
    assert agencies[agency]["county_fips"] == "48157"
    page = client.get("/corrections").text
    assert f"level=county;county_fips={was}" in page and "48157" in page and "wrong county" in page
    assert "urn:patchwork:correction:1" in client.get("/feeds/corrections.atom").text
    listed = runner.invoke(main, ["reports", "list", "--data-dir", str(data)])
    assert ",accepted," in listed.output


def test_an_accepted_facility_county_is_applied_by_ingest(private, db):
    from click.testing import CliRunner

    from patchwork_atlas.cli import main
    from patchwork_atlas.families import open_database
    from patchwork_atlas.ingest import ingest_files
    from patchwork_atlas.kernel.archive import Archive

    path, data, client = private
    facility, was = db.execute("SELECT facility_id, county_fips FROM facilities WHERE state_usps = 'TX'"
                               " AND county_fips != '48157' ORDER BY facility_id LIMIT 1").fetchone()
    token = _token(client, f"facility:{facility}")
    assert client.post("/report", data={"fact": f"facility:{facility}", "token": token, "what": "county",
                                        "source": "s"}).status_code == 200
    ok = CliRunner().invoke(main, ["reports", "accept", "1", "--table", "facility_county", "--key", facility,
                                   "--value", "48157", "--reason", "the address is in Fort Bend County",
                                   "--source", "s", "--data-dir", str(data), "--db", str(path)])
    assert ok.exit_code == 0, ok.output
    conn = open_database(path)
    ingest_files(conn, Archive(data), [])
    assert tuple(conn.execute("SELECT county_fips, place_method FROM facilities WHERE facility_id = ?",
                              (facility,)).fetchone()) == ("48157", "local_correction")
    conn.close()
    rows = {r["facility_id"]: r for r in _csv(client, "facilities")}
    assert rows[facility]["county_fips"] == "48157" and rows[facility]["place_method"] == "local_correction"
    page = client.get("/corrections").text
    assert was in page and "Fort Bend" in page
