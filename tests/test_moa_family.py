"""The MOA family in the database: all 76 real MOAs ingested, every value traceable to its page,
links to the registry's agreements, comparison, full-text search, atomic rejection."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from conftest import copy_database
from patchwork_atlas.families.moa import family as F
from patchwork_atlas.families.moa import ocr

VERIFIED = Path(__file__).parent / "data" / "moa_verified.csv"
needs_tesseract = pytest.mark.skipif(ocr.engine() is None, reason="tesseract is not installed")


def _manifest(shared_data: Path) -> list[dict[str, str]]:
    return list(csv.DictReader((shared_data / "ice-287g-moa" / "manifest.csv").open(encoding="utf-8")))


def test_every_shared_moa_is_stored_with_its_pages(db, shared_data):
    shas = {r["sha256"] for r in _manifest(shared_data)}
    stored = {r["sha256"]: r for r in db.execute("SELECT * FROM moas")}
    assert set(stored) == shas and len(shas) == 76
    for sha, m in stored.items():
        pages = db.execute("SELECT page, source FROM moa_pages WHERE moa_id = ? ORDER BY page",
                           (m["moa_id"],)).fetchall()
        assert [p["page"] for p in pages] == list(range(1, m["pages"] + 1)), sha
        unread = [p["page"] for p in pages if p["source"] == "none"]
        assert ("pages without text" in json.loads(m["flags"])) == bool(unread), sha
        assert m["model"] in ("JEM", "TFM", "WSO", None)


def test_every_value_is_the_text_at_its_page_and_span(db):
    rows = db.execute(
        "SELECT v.*, p.text FROM moa_values v LEFT JOIN moa_pages p"
        " ON p.moa_id = v.moa_id AND p.page = v.page").fetchall()
    assert len(rows) > 500
    for v in rows:
        if v["page"] == 0:  # not from the text: only a flagged fallback
            assert v["note"] and v["note"].startswith("fallback"), dict(v)
            continue
        assert v["text"][v["span_start"]:v["span_end"]] == v["printed"], dict(v)


def test_links_through_the_lists_and_mismatches_flagged(db):
    links = db.execute("SELECT * FROM moa_links").fetchall()
    assert {r["moa_id"] for r in links} == {r[0] for r in db.execute("SELECT moa_id FROM moas")}
    by_list = {r["moa_id"] for r in links if r["method"] == "list_link"}
    assert len(by_list) >= 75  # the README: 75 of the 76 match a listed link by name
    for r in links:
        assert r["reason"]
        if r["agreement_id"] is None:
            assert r["method"] == "none" and r["review_reason"]
        else:
            assert db.execute("SELECT 1 FROM agreements WHERE agreement_id = ?",
                              (r["agreement_id"],)).fetchone()
    # Gilmer County's listed WSO link serves the Georgia Department of Public Safety's TFM MOA
    gilmer = [r["review_reason"] for r in links if r["moa_id"] == "moa-71cd7387aad7"]
    assert gilmer and "TFM agreement, the list says WSO" in gilmer[0]


def test_same_agency_is_lenient_on_form_not_on_substance():
    assert F.same_agency("High Springs, FL Police Dept", "High Springs Police Department", "FL")
    assert F.same_agency("Tarrant County, by and through the Tarrant County Sheriffs Office",
                         "Tarrant County Sheriff\u2019s Office", "TX")
    assert F.same_agency("Loudoun County Sheriff", "Loudoun County Sheriff's Office", "VA")
    assert not F.same_agency("State of Missouri", "Missouri Highway Patrol", "MO")
    assert not F.same_agency("Georgia Department of Public Safety (DPS)",
                             "Gilmer County Sheriff's Office", "GA")


def test_hand_verified_values_in_the_database(db):
    """The stored facts equal the hand-verified ones (a value may be unknown, never wrong)."""
    rows = list(csv.DictReader(VERIFIED.open(encoding="utf-8")))
    found = {"agency": 0, "state": 0, "ice_signed": 0}
    for r in rows:
        m = db.execute("SELECT * FROM moas WHERE sha256 = ?", (r["sha256"],)).fetchone()
        assert m["model"] == r["model"], r
        assert (m["template_revision"] or "") == r["revision"], r
        if m["agency"]:
            assert fuzz.token_set_ratio(m["agency"].lower(), r["agency"].lower()) >= 85, (r, m["agency"])
            found["agency"] += 1
        if m["state_usps"]:
            assert m["state_usps"] == r["state"], r
            found["state"] += 1
        if m["ice_signed_date"]:
            assert m["ice_signed_date"] == r["ice_signed"], r
            found["ice_signed"] += 1
    assert found["agency"] >= 12 and found["state"] >= 10 and found["ice_signed"] >= 10, found


def test_comparison_for_every_moa(db):
    n = db.execute("SELECT count(*) FROM moas").fetchone()[0]
    comps = db.execute("SELECT * FROM moa_comparisons").fetchall()
    assert len(comps) == n
    for c in comps:
        if c["compared_with"] != c["template_group"]:
            assert c["note"], dict(c)
    top = F.departures(db, limit=5)
    assert len(top) == 5 and top[0]["score"] >= top[-1]["score"]


def test_full_text_search(db):
    hits = F.search(db, "public information")
    assert hits and all("[" in h["snippet"] for h in hits)
    assert all(h["archived_copy"].endswith(f"#page={h['page']}") for h in hits)
    tx = F.search(db, "public information", state="TX")
    assert tx and {h["state"] for h in tx} == {"TX"}
    assert F.search(db, '"; DROP TABLE moas; --') == []  # quoted terms: no syntax reaches SQLite
    assert F.search(db, "   ") == []


def test_csv_columns_of_the_table():
    assert F.MOA_COLUMNS[:10] == ("moa_id", "sha256", "model", "agency", "state",
                                  "template_revision", "signed_dates", "agreement_id",
                                  "match_confidence", "flags")


def test_damaged_copy_is_rejected_and_leaves_the_database_unchanged(ingested_db, shared_data,
                                                                     tmp_path):
    from patchwork_atlas.families import open_database
    from patchwork_atlas.ingest import ingest_files, read_local
    from patchwork_atlas.kernel.archive import Archive

    dbfile = copy_database(ingested_db, tmp_path / "copy.sqlite")
    first = _manifest(shared_data)[0]
    source = (shared_data / "ice-287g-moa" / first["file"]).read_bytes()
    damaged = tmp_path / "in" / "moa.pdf"
    damaged.parent.mkdir()
    damaged.write_bytes(source[: len(source) // 2])
    conn = open_database(dbfile)
    tables = ("moas", "moa_pages", "moa_values", "moa_links", "moa_comparisons")
    before = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608
    archive = Archive(tmp_path / "data")
    report = ingest_files(conn, archive, read_local(archive, [damaged.parent]))
    assert [o.status for o in report.outcomes] == ["rejected"]
    assert "\n" not in report.outcomes[0].detail and report.outcomes[0].detail
    assert {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables} == before  # noqa: S608
    conn.close()
    shutil.rmtree(tmp_path / "data")


@needs_tesseract
def test_scans_ingest_with_every_page_ocr(shared_data, tmp_path, monkeypatch):
    """Two hand-verified scans (no text layer but on one page), every page OCR'd at ingest: their facts
    are found, each OCR page says so with its confidence, and the text is searchable."""
    from patchwork_atlas.families import open_database
    from patchwork_atlas.ingest import ingest_files
    from patchwork_atlas.kernel.archive import Archive

    monkeypatch.delenv(F.OCR_PAGES_ENV, raising=False)
    verified = {r["sha256"]: r for r in csv.DictReader(VERIFIED.open(encoding="utf-8"))}
    names = {r["sha256"]: r["file"] for r in _manifest(shared_data)}
    from patchwork_atlas.families.moa.text import read_text

    def no_text_layer(path: Path) -> bool:
        pages = read_text(path.read_bytes(), ocr_enabled=False).pages
        return sum(p.layer == "text" for p in pages) <= 1  # a scan, perhaps with one typed page

    scans = sorted(sha for sha in verified
                   if no_text_layer(shared_data / "ice-287g-moa" / names[sha]))[:2]
    assert len(scans) == 2
    archive = Archive(tmp_path / "data")
    conn = open_database(tmp_path / "scans.sqlite")
    conn.row_factory = sqlite3.Row
    raws = [archive.store_path(shared_data / "ice-287g-moa" / names[sha]) for sha in scans]
    report = ingest_files(conn, archive, raws)
    assert [o.status for o in report.outcomes] == ["ingested", "ingested"]
    for sha in scans:
        m = conn.execute("SELECT * FROM moas WHERE sha256 = ?", (sha,)).fetchone()
        assert m["model"] == verified[sha]["model"]
        assert m["ocr_engine"] and "ocr text used" in json.loads(m["flags"])
        pages = conn.execute("SELECT * FROM moa_pages WHERE moa_id = ?", (m["moa_id"],)).fetchall()
        scanned = [p for p in pages if p["layer"] != "text"]
        assert len(scanned) >= len(pages) - 1
        assert all("ocr" in p["source"] and p["confidence"] for p in scanned if p["text"].strip())
        assert sum(p["source"] == "none" for p in scanned) <= 1
        if m["ice_signed_date"]:
            assert m["ice_signed_date"] == verified[sha]["ice_signed"]
    assert (tmp_path / "data" / "ocr").is_dir()  # cached: a second reading costs no OCR
    assert F.search(conn, "Immigration Customs")
    conn.close()


@needs_tesseract
def test_reread_ocrs_pages_left_unread(ingested_db, tmp_path, monkeypatch):
    """`patchwork moa reread` reads the stored scans again with more pages OCR'd (here the
    second page; the session database OCR'd the first), replacing their pages and values in
    one transaction per file; search and links follow."""
    from click.testing import CliRunner

    from patchwork_atlas.cli import main

    dbfile = copy_database(ingested_db, tmp_path / "copy.sqlite")
    monkeypatch.setenv(F.OCR_PAGES_ENV, "2")
    conn = sqlite3.connect(dbfile)
    conn.row_factory = sqlite3.Row
    unread_before = conn.execute("SELECT count(*) FROM moa_pages WHERE source = 'none'").fetchone()[0]
    page2 = {r[0] for r in conn.execute(
        "SELECT moa_id FROM moa_pages WHERE page = 2 AND source = 'none'")}
    conn.close()
    assert page2
    result = CliRunner().invoke(main, ["moa", "reread", "--db", str(dbfile),
                                       "--data-dir", str(ingested_db.parent / "data")])
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(dbfile)
    conn.row_factory = sqlite3.Row
    assert conn.execute("SELECT count(*) FROM moa_pages WHERE source = 'none'").fetchone()[0] < unread_before
    still_unread = {r[0] for r in conn.execute(
        "SELECT moa_id FROM moa_pages WHERE page = 2 AND source = 'none'")}
    assert len(still_unread & page2) < len(page2)
    assert conn.execute("SELECT count(*) FROM moas").fetchone()[0] == 76
    assert {r[0] for r in conn.execute("SELECT DISTINCT moa_id FROM moa_links")} == {
        r[0] for r in conn.execute("SELECT moa_id FROM moas")}
    n_pages = conn.execute("SELECT count(*) FROM moa_pages").fetchone()[0]
    assert conn.execute("SELECT count(*) FROM moa_text").fetchone()[0] == n_pages
    conn.execute("INSERT INTO moa_text(moa_text) VALUES ('integrity-check')")  # raises if the index drifted
    conn.close()
