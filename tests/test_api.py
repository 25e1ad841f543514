"""The JSON API on the real ingested data: filters, as_of, pagination, errors, OpenAPI."""

from __future__ import annotations

import sqlite3
import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402


@pytest.fixture(scope="module")
def api(ingested_db: Path) -> TestClient:
    from patchwork_atlas.web.app import create_app

    return TestClient(create_app(ingested_db, data_dir=ingested_db.parent / "data"),
                      follow_redirects=False)


def count(db: sqlite3.Connection, sql: str, *args) -> int:
    return db.execute(sql, args).fetchone()[0]


def test_openapi_document_validates(api):
    from openapi_spec_validator import validate

    r = api.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    assert {"/api/v1/agreements", "/api/v1/agencies", "/api/v1/jurisdictions/{fips}",
            "/api/v1/lookup", "/api/v1/events", "/api/v1/publications"} <= set(doc["paths"])


def test_every_documented_route_answers(api, db):
    agreement = db.execute("SELECT agreement_id, agency_id FROM agreements LIMIT 1").fetchone()
    facility = db.execute("SELECT facility_id FROM facilities LIMIT 1").fetchone()
    moa = db.execute("SELECT moa_id FROM moas LIMIT 1").fetchone()
    fill = {"{agreement_id}": agreement[0], "{agency_id}": agreement[1], "{fips}": "48201",
            "{facility_id}": facility[0], "{moa_id}": moa[0], "{entry_id}": "us-ina-287g"}
    for path in api.get("/api/v1/openapi.json").json()["paths"]:
        url = path
        for key, value in fill.items():
            url = url.replace(key, value)
        params = {"q": "77002"} if path.endswith(("/lookup", "/legal-help")) else None
        params = {"q": "complaint"} if path.endswith("/moas/search") else params
        r = api.get(url, params=params)
        assert r.status_code == 200, (url, r.text[:200])
        assert r.headers["etag"] and r.headers["access-control-allow-origin"] == "*"


def test_agreements_filters_and_pagination(api, db):
    r = api.get("/api/v1/agreements", params={"state": "TX", "status": "active", "limit": 10})
    body = r.json()
    total = count(db, "SELECT COUNT(*) FROM agreements WHERE state_usps='TX' AND status='active'")
    assert body["pagination"]["total"] == total and len(body["data"]) == min(10, total)
    assert all(a["state_usps"] == "TX" and a["status"] == "active" for a in body["data"])
    seen = {a["agreement_id"] for a in body["data"]}
    nxt = body["pagination"]["next"]
    assert nxt.startswith("/api/v1/agreements?") and "offset=10" in nxt
    page2 = api.get(nxt).json()["data"]
    assert not seen & {a["agreement_id"] for a in page2}
    jem = api.get("/api/v1/agreements", params={"model": "JEM", "limit": 1}).json()
    assert jem["pagination"]["total"] == count(db, "SELECT COUNT(*) FROM agreements WHERE model='JEM'")


def test_agreements_as_of_a_date(api, db):
    pub = db.execute(
        "SELECT publication_id, published_date FROM publications WHERE list='participating'"
        " AND published_date IS NOT NULL ORDER BY sort_key LIMIT 1 OFFSET 5"
    ).fetchone()
    r = api.get("/api/v1/agreements", params={"as_of": pub["published_date"], "limit": 1000}).json()
    chosen = r["as_of"]["publication"]["publication_id"]
    expected = count(db, "SELECT COUNT(*) FROM agreement_sightings WHERE publication_id=?", chosen)
    assert r["pagination"]["total"] == expected > 0
    assert r["as_of"]["publication"]["published_date"] <= pub["published_date"]
    early = api.get("/api/v1/agreements", params={"as_of": "1990-01-01"}).json()
    assert early["data"] == [] and early["as_of"]["publication"] is None


@pytest.mark.parametrize("query", [
    {"limit": "0"}, {"limit": "5000"}, {"limit": "ten"}, {"offset": "-1"}, {"state": "Texas"},
    {"state": "TX' OR 1=1 --"}, {"as_of": "2025-13"}, {"colour": "red"}, {"kind": "explosion"},
])  # fmt: skip
def test_bad_parameters_are_400_json(api, query):
    path = "/api/v1/events" if "kind" in query else "/api/v1/agreements"
    r = api.get(path, params=query)
    assert r.status_code == 400
    assert r.json()["error"]["status"] == 400 and r.headers["cache-control"] == "no-store"


def test_repeated_parameter_is_400(api):
    assert api.get("/api/v1/agreements?state=TX&state=FL").status_code == 400


def test_agencies_search_is_literal(api, db):
    r = api.get("/api/v1/agencies", params={"q": "sheriff", "state": "FL", "active": "true"}).json()
    assert r["data"] and all("sheriff" in a["name"].lower() and a["active_models"] for a in r["data"])
    assert api.get("/api/v1/agencies", params={"q": "%"}).json()["pagination"]["total"] == count(
        db, "SELECT COUNT(*) FROM agencies WHERE instr(name, '%') > 0"
    )
    one = r["data"][0]["agency_id"]
    detail = api.get(f"/api/v1/agencies/{one}").json()["data"]
    assert detail["agreements"] and detail["jurisdictions"]
    assert api.get("/api/v1/agencies/ag-000000000000").status_code == 404


def test_agreement_detail_has_provenance(api, db):
    agreement_id = db.execute("SELECT agreement_id FROM agreements ORDER BY n_publications DESC LIMIT 1").fetchone()[0]
    data = api.get(f"/api/v1/agreements/{agreement_id}").json()["data"]
    n = count(db, "SELECT COUNT(*) FROM agreement_sightings WHERE agreement_id=?", agreement_id)
    assert len(data["sightings"]) == n
    assert all(len(s["canonical_sha256"]) == 64 for s in data["sightings"])
    assert data["source_rows"] and {"sha256", "sheet", "row_number"} <= set(data["source_rows"][0])


def test_jurisdictions(api, db):
    state = api.get("/api/v1/jurisdictions/48").json()["data"]
    assert state["usps"] == "TX" and state["summary"]["active_agreements"] == count(
        db, "SELECT COUNT(*) FROM agreements WHERE state_usps='TX' AND status='active'")
    county = api.get("/api/v1/jurisdictions/48201").json()["data"]
    assert county["report"]["counties"][0]["fips"] == "48201"
    assert "agreements" in county["report"] and county["as_of"]["participating_as_of"]
    assert api.get("/api/v1/jurisdictions/99999").status_code == 404
    assert api.get("/api/v1/jurisdictions/4820").status_code == 400


def test_lookup(api):
    r = api.get("/api/v1/lookup", params={"q": "77002"}).json()["data"]
    assert r["report"]["place"]["kind"] == "zip" and r["report"]["counties"][0]["fips"] == "48201"
    assert api.get("/api/v1/lookup").status_code == 400
    ambiguous = api.get("/api/v1/lookup", params={"q": "Fairview, TX"})
    assert ambiguous.status_code == 300 and len(ambiguous.json()["candidates"]) >= 2
    assert api.get("/api/v1/lookup", params={"q": "Nowhere Special, TX"}).status_code == 404


def test_events_and_publications(api, db):
    r = api.get("/api/v1/events", params={"state": "FL", "kind": "agreement_listed", "limit": 5}).json()
    assert r["pagination"]["total"] == count(
        db, "SELECT COUNT(*) FROM events WHERE state_usps='FL' AND kind='agreement_listed'")
    dates = [e["event_date"] for e in r["data"]]
    assert dates == sorted(dates, reverse=True)
    since = api.get("/api/v1/events", params={"since": "2026-01-01", "limit": 1}).json()
    assert since["pagination"]["total"] == count(db, "SELECT COUNT(*) FROM events WHERE event_date >= '2026-01-01'")
    pubs = api.get("/api/v1/publications", params={"list": "pending", "limit": 1000}).json()
    assert pubs["pagination"]["total"] == count(db, "SELECT COUNT(*) FROM publications WHERE list='pending'")
    assert all(p["files"] for p in pubs["data"])


def test_cors_etag_and_cache(api):
    r = api.options("/api/v1/agreements", headers={"origin": "https://example.org",
                                                    "access-control-request-method": "GET"})
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == "*"
    r = api.get("/api/v1/summary")
    assert "max-age" in r.headers["cache-control"]
    assert api.get("/api/v1/summary", headers={"if-none-match": r.headers["etag"]}).status_code == 304
    assert api.get("/api/v1/nothing-here").json()["error"]["status"] == 404


def test_vocabulary_in_both_languages(api, db):
    data = api.get("/api/v1/vocabulary").json()["data"]
    for kind in {r[0] for r in db.execute("SELECT DISTINCT kind FROM events")}:
        assert data["event"][kind]["en"] and data["event"][kind]["es"]
    assert data["model"]["JEM"]["es"] == "Modelo de cárcel (JEM)"


def test_no_request_value_causes_a_server_error(api):
    """Arbitrary text in any parameter or path segment is a 4xx (or a valid answer), never a 500."""
    from urllib.parse import quote

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    names = ["state", "model", "status", "agency_id", "county", "as_of", "limit", "offset", "q",
             "kind", "since", "until", "list", "active"]
    paths = ["/api/v1/agreements", "/api/v1/agencies", "/api/v1/events", "/api/v1/publications",
             "/api/v1/applications", "/api/v1/lookup"]
    text = st.text(min_size=0, max_size=40)

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(paths), st.sampled_from(names), text, text)
    def check(path, name, value, segment):
        assert api.get(path, params={name: value}).status_code in (200, 300, 400, 404)
        for base in ("/api/v1/jurisdictions/", "/api/v1/agencies/", "/county/", "/state/"):
            r = api.get(base + quote(segment, safe=""))
            assert r.status_code < 500

    check()


def test_facilities_with_yearly_figures_and_sources(api, db):
    r = api.get("/api/v1/facilities", params={"state": "GA", "limit": 50})
    assert r.status_code == 200
    rows = r.json()["data"]
    assert rows and r.json()["pagination"]["total"] == count(db, "SELECT count(*) FROM facilities WHERE state_usps = 'GA'")
    stewart = next(f for f in rows if f["name"] == "STEWART DETENTION CENTER")
    assert stewart["county_fips"] == "13259" and stewart["adp_trend"]
    assert all(len(y["sha256"]) == 64 and y["row"] for y in stewart["adp_trend"])
    one = api.get(f"/api/v1/facilities/{stewart['facility_id']}").json()["data"]
    assert one["latest_adp"] == stewart["adp_trend"][-1]["adp"]
    fy24 = api.get("/api/v1/facilities", params={"state": "GA", "year": "2024"}).json()["data"]
    assert fy24 and all(f["fiscal_year"] == 2024 for f in fy24)
    assert api.get("/api/v1/facilities/fac-nope").status_code == 404


def test_legal_help_in_spanish_with_honest_limits(api):
    r = api.get("/api/v1/legal-help", params={"q": "59601", "language": "es"})  # Helena, Montana
    data = r.json()["data"]
    assert data["offices"] and not data["state_has_offices"]
    assert data["notices"] and "Montana" in data["notices"][0]
    assert "asesoría legal" in data["disclaimer"] or "consejo legal" in data["disclaimer"] or data["language"] == "es"
    assert {x["url"] for x in data["official_rosters"]} >= {
        "https://www.justice.gov/eoir/list-pro-bono-legal-service-providers"}
    assert api.get("/api/v1/legal-help").status_code == 400
