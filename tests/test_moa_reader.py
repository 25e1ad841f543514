"""The MOA reader against the 76 real MOA PDFs in ../shared (bytes only: no file names).

OCR runs only where a test needs it (first pages of scans, signature pages of the hand-verified
scans), two tesseract processes at a time, into one session cache."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from patchwork_atlas.families.moa import ocr
from patchwork_atlas.families.moa.compare import compare, group_key
from patchwork_atlas.families.moa.extract import read_moa, recognize
from patchwork_atlas.families.moa.text import ReadError, read_text

# ../shared beside the repo; a git worktree one level deeper (wt/<name>) looks further up
MOA_DIR = next((d / "shared" / "data" / "ice-287g-moa" for d in Path(__file__).resolve().parents[1:]
                if (d / "shared" / "data" / "ice-287g-moa").is_dir()),
               Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ice-287g-moa")
VERIFIED = Path(__file__).parent / "data" / "moa_verified.csv"
needs_tesseract = pytest.mark.skipif(ocr.engine() is None, reason="tesseract is not installed")


@pytest.fixture(scope="session")
def pdfs() -> dict[str, bytes]:
    """sha256 -> bytes, from the manifest (names used only to find the files)."""
    if not MOA_DIR.is_dir():
        pytest.fail(f"the MOA PDFs are expected at {MOA_DIR}")
    rows = list(csv.DictReader((MOA_DIR / "manifest.csv").open(encoding="utf-8")))
    assert len(rows) == 76
    return {r["sha256"]: (MOA_DIR / r["file"]).read_bytes() for r in rows}


@pytest.fixture(scope="session")
def ocr_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("moa-ocr")


@pytest.fixture(scope="session")
def without_ocr(pdfs):
    return {sha: read_moa(data, ocr=False) for sha, data in pdfs.items()}


def test_all_read_without_ocr_and_scans_flagged(without_ocr):
    scans = [m for m in without_ocr.values() if all(p.layer != "text" for p in m.text.pages)]
    assert len(scans) >= 13  # the README's 13 with no text layer, plus two with garbled fonts
    for m in without_ocr.values():
        unread = [p.number for p in m.text.pages if p.layer in ("none", "garbled")]
        assert m.text.unread_pages == unread
        assert ("pages without text" in m.flags) == bool(unread)
        assert "ocr text used" not in m.flags
    for m in scans:
        assert m.agency is None and m.term is None


def test_fields_found_or_honestly_none(without_ocr):
    counts = {"model": 0, "agency": 0, "state": 0, "revision": 0, "ice_signed": 0}
    for m in without_ocr.values():
        for f in ("model", "agency", "state", "revision"):
            v = getattr(m, f)
            if v is not None:
                counts[f] += 1
                page = m.text.pages[v.page - 1].text
                assert page[v.start:v.end] == v.printed, (f, v)
        counts["ice_signed"] += m.ice.date is not None
        assert m.model is None or m.model.value in ("JEM", "TFM", "WSO")
        assert m.state is None or re.fullmatch(r"[A-Z]{2}", m.state.value)
    print("\ncoverage over 76 without OCR:", counts)
    assert counts["model"] >= 50 and counts["agency"] >= 50 and counts["revision"] >= 35


def test_damaged_copy_raises_read_error(pdfs):
    data = next(iter(pdfs.values()))
    for bad in (data[: len(data) // 3], b"", b"%PDF-1.7\n" + b"\0" * 100):
        with pytest.raises(ReadError) as exc:
            read_text(bad, ocr_enabled=False)
        assert "\n" not in str(exc.value) and str(exc.value)


def test_recognize_without_ocr_needs_the_hint(pdfs):
    text_ones = scans = 0
    for data in pdfs.values():
        if recognize(data, ocr=False):
            text_ones += 1
        else:
            scans += 1
            assert recognize(data, ocr=False, listed_as_moa=True)
    assert scans >= 13 and text_ones >= 50
    assert not recognize(b"not a pdf", listed_as_moa=True)


@needs_tesseract
def test_recognize_scans_with_ocr(pdfs, ocr_cache):
    for data in pdfs.values():
        assert recognize(data, cache_dir=ocr_cache)  # OCRs the first pages of scans


@needs_tesseract
def test_ocr_cache_is_used(pdfs, ocr_cache):
    scan = next(d for d in pdfs.values() if read_text(d, ocr_enabled=False).pages[0].unread)
    first = read_text(scan, cache_dir=ocr_cache, ocr_pages={1})
    assert first.pages[0].source == "ocr" and first.pages[0].confidence > 50
    again = read_text(scan, cache_dir=ocr_cache, ocr_enabled=False)  # from the cache only
    assert again.pages[0].text == first.pages[0].text


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


@needs_tesseract
def test_against_hand_verified(pdfs, ocr_cache):
    rows = list(csv.DictReader(VERIFIED.open(encoding="utf-8")))
    assert len(rows) >= 15
    got = {"state": 0, "ice_signed": 0}
    for r in rows:
        m = read_moa(pdfs[r["sha256"]], cache_dir=ocr_cache, ocr_pages={1, 7, 9})
        assert m.model and m.model.value == r["model"], r
        assert m.agency is None or fuzz.ratio(_norm(m.agency.value), _norm(r["agency"])) >= 85, (
            r, m.agency)
        assert (m.revision.value if m.revision else "") == r["revision"], r
        if m.state:
            assert m.state.value == r["state"], (r, m.state)
            got["state"] += 1
        if m.ice.date:
            assert r["ice_signed"] and m.ice.date.value == dt.date.fromisoformat(
                r["ice_signed"]), (r, m.ice.date)
            got["ice_signed"] += 1
    print("\nhand-verified: found", got, "of", len(rows))
    assert got["state"] >= 11 and got["ice_signed"] >= 12, got


def test_compare_groups_and_scores(without_ocr):
    moas = list(without_ocr.values())
    result = compare(moas)
    assert set(result) == {m.sha256 for m in moas}
    scored = [c for c in result.values() if c.score is not None]
    assert len(scored) >= 50
    for c in result.values():
        if c.compared_with != c.group:
            assert c.note and "compared with" in c.note
    # the 2025 TFM template verbatim-ish: most score low
    tfm = [c.score for c in scored if c.group == ("TFM", "rev 2025-02-12")]
    assert len(tfm) >= 5 and sorted(tfm)[len(tfm) // 2] < 0.1
    assert group_key(moas[0])[0] in ("JEM", "TFM", "WSO", "unknown")
