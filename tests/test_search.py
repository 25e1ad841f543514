"""The search (issue 12): one resolver for the web, the API and `patchwork lookup`, measured
against a table of real queries whose expected counties are checked against the reference data."""

from __future__ import annotations

import csv
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from patchwork_atlas.kernel.geo import reference as ref
from patchwork_atlas.kernel.geo.lookup import locate, suggest
from patchwork_atlas.read.places import search

TABLE = Path(__file__).parent / "data" / "search_queries.csv"
MUST_BE_PERFECT = ("city_state", "county", "zip")


def _rows() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_table_has_sixty_queries_and_every_expected_fips_is_a_reference_county():
    rows = _rows()
    assert len(rows) >= 60
    assert {"city_state", "city", "county", "zip", "borough", "misspelling", "accent", "agency"} <= {
        r["category"] for r in rows}
    for r in rows:
        names = [n.strip() for n in r["expected_counties"].split(";")]
        for fips, name in zip(r["expected_fips"].split(";"), names, strict=True):
            county = ref.county(fips)
            assert county is not None, (r["query"], fips)
            assert f"{county.name}, {county.state_usps}" == name, (r["query"], fips, name)


def answer(conn: sqlite3.Connection, query: str) -> list[str]:
    """The counties a searcher lands on: the place; else the first "did you mean"; else the
    jurisdiction of the first agency whose name matches."""
    found = search(conn, query)
    if found["place"] is not None:
        return found["place"].county_fips
    if found["suggestions"]:
        return locate(found["suggestions"][0]).county_fips
    if found["agencies"]:
        row = conn.execute("SELECT county_fips_all FROM agency_jurisdictions WHERE agency_id = ?",
                           (found["agencies"][0]["agency_id"],)).fetchone()
        return (row[0] or "").split(";") if row else []
    return []


def test_search_table_accuracy(db, capsys):
    """Right when the first county is expected and every county answered is expected (a city
    in several counties answers with all of them, primary first)."""
    tally, wrong = Counter(), []
    for r in _rows():
        expected = set(r["expected_fips"].split(";"))
        got = answer(db, r["query"])
        ok = bool(got) and got[0] in expected and set(got) <= expected
        tally[(r["category"], ok)] += 1
        if not ok:
            wrong.append(f"{r['query']!r}: {got} not within {sorted(expected)}")
    cats = sorted({c for c, _ in tally})
    lines = [f"  {c:12} {tally[(c, True)]}/{tally[(c, True)] + tally[(c, False)]}" for c in cats]
    right = sum(n for (_, ok), n in tally.items() if ok)
    total = sum(tally.values())
    with capsys.disabled():
        print(f"\nsearch table: {right}/{total} right ({100 * right / total:.1f}%)", *lines,
              *wrong, sep="\n")
    for c in MUST_BE_PERFECT:
        assert tally[(c, False)] == 0, wrong
    assert right / total >= 0.9, wrong


def test_city_without_state_offers_the_others():
    p = locate("Portland")
    assert (p.state_usps, p.county_fips[0]) == ("OR", "41051")
    assert "Portland, ME" in [c["query"] for c in p.candidates]
    rich = locate("Richmond")
    assert rich.county_fips == ["51760"] and "Richmond, CA" in [c["query"] for c in rich.candidates]


def test_traps_follow_the_words():
    assert locate("St. Louis").county_fips == ["29510"]
    assert locate("St. Louis County, MO").county_fips == ["29189"]
    assert locate("Baltimore").county_fips == ["24510"]
    assert locate("Baltimore County").county_fips == ["24005"]
    assert locate("Washington").county_fips == ["11001"]
    assert sorted(locate("New York").county_fips) == ["36005", "36047", "36061", "36081", "36085"]
    with pytest.raises(LookupError):
        locate("Texas")  # a state: the web search sends it to the state's page


def test_misspelling_suggests_the_nearest_names():
    assert suggest("Los Angelos")[0] == "Los Angeles, CA"
    assert suggest("Charlote, NC")[0] == "Charlotte, NC"
    assert suggest("zz") == []


def test_one_code_path_for_cli_api_and_web(ingested_db, db):
    from click.testing import CliRunner
    from starlette.testclient import TestClient

    from patchwork_atlas.cli import main
    from patchwork_atlas.web.app import create_app

    out = CliRunner().invoke(main, ["lookup", "Tampa", "--db", str(ingested_db)])
    assert out.exit_code == 0 and "Hillsborough County (12057)" in out.output, out.output
    out = CliRunner().invoke(main, ["lookup", "Portland", "--db", str(ingested_db)])
    assert "Portland, ME" in out.output
    out = CliRunner().invoke(main, ["lookup", "Los Angelos", "--db", str(ingested_db)])
    assert out.exit_code == 1 and "Los Angeles, CA" in out.output
    client = TestClient(create_app(ingested_db, data_dir=ingested_db.parent / "data"),
                        follow_redirects=False)
    r = client.get("/api/v1/lookup", params={"q": "Tampa"}).json()["data"]
    assert r["report"]["place"]["county_fips"] == ["12057"]
    r = client.get("/api/v1/lookup", params={"q": "Portland"}).json()["data"]
    assert "Portland, ME" in [a["query"] for a in r["alternatives"]]
    miss = client.get("/api/v1/lookup", params={"q": "Los Angelos"})
    assert miss.status_code == 404 and miss.json()["suggestions"][0] == "Los Angeles, CA"
    page = client.get("/search", params={"q": "Portland"})
    assert page.status_code == 200 and "Portland, ME" in page.text and 'value="Portland"' in page.text
    page = client.get("/search", params={"q": "Los Angelos"})
    assert "Did you mean" in page.text and "Los Angeles, CA" in page.text
    assert 'value="Los Angelos"' in page.text
