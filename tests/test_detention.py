"""Detention facilities (issue 7), checked against the real ICE files in ../shared/data/ice-detention."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from patchwork_atlas.families.detention import family as fac
from patchwork_atlas.families.detention import reader as parse


@pytest.fixture(scope="module")
def det_db(tmp_path_factory, shared_data) -> Path:
    from patchwork_atlas.families import open_database as connect
    from patchwork_atlas.ingest import ingest_files, read_local
    from patchwork_atlas.kernel.archive import Archive

    tmp = tmp_path_factory.mktemp("detention")
    archive = Archive(tmp / "data")
    conn = connect(tmp / "db.sqlite")
    report = ingest_files(conn, archive, read_local(archive, [shared_data / "ice-detention"]))
    conn.close()
    assert not report.rejected, [(o.name, o.detail) for o in report.rejected]
    assert report.count("ingested") == 14
    return tmp / "db.sqlite"


@pytest.fixture()
def conn(det_db):
    from patchwork_atlas.families import open_database as connect

    c = connect(det_db)
    yield c
    c.close()


def _sha(conn, name: str) -> str:
    return conn.execute("SELECT sha256 FROM file_sightings WHERE file_name = ?", (name,)).fetchone()[0]


def _facility_sheet(path: Path) -> list[list]:
    wb = CalamineWorkbook.from_path(str(path))
    sheet = next(n for n in wb.sheet_names if n.strip().startswith("Facilities"))
    return wb.get_sheet_by_name(sheet).to_python()


def _level_cols(rows: list[list]) -> tuple[int, list[int]]:
    for i, row in enumerate(rows):
        labels = [str(c).strip() for c in row]
        if "Level A" in labels:
            return i, [labels.index(f"Level {x}") for x in "ABCD"]
    raise AssertionError("no Level A header")


def _workbooks(shared_data: Path) -> list[Path]:
    return sorted((shared_data / "ice-detention").glob("FY*.xlsx"))


def test_every_workbook_facility_row_is_stored(conn, shared_data):
    """Independent count: rows under the header with a number in Level A, or a name and an address
    (FY19 prints Folkston's two units with ALOS and guaranteed minimum but blank ADP cells)."""
    for path in _workbooks(shared_data):
        rows = _facility_sheet(path)
        hi, cols = _level_cols(rows)
        expected = [
            i + 1
            for i in range(hi + 1, len(rows))
            if parse.parse_number(parse.cell_text(rows[i][cols[0]])) is not None
            or (str(rows[i][0]).strip() and str(rows[i][1]).strip())
        ]
        stored = [r[0] for r in conn.execute("SELECT row_number FROM detention_rows WHERE sha256 = ? ORDER BY row_number", (_sha(conn, path.name),))]
        assert stored == expected, path.name


def test_every_list_row_is_stored(conn, shared_data):
    folder = shared_data / "ice-detention"
    over72 = CalamineWorkbook.from_path(str(folder / "Over72HourFacilities.xlsx")).get_sheet_by_name("By AOR").to_python()
    n_over72 = sum(1 for r in over72 if re.fullmatch(r"[A-Z]{2}", str(r[2]).strip()))
    listing = CalamineWorkbook.from_path(str(folder / "2015IceDetentionFacilityListing.xlsx")).get_sheet_by_name("Facility List - Main").to_python()
    n_2015 = sum(1 for r in listing[7:] if re.fullmatch(r"[A-Z0-9]{3,8}", str(r[0]).strip()))
    old = CalamineWorkbook.from_path(str(folder / "09foia5638detentionfacilitylist.xls")).get_sheet_by_name("Facility List").to_python()
    n_2009 = sum(1 for r in old[7:] if str(r[1]).strip() and str(r[5]).strip())
    count = lambda name: conn.execute("SELECT COUNT(*) FROM detention_rows WHERE sha256 = ?", (_sha(conn, name),)).fetchone()[0]  # noqa: E731
    assert count("Over72HourFacilities.xlsx") == n_over72 == 165
    assert count("2015IceDetentionFacilityListing.xlsx") == n_2015 == 209
    assert count("09foia5638detentionfacilitylist.xls") == n_2009 == 275
    assert count("ICE_DMCP_Facility_List_2017.pdf") == 201  # 179 rows on page 1, 22 on page 2


def test_pdf_cells_land_in_their_columns(conn):
    row = conn.execute("SELECT * FROM detention_rows WHERE detloc = 'STWRTGA' AND sheet = 'page 1'").fetchone()
    cells = json.loads(row["cells"])
    assert (row["name_raw"], row["city_raw"], row["county_raw"], row["zip_raw"]) == ("STEWART DETENTION CENTER", "LUMPKIN", "STEWART", "31815")
    assert cells["Capacity"] == "1,966" and cells["FY17 ADP"] == "1,876" and cells["Facility Owner"] == "COUNTY"
    assert json.loads(row["adp_by_year"])["2017"] == 1876.0


def test_adp_is_level_sum_and_criminality_disagreements_are_flagged(conn):
    rows = conn.execute("SELECT * FROM detention_rows WHERE kind = 'stats_workbook'").fetchall()
    assert rows
    for r in rows:
        levels = [r[f"adp_level_{x}"] for x in "abcd"]
        if all(v is None for v in levels):  # blank ADP cells: unknown, not zero
            assert r["adp_total"] is None and "adp_not_printed" in json.loads(r["flags"])
            continue
        assert r["adp_total"] == pytest.approx(sum(v or 0 for v in levels), abs=1e-9)
        crim = sum(r[k] or 0 for k in ("adp_male_crim", "adp_male_noncrim", "adp_female_crim", "adp_female_noncrim"))
        flagged = "adp_criminality_mismatch" in json.loads(r["flags"])
        assert flagged == (abs(crim - r["adp_total"]) > max(0.02, r["adp_total"] * 1e-4)), (r["name"], crim, r["adp_total"])


def test_stored_total_adp_equals_printed_level_columns(conn, shared_data):
    for path in _workbooks(shared_data):
        rows = _facility_sheet(path)
        hi, cols = _level_cols(rows)
        printed = sum(parse.parse_number(parse.cell_text(rows[i][c])) or 0.0 for i in range(hi + 1, len(rows)) for c in cols)
        sha = _sha(conn, path.name)
        stored = conn.execute("SELECT SUM(adp_total) FROM detention_rows WHERE sha256 = ?", (sha,)).fetchone()[0]
        file_row = conn.execute("SELECT adp_total, adp_printed FROM detention_files WHERE sha256 = ?", (sha,)).fetchone()
        assert stored == pytest.approx(printed, abs=1e-6), path.name
        assert file_row["adp_total"] == pytest.approx(printed, abs=1e-4)
        assert file_row["adp_printed"] == pytest.approx(printed, abs=1e-4)


def test_workbook_metadata(conn):
    got = {
        r["file_name"]: (r["fiscal_year"], r["data_date"], r["name_date"])
        for r in conn.execute(
            "SELECT s.file_name, d.* FROM detention_files d JOIN file_sightings s USING (sha256) WHERE d.kind = 'stats_workbook'"
        )
    }
    assert got["FY19-detentionstats.xlsx"] == (2019, "2019-10-07", None)
    assert got["FY26_detentionStats_02122026.xlsx"] == (2026, "2026-02-05", "2026-02-12")
    assert got["FY26_detentionStats_04092026.xlsx"] == (2026, "2026-04-02", "2026-04-09")


def test_fy26_facilities_placed_without_review(conn):
    r = conn.execute(
        "SELECT COUNT(*) n, SUM(f.county_fips IS NOT NULL AND f.place_review IS NULL) placed FROM facilities f"
        " WHERE facility_id IN (SELECT facility_id FROM detention_rows WHERE kind = 'stats_workbook' AND fiscal_year = 2026)"
    ).fetchone()
    assert r["n"] > 200
    assert r["placed"] / r["n"] >= 0.95, (r["placed"], r["n"])


def test_listing_county_column_is_a_check_and_disagreements_are_reported(conn):
    from patchwork_atlas.kernel.geo import reference

    checked = conn.execute(
        "SELECT COUNT(*) FROM facilities WHERE county_check IS NOT NULL AND facility_id IN"
        " (SELECT facility_id FROM detention_rows d JOIN file_sightings s USING (sha256) WHERE s.file_name LIKE '2015%')"
    ).fetchone()[0]
    assert checked >= 190
    disagreements = fac.county_disagreements(conn)
    assert 0 < len(disagreements) < 0.1 * checked
    nobles = next(d for d in disagreements if d["name"] == "NOBLES COUNTY JAIL")
    assert nobles["county_listed"] == "NICOLLET"  # as ICE printed it; the ZIP, city and name say Nobles
    assert reference.county(nobles["county_fips"]).name == "Nobles County"
    assert fac.stats(conn)["county_disagreements_with_lists"] == len(disagreements)


def test_identity_across_years_and_lists(conn):
    from patchwork_atlas.kernel.geo import reference

    stewart = conn.execute("SELECT * FROM facilities WHERE detloc = 'STWRTGA'").fetchone()
    assert stewart["n_rows"] >= 12  # 2009, 2015, 2017, over-72 list and every workbook FY19-FY26
    assert stewart["first_fy"] <= 2010 and stewart["last_fy"] == 2026
    assert reference.county(stewart["county_fips"]).name == "Stewart County"
    assert stewart["local_agreement"] == "yes" and stewart["owner"] == "COUNTY"
    # footnote markers: 'BERKS COUNTY RESIDENTIAL CENTER1' is the DETLOC the footnote names
    berks = conn.execute("SELECT * FROM detention_rows WHERE name_raw = 'BERKS COUNTY RESIDENTIAL CENTER1'").fetchone()
    assert berks["name"] == "BERKS COUNTY RESIDENTIAL CENTER" and berks["detloc"] == "BCORCPA"
    assert berks["facility_id"] == "fac-bcorcpa"
    # uncertain joins carry a reason; two rows of one file are never one facility
    for r in conn.execute("SELECT facility_id, sha256, COUNT(*) n FROM detention_rows GROUP BY 1, 2 HAVING n > 1"):
        names = {x[0] for x in conn.execute("SELECT name FROM detention_rows WHERE facility_id = ? AND sha256 = ?", (r[0], r[1]))}
        assert len(names) == 1, names


def test_figures_latest_release_per_year(conn):
    rows = conn.execute(
        "SELECT * FROM facility_figures WHERE facility_id = 'fac-stwrtga' AND fiscal_year = 2026 ORDER BY data_date"
    ).fetchall()
    assert [r["data_date"] for r in rows] == ["2026-01-22", "2026-02-05", "2026-04-02"]
    assert [r["is_latest"] for r in rows] == [0, 0, 1]
    assert conn.execute("SELECT COUNT(*) FROM (SELECT 1 FROM facility_figures WHERE is_latest = 1 GROUP BY facility_id, fiscal_year, sha256)").fetchone()[0] == \
        conn.execute("SELECT COUNT(*) FROM (SELECT DISTINCT facility_id, fiscal_year FROM facility_figures)").fetchone()[0]


def test_facilities_for_place(conn):
    stewart = conn.execute("SELECT county_fips, state_fips FROM facilities WHERE detloc = 'STWRTGA'").fetchone()
    place = SimpleNamespace(state_fips=stewart["state_fips"], county_fips=[stewart["county_fips"]], municipality=None)
    found = fac.facilities_for_place(conn, place)
    s = next(f for f in found if f["facility_id"] == "fac-stwrtga")
    assert s["type_code"] == "DIGSA" and s["type_plain_es"]
    years = [t["fiscal_year"] for t in s["adp_trend"]]
    assert years == sorted(set(years)) and 2019 in years and 2026 in years
    assert all(t["source_file"] and t["sheet"] and t["row"] for t in s["adp_trend"])


def test_recognize_is_by_content_and_ignores_other_families(shared_data, tmp_path):
    from patchwork_atlas.kernel.archive import Archive

    archive = Archive(tmp_path)
    other = sorted(p for p in (shared_data / "ice-287g").iterdir() if p.suffix in (".xlsx", ".xls"))[:2]
    other += sorted(p for p in (shared_data / "eoir").iterdir() if p.suffix == ".json")[:1]
    assert other
    for path in other:
        assert fac.FAMILY.recognize(archive.store_path(path)) is None, path.name
    renamed = tmp_path / "whatever.bin"
    renamed.write_bytes((shared_data / "ice-detention" / "Over72HourFacilities.xlsx").read_bytes())
    kind, _ = fac.FAMILY.recognize(archive.store_path(renamed))
    assert kind == "over72_list"


def test_reingest_is_known_and_derive_is_deterministic(det_db, shared_data, tmp_path):
    from patchwork_atlas.families import open_database as connect
    from patchwork_atlas.ingest import ingest_files, read_local
    from patchwork_atlas.kernel.archive import Archive
    from patchwork_atlas.kernel.store import table_hashes, transaction

    conn = connect(det_db)
    before = table_hashes(conn)
    report = ingest_files(conn, Archive(tmp_path), read_local(Archive(tmp_path), [shared_data / "ice-detention"]))
    assert report.count("known") == 14
    with transaction(conn):
        fac.derive(conn)
    after = table_hashes(conn)
    for table in ("detention_rows", "facilities", "facility_figures"):
        assert before[table] == after[table], table
    conn.close()


def test_cli_facilities(det_db):
    from patchwork_atlas.cli import main

    runner = CliRunner()
    res = runner.invoke(main, ["facilities", "--db", str(det_db), "--state", "GA", "--year", "2026", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert rows and all(r["state_usps"] == "GA" and r["fiscal_year"] == 2026 for r in rows)
    assert any(r["facility_id"] == "fac-stwrtga" for r in rows)
    res = runner.invoke(main, ["facilities", "--db", str(det_db), "--county", "123"])
    assert res.exit_code == 2
    res = runner.invoke(main, ["facilities", "--db", str(det_db), "--state", "TX"])
    assert res.exit_code == 0 and res.output.startswith("facility_id,name")
