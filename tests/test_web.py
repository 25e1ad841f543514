"""Every web page, feed and download, on the real ingested data (no network)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import sqlite3
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402

from conftest import copy_database  # noqa: E402

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def client(ingested_db: Path) -> TestClient:
    from patchwork_atlas.web.app import create_app

    app = create_app(ingested_db, data_dir=ingested_db.parent / "data")
    return TestClient(app, follow_redirects=False)


def one(db: sqlite3.Connection, sql: str, *args):
    return db.execute(sql, args).fetchone()


def local_active(db: sqlite3.Connection):
    """A county with an active agreement of a county-level agency (a real row)."""
    return one(
        db,
        "SELECT c.county_fips, g.name, g.agency_id, a.agreement_id FROM agreements a"
        " JOIN agencies g USING (agency_id) JOIN agency_jurisdictions j USING (agency_id)"
        " JOIN agency_counties c USING (agency_id) WHERE a.status='active' AND j.level='county'"
        " ORDER BY c.county_fips LIMIT 1",
    )


# ---- home, map, headers ------------------------------------------------------------------------


def test_home_counts_map_and_asof(client, db):
    r = client.get("/")
    assert r.status_code == 200
    html = r.text
    active = one(db, "SELECT COUNT(*) FROM agreements WHERE status='active'")[0]
    assert f'<dd id="n-active">{active:,}</dd>' in html
    latest = one(db, "SELECT MAX(published_date) FROM publications WHERE list='participating'")[0]
    assert latest and latest[:4] in html
    assert html.count('<a href="/county/') > 3000  # every county is a link
    assert '<svg class="map"' in html and "<title" in html and "<desc" in html
    assert 'id="states-table"' in html  # the table alternative


def test_home_is_small_and_self_contained(client):
    r = client.get("/", headers={"accept-encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    raw = client.get("/", headers={"accept-encoding": "identity"}).content
    assert len(gzip.compress(raw)) <= 300 * 1024
    html = raw.decode()
    # No third-party loads: every script, stylesheet and image comes from this site.
    for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", html):
        assert "http://" not in tag and "https://" not in tag and "//" not in tag.replace("://", ""), tag
    assert "<script>" not in html  # no inline script (CSP forbids it)


def test_security_and_privacy_headers(client):
    r = client.get("/state/TX")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in r.headers
    assert client.post("/").status_code == 405


def test_etag_and_not_modified(client):
    r = client.get("/glossary")
    etag = r.headers["etag"]
    again = client.get("/glossary", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.head("/glossary").status_code == 200


# ---- state, county, place, ZIP --------------------------------------------------------------


def test_state_page(client, db):
    r = client.get("/state/TX")
    assert r.status_code == 200
    active = one(db, "SELECT COUNT(*) FROM agreements WHERE status='active' AND state_usps='TX'")[0]
    assert f'<dd id="n-active">{active:,}</dd>' in r.text
    assert '<svg class="chart chart-wide"' in r.text and "<details>" in r.text  # chart + its table
    assert '<svg class="map"' in r.text
    assert client.get("/state/tx").headers["location"] == "/state/TX"
    assert client.get("/state/ZZ").status_code == 404
    assert client.get("/state/..%2f..").status_code == 404


def test_county_profile_sections(client, db):
    fips, name, agency_id, _ = local_active(db)
    r = client.get(f"/county/{fips}")
    assert r.status_code == 200
    html = r.text
    for section in ("h-brief", "h-who", "h-pending", "h-changes", "h-help", "h-sources"):
        assert f'id="{section}"' in html
    assert f"/agency/{agency_id}" in html
    escaped = name.replace("&", "&amp;").replace("'", "&#39;").replace('"', "&#34;").replace("<", "&lt;")
    assert escaped in html
    assert client.get("/county/99999").status_code == 404
    assert client.get("/county/abc").status_code == 404


def test_search_zip_place_county_and_ambiguous(client):
    r = client.get("/search", params={"q": "77002"})
    assert r.status_code == 303 and r.headers["location"] == "/zip/77002"
    page = client.get("/zip/77002")
    assert page.status_code == 200 and "Harris County" in page.text
    r = client.get("/search", params={"q": "Harris County, TX"})
    assert r.headers["location"] == "/county/48201"
    r = client.get("/search", params={"q": "Houston, TX"})
    assert r.headers["location"] == "/place/TX/Houston"
    assert client.get("/place/TX/Houston").status_code == 200
    r = client.get("/search", params={"q": "Fairview, TX"})  # two places of that name
    assert r.status_code == 200 and 'class="choices"' in r.text
    links = re.findall(r'<a href="(/place/TX/Fairview\?county=[^"]+)"', r.text)
    assert len(links) >= 2
    assert client.get(links[0].replace("&amp;", "&")).status_code == 200
    r = client.get("/search", params={"q": "<script>alert(1)</script>"})
    assert r.status_code == 200 and "<script>alert" not in r.text
    assert client.get("/zip/00000").status_code == 404


def test_search_agency_name(client, db):
    name = one(db, "SELECT name FROM agencies WHERE name LIKE '%Sheriff%' ORDER BY state_usps, name LIMIT 1")[0]
    r = client.get("/search", params={"q": "Sheriff"})
    assert r.status_code == 200 and "/agency/ag-" in r.text
    assert name.split()[0] in r.text


# ---- agency, agreement, changes --------------------------------------------------------------


def test_agency_and_agreement_pages(client, db):
    _, _, agency_id, agreement_id = local_active(db)
    assert client.get(f"/agency/{agency_id}").status_code == 200
    r = client.get(f"/agreement/{agreement_id}")
    assert r.status_code == 200
    sightings = one(db, "SELECT COUNT(*) FROM agreement_sightings WHERE agreement_id=?", agreement_id)[0]
    assert r.text.count('href="/downloads/raw/') >= min(sightings, 1)
    assert client.get("/agency/ag-ffffffffffff").status_code == 404
    assert client.get("/agreement/not-an-id").status_code == 404


def test_changes_filter_and_pages(client, db):
    r = client.get("/changes", params={"state": "TX"})
    assert r.status_code == 200
    total = one(db, "SELECT COUNT(*) FROM events WHERE state_usps='TX' AND kind != 'moa_posted'")[0]
    assert f"{total:,} change" in r.text
    assert client.get("/changes", params={"kind": "'; DROP TABLE events;--"}).status_code == 200
    assert client.get("/changes", params={"page": "2"}).status_code == 200
    assert client.get("/changes", params={"page": "x"}).status_code == 200


@pytest.mark.parametrize("path", ["/glossary", "/methodology", "/downloads", "/api"])
def test_static_pages(client, path):
    assert client.get(path).status_code == 200


# ---- languages --------------------------------------------------------------------------------


def test_spanish_by_prefix_header_and_cookie(client):
    r = client.get("/es/state/TX")
    assert r.status_code == 200 and '<html lang="es">' in r.text and "Acuerdos activos" in r.text
    assert 'href="/es/changes"' in r.text  # links keep the language
    r = client.get("/state/TX", headers={"accept-language": "es-MX,es;q=0.9,en;q=0.5"})
    assert '<html lang="es">' in r.text
    r = client.get("/state/TX", headers={"accept-language": "fr, en;q=0.5"})
    assert '<html lang="en">' in r.text
    r = client.get("/lang/es", params={"next": "/state/TX"})
    assert r.status_code == 303 and r.headers["location"] == "/es/state/TX"
    assert "lang=es" in r.headers["set-cookie"]
    r = client.get("/lang/es", params={"next": "//evil.example/"})
    assert r.headers["location"] == "/es/"
    fresh = TestClient(client.app, follow_redirects=False)
    fresh.cookies.set("lang", "es")
    assert '<html lang="es">' in fresh.get("/glossary").text


def test_data_vocabulary_translated(client, db):
    r = client.get("/es/glossary")
    assert "Modelo de cárcel (JEM)" in r.text and "Nuevo acuerdo" in r.text
    kinds = {row[0] for row in db.execute("SELECT DISTINCT kind FROM events")}
    models = {row[0] for row in db.execute("SELECT DISTINCT model FROM agreements")}
    statuses = {row[0] for row in db.execute("SELECT DISTINCT status FROM agreements")}
    rules = {row[0] for row in db.execute("SELECT DISTINCT date_rule FROM publications")}
    app_statuses = {row[0] for row in db.execute("SELECT DISTINCT status FROM applications")}
    from patchwork_atlas.kernel.i18n import catalog

    for lang in ("en", "es"):
        cat = catalog(lang)
        for kind in kinds:
            assert f"event:{kind}" in cat, (lang, kind)
        for status in statuses:
            assert f"status:{status}" in cat, (lang, status)
        for rule in rules:
            assert f"date_rule:{rule}" in cat, (lang, rule)
        for status in app_statuses:
            assert f"application_status:{status}" in cat, (lang, status)
        for model in models & {"JEM", "TFM", "WSO"}:
            assert f"model:{model}" in cat and f"model_does:{model}" in cat


def test_every_message_has_a_spanish_translation():
    from patchwork_atlas.kernel.catalogs import extract, missing

    assert len(extract()) > 100
    assert missing("es") == []
    assert missing("en") == []


# ---- feeds and downloads ---------------------------------------------------------------------


def test_atom_feeds(client, db):
    for path in ("/feeds/events.atom", "/feeds/state/TX.atom", "/es/feeds/events.atom"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
        feed = ET.fromstring(r.content)
        assert feed.tag == f"{ATOM}feed"
        entries = feed.findall(f"{ATOM}entry")
        assert entries and all(e.find(f"{ATOM}id").text.startswith("urn:patchwork:event:") for e in entries)
    fips = local_active(db)[0]
    assert client.get(f"/feeds/county/{fips}.atom").status_code == 200
    assert client.get("/feeds/state/ZZ.atom").status_code == 404
    assert client.get("/feeds/county/1.atom").status_code == 404


def test_table_downloads(client, db):
    r = client.get("/downloads/agreements.csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == one(db, "SELECT COUNT(*) FROM agreements")[0]
    assert {"agreement_id", "agency_name", "model", "status", "moa_url"} <= set(rows[0])
    assert all((row["agency_name"] or "x")[0] not in "=+-@" for row in rows)
    data = client.get("/downloads/events.json").json()
    assert len(data) == one(db, "SELECT COUNT(*) FROM events")[0]
    assert client.get("/downloads/agencies.csv").status_code == 200
    facilities = list(csv.DictReader(io.StringIO(client.get("/downloads/facilities.csv").text)))
    years = list(csv.DictReader(io.StringIO(client.get("/downloads/facility_years.csv").text)))
    assert facilities and len(years) > len(facilities)
    assert all(len(y["sha256"]) == 64 and y["fiscal_year"] for y in years)
    assert client.get("/downloads/secrets.csv").status_code == 404
    assert client.get("/downloads/agreements.xml").status_code == 404


def test_geojson_download(client, db):
    r = client.get("/downloads/counties.geojson")
    doc = r.json()
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) > 3000
    fips = local_active(db)[0]
    feature = next(f for f in doc["features"] if f["id"] == fips)
    assert feature["properties"]["active_models"]
    lon, lat = feature["geometry"]["coordinates"][0][0][0] if feature["geometry"]["type"] == "MultiPolygon" \
        else feature["geometry"]["coordinates"][0][0]
    assert -180 <= lon <= -60 and 15 <= lat <= 72


def test_sqlite_snapshot_is_consistent(client, db, tmp_path):
    r = client.get("/downloads/patchwork.sqlite")
    assert r.status_code == 200
    path = tmp_path / "snap.sqlite"
    path.write_bytes(r.content)
    snap = sqlite3.connect(path)
    assert snap.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for table in ("agreements", "events", "publications"):
        assert snap.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == one(  # noqa: S608
            db, f"SELECT COUNT(*) FROM {table}"  # noqa: S608
        )[0]


def test_raw_file_by_hash(client, db):
    sha = one(db, "SELECT canonical_sha256 FROM publications ORDER BY sort_key DESC LIMIT 1")[0]
    r = client.get(f"/downloads/raw/{sha}")
    assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == sha
    assert client.get("/downloads/raw/" + "0" * 64).status_code == 404
    assert client.get("/downloads/raw/..%2f..%2fetc%2fpasswd").status_code == 404


def test_serves_while_ingest_writes(ingested_db, tmp_path):
    """WAL: a writer holding a transaction does not block pages; a finished ingest (which
    marks the content changed in its last transaction) shows at once."""
    from patchwork_atlas.ingest import mark_content_changed
    from patchwork_atlas.web.app import create_app

    copy = copy_database(ingested_db, tmp_path / "copy.sqlite")
    wal = sqlite3.connect(copy)
    wal.execute("PRAGMA journal_mode=WAL")
    wal.close()
    c = TestClient(create_app(copy, data_dir=tmp_path), follow_redirects=False)
    before = c.get("/api/v1/events", params={"limit": 1}).json()["pagination"]["total"]
    writer = sqlite3.connect(copy, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM events WHERE event_id = (SELECT MIN(event_id) FROM events)")
    mark_content_changed(writer)
    assert c.get("/state/TX").status_code == 200  # reads go on during the write
    assert c.get("/api/v1/events", params={"limit": 1}).json()["pagination"]["total"] == before
    writer.execute("COMMIT")
    writer.close()
    assert c.get("/api/v1/events", params={"limit": 1}).json()["pagination"]["total"] == before - 1


def test_serve_command_needs_a_database(tmp_path):
    from click.testing import CliRunner

    from patchwork_atlas.cli import main

    result = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 1 and "no database" in result.output
    assert CliRunner().invoke(main, ["serve", "--port", "0"]).exit_code == 2


def test_home_map_has_a_jails_layer_without_javascript(client, db):
    plain = client.get("/")
    layered = client.get("/?layer=jails")
    assert 'class="fac"' not in plain.text and "?layer=jails" in plain.text
    circles = layered.text.count('class="fac"')
    counties = db.execute(
        "SELECT count(DISTINCT f.county_fips) FROM facilities f JOIN facility_figures ff USING (facility_id)"
        " WHERE ff.is_latest = 1 AND ff.fiscal_year = (SELECT max(fiscal_year) FROM facility_figures"
        " WHERE source_kind = 'stats_workbook') AND f.county_fips IS NOT NULL"
    ).fetchone()[0]
    assert 0 < circles <= counties and circles > counties * 0.9  # a few territories are off the map
    assert "Retuvo a personas para ICE" in client.get("/es/?layer=jails").text
