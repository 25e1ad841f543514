"""The MOA pages (issue 14) against the session's real database, which holds the 76 MOAs: the
list, full-text search, one MOA's facts with their pages, page texts, the agreement page's
section, the archived PDF served inline, Spanish, and the static export's URLs."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", category=DeprecationWarning)
from starlette.testclient import TestClient  # noqa: E402

from patchwork_atlas.web.moa import mark_snippet  # noqa: E402


@pytest.fixture(scope="module")
def client(ingested_db: Path) -> TestClient:
    from patchwork_atlas.web.app import create_app

    return TestClient(create_app(ingested_db, data_dir=ingested_db.parent / "data"),
                      follow_redirects=False)


@pytest.fixture(scope="module")
def linked(db):
    """An MOA read from its own text layer, with its agency value and the agreement it is
    linked to through the list's link."""
    row = db.execute(
        "SELECT m.moa_id, m.sha256, v.value AS agency, v.page, l.agreement_id FROM moas m"
        " JOIN moa_values v ON v.moa_id = m.moa_id AND v.field = 'agency'"
        " JOIN moa_pages p ON p.moa_id = m.moa_id AND p.page = v.page AND p.source = 'pdf'"
        " JOIN moa_links l ON l.moa_id = m.moa_id AND l.method = 'list_link'"
        " WHERE v.page > 0 ORDER BY m.moa_id LIMIT 1").fetchone()
    assert row is not None
    return dict(row)


def test_moa_page_lists_every_moa_held(client, db):
    held = db.execute("SELECT count(*) FROM moas").fetchone()[0]
    assert held == 76
    r = client.get("/moa")
    assert r.status_code == 200
    listed = set(re.findall(r'<td data-label="Agency \(as printed\)"><a href="/moa/(moa-[0-9a-f]{12})"', r.text))
    assert len(listed) == held
    assert "76 MOAs shown." in r.text and "Patchwork holds 76 MOAs" in r.text
    assert "MOAs that depart most from their template" in r.text
    assert 'action="/moa/search"' in r.text
    # a filter narrows the table; an unknown one is ignored
    state = db.execute("SELECT state_usps FROM moas WHERE state_usps IS NOT NULL"
                       " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    n = db.execute("SELECT count(*) FROM moas WHERE state_usps = ?", (state,)).fetchone()[0]
    assert f"{n} MOA{'s' if n != 1 else ''} shown." in client.get(f"/moa?state={state}").text
    assert "76 MOAs shown." in client.get("/moa?state=ZZ&model=<x>").text


def test_search_marks_a_two_word_phrase(client, linked):
    words = re.findall(r"[A-Za-z]{3,}", linked["agency"])[:2]
    assert len(words) == 2, linked
    q = " ".join(words)
    r = client.get("/moa/search", params={"q": q})
    assert r.status_code == 200
    assert "<mark>" in r.text
    assert f'href="/moa/{linked["moa_id"]}"' in r.text
    assert re.search(rf'href="/downloads/raw/{linked["sha256"]}#page=\d+"', r.text)
    assert f'value="{q}"' in r.text  # the query stays in the box
    assert r.headers["cache-control"] == "no-store"  # free text is never cached


def test_search_empty_no_results_and_escaping(client):
    empty = client.get("/moa/search")
    assert empty.status_code == 200 and 'id="moa-q"' in empty.text and "Results" not in empty.text
    none = client.get("/moa/search", params={"q": "zzqxjv wqzzkx"})
    assert "No page of the MOAs held contains all of these words." in none.text
    odd = client.get("/moa/search", params={"q": '<script>alert("x")</script>'})
    assert odd.status_code == 200 and "<script>alert" not in odd.text


def test_snippet_marks_matches_and_escapes_the_rest():
    assert str(mark_snippet("a <b> [x] & [y]")) == "a &lt;b&gt; <mark>x</mark> &amp; <mark>y</mark>"
    assert str(mark_snippet("[<i>]")) == "<mark>&lt;i&gt;</mark>"
    assert str(mark_snippet(None)) == ""


def test_one_moa_with_pages_flags_link_and_comparison(client, linked):
    mid, sha = linked["moa_id"], linked["sha256"]
    r = client.get(f"/moa/{mid}")
    assert r.status_code == 200
    facts = r.text.split('id="h-facts"', 1)[1].split('id="h-flags"', 1)[0]
    agency = facts.split("Agency (as printed)", 1)[1].split("</dd>", 1)[0]
    assert f'href="/downloads/raw/{sha}#page={linked["page"]}"' in agency
    assert f'page {linked["page"]}' in agency
    assert f'href="/agreement/{linked["agreement_id"]}"' in r.text
    assert "Compared with its template" in r.text and "The archived copy" in r.text
    assert f'href="/moa/{mid}/page/1"' in r.text
    assert "unknown (not found in the text)" in facts or "unknown" not in facts  # never blank
    page = client.get(f"/moa/{mid}/page/{linked['page']}")
    assert page.status_code == 200 and '<pre class="pagetext"' in page.text


def test_ocr_pages_are_labelled(client, db):
    row = db.execute("SELECT moa_id, page, confidence FROM moa_pages WHERE source LIKE '%ocr%'"
                     " AND confidence IS NOT NULL ORDER BY moa_id, page LIMIT 1").fetchone()
    if row is None:
        pytest.skip("no page of the session database was read by OCR (tesseract missing)")
    r = client.get(f"/moa/{row['moa_id']}/page/{row['page']}")
    assert r.status_code == 200
    assert "OCR text (confidence" in r.text
    assert "OCR text (confidence" in client.get(f"/moa/{row['moa_id']}").text


def test_unknown_moa_is_404(client, linked):
    for path in ("/moa/moa-000000000000", "/moa/not-an-id", "/moa/moa-000000000000/page/1",
                 f"/moa/{linked['moa_id']}/page/9999", f"/moa/{linked['moa_id']}/page/x"):
        assert client.get(path).status_code == 404, path


def test_agreement_page_says_what_the_agreement_says(client, db, linked):
    r = client.get(f"/agreement/{linked['agreement_id']}")
    assert r.status_code == 200
    section = r.text.split('id="h-says"', 1)[1].split("</section>", 1)[0]
    assert "What this agreement says" in r.text
    assert f'href="/moa/{linked["moa_id"]}"' in section
    assert f'href="/downloads/raw/{linked["sha256"]}"' in section
    other = db.execute(
        "SELECT agreement_id, moa_url FROM agreements WHERE coalesce(moa_url, '') != '' AND"
        " agreement_id NOT IN (SELECT agreement_id FROM moa_links WHERE agreement_id IS NOT NULL)"
        " ORDER BY agreement_id LIMIT 1").fetchone()
    page = client.get(f"/agreement/{other['agreement_id']}").text
    section = page.split('id="h-says"', 1)[1].split("</section>", 1)[0]
    assert "No MOA is held for this agreement." in section
    assert other["moa_url"].replace("&", "&amp;") in section


def test_archived_pdf_is_served_inline(client, db, linked):
    r = client.get(f"/downloads/raw/{linked['sha256']}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("inline")
    assert r.content[:5] == b"%PDF-"
    other = db.execute("SELECT r.sha256 FROM raw_files r JOIN file_sightings s USING (sha256)"
                       " WHERE lower(s.file_name) LIKE '%.xlsx' LIMIT 1").fetchone()
    if other is not None:
        x = client.get(f"/downloads/raw/{other[0]}")
        assert x.headers["content-type"] == "application/octet-stream"
        assert x.headers["content-disposition"].startswith("attachment")


def test_spanish_pages(client, linked):
    r = client.get("/es/moa")
    assert r.status_code == 200 and '<html lang="es">' in r.text
    assert "Qué dicen los acuerdos 287(g)" in r.text and "Los MOA que más se apartan de su plantilla" in r.text
    one = client.get(f"/es/moa/{linked['moa_id']}").text
    assert "Qué dice el MOA" in one and "Agencia (tal como está impresa)" in one
    assert "Qué dice este acuerdo" in client.get(f"/es/agreement/{linked['agreement_id']}").text
    assert "Buscar en el texto de los MOA" in client.get("/es/moa/search").text


def test_navigation_links_the_moa_pages(client):
    assert 'href="/moa"' in client.get("/moa").text.split("</nav>", 1)[0]


def test_static_export_renders_moa_pages_and_keeps_search_on_the_server(db, linked):
    from patchwork_atlas.web.export import file_for, site_urls

    urls = site_urls(db, None)
    assert "/moa" in urls and "/es/moa" in urls
    assert f"/moa/{linked['moa_id']}" in urls and f"/moa/{linked['moa_id']}/page/1" in urls
    assert file_for("/moa/search?q=public+affairs") is None
    assert file_for(f"/es/moa/{linked['moa_id']}") == f"es/moa/{linked['moa_id']}.html"
