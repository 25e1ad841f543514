"""Issue 8, where to get legal help: the EOIR rosters, ingested from ../shared/data/eoir."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from pathlib import Path

import pytest
import zipcodes
from click.testing import CliRunner

from patchwork_atlas.cli.app import main
from patchwork_atlas.families.eoir import family as L
from patchwork_atlas.families.eoir import reader as eoir
from patchwork_atlas.read.places import locate

# State capitals (50 states + DC); each capital's first ZIP is read from the zipcodes package.
CAPITALS = {
    "AL": "Montgomery", "AK": "Juneau", "AZ": "Phoenix", "AR": "Little Rock", "CA": "Sacramento",
    "CO": "Denver", "CT": "Hartford", "DE": "Dover", "DC": "Washington", "FL": "Tallahassee",
    "GA": "Atlanta", "HI": "Honolulu", "ID": "Boise", "IL": "Springfield", "IN": "Indianapolis",
    "IA": "Des Moines", "KS": "Topeka", "KY": "Frankfort", "LA": "Baton Rouge", "ME": "Augusta",
    "MD": "Annapolis", "MA": "Boston", "MI": "Lansing", "MN": "Saint Paul", "MS": "Jackson",
    "MO": "Jefferson City", "MT": "Helena", "NE": "Lincoln", "NV": "Carson City", "NH": "Concord",
    "NJ": "Trenton", "NM": "Santa Fe", "NY": "Albany", "NC": "Raleigh", "ND": "Bismarck",
    "OH": "Columbus", "OK": "Oklahoma City", "OR": "Salem", "PA": "Harrisburg", "RI": "Providence",
    "SC": "Columbia", "SD": "Pierre", "TN": "Nashville", "TX": "Austin", "UT": "Salt Lake City",
    "VT": "Montpelier", "VA": "Richmond", "WA": "Olympia", "WV": "Charleston", "WI": "Madison",
    "WY": "Cheyenne",
}  # fmt: skip


def capital_zip(state: str) -> str:
    found = [z for z in zipcodes.filter_by(city=CAPITALS[state], state=state) if z["zip_code_type"] == "STANDARD"]
    assert found, state
    return sorted(z["zip_code"] for z in found)[0]


@pytest.fixture(scope="module")
def db(tmp_path_factory, shared_data) -> Path:
    from patchwork_atlas.families import open_database as connect
    from patchwork_atlas.ingest import ingest_files, read_local
    from patchwork_atlas.kernel.archive import Archive

    tmp = tmp_path_factory.mktemp("eoir")
    conn = connect(tmp / "db.sqlite")
    archive = Archive(tmp / "data")
    report = ingest_files(conn, archive, read_local(archive, [shared_data / "eoir"]))
    assert [o.status for o in report.outcomes] == ["ingested", "ingested"], report.outcomes
    again = ingest_files(conn, archive, read_local(archive, [shared_data / "eoir"]))
    assert [o.status for o in again.outcomes] == ["known", "known"]
    conn.close()
    return tmp / "db.sqlite"


@pytest.fixture(scope="module")
def conn(db):
    c = sqlite3.connect(db)
    c.row_factory = sqlite3.Row
    yield c
    c.close()


@pytest.fixture(scope="module")
def manifest(shared_data) -> dict[str, dict[str, str]]:
    with open(shared_data / "eoir" / "manifest.csv", newline="", encoding="utf-8") as fh:
        return {r["file"]: r for r in csv.DictReader(fh)}


# ------------------------------------------------------------------ acceptance 1: every record


def test_every_record_stored_with_raw_fields(conn, manifest, shared_data):
    for file_name, entry in manifest.items():
        records = json.loads((shared_data / "eoir" / file_name).read_text(encoding="utf-8"))
        assert len(records) == int(entry["records"])
        roster = conn.execute("SELECT * FROM legal_rosters WHERE file_name = ?", (file_name,)).fetchone()
        assert roster["n_records"] == len(records)
        assert roster["as_of_date"] == entry["collected"] and roster["date_rule"] == "manifest_collected"
        stored = conn.execute(
            "SELECT record_index, raw FROM legal_roster_rows WHERE sha256 = ? ORDER BY record_index",
            (roster["sha256"],),
        ).fetchall()
        assert [r[0] for r in stored] == list(range(len(records)))
        for rec, row in zip(records, stored, strict=True):
            raw = json.loads(row["raw"])
            assert set(raw) == set(rec)
            for key, value in rec.items():
                if isinstance(value, str) and "[withheld]@" in str(raw[key]):
                    pattern = re.escape(raw[key]).replace(re.escape("[withheld]@"), r"[\w.+-]+@")
                    assert re.fullmatch(pattern, value), (row[0], key)
                else:
                    assert raw[key] == value, (row[0], key)


def test_stats_reports_counts_per_roster(conn):
    s = L.stats(conn)
    assert s["rosters"]["recognized"]["records_stored"] == 851
    assert s["rosters"]["pro_bono"]["records_stored"] == 347
    assert s["rosters"]["recognized"]["as_of_date"] == "2026-09-19"
    assert s["rosters"]["pro_bono"]["as_of_date"] == "2026-09-10"
    assert s["organizations_in_both_rosters"] > 0


def test_recognize_is_by_content_and_ignores_other_files(shared_data, tmp_path):
    from patchwork_atlas.kernel.archive import Archive

    archive = Archive(tmp_path)
    readme = archive.store_path(shared_data / "eoir" / "README.md")
    assert L.FAMILY.recognize(readme) is None
    renamed = archive.store_bytes(
        (shared_data / "eoir" / "legal-aid-orgs-2026-09-19.json").read_bytes(), origin="t", file_name="x.dat"
    )
    assert L.FAMILY.recognize(renamed)[0] == eoir.RECOGNIZED
    for other in sorted((shared_data / "ice-287g").glob("*.xlsx"))[:2]:
        assert L.FAMILY.recognize(archive.store_path(other)) is None


# ------------------------------------------------------------------ acceptance 2: placement


def test_offices_placed_by_zip_with_few_review_flags(conn):
    s = L.stats(conn)
    assert s["offices"] > 900
    assert s["placed_share"] >= 0.97
    bad = conn.execute(
        "SELECT review_reason FROM legal_offices WHERE name = 'HIAS (Silver Spring)' AND zip5 = '20190'"
    ).fetchone()
    assert bad and "VA" in bad[0]  # ZIP 20190 is Reston, VA: flagged, not silently moved


def test_pro_bono_offices_placed_by_own_address_not_court_state(conn):
    # OikosNow is listed under California and Texas courts; its office is in Chicago.
    row = conn.execute("SELECT state_usps, county_fips, courts FROM legal_offices WHERE name LIKE 'OikosNow%'").fetchone()
    assert row["state_usps"] == "IL" and row["county_fips"] == "17031"
    assert any("Imperial" in c for c in json.loads(row["courts"]))


# ------------------------------------------------------------------ cleaning rules (real rows)


def _rows(shared_data, name):
    return json.loads((shared_data / "eoir" / name).read_text(encoding="utf-8"))


def test_cleaning_rules_on_real_rows(shared_data):
    pro = eoir.clean_pro_bono(_rows(shared_data, "pro-bono-representation-2026-09-10.json"))
    by_raw = {}
    for r in pro:
        by_raw.setdefault(r.raw["organizationName"], r)
    aba = by_raw["ABA Commission on Immigration Detention"]
    assert aba.street == "1050 Connecticut Avenue, NW, Unit 400" and aba.phone == "(855) 641-6081"
    assert by_raw["Information Hotline"].name == "ABA Commission on Immigration Detention"
    assert by_raw["Fort Worth:"].name == "RAICES Texas"  # by its mailbox's domain
    assert by_raw["Redwood City Office:"].name == "Low Income Legal Assistance Center"
    assert by_raw["and Human Rights Clinic"].name.startswith("St. Mary's University School of Law")
    assert by_raw["Project, Inc."].name == "Erie County Bar Association Volunteer Lawyers Project, Inc."
    assert by_raw["Connecticut Institute for Refugees and Immigrants"].website == "www.cirict.org"
    assert by_raw["Inc. (AMFIS)"].review_reason  # name start lost: flagged, not guessed
    continuation = by_raw["To refer someone who is DETAINED:"]
    assert continuation.entry_kind == "continuation" and continuation.name == "Amica Center for Immigrant Rights"
    rec = eoir.clean_recognized(_rows(shared_data, "legal-aid-orgs-2026-09-19.json"))
    three = [r for r in rec if len(str(r.raw["organization_recognized_date"]).split()) == 3]
    assert three and three[0].recognized_date is None and three[0].review_reason
    assert rec[0].recognized_date == "2024-11-27"


def test_no_personal_mailboxes_stored(conn):
    dump = "\n".join(
        str(tuple(r)) for t in ("legal_roster_rows", "legal_offices", "legal_orgs") for r in conn.execute(f"SELECT * FROM {t}")  # noqa: S608
    )
    for personal in ("laura@", "laura.pichardo", "ejohnson@", "hkusuda@", "jfroio@", "mportugal@", "ecedillo@"):
        assert personal not in dump
    assert "[withheld]@" in dump


# ------------------------------------------------------------------ acceptance 3: every state


def _check_listing(result: dict, state: str) -> None:
    offices = result["offices"]
    assert offices, state
    ids = [o["office_id"] for o in offices + result["national_referral"] + result["statewide_contacts"]]
    assert len(ids) == len(set(ids)), state
    flags = [o["in_state"] for o in offices]
    assert flags == sorted(flags, reverse=True), state  # in-state first
    for group in (True, False):
        d = [o["distance_km"] for o in offices if o["in_state"] is group]
        assert d == sorted(d), state
    if result["state_has_offices"]:
        assert offices[0]["in_state"], state
    for o in offices:
        assert o["rosters"] and all(r["as_of_date"] and r["url"].startswith("https://www.justice.gov/eoir/") for r in o["rosters"])


@pytest.mark.parametrize("state", sorted(CAPITALS))
def test_real_zip_in_every_state(conn, state):
    place = locate(capital_zip(state))
    assert place is not None and place.state_usps == state
    result = L.legal_help_for_place(conn, place)
    _check_listing(result, state)
    assert result["disclaimer"] and result["official_rosters"]
    assert result["state_has_offices"] is (state not in {"MT", "WV"})


@pytest.mark.parametrize("state,name", [("MT", "Montana"), ("WV", "West Virginia")])
def test_states_without_offices_say_so(conn, state, name):
    result = L.legal_help_for_place(conn, locate(capital_zip(state)))
    assert not result["state_has_offices"]
    assert any(name in n for n in result["notices"])
    assert all(not o["in_state"] for o in result["offices"])
    national = {o["name"] for o in result["national_referral"]}
    assert "ABA Commission on Immigration Detention" in national


# ------------------------------------------------------------------ acceptance 4: Spanish


def test_spanish_end_to_end(db):
    runner = CliRunner()
    out = runner.invoke(main, ["legal-help", "78207", "--language", "es", "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert "Patchwork no da asesoría legal y no avala a ningún proveedor" in out.output
    assert "Dirección:" in out.output and "Listas oficiales" in out.output
    out = runner.invoke(main, ["legal-help", "Helena, MT", "--language", "es", "--speaks", "es", "--format", "json", "--db", str(db)])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["title"] == "Dónde conseguir ayuda legal"
    assert any("Montana" in n and "Ninguna" in n for n in data["notices"])
    assert data["offices"] and all("es" in o["languages"] for o in data["offices"])
    assert all(o["speaks_spanish"] for o in data["offices"])


def test_cli_usage_errors(db):
    out = CliRunner().invoke(main, ["legal-help", "Nowhere Land, ZZ", "--db", str(db)])
    assert out.exit_code == 2
