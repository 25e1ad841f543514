"""A person's path through the real site in headless Chromium: ZIP search, profile, Spanish,
state page. Screenshots go to artifacts/. Skipped, with a notice, where Chromium is missing."""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (Path(CHROMIUM).exists() and Path(DRIVER).exists()),
        reason="NOTICE: browser tests skipped: Debian chromium and chromium-driver are not installed"
        " (apt-get install -y chromium chromium-driver)",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(ingested_db: Path):
    import uvicorn

    from patchwork_atlas.web.app import create_app

    port = _free_port()
    app = create_app(ingested_db, data_dir=ingested_db.parent / "data")
    config = uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning",
                            lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="patchwork-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1280,1600", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def shot(driver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"browser-{name}.png"))


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_zip_search_profile_spanish_state(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_elements(By.CSS_SELECTOR, "svg.map a")  # the map drew, with links
    shot(browser, "1-home")
    box = browser.find_element(By.ID, "q")
    box.send_keys("77002")
    box.send_keys(Keys.ENTER)
    assert browser.current_url.endswith("/zip/77002")
    assert "77002" in browser.find_element(By.ID, "profile-title").text
    assert browser.find_element(By.ID, "h-who").is_displayed()
    shot(browser, "2-zip-profile")

    browser.find_element(By.CSS_SELECTOR, "nav.crumbs a[href='/county/48201']").click()
    assert browser.current_url.endswith("/county/48201")
    assert "Harris County" in browser.find_element(By.ID, "profile-title").text
    shot(browser, "3-county-profile")

    browser.find_element(By.ID, "lang-es").click()
    assert browser.current_url.endswith("/es/county/48201")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    assert browser.find_element(By.ID, "h-who").text == "Quién colabora con ICE aquí"
    shot(browser, "4-county-profile-es")

    browser.find_element(By.CSS_SELECTOR, "nav.crumbs a[href='/es/state/TX']").click()
    assert browser.current_url.endswith("/es/state/TX")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Texas"
    assert browser.find_element(By.CSS_SELECTOR, "svg.chart")
    shot(browser, "5-state-es")

    # The language choice is remembered (the one cookie): an unprefixed page is Spanish now.
    browser.get(server + "/glossary")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    assert console_errors(browser) == []


def test_keyboard_skip_link_and_no_console_errors(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/en/changes?state=TX")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    active = browser.switch_to.active_element
    assert active.get_attribute("class") == "skip"
    active.send_keys(Keys.ENTER)
    assert browser.current_url.endswith("#main")
    shot(browser, "6-changes")
    assert console_errors(browser) == []


# ---- issue 12: search by the names people use; jails now and in earlier years ----------------


def test_city_without_state_typo_and_county_jails(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/lang/en?next=/")
    box = browser.find_element(By.ID, "q")
    box.send_keys("Portland")
    box.send_keys(Keys.ENTER)
    assert "Portland, OR" in browser.find_element(By.ID, "profile-title").text
    note = browser.find_element(By.ID, "search-note")
    assert "Portland, ME" in note.text
    assert browser.find_element(By.ID, "q").get_attribute("value") == "Portland"
    shot(browser, "search-1-city-without-state")

    box = browser.find_element(By.ID, "q")
    box.clear()
    box.send_keys("Los Angelos")
    box.send_keys(Keys.ENTER)
    assert browser.find_element(By.ID, "did-you-mean").is_displayed()
    assert browser.find_element(By.ID, "q").get_attribute("value") == "Los Angelos"
    shot(browser, "search-2-did-you-mean")
    browser.find_element(By.LINK_TEXT, "Los Angeles, CA").click()
    assert "Los Angeles" in browser.find_element(By.ID, "profile-title").text

    browser.get(server + "/county/22079")  # Rapides Parish, LA: a FY2026 facility and an older one
    current = browser.find_element(By.ID, "facilities-current")
    earlier = browser.find_element(By.ID, "facilities-earlier")
    assert "people a day" in current.text and "fiscal year 2026" in browser.find_element(
        By.ID, "facilities").text
    assert "fiscal year 20" in earlier.text
    assert browser.find_element(By.ID, "h-facilities-earlier").text == "Used in earlier years"
    shot(browser, "search-3-county-jails-current-and-earlier")
    assert console_errors(browser) == []
