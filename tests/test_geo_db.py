"""Geography against the real ingested registry: agency_jurisdictions, stats, place reports, CLI."""

from __future__ import annotations

import json

from click.testing import CliRunner

from patchwork_atlas.cli import main
from patchwork_atlas.families import open_database as connect
from patchwork_atlas.families.ice287g.geography import coverage_stats
from patchwork_atlas.kernel.geo.lookup import locate
from patchwork_atlas.read.report import place_report


def test_every_agency_resolved(ingested_db):
    conn = connect(ingested_db)
    n_agencies = conn.execute("SELECT COUNT(*) FROM agencies").fetchone()[0]
    n_resolved = conn.execute("SELECT COUNT(*) FROM agency_jurisdictions").fetchone()[0]
    assert n_agencies > 1000 and n_resolved == n_agencies
    bad_state = conn.execute(
        "SELECT COUNT(*) FROM agency_jurisdictions j JOIN agencies a USING(agency_id)"
        " WHERE j.state_fips != a.state_fips"
    ).fetchone()[0]
    assert bad_state == 0


def test_coverage_stats_latest_at_least_97_percent(ingested_db):
    stats = coverage_stats(connect(ingested_db))
    latest = stats["latest_participating"]
    print(json.dumps(stats, indent=1))
    assert latest["placed_share"] >= 0.97
    assert set(latest["by_level"]) <= {"state", "county", "municipal", "other"}


def test_place_report_for_a_zip(ingested_db):
    report = place_report(connect(ingested_db), locate("33602"))
    relations = {(a["agency"], a["relation"]) for a in report["agreements"]}
    agencies = {a for a, _ in relations}
    assert "Tampa Police Department" in agencies
    assert any("Hillsborough County Sheriff" in a for a in agencies)
    assert any(r == "statewide" for _, r in relations)
    for a in report["agreements"]:
        assert a["model"] and a["status"]


def test_place_report_municipality_known_from_registry(ingested_db):
    report = place_report(connect(ingested_db), locate("Level Plains, AL"))
    assert report["municipality"] == "Level Plains"
    assert any(a["agency"].startswith("Level Plains Police") for a in report["agreements"])


def test_cli_lookup_text_and_json(ingested_db):
    runner = CliRunner()
    out = runner.invoke(main, ["lookup", "Duval County, FL", "--db", str(ingested_db)])
    assert out.exit_code == 0, out.output
    assert "Duval County (12031)" in out.output and "Jacksonville Sheriff" in out.output
    out = runner.invoke(main, ["lookup", "--lat", "29.95", "--lon", "-90.07", "--format", "json", "--db", str(ingested_db)])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["place"]["county_fips"] == ["22071"]  # New Orleans
    out = runner.invoke(main, ["lookup", "Greenwood, LA", "--db", str(ingested_db)])
    assert out.exit_code == 1 and "Caddo Parish" in out.output


def test_cli_review_lists_the_queue(ingested_db):
    out = CliRunner().invoke(main, ["review", "--db", str(ingested_db)])
    assert out.exit_code == 0, out.output
    lines = out.output.strip().splitlines()
    assert lines[0].startswith("agency_id,") and len(lines) > 5
    assert all(line.count(",") >= 10 for line in lines[1:2])


def test_cli_resolve_without_database(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(
        "state,agency,type,county\n"
        "FLORIDA,Tampa Police Department,Municipality,Hillsborough County\n"
        "MICHIGAN,Berrian County Sheriff's Office,County,Berrian County\n"
        "TX,Texas Department of Public Safety,State Agency,\n",
        encoding="utf-8",
    )
    dest = tmp_path / "out.csv"
    out = CliRunner().invoke(main, ["resolve", str(src), "--output", str(dest)])
    assert out.exit_code == 0, out.output
    import csv

    rows = list(csv.DictReader(dest.open(encoding="utf-8")))
    assert [r["county_fips"] for r in rows] == ["12057", "26021", ""]
    assert rows[1]["review_reason"].startswith("fuzzy_county_name")
    assert rows[2]["level"] == "state"
