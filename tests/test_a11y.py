"""axe-core (bundled by the axe-selenium-python package, run in Debian's Chromium) on the pages
a person meets first, in both languages: no violation may be reported."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from test_browser import browser, server, shot  # noqa: F401 - fixtures shared with the browser tests

pytestmark = pytest.mark.browser


def _axe_source() -> str:
    return (resources.files("axe_selenium_python") / "node_modules" / "axe-core" / "axe.min.js").read_text()


def _pages(db) -> dict[str, str]:
    county, agency, agreement = db.execute(
        "SELECT c.county_fips, a.agency_id, a.agreement_id FROM agreements a"
        " JOIN agency_counties c USING (agency_id) WHERE a.status = 'active' ORDER BY c.county_fips"
        " LIMIT 1").fetchone()
    return {
        "home": "/", "state": "/state/TX", "county": f"/county/{county}", "zip": "/zip/33602",
        "city": "/place/FL/Tampa", "agency": f"/agency/{agency}", "agreement": f"/agreement/{agreement}",
        "changes": "/changes", "downloads": "/downloads", "home-es": "/es/",
        "county-es": f"/es/county/{county}", "methodology": "/methodology",
    }


def axe_violations(browser, server: str, pages: dict[str, str]) -> dict[str, list[tuple]]:  # noqa: F811
    """Page name -> axe-core's violations there: (rule, help, first three targets)."""
    source = _axe_source()
    browser.set_script_timeout(300)  # the home map has 3,142 counties for axe to walk
    found = {}
    for name, path in pages.items():
        browser.get(server + path)
        browser.execute_script(source)
        result = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations))"
            ".catch(e => done([{id: 'axe-error', help: String(e), nodes: []}]));")
        if result:
            found[name] = [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in result]
    return found


def test_axe_reports_no_violation(server, browser, db):  # noqa: F811
    found = axe_violations(browser, server, _pages(db))
    if found:
        shot(browser, "a11y-last")
    report = {name: sorted({f"{v[0]}: {v[2]}" for v in items}) for name, items in found.items()}
    assert not found, json.dumps(report, indent=0)[:6000]


def test_the_axe_engine_is_bundled():
    assert "axe.version" in _axe_source() or len(_axe_source()) > 100_000
    assert Path(str(resources.files("axe_selenium_python"))).is_dir()
