"""Issue 11: the families as the extension point, one read layer, one language system, and the
latent bugs found by reading the first build (each test here failed before its fix)."""

from __future__ import annotations

import re
import shutil
import sqlite3
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402

from conftest import copy_database  # noqa: E402

TABLES = ("agreements", "agencies", "applications", "events", "facilities", "legal_help_offices")


@pytest.fixture(scope="module")
def client(ingested_db: Path) -> TestClient:
    from patchwork_atlas.web.app import create_app

    return TestClient(create_app(ingested_db, data_dir=ingested_db.parent / "data"))


@pytest.mark.parametrize("name", TABLES)
def test_cli_and_web_download_have_the_same_header_and_rows(name, ingested_db, client):
    from patchwork_atlas.cli import main

    cli = CliRunner().invoke(main, [name.replace("_", "-"), "--format", "csv", "--db", str(ingested_db)])
    assert cli.exit_code == 0, cli.output
    web = client.get(f"/downloads/{name}.csv")
    assert web.status_code == 200
    assert cli.output == web.text
    header = web.text.split("\n", 1)[0].split(",")
    assert "state" not in header and "state_usps" in header  # the API's names win
    assert web.text.count("\n") > 100


def test_cli_table_filters(ingested_db):
    from patchwork_atlas.cli import main

    runner = CliRunner()
    out = runner.invoke(main, ["agreements", "--state", "tx", "--status", "active", "--db", str(ingested_db)])
    lines = out.output.strip().split("\n")
    header = lines[0].split(",")
    col_state, col_status = header.index("state_usps"), header.index("status")
    assert len(lines) > 50
    assert all(line.split(",")[col_state] == "TX" for line in lines[1:] if "," in line)
    assert all(",active," in f",{line}," for line in lines[1:])
    assert out.exit_code == 0 and col_status
    bad = runner.invoke(main, ["events", "--since", "2025-13-45", "--db", str(ingested_db)])
    assert bad.exit_code == 2 and "not a real date" in bad.output


def test_every_msgid_and_stored_code_has_a_spanish_translation(db):
    """Babel's extractor over every module and template, and every coded value the database
    holds (models, statuses, event kinds, facility types, cleaning rules ...)."""
    from patchwork_atlas.kernel import catalogs, i18n
    from patchwork_atlas.read.vocabulary import stored_codes

    spanish = i18n.catalog("es")
    messages = catalogs.extract()
    assert len(messages) > 200
    untranslated = sorted(m for m in messages if not spanish.get(m))
    assert untranslated == []
    codes = stored_codes(db)
    assert {"model", "status", "event", "facility_type", "flag", "date_rule"} <= set(codes)
    missing = sorted(
        f"{kind}:{code}" for kind, values in codes.items() for code in values
        if not spanish.get(f"{kind}:" + re.sub(r"[^A-Za-z0-9_]", "_", code))
        or not i18n.catalog("en").get(f"{kind}:" + re.sub(r"[^A-Za-z0-9_]", "_", code))
    )
    assert missing == []
    assert sum(len(v) for v in codes.values()) > 60


def test_family_code_has_no_spanish_of_its_own():
    """One language system: no `"es": "..."` tables outside the catalogs and the law files."""
    src = Path(__file__).resolve().parents[1] / "src" / "patchwork_atlas"
    spanish_text = re.compile(r'"es":\s*"[^"]*(?:[áéíóúñ¿¡]|\b(?:de|la|el|los|las|una?)\b)')
    offenders = [str(p.relative_to(src)) for p in src.rglob("*.py")
                 if p.name != "i18n.py" and spanish_text.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


# ---- the latent bugs --------------------------------------------------------------------------


def test_legal_help_for_a_place_without_coordinates(db):
    """It used to pass the county list to reference.county() (TypeError)."""
    from patchwork_atlas.families.eoir.family import legal_help_for_place
    from patchwork_atlas.read.places import county_place

    place = county_place("13121")  # Fulton County, GA
    place.lat = place.lon = None  # measured from the county centre instead
    result = legal_help_for_place(db, place)
    assert result["offices"] and result["offices"][0]["distance_km"] is not None


def test_eoir_dates_are_real_dates():
    """'02/30/24' used to become 2024-02-30."""
    from patchwork_atlas.families.eoir.reader import Row, parse_us_date

    row = Row.__new__(Row)
    row.flags, row.review_reason = [], None
    assert parse_us_date("02/30/24", row, "expiration_date") is None
    assert "expiration_date_impossible_date" in row.flags and "02/30/24" in row.review_reason
    assert parse_us_date("02/28/24", row, "expiration_date") == "2024-02-28"


def test_detention_reader_guards_far_cells(shared_data, tmp_path, monkeypatch):
    """A damaged copy of a real statistics workbook with one value at XFD1048576, under a name
    no ICE list has, must never reach calamine (which would try to allocate 549 GB and abort)."""
    import openpyxl
    import python_calamine

    from patchwork_atlas.families.detention import reader

    path = tmp_path / "stats.xlsx"
    shutil.copy(shared_data / "ice-detention" / "FY26_detentionStats_04092026.xlsx", path)
    book = openpyxl.load_workbook(path)
    book.worksheets[0]["XFD1048576"] = "far"
    book.save(path)

    def refuse(*args, **kwargs):
        raise AssertionError("calamine was handed a workbook with a far cell")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", refuse)
    assert reader.open_workbook(path) is None
    assert reader.sniff_workbook(path) is None


def test_colliding_facility_ids_are_reassigned_not_fatal():
    from patchwork_atlas.families.detention.family import dedupe_ids

    rows = [{"facility_id": "fac-1", "review_reason": None},
            {"facility_id": "fac-1", "review_reason": "x"},
            {"facility_id": "fac-1-2", "review_reason": None}]
    dedupe_ids(rows)
    ids = [r["facility_id"] for r in rows]
    assert len(set(ids)) == 3 and ids[0] == "fac-1" and ids[2] == "fac-1-2"
    assert "shares its key" in rows[1]["review_reason"] and rows[1]["review_reason"].startswith("x")


# ---- storage ----------------------------------------------------------------------------------


def test_a_database_from_before_the_families_upgrades_in_place(ingested_db, tmp_path):
    """A database made when the kernel's tables came with 0001_registry.sql has no record of
    0000_kernel.sql: opening it applies that migration as a no-op and changes no table."""
    from patchwork_atlas.families import open_database
    from patchwork_atlas.kernel.store import table_hashes

    path = copy_database(ingested_db, tmp_path / "old.sqlite")
    raw = sqlite3.connect(path)
    raw.execute("DELETE FROM schema_migrations WHERE name = '0000_kernel.sql'")
    raw.commit()
    before = table_hashes(raw, exclude=("schema_migrations",))
    raw.close()
    conn = open_database(path)
    names = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]
    assert names[0] == "0000_kernel.sql" and "0005_knowledge.sql" in names
    assert table_hashes(conn, exclude=("schema_migrations",)) == before


def test_every_family_answers_the_contract(db):
    from patchwork_atlas.families import FAMILIES
    from patchwork_atlas.read.places import county_place

    place = county_place("48453")  # Travis County, TX
    keys: list[str] = []
    for family in FAMILIES:
        keys += list(family.place_report(db, place, "es"))
        assert isinstance(family.stats(db) or {}, dict)
        for table in family.tables().values():
            assert len(set(table.columns)) == len(table.columns)
    assert len(keys) == len(set(keys))
    assert {"agreements", "applications", "facilities", "legal_help", "knowledge"} <= set(keys)
