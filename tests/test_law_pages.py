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
