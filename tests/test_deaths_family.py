"""Issue 15: deaths in ICE custody as a family, linked to facilities and counties, on the pages,
the API, the CLI and the downloads (the session's ingest of the real ../shared/data)."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402

from conftest import copy_database  # noqa: E402

VERIFIED = Path(__file__).parent / "data" / "deaths_verified.csv"
STEWART = "13259"  # Stewart County, GA: Stewart Detention Center, Lumpkin (several reports)
NO_FACILITY = "56045"  # Weston County, WY: no facility of ICE's statistics


@pytest.fixture(scope="module")
def client(ingested_db: Path) -> TestClient:
    from patchwork_atlas.web.app import create_app

    return TestClient(create_app(ingested_db, data_dir=ingested_db.parent / "data"))


def test_79_files_give_78_stored_and_1_known(db, shared_data):
    pdfs = sorted((shared_data / "ice-deaths").glob("*.pdf"))
    assert len(pdfs) == 79
    stored = db.execute("SELECT kind, count(*) FROM raw_files WHERE family = 'deaths' GROUP BY kind")
    assert dict(stored.fetchall()) == {"ddr": 77, "foia_list": 1}
    sightings = db.execute(
        "SELECT count(*) FROM file_sightings s JOIN raw_files r USING (sha256)"
        " WHERE r.family = 'deaths'").fetchone()[0]
    assert sightings == 79  # the FOIA list twice, under two names: one stored, one known
    kinds = dict(db.execute("SELECT kind, count(*) FROM deaths GROUP BY kind").fetchall())
    assert kinds == {"ddr": 77, "foia_list": 172}


def test_every_report_has_date_and_facility_or_a_review_reason(db):
    for d in db.execute("SELECT d.*, l.review_reason link_review FROM deaths d"
                        " JOIN death_links l USING (death_id) WHERE kind = 'ddr'"):
        assert d["date_of_death"] is not None, d["death_id"]
        assert d["facility_printed"] or d["link_review"], d["death_id"]
    labels = {r[0] for r in db.execute("SELECT DISTINCT death_date_label FROM deaths WHERE kind = 'ddr'")}
    assert {"Date of Death", "Date of Neurologic Death", "Date"} <= labels


def test_ninety_percent_of_reports_linked_to_a_facility_with_a_county(db):
    from patchwork_atlas.families.deaths.family import review_queue

    rows = db.execute(
        "SELECT l.* FROM deaths d JOIN death_links l USING (death_id)"
        " WHERE d.kind = 'ddr' AND d.fiscal_year BETWEEN 2018 AND 2025").fetchall()
    placed = [r for r in rows if r["facility_id"] and r["county_fips"]]
    assert len(rows) == 77 and len(placed) / len(rows) >= 0.9
    queued = {r["death_id"] for r in review_queue(db)}
    assert {r["death_id"] for r in rows if not r["county_fips"]} <= queued
    assert all(r["review_reason"] for r in rows if not r["facility_id"])


def test_hand_verified_deaths_with_their_county(db):
    rows = list(csv.DictReader(VERIFIED.open(encoding="utf-8")))
    assert len(rows) >= 15
    for row in rows:
        d = db.execute(
            "SELECT d.*, l.county_fips FROM deaths d JOIN death_links l USING (death_id)"
            " WHERE d.sha256 = ?", (row["sha256"],)).fetchone()
        got = (d["date_of_death"], str(d["age"]), d["facility_printed"] or "", d["county_fips"] or "")
        assert got == (row["date_of_death"], row["age"], row["facility"], row["county_fips"]), row["name"]


def test_values_keep_page_and_span_of_the_printed_text(db, shared_data):
    import pypdfium2 as pdfium

    by_sha = {}
    for p in (shared_data / "ice-deaths").glob("*.pdf"):
        by_sha.setdefault(hashlib.sha256(p.read_bytes()).hexdigest(), p)
    checked = 0
    for v in db.execute("SELECT v.*, d.sha256 FROM death_values v JOIN deaths d USING (death_id)"
                        " ORDER BY d.sha256, v.death_id, v.field LIMIT 400"):
        doc = pdfium.PdfDocument(str(by_sha[v["sha256"]]))
        text = doc[v["page"] - 1].get_textpage().get_text_range()
        assert text[v["span_start"]:v["span_end"]] == v["text"], dict(v)
        doc.close()
        checked += 1
    assert checked == 400


def test_foia_list_scope_is_the_headings_and_coverage_says_what_is_missing(db):
    from patchwork_atlas.families.deaths.family import coverage

    cov = coverage(db)
    assert cov["foia_list"]["scope_from"] == "2003-10-01" and cov["foia_list"]["scope_to"] == "2017-06-05"
    assert cov["foia_list"]["rows"] == 172
    assert (cov["reports"]["first"], cov["reports"]["last"]) == ("2018-04-10", "2025-09-22")
    assert cov["gap"] == {"from": "2017-06-06", "to": "2018-04-09"}
    url = db.execute("SELECT published_url FROM death_files WHERE kind = 'foia_list'").fetchone()[0]
    assert url.startswith("https://www.ice.gov/")


def test_county_page_with_a_death_shows_it(client, db):
    stewart = db.execute(
        "SELECT d.date_of_death, df.published_url, d.sha256 FROM deaths d JOIN death_links l"
        " USING (death_id) JOIN death_files df USING (sha256) WHERE l.county_fips = ?"
        " AND d.kind = 'ddr' ORDER BY d.date_of_death DESC", (STEWART,)).fetchall()
    assert len(stewart) >= 5
    html = client.get(f"/county/{STEWART}").text
    assert "Deaths reported by ICE" in html and "not a complete count" in html
    assert stewart[0]["published_url"] in html and f"/downloads/raw/{stewart[0]['sha256']}" in html
    assert "Jun 7, 2025" in html  # the date of the newest report there, as the page prints it
    es = client.get(f"/es/county/{STEWART}").text
    assert "Muertes informadas por ICE" in es


def test_county_page_without_a_death_says_no_report_is_held(client):
    html = client.get(f"/county/{NO_FACILITY}").text
    assert "No report by ICE of a death in its custody at a facility here is held" in html
    assert "does not mean that no one died" in html
    assert "2003" in html and "2025" in html  # the covered periods are stated


def test_state_page_section(client, db):
    html = client.get("/state/GA").text
    n = db.execute("SELECT count(*) FROM death_links WHERE state_usps = 'GA'").fetchone()[0]
    assert "Deaths reported by ICE" in html and n >= 10
    assert html.count("/downloads/raw/") >= n


def test_facility_page_gathers_yearly_figures_and_deaths(client):
    html = client.get("/facility/fac-stwrtga").text
    assert "STEWART DETENTION CENTER" in html and "People held on an average day" in html
    assert "2025" in html and "Phoebe Sumter" in html
    assert client.get("/facility/fac-none-such").status_code == 404
    assert client.get("/facility/..%2Fetc").status_code == 404


def test_national_table_filters(client, db):
    all_rows = client.get("/deaths").text
    assert all_rows.count("<tr>") == 1 + db.execute("SELECT count(*) FROM deaths").fetchone()[0]
    ga25 = client.get("/deaths?year=2025&state=GA").text
    want = db.execute("SELECT count(*) FROM deaths d JOIN death_links l USING (death_id)"
                      " WHERE d.fiscal_year = 2025 AND l.state_usps = 'GA'").fetchone()[0]
    assert ga25.count("<tr>") == 1 + want and want >= 2
    bop = client.get("/deaths?type=BOP").text
    assert bop.count("<tr>") > 20
    assert client.get("/deaths?year=abc&state=<x>").status_code == 200


def test_api_cli_and_download_agree(client, ingested_db):
    from patchwork_atlas.cli import main
    from patchwork_atlas.families.deaths.family import DEATH_COLUMNS

    api = client.get("/api/v1/deaths?state=GA&limit=1000").json()
    assert api["pagination"]["total"] == len(api["data"]) >= 10
    assert all(r["state_usps"] == "GA" and list(r) == list(DEATH_COLUMNS) for r in api["data"])
    assert api["coverage"]["gap"]["from"] == "2017-06-06"
    assert client.get("/api/v1/deaths?state=Georgia").status_code == 400
    runner = CliRunner()
    out = runner.invoke(main, ["deaths", "--state", "ga", "--format", "json", "--db", str(ingested_db)])
    assert out.exit_code == 0, out.output
    assert [r["death_id"] for r in json.loads(out.output)] == [r["death_id"] for r in api["data"]]
    csv_out = runner.invoke(main, ["deaths", "--format", "csv", "--db", str(ingested_db)])
    assert csv_out.output == client.get("/downloads/deaths.csv").text
    assert csv_out.output.split("\n", 1)[0].split(",") == list(DEATH_COLUMNS)
    one = runner.invoke(main, ["deaths", "--facility", "fac-stwrtga", "--db", str(ingested_db)])
    by_api = client.get("/api/v1/deaths?facility=fac-stwrtga").json()["pagination"]["total"]
    assert one.output.count("\n") - 1 == by_api >= 5
    assert "/api/v1/deaths" in client.get("/api/v1/openapi.json").json()["paths"]


def test_damaged_report_is_rejected_and_leaves_the_database_unchanged(ingested_db, shared_data, tmp_path):
    from patchwork_atlas.families import open_database
    from patchwork_atlas.ingest import ingest_files, read_local
    from patchwork_atlas.kernel.archive import Archive

    dbfile = copy_database(ingested_db, tmp_path / "copy.sqlite")
    source = next((shared_data / "ice-deaths").glob("ddr*.pdf")).read_bytes()
    damaged = tmp_path / "in" / "report.pdf"
    damaged.parent.mkdir()
    damaged.write_bytes(source[: len(source) // 2])
    conn = open_database(dbfile)
    before = conn.execute("SELECT count(*) FROM deaths").fetchone()[0]
    archive = Archive(tmp_path / "data")
    report = ingest_files(conn, archive, read_local(archive, [damaged.parent]))
    assert [o.status for o in report.outcomes] == ["rejected"]
    assert "\n" not in report.outcomes[0].detail
    assert conn.execute("SELECT count(*) FROM deaths").fetchone()[0] == before
    conn.close()
    shutil.rmtree(tmp_path / "data")


def test_corrections_name_facilities_that_exist_and_give_a_reason(db):
    from patchwork_atlas.families.deaths.family import facility_corrections

    ids = {r[0] for r in db.execute("SELECT facility_id FROM facilities")}
    for (name, _state), row in facility_corrections().items():
        assert row["facility_id"] in ids, name
        assert len(row["reason"]) > 20, name


def test_no_narrative_and_names_only_from_the_documents(db):
    """The stored values are the fields the issue lists; no narrative text is kept beyond the
    sentence that dates a book-in or transfer."""
    fields = {r[0] for r in db.execute("SELECT DISTINCT field FROM death_values")}
    assert fields <= {
        "name", "date_of_death", "age", "sex", "gender", "citizenship", "field_office", "facility",
        "facility_city", "facility_state", "place_of_death", "place_of_death_city",
        "place_of_death_state", "custody_event_date", "custody_event_text", "row_number",
        "country_of_birth", "facility_type",
    }


def test_links_are_rebuilt_when_only_detention_is_re_derived(ingested_db, tmp_path):
    """deaths.derive reads detention's facilities: it runs after detention, and again whenever
    detention is re-derived even if no deaths file changed."""
    from patchwork_atlas.families import open_database
    from patchwork_atlas.ingest import ingest_files
    from patchwork_atlas.kernel.archive import Archive

    conn = open_database(copy_database(ingested_db, tmp_path / "copy.sqlite"))
    before = conn.execute("SELECT count(*) FROM death_links WHERE facility_id IS NOT NULL").fetchone()[0]
    with conn:
        conn.execute("DELETE FROM death_links")
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('dirty:detention', '1')")
    ingest_files(conn, Archive(tmp_path / "data"), [])
    after = conn.execute("SELECT count(*) FROM death_links WHERE facility_id IS NOT NULL").fetchone()[0]
    conn.close()
    assert after == before > 150
