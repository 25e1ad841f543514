"""The MOA pages in Chromium: axe-core finds no violation, in both languages, and at 390 px no
table or page is wider than the screen (screenshots go to artifacts/)."""

from __future__ import annotations

import json

import pytest

from test_a11y import axe_violations
from test_browser import ARTIFACTS, browser, server  # noqa: F401 - fixtures shared with the browser tests
from test_browser_widths import WIDE_TABLES

pytestmark = pytest.mark.browser

PAGE_WIDER_THAN_SCREEN = "return document.documentElement.scrollWidth > document.documentElement.clientWidth + 1;"


def _pages(db) -> dict[str, str]:
    """The list, a search, the MOA that departs most (the longest table of differences), an
    OCR'd page where there is one, and an agreement with an MOA."""
    top = db.execute("SELECT moa_id FROM moa_comparisons WHERE score IS NOT NULL"
                     " ORDER BY score DESC LIMIT 1").fetchone()[0]
    ocr = db.execute("SELECT moa_id, page FROM moa_pages WHERE source LIKE '%ocr%'"
                     " ORDER BY moa_id, page LIMIT 1").fetchone()
    agreement = db.execute("SELECT agreement_id FROM moa_links WHERE agreement_id IS NOT NULL"
                           " ORDER BY agreement_id LIMIT 1").fetchone()[0]
    pages = {"moa": "/moa", "moa-es": "/es/moa", "search": "/moa/search?q=public+affairs",
             "moa-one": f"/moa/{top}", "moa-one-es": f"/es/moa/{top}",
             "agreement": f"/agreement/{agreement}"}
    if ocr is not None:
        pages["ocr-page"] = f"/moa/{ocr[0]}/page/{ocr[1]}"
    return pages


def test_axe_reports_no_violation_on_the_moa_pages(server, browser, db):  # noqa: F811
    browser.set_window_size(1280, 1600)
    found = {name: sorted({f"{v[0]}: {v[2]}" for v in items})
             for name, items in axe_violations(browser, server, _pages(db)).items()}
    assert not found, json.dumps(found, indent=0)[:6000]


def test_moa_pages_fit_a_phone(server, browser, db):  # noqa: F811
    browser.set_window_size(390, 1000)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        for name, path in _pages(db).items():
            browser.get(server + path)
            browser.save_screenshot(str(ARTIFACTS / f"{name}-390.png"))
            assert browser.execute_script(WIDE_TABLES) == [], path
            assert not browser.execute_script(PAGE_WIDER_THAN_SCREEN), path
    finally:
        browser.set_window_size(1280, 1600)
