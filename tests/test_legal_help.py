"""Issues 8 and 19, where to get legal help: the EOIR rosters, ingested from ../shared/data/eoir."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sqlite3
from pathlib import Path

import pytest
import zipcodes
from click.testing import CliRunner

from patchwork_atlas.cli.app import main
from patchwork_atlas.families.eoir import directory as D
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
        "SELECT review_reason FROM legal_offices WHERE name LIKE '%HIAS%' AND zip5 = '20190'"
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
    named = [o for o in data["organizations"] if o["speaks"]["answer"] == "named"]
    assert named and all("es" in o["offices"][0]["languages"] for o in named)
    assert all(o["speaks_spanish"] is not False for o in data["offices"])
    assert data["before_you_pay"]["title"] == "Antes de pagarle a alguien"


def test_cli_usage_errors(db):
    out = CliRunner().invoke(main, ["legal-help", "Nowhere Land, ZZ", "--db", str(db)])
    assert out.exit_code == 2


# ------------------------------------------------------------------ issue 19: help one can act on

TODAY = dt.date(2026, 12, 4)
BIG_CITIES = ["30303", "10001", "90012", "60601", "77002", "85003", "19107", "78205"]


def _all_offices(result: dict) -> list[dict]:
    return ([o for org in result["organizations"] for o in org["offices"]] + result["call_first"]
            + result["national_referral"] + result["statewide_contacts"])


@pytest.mark.parametrize("zip5", BIG_CITIES)
def test_big_cities_one_entry_per_organization(conn, zip5):
    result = L.legal_help_for_place(conn, locate(zip5), today=TODAY)
    first = result["organizations"][:10]
    assert len(first) == 10
    assert len({o["org_id"] for o in first}) == 10, zip5
    assert len({eoir.name_key(o["name"]) for o in first}) == 10, zip5
    assert [o["offices"][0]["office_id"] for o in first] == [o["office_id"] for o in result["offices"][:10]]
    for office in _all_offices(result):
        if office["mailing_only"]:
            assert office["distance_km"] is None and office["distance_mi"] is None, office
            assert office["mailing_label"]
    for org in first:  # ranked by a walk-in office, never by a mailbox
        assert not org["offices"][0]["mailing_only"] and org["distance_km"] is not None


def test_atlanta_gain_once_with_its_po_box_beneath(conn):
    result = L.legal_help_for_place(conn, locate("30303"), today=TODAY)
    gain = [o for o in result["organizations"] if o["name"].startswith("Georgia Asylum and Immigration Network")]
    assert len(gain) == 1
    kinds = [(o["street"], o["mailing_only"], o["distance_km"]) for o in gain[0]["offices"]]
    assert ("P.O. Box 56268", True, None) in kinds
    assert kinds[0][1] is False and kinds[0][2] is not None


def test_mailing_only_rule_on_real_addresses(conn):
    assert L.is_mailing_only("P.O. Box 56268") and L.is_mailing_only("Post Office Box 12666")
    assert L.is_mailing_only("825 21st Street NW, PMB 253")  # a private mailbox at a mail business
    assert not L.is_mailing_only("215 E. Fifth Avenue, P.O. Box 11331")  # a street beside the box
    assert not L.is_mailing_only("7214 St. Charles Avenue, Box 902")
    rows = L.offices(conn)
    mailing = [r for r in rows if r["mailing_only"]]
    assert len(mailing) == 50
    assert all(r["street"] for r in mailing)
    mixed = [r for r in rows if "street_and_po_box" in r["placement_flags"]]
    assert mixed and all(r["review_reason"] and not r["mailing_only"] for r in mixed)


def _roster_status(rec: dict, as_of: str) -> str | None:
    """Recognition state computed from the roster JSON alone (independent of the reader)."""
    text = str(rec.get("organization_recognition_expiration") or "")
    m = re.fullmatch(r"(\d\d)/(\d\d)/(\d\d)", text)
    if not m:
        return None
    expires = dt.date(2000 + int(m.group(3)), int(m.group(1)), int(m.group(2))).isoformat()
    if expires >= TODAY.isoformat():
        return "current"
    if rec["organization_recognition_pending_renewal"] is True:
        return "renewal_pending"
    return "passed_on_roster" if expires < as_of else "passed_since_roster"


def test_recognition_counts_per_state_against_the_roster(conn, shared_data):
    from collections import Counter

    records = _rows(shared_data, "legal-aid-orgs-2026-09-19.json")
    expected = Counter((r["state"], _roster_status(r, "2026-09-19")) for r in records)
    assert sum(v for (st, k), v in expected.items() if k == "current") == 556
    assert sum(v for (st, k), v in expected.items() if k == "renewal_pending") == 219
    assert sum(v for (st, k), v in expected.items() if k in ("passed_on_roster", "passed_since_roster")) == 76
    got: Counter = Counter()
    shown = 0
    for r in conn.execute("SELECT * FROM legal_offices WHERE in_recognized = 1"):
        rec = D.recognition(r, "en", TODAY)
        ref = next(x for x in json.loads(r["rosters"]) if x["roster"] == eoir.RECOGNIZED)
        state = json.loads(conn.execute(
            "SELECT raw FROM legal_roster_rows WHERE sha256 = ? AND record_index = ?",
            (ref["sha256"], ref["record_index"][0]),
        ).fetchone()[0])["state"]
        got[(state, rec["state"])] += len(ref["record_index"])
        assert rec["expires"] and rec["expires"] in rec["text"] and rec["roster_date"] == "2026-09-19"
        # A cell holding three dates is flagged on its row and shown as unknown, never guessed.
        assert (rec["recognized_date"] or "an unknown date") in rec["text"]
        assert ("check the current roster" in rec["text"].lower()) == (rec["state"] in ("passed_on_roster", "passed_since_roster"))
        assert "lapsed" not in rec["text"] and "expired" not in rec["text"]
        shown += 1
    assert got == expected
    assert sum(D.recognition_counts(conn, TODAY).values()) == shown


def test_speaks_spanish_in_san_antonio(db):
    out = CliRunner().invoke(main, ["legal-help", "78228", "--speaks", "es", "--format", "json", "--db", str(db)])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    answers = [o["speaks"]["answer"] for o in data["organizations"]]
    assert answers and answers[0] == "named" and "not_listed" in answers
    assert answers == sorted(answers, key=["named", "not_listed"].index)  # named first, then silent
    for org in data["organizations"]:
        said = org["speaks"]["languages_text"]
        if org["speaks"]["answer"] == "named":
            assert re.search(r"spanish|espa[nñ]ol", said, re.I), said
        else:
            assert said is None and org["speaks"]["label"] == "Languages not listed"
    raices = [o for o in data["organizations"] if "RAICES" in o["name"]]
    assert raices and all(o["speaks"]["answer"] == "not_listed" for o in raices)
    for office in (o for org in data["organizations"] for o in org["offices"]):
        assert office["speaks_spanish"] is not False


def test_nobody_said_not_to_speak_unless_the_roster_says_so(conn):
    assert all(set(o["languages_denied"]) <= {"es"} for o in L.offices(conn))
    denied = conn.execute("SELECT rosters FROM legal_offices WHERE languages_denied != '[]'").fetchall()
    for (rosters,) in denied:
        ref = json.loads(rosters)
        raws = [json.loads(conn.execute(
            "SELECT raw FROM legal_roster_rows WHERE sha256 = ? AND record_index = ?", (x["sha256"], i)
        ).fetchone()[0]) for x in ref for i in x["record_index"]]
        assert any(re.search(r"no hablamos espa|no spanish", json.dumps(r, ensure_ascii=False), re.I) for r in raws)
    for zip5 in ("78228", "10001"):
        result = L.legal_help_for_place(conn, locate(zip5), today=TODAY)
        for office in _all_offices(result):
            assert office["speaks_spanish"] is not False or "es" in office["languages_denied"]


def test_guides_cite_official_sources_in_both_languages(conn, db):
    from patchwork_atlas.families.eoir import guidance

    assert guidance.problems() == []
    for lang, titles in (("en", ("Before you pay anyone", "If someone is detained")),
                         ("es", ("Antes de pagarle a alguien", "Si detienen a alguien"))):
        result = L.legal_help_for_place(conn, locate("78228"), language=lang, today=TODAY)
        assert (result["before_you_pay"]["title"], result["if_detained"]["title"]) == titles
        for guide in (result["before_you_pay"], result["if_detained"]):
            assert guide["points"]
            for point in guide["points"]:
                assert point["sources"]
                assert all(s["accessed"] == "2026-12-04" and s["url"].startswith("http") for s in point["sources"])
    urls = {s["url"] for g in guidance.guidance("en").values() for p in g["points"] for s in p["sources"]}
    assert "https://www.justice.gov/eoir/recognition-and-accreditation-program" in urls
    assert "https://locator.ice.gov/odls/privacy.jsp" in urls
    out = CliRunner().invoke(main, ["legal-help", "30303", "--language", "es", "--db", str(db)])
    assert out.exit_code == 0 and "Antes de pagarle a alguien" in out.output and "Si detienen a alguien" in out.output
    assert "https://locator.ice.gov/odls/" in out.output and "2026-12-04" in out.output


def test_if_detained_lists_providers_for_the_state_courts(conn, shared_data):
    result = L.legal_help_for_place(conn, locate("78228"), today=TODAY)
    providers = result["if_detained"]["providers"]
    printed = {(r["organizationName"], r["immigrationCourt"]) for r in _rows(
        shared_data, "pro-bono-representation-2026-09-10.json") if r["state"] == "TX"}
    courts = {c for _, c in printed}
    assert providers and {p["court"] for p in providers} <= courts
    assert len({p["court"] for p in providers}) >= 5
    assert all(p["roster"]["as_of_date"] == "2026-09-10" for p in providers)


def test_office_county_left_unknown_unless_the_city_decides(conn):
    def row(name):
        return conn.execute("SELECT * FROM legal_offices WHERE name = ?", (name,)).fetchone()

    fairfax = row("Immigrant Connection - Fairfax")  # ZIP 22030: Fairfax County and Fairfax city
    assert fairfax["county_fips"] is None and fairfax["placement"] == "zip"
    assert json.loads(fairfax["county_candidates"]) == ["51059", "51600"] and fairfax["review_reason"]
    roanoke = row("Immigrant Connection - Blue Ridge")  # 'Roanoke' names a county and a city
    assert roanoke["county_fips"] is None and "multi_county_zip" in roanoke["placement_flags"]
    bronx = row("Mercy Center, Inc.")  # the printed city names the county
    assert bronx["county_fips"] == "36005" and "county_from_city" in bronx["placement_flags"]
    assert bronx["review_reason"] is None


def test_web_and_api_show_the_same_answer(db):
    from starlette.testclient import TestClient

    from patchwork_atlas.web.app import create_app

    client = TestClient(create_app(db, db.parent / "data", cache=False))
    api = client.get("/api/v1/legal-help", params={"q": "78228", "speaks": "es", "language": "es"}).json()["data"]
    assert api["speaks"] == "es" and api["organizations"][0]["speaks"]["answer"] == "named"
    assert api["before_you_pay"]["title"] == "Antes de pagarle a alguien"
    assert client.get("/api/v1/legal-help", params={"q": "78228", "speaks": "Spanish!"}).status_code == 400
    page = client.get("/legal-help", params={"q": "78228", "speaks": "es"})
    assert page.status_code == 200
    assert "Languages not listed" in page.text and "Before you pay anyone" in page.text
    assert "https://locator.ice.gov/odls/privacy.jsp" in page.text
    profile = client.get("/zip/30303").text
    assert "mailing address: call first" in profile and "If someone is detained" in profile
    assert client.get("/es/zip/30303").text.count("Antes de pagarle a alguien") == 1
    assert client.get("/legal-help", params={"q": "78228", "speaks": "1"}).status_code == 400
