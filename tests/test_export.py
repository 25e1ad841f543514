"""`patchwork export-site` (issue 18): one state of the real atlas written as static files, then
served by a plain static file server (Python's http.server) and walked in headless Chromium:
home -> search -> county -> agency."""

from __future__ import annotations

import functools
import json
import re
import shutil
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from patchwork_atlas.cli import main
from patchwork_atlas.web.export import file_for, relative_link, rewrite_links

STATE, COUNTY, AGENCY = "NV", "32019", "ag-33db69c5c5b1"  # Lyon County, NV; its sheriff's office
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def exported(ingested_db: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "site"
    result = CliRunner().invoke(main, [
        "export-site", str(out), "--db", str(ingested_db), "--state", STATE,
        "--data-dir", str(ingested_db.parent / "data"), "--base-url", "https://atlas.example.org"])
    assert result.exit_code == 0, result.output
    assert re.search(r"^\d+ files, [\d.]+ MB in [\d.]+ s", result.output, re.M)
    return out


def test_urls_map_to_files_and_relative_links():
    assert file_for("/") == "index.html"
    assert file_for("/es/") == "es/index.html"
    assert file_for("/county/06037") == "county/06037.html"
    assert file_for("/es/county/06037") == "es/county/06037.html"
    assert file_for("/es/downloads/agreements.csv") == "downloads/agreements.csv"
    assert file_for("/api/v1/jurisdictions/06") == "api/v1/jurisdictions/06.json"
    assert file_for("/api/v1/agreements") is None and file_for("/api/v1/lookup?q=33602") is None
    assert file_for("/es/feeds/county/06037.atom") == "es/feeds/county/06037.atom"
    assert file_for("/lang/es?next=/county/06037") == "es/county/06037.html"
    assert file_for("/place/TX/San%20Antonio?county=Bexar+County") == "place/TX/San Antonio.html"
    assert file_for("/changes?state=TX") == "changes.html"  # filters are not exported
    assert relative_link("county/06037.html", "es/agency/ag-1.html") == "../../county/06037.html"
    html = '<a href="/es/agency/ag-1">x</a> <a href="https://example.org/">y</a> <a href="#main">z</a>'
    assert rewrite_links(html, "es/county/06037.html") == (
        '<a href="../agency/ag-1.html">x</a> <a href="https://example.org/">y</a> <a href="#main">z</a>')
    assert rewrite_links('<a href="/agency/ag-1">', "es/county/06037.html") == '<a href="../../agency/ag-1.html">'


def test_export_has_both_languages_api_feeds_downloads_and_search(exported):
    for rel in ("index.html", "es/index.html", f"state/{STATE}.html", f"es/county/{COUNTY}.html",
                f"agency/{AGENCY}.html", f"es/agency/{AGENCY}.html", "search.html", "es/search.html",
                f"api/v1/jurisdictions/{COUNTY}.json", f"api/v1/agencies/{AGENCY}.json",
                "api/v1/summary.json", "feeds/events.atom", f"es/feeds/county/{COUNTY}.atom",
                "downloads/agreements.csv", "downloads/patchwork.sqlite", "static/search.js",
                "search/names.json", "search/zips.json", "zip/89403.html", "es/zip/89403.html"):
        assert (exported / rel).is_file(), rel
    agency = json.loads((exported / f"api/v1/agencies/{AGENCY}.json").read_text())
    assert agency["data"]["agency_id"] == AGENCY
    county = json.loads((exported / f"api/v1/jurisdictions/{COUNTY}.json").read_text())
    for ref in county["data"]["report"]["knowledge"]["federal"]:  # named there, whole here
        entry = json.loads((exported / f"api/v1/knowledge/{ref['id']}.json").read_text())
        assert entry["data"]["id"] == ref["id"] and entry["data"]["sources"]
    names = json.loads((exported / "search/names.json").read_text())
    assert [COUNTY, "Lyon County", STATE] in names["c"] and {a[2] for a in names["a"]} == {STATE}
    assert json.loads((exported / "search/zips.json").read_text())["89403"].split(";")[0] == COUNTY
    feed = (exported / "feeds/events.atom").read_text()
    assert 'href="https://atlas.example.org/' in feed and 'href="/' not in feed
    spanish = (exported / f"es/county/{COUNTY}.html").read_text()
    assert '<html lang="es">' in spanish and f'href="../agency/{AGENCY}.html"' in spanish


def test_every_link_inside_the_exported_state_resolves(exported):
    """Links from the state's pages to its own pages, the API, static files and downloads all
    point to files that exist (links to other states are outside a one-state export)."""
    pages = [p for p in exported.rglob("*.html") if "/zip/" not in p.as_posix()]
    checked = 0
    for page in pages:
        for href in re.findall(r'(?:href|src|action)="([^"#?]+)', page.read_text()):
            if re.match(r"^[a-z]+:", href):  # http:, mailto:, tel:
                continue
            if href.startswith("/"):  # not exported: only the server answers these
                assert href.startswith("/api/v1/"), f"{page.relative_to(exported)} -> {href}"
                continue
            target = (page.parent / unquote(href)).resolve()
            inside = re.search(r"(?:^|/)(county|agency|agreement|agreements|agencies|jurisdictions|facilities|facility|state|feeds|moa)/", href)
            if inside and not (exported / target.relative_to(exported.resolve())).exists():
                continue  # another state's page: not part of this export
            assert target.is_file(), f"{page.relative_to(exported)} -> {href}"
            checked += 1
    assert checked > 1000


@pytest.mark.browser
@pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(DRIVER).exists()),
                    reason="NOTICE: browser test skipped: chromium and chromium-driver are not installed")
def test_static_site_walk_home_search_county_agency(exported):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(exported)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    profile = tempfile.mkdtemp(prefix="patchwork-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--window-size=1280,1600", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        driver.get(base + "index.html")
        box = driver.find_element(By.ID, "q")
        box.send_keys("Lyon County, NV")
        box.submit()
        WebDriverWait(driver, 20).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#static-results a")))
        assert urlsplit(driver.current_url).path == "/search.html"
        first = driver.find_elements(By.CSS_SELECTOR, "#static-results a")[0]
        assert first.text == "Lyon County, NV"
        first.click()
        WebDriverWait(driver, 20).until(ec.url_contains(f"/county/{COUNTY}.html"))
        driver.find_element(By.CSS_SELECTOR, f'a[href$="agency/{AGENCY}.html"]').click()
        WebDriverWait(driver, 20).until(ec.url_contains(f"/agency/{AGENCY}.html"))
        assert "Lyon County Sheriff" in driver.find_element(By.TAG_NAME, "h1").text
        # the same search in Spanish, from a page one folder down
        driver.get(base + f"es/county/{COUNTY}.html")
        box = driver.find_element(By.ID, "q")
        box.send_keys("89403")
        box.submit()
        WebDriverWait(driver, 20).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#static-results a")))
        assert urlsplit(driver.current_url).path == "/es/search.html"
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
        links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "#static-results a")]
        assert links[0].endswith("/es/zip/89403.html") and links[1].endswith(f"/es/county/{COUNTY}.html")
    finally:
        driver.quit()
        server.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
