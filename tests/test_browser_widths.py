"""Issue 17 in Chromium at phone and desktop widths, in both languages: no chart text under
11 px and no table wider than the screen on a phone; screenshots of home, a state and a county
go to artifacts/ for people to look at."""

from __future__ import annotations

import pytest

from test_browser import ARTIFACTS, browser, server  # noqa: F401 - fixtures shared with the browser tests

pytestmark = pytest.mark.browser

SMALLEST_TEXT = """
return Array.from(document.querySelectorAll('svg.chart')).filter(s => s.getBoundingClientRect().width > 0)
  .flatMap(s => Array.from(s.querySelectorAll('text')).map(t =>
    parseFloat(getComputedStyle(t).fontSize) * s.getScreenCTM().a))
  .reduce((a, b) => Math.min(a, b), 1e9);
"""
WIDE_TABLES = """
return Array.from(document.querySelectorAll('table')).filter(t => t.getBoundingClientRect().width > 0
  && t.scrollWidth > document.documentElement.clientWidth + 1).map(t => (t.id || t.className || (t.querySelector('caption, th') || {}).textContent || 'table'));
"""


def _county(db) -> str:
    return db.execute(
        "SELECT c.county_fips FROM agreements a JOIN agency_counties c USING (agency_id)"
        " WHERE a.status = 'active' GROUP BY c.county_fips ORDER BY count(*) DESC LIMIT 1").fetchone()[0]


@pytest.mark.parametrize("width", [390, 1280])
def test_pages_at_phone_and_desktop_widths(server, browser, db, width):  # noqa: F811
    county = _county(db)
    browser.set_window_size(width, 1000)
    ARTIFACTS.mkdir(exist_ok=True)
    for lang in ("", "/es"):
        for name, path in (("home", "/"), ("state", "/state/TX"), ("county", f"/county/{county}")):
            browser.get(f"{server}{lang}{path}")
            browser.save_screenshot(str(ARTIFACTS / f"{name}-{width}{'-es' if lang else ''}.png"))
            if width == 390:
                smallest = browser.execute_script(SMALLEST_TEXT)
                assert smallest >= 11, (path, lang, smallest)  # rendered font size, in CSS px
                assert browser.execute_script(WIDE_TABLES) == [], (path, lang)
