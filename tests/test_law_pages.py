"""Issue 13 on the pages and the API: the DOJ list is shown with its dated removals, never as
current after a removal; cases are listed by state."""

from __future__ import annotations

import datetime as dt
import html
import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402


@pytest.fixture(scope="module")
def client(ingested_db: Path) -> TestClient:
    from patchwork_atlas.web.app import create_app

    return TestClient(create_app(ingested_db, data_dir=ingested_db.parent / "data"))


def _usps(state_fips: str) -> str:
    from patchwork_atlas.kernel.geo import reference

    return reference.state(state_fips).usps


def _designations(db):
    return [dict(r) for r in db.execute("SELECT * FROM knowledge_designations")]


def test_no_page_or_api_answer_shows_a_listing_after_its_removal(client, db):
    today = dt.date.today().isoformat()
    removed = [d for d in _designations(db) if d["removed"] and d["removed"] <= today]
    names = {d["name"] for d in removed}
    assert "Nevada" in names and any(n.startswith("Baltimore County") for n in names)
    for d in removed:
        if d["level"] == "state":
            usps = _usps(d["state_fips"])
            pages = [f"/state/{usps}", f"/es/state/{usps}"]
            api = client.get(f"/api/v1/jurisdictions/{d['state_fips']}").json()["data"]
            standing = {x["name"]: x["standing"] for x in api["designations"]}
            assert standing[d["name"]] == "removed"
        elif d["level"] == "county":
            pages = [f"/county/{d['county_fips']}", f"/es/county/{d['county_fips']}"]
        else:
            continue
        for path in pages:
            r = client.get(path, follow_redirects=True)
            assert r.status_code == 200, path
            text = html.unescape(r.text)
            assert f"{d['name']} is on the Justice Department" not in text, path
            assert f"{d['name']} figura en la lista" not in text, path
            assert "removed on" in text or "salió de la lista el" in text, path


def test_a_listed_state_says_so_with_its_date(client, db):
    listed = [d for d in _designations(db) if d["level"] == "state" and not d["removed"]]
    assert listed
    d = listed[0]
    text = html.unescape(client.get(f"/state/{_usps(d['state_fips'])}", follow_redirects=True).text)
    assert f"{d['name']} is on the Justice Department's list" in text


def test_cases_on_the_api_and_the_pages(client):
    r = client.get("/api/v1/cases?state=IL")
    assert r.status_code == 200
    cases = r.json()["data"]
    assert cases and all("IL" in c["states"] or c["county_fips"] for c in cases)
    assert client.get("/api/v1/cases?status=preliminary_injunction").status_code == 200
    assert client.get("/api/v1/cases?state=ZZ").status_code == 400
    caption = cases[0]["caption"]
    for path, heading in (("/state/IL", "Court cases"), ("/es/state/IL", "Casos judiciales"),
                          ("/county/17031", "Court cases")):
        text = html.unescape(client.get(path, follow_redirects=True).text)
        assert heading in text, path
    assert caption in html.unescape(client.get("/state/IL").text)


REFERENCE_KEYS = {"id", "kind", "titles", "citation", "dates", "status", "as_of", "concerns_state"}


def test_a_place_names_the_federal_entries_and_the_api_gives_them_whole(client):
    """The federal framework is the same everywhere: a place's report names each entry (with its
    status and the date checked) instead of repeating it; /api/v1/knowledge/{id} has it in full,
    and the profile page still shows it in full."""
    federal = client.get("/api/v1/jurisdictions/48201").json()["data"]["report"]["knowledge"]["federal"]
    listing = client.get("/api/v1/knowledge", params={"level": "federal"}).json()
    assert listing["pagination"]["total"] == len(federal) >= 10
    assert {e["id"] for e in listing["data"]} == {r["id"] for r in federal}
    for ref in federal:
        assert set(ref) == REFERENCE_KEYS, ref["id"]
        entry = client.get(f"/api/v1/knowledge/{ref['id']}").json()["data"]
        assert {k: entry[k] for k in REFERENCE_KEYS - {"concerns_state"}} == \
            {k: v for k, v in ref.items() if k != "concerns_state"}
        assert ref["concerns_state"] == ("TX" in entry["concerns_states"])
        assert entry["sources"] and entry["summary"]["en"] and "effects" in entry
    assert federal[0]["concerns_state"]  # a ruling about Texas comes first in a Texas county
    assert not any(r["concerns_state"] for r in
                   client.get("/api/v1/jurisdictions/06037").json()["data"]["report"]["knowledge"]["federal"])
    page = html.unescape(client.get("/county/48201").text)
    assert "The federal law in more detail" in page
    for ref in federal:
        entry = client.get(f"/api/v1/knowledge/{ref['id']}").json()["data"]
        assert entry["sources"][0]["url"] in page and entry["summary"]["en"] in page, ref["id"]


def test_the_law_entries_on_the_api(client):
    tx = client.get("/api/v1/knowledge", params={"state": "TX"}).json()["data"]
    assert tx and all(e["jurisdiction"]["state_fips"] == "48" for e in tx)
    assert {e["level"] for e in tx} >= {"state"}
    assert client.get("/api/v1/knowledge/us-no-such-entry").status_code == 404
    assert client.get("/api/v1/knowledge", params={"level": "galactic"}).status_code == 400
    assert client.get("/api/v1/knowledge", params={"state": "ZZ"}).status_code == 400
    one = client.get("/api/v1/knowledge/us-ina-287g").json()
    assert one["data"]["citation"].startswith("8 U.S.C. § 1357(g)") and one["citation"]["as_of"]
