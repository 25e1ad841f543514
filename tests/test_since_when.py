"""Since when (issue 12): the first list we hold is not news, coverage and gaps are stated, an
as_of date answers from the list it rests on; jails now versus earlier years; placement honesty."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

FIRST_LIST = "2021-01-13"


@pytest.fixture(scope="module")
def client(ingested_db):
    from starlette.testclient import TestClient

    from patchwork_atlas.web.app import create_app

    return TestClient(create_app(ingested_db, data_dir=ingested_db.parent / "data"),
                      follow_redirects=False)


def test_first_list_is_flagged_not_new(db):
    rows = db.execute("SELECT event_date, detail FROM events WHERE kind = 'agreement_listed'").fetchall()
    first = [r for r in rows if json.loads(r["detail"]).get("on_first_list")]
    assert first and {r["event_date"] for r in first} == {FIRST_LIST}
    later = [r for r in rows if r["event_date"] != FIRST_LIST]
    assert later and not any(json.loads(r["detail"]).get("on_first_list") for r in later)


def test_late_listing_goes_to_review(db):
    late = db.execute(
        "SELECT e.event_date, json_extract(e.detail, '$.signed') AS signed,"
        " json_extract(e.detail, '$.signed_days_before_listing') AS days, a.review_reason"
        " FROM events e JOIN agreements a USING (agreement_id) WHERE e.kind = 'agreement_listed'"
        " AND json_extract(e.detail, '$.signed_days_before_listing') IS NOT NULL").fetchall()
    assert late
    for r in late:
        assert r["days"] > 365 and r["signed"] < r["event_date"]
        assert "first listed" in r["review_reason"]


def test_no_page_or_feed_calls_a_first_list_agreement_new(client, db):
    agreement_id = db.execute(
        "SELECT agreement_id FROM events WHERE kind = 'agreement_listed'"
        " AND json_extract(detail, '$.on_first_list') LIMIT 1").fetchone()[0]
    page = client.get(f"/agreement/{agreement_id}").text
    assert f"On the first list we hold ({FIRST_LIST})" in page and "New agreement" not in page
    from patchwork_atlas.web.feeds import event_title

    event = {"kind": "agreement_listed", "detail": {"on_first_list": True}, "event_date": FIRST_LIST,
             "agency_name": "X Sheriff's Office", "model": "JEM"}
    title = event_title(event)  # feed titles lead with who, then what changed
    assert title.startswith("X Sheriff's Office") and f"On the first list we hold ({FIRST_LIST})" in title
    assert "New agreement" not in title


def test_coverage_and_gaps(db, client):
    from patchwork_atlas.read import queries as q

    cover = {c["list"]: c for c in q.coverage(db)}
    part = cover["participating"]
    assert part["first"] == FIRST_LIST and part["last"] >= "2026-01-01"
    assert all(g["days"] > 30 and g["after"] < g["before"] for g in part["gaps"])
    for path in ("/methodology", "/downloads", "/state/TX"):
        text = client.get(path).text
        assert 'id="coverage"' in text, path
    early = client.get("/api/v1/agreements", params={"as_of": "2020-06-01"}).json()
    assert early["as_of"]["note"] == f"no list held before {FIRST_LIST}" and early["data"] == []
    gap = part["gaps"][0]
    inside = (dt.date.fromisoformat(gap["after"]) + dt.timedelta(days=10)).isoformat()
    body = client.get("/api/v1/agreements", params={"as_of": inside}).json()["as_of"]
    assert body["publication"]["published_date"] == gap["after"]
    assert f"falls in a gap of {gap['days']} days" in body["note"] and gap["before"] in body["note"]


def test_state_chart_starts_at_the_first_list(db):
    from patchwork_atlas.read import queries as q

    series = q.state_series(db, "TX")
    assert series and series[0]["date"] >= FIRST_LIST


def test_jails_current_and_earlier(client, db):
    latest = db.execute("SELECT MAX(fiscal_year) FROM detention_files WHERE kind = 'stats_workbook'").fetchone()[0]
    page = client.get("/county/37119").text  # Mecklenburg County, NC: only FY2016-2017 jails
    section = re.search(r'<section aria-labelledby="h-facilities".*?</section>', page, re.S).group(0)
    assert 'id="facilities-current"' not in section and 'id="facilities-earlier"' in section
    assert f"fiscal year {latest}" in section and "fiscal year 2017" in section
    assert not re.search(r"\d+\.\d+ people", section)
    page = client.get("/county/22079").text  # Rapides Parish, LA: current and earlier
    section = re.search(r'<section aria-labelledby="h-facilities".*?</section>', page, re.S).group(0)
    assert 'id="facilities-current"' in section and 'id="facilities-earlier"' in section
    assert re.search(r"about \d+ people a day", section) and 'href="#adp-definition"' in section
    exact = client.get("/api/v1/facilities", params={"county": "22079"}).json()["data"]
    assert any(isinstance(f.get("adp"), float) and f["adp"] != round(f["adp"]) for f in exact)


def test_every_unknown_figure_says_why(db):
    from patchwork_atlas.families.detention.family import facilities_for_place
    from patchwork_atlas.read.places import county_place

    fips = [r[0] for r in db.execute("SELECT DISTINCT county_fips FROM facilities f WHERE county_fips"
                                     " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM facility_figures g"
                                     " WHERE g.facility_id = f.facility_id)")]
    assert fips
    for f in fips[:40]:
        for fac in facilities_for_place(db, county_place(f)):
            assert fac["latest_adp"] is not None or fac["named_in"], fac["facility_id"]


def test_zip_across_a_county_line_is_flagged(db):
    """Hand-checked: Moshannon Valley (Philipsburg 16866) is in Clearfield County, PA, and the
    Western Virginia Regional Jail (Salem 24153) in Roanoke County, VA; each ZIP's reference
    county is the other one, so neither may be placed without a flag."""
    for name in ("MOSHANNON VALLEY PROCESSING CENTER", "WESTERN VIRGINIA REGIONAL JAIL"):
        row = db.execute("SELECT place_review FROM facilities WHERE name = ?", (name,)).fetchone()
        assert row is not None and "may span counties" in (row[0] or ""), name
