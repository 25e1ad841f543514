"""Issue 16 in headless Chromium: report an error on an agreement, accept it with `patchwork
reports accept`, ingest, and see the corrected fact and the Corrections page entry. Skipped,
with a notice, where Chromium is missing."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from conftest import copy_database
from test_browser import CHROMIUM, DRIVER, _free_port, browser, shot  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (Path(CHROMIUM).exists() and Path(DRIVER).exists()),
        reason="NOTICE: browser tests skipped: Debian chromium and chromium-driver are not installed",
    ),
]


@pytest.fixture(scope="module")
def site(ingested_db: Path, tmp_path_factory):
    """A server on a private copy of the database and data directory (this test writes)."""
    import uvicorn

    from patchwork_atlas.web.app import create_app

    tmp = tmp_path_factory.mktemp("reports-browser")
    db = copy_database(ingested_db, tmp / "patchwork.sqlite")
    data = tmp / "data"
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(db, data_dir=data), host="127.0.0.1", port=port,
                                       access_log=False, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", db, data
    srv.should_exit = True
    thread.join(timeout=10)


def test_report_accept_ingest_and_see_the_correction(site, browser, db, shared_data):  # noqa: F811
    from click.testing import CliRunner
    from selenium.webdriver.common.by import By

    from patchwork_atlas.cli import main

    base, path, data = site
    agreement_id, agency_id, name = db.execute(
        "SELECT a.agreement_id, a.agency_id, g.name FROM agreements a JOIN agencies g USING (agency_id)"
        " WHERE a.status = 'active' AND a.state_usps = 'TX' ORDER BY a.agreement_id LIMIT 1").fetchone()
    corrected = f"{name} (name as signed)"
    # pages may be cached for 5 minutes; here the reader wants to see the change at once
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    browser.get(f"{base}/agreement/{agreement_id}")
    browser.find_element(By.CSS_SELECTOR, "a.report-link").click()
    browser.find_element(By.ID, "what").send_keys("The agency's name is misspelled.")
    browser.find_element(By.ID, "source").send_keys("https://www.ice.gov/identify-and-arrest/287g")
    shot(browser, "report-form")
    browser.find_element(By.ID, "report-send").click()
    thanks = browser.find_element(By.ID, "report-thanks").text
    assert "number 1" in thanks

    runner = CliRunner()
    listed = runner.invoke(main, ["reports", "list", "--data-dir", str(data)])
    assert f"agreement:{agreement_id}" in listed.output
    accepted = runner.invoke(main, [
        "reports", "accept", "1", "--table", "agency_name", "--key", agency_id, "--value", corrected,
        "--reason", "the signed agreement spells it so", "--source",
        "https://www.ice.gov/identify-and-arrest/287g", "--data-dir", str(data), "--db", str(path)])
    assert accepted.exit_code == 0, accepted.output
    # ingest a file it already knows: no new file, yet the changed corrections are applied
    known = sorted((shared_data / "eoir").glob("*.json"))[0]
    ingested = runner.invoke(main, ["ingest", str(known), "--db", str(path), "--data-dir", str(data), "-q"])
    assert ingested.exit_code == 0 and "1 already known" in ingested.output, ingested.output

    browser.get(f"{base}/agreement/{agreement_id}")
    assert corrected in browser.find_element(By.TAG_NAME, "h1").text
    browser.get(f"{base}/corrections")
    table = browser.find_element(By.CSS_SELECTOR, "table.corrections").text
    assert corrected in table and name in table and "the signed agreement spells it so" in table
    shot(browser, "corrections")
