"""Issue 17 on the home page: states and territories counted apart, the state table in
alphabetical order of names with every state (zero where none), a readable TFM badge."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402


@pytest.fixture(scope="module")
def client(ingested_db: Path) -> TestClient:
    from patchwork_atlas.web.app import create_app

    return TestClient(create_app(ingested_db, data_dir=ingested_db.parent / "data"))


def test_states_and_territories_are_counted_apart(client, db):
    from patchwork_atlas.kernel.geo.reference import is_territory

    places = [r[0] for r in db.execute("SELECT DISTINCT state_usps FROM agreements WHERE status='active'")]
    states = sum(1 for p in places if not is_territory(p))
    territories = len(places) - states
    html = client.get("/").text
    assert f'<dd id="n-states">{states}</dd>' in html
    assert territories == 0 or f'<dd id="n-territories">{territories}</dd>' in html
    assert states <= 51


def test_state_table_lists_every_state_by_name(client):
    html = client.get("/").text
    table = html.split('id="states-table"', 1)[1].split("</table>", 1)[0]
    names = re.findall(r'<th scope="row"><a href="[^"]*">([^<]+)</a>', table)
    states = [n for n in names if n not in ("Guam", "Northern Mariana Islands", "Puerto Rico",
                                            "U.S. Virgin Islands", "American Samoa")]
    assert len(states) == 51 and states == sorted(states)
    assert states.index("Alabama") < states.index("Alaska")


def test_tfm_badge_text_has_enough_contrast():
    css = (Path(__file__).resolve().parents[1] / "src/patchwork_atlas/web/static/style.css").read_text()
    rule = re.search(r"\.badge\.m-tfm \{([^}]*)\}", css).group(1)
    background = re.search(r"--tfm:\s*(#[0-9A-Fa-f]{6})", css).group(1)
    color = re.search(r"color:\s*(#[0-9A-Fa-f]{3,6})", rule).group(1)

    def luminance(hex_color: str) -> float:
        h = hex_color.lstrip("#")
        h = "".join(c * 2 for c in h) if len(h) == 3 else h
        channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(background), luminance(color)), reverse=True)
    assert (hi + 0.05) / (lo + 0.05) >= 4.5


def test_changes_hide_moa_postings_by_default(client, db):
    posted = db.execute("SELECT count(*) FROM events WHERE kind = 'moa_posted'").fetchone()[0]
    assert posted > 100
    default = client.get("/changes").text
    assert "k-moa_posted" not in default and "moa=1" in default
    shown = client.get("/changes?kind=moa_posted").text
    assert "k-moa_posted" in shown
    both = client.get("/changes?moa=1").text
    assert "Hide those" in both


def test_feed_entries_name_the_agency_and_state(client):
    import xml.etree.ElementTree as ET

    feed = ET.fromstring(client.get("/feeds/events.atom").content)
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(f"{atom}title") for e in feed.findall(f"{atom}entry")]
    assert titles and all(re.match(r"^.+ \([A-Z]{2}\): ", t) for t in titles), titles[:3]
    assert not any("ag-" in t or "agr-" in t for t in titles)


def test_long_state_table_sorts_filters_and_pages_without_javascript(client, db):
    total = db.execute("SELECT count(*) FROM agreements WHERE status='active' AND state_usps='TX'").fetchone()[0]
    assert total > 100
    first = client.get("/state/TX").text
    assert f"50 of {total:,} agreements" not in first  # the count line speaks of matches
    assert first.count('<td data-label="Agency">') == 50 and "tpage=2" in first
    sheriffs = client.get("/state/TX?agency=sheriff&model=JEM&sort=signed&dir=desc").text
    rows = sheriffs.split('id="h-agreements"', 1)[1].split("</table>", 1)[0]
    names = re.findall(r'<td data-label="Agency"><a href="[^"]*">([^<]+)</a>', rows)
    assert names and all("sheriff" in n.lower() for n in names)
    dates = re.findall(r'<td data-label="Signed"><a href="[^"]*">([^<]+)</a>', rows)
    assert len(dates) == len(names)
    last = client.get(f"/state/TX?tpage={-(-total // 50)}").text
    assert 'rel="next"' not in last.split('id="h-agreements"', 1)[1]


def _n_active(html: str) -> int:
    return int(re.search(r'<dd id="n-active">([\d,]+)</dd>', html).group(1).replace(",", ""))


def test_home_as_of_a_date_shows_the_list_in_force_then(client):
    html = client.get("/?as_of=2025-05-29").text
    assert _n_active(html) == 635
    assert "the one in force that day" in html
    before = client.get("/?as_of=2019-06-01").text
    assert "No list is held before" in before
    assert "not a date" in client.get("/?as_of=2025-13-45").text


def test_growth_chart_ends_at_the_home_figure_and_starts_at_the_first_list(client, db):
    for path in ("/", "/?as_of=2025-05-29"):
        html = client.get(path).text
        table = html.split('id="h-growth"', 1)[1].split("</table>", 1)[0]
        totals = re.findall(r'<td class="num"[^>]*>([\d,]+)</td></tr>', table)
        assert totals and int(totals[-1].replace(",", "")) == _n_active(html), path
    first = db.execute("SELECT min(published_date) FROM publications WHERE list='participating'").fetchone()[0]
    html = client.get("/").text
    assert "First list we hold: " + first in html
    assert '<svg class="chart chart-wide"' in html and '<svg class="chart chart-narrow"' in html


def test_state_page_as_of(client):
    now = client.get("/state/TX").text
    then = client.get("/state/TX?as_of=2025-05-29").text
    assert _n_active(then) < _n_active(now)
    assert "the one in force that day" in then
