"""Issue 17: every law entry and case has a Spanish title beside its official name, the pages
in Spanish show it (with the official name kept), and the catalog's Spanish agrees in gender
and number with what it describes."""

from __future__ import annotations

import html
import re
import sqlite3
import warnings
from pathlib import Path

import pytest

from patchwork_atlas.families import law
from patchwork_atlas.families import open_database as connect
from patchwork_atlas.families.law.titles import is_bare_name, spanish_title_problems
from patchwork_atlas.families.law.validate import read_files

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402

TEMPLATES = Path(law.__file__).resolve().parents[2] / "web" / "templates"


@pytest.fixture(scope="module")
def client(ingested_db: Path) -> TestClient:
    from patchwork_atlas.web.app import create_app

    return TestClient(create_app(ingested_db, data_dir=ingested_db.parent / "data"))


def test_every_entry_and_case_has_a_spanish_title():
    loaded = read_files()
    assert len(loaded.entries) > 100 and len(loaded.cases) > 15
    items = [(e.id, e.data["title"], e.data.get("title_es")) for e in loaded.entries]
    items += [(c.id, c.data["caption"], c.data.get("caption_es")) for c in loaded.cases]
    problems = {i: list(spanish_title_problems("title_es", en, es)) for i, en, es in items}
    assert {i: p for i, p in problems.items() if p} == {}
    # descriptive titles are translated; only bare names (captions, bill numbers) may repeat
    copied = [i for i, en, es in items if en == es]
    assert all(i.startswith("case-") for i in copied), copied
    assert sum(en != es for _, en, es in items) > 110


def test_bare_names_and_descriptive_titles():
    assert is_bare_name("United States v. City and County of Denver, et al.")
    assert is_bare_name("Lunn v. Commonwealth (Mass. Supreme Judicial Court, 2017)")
    assert not is_bare_name("Printz v. United States (1997): Congress cannot order state officers")
    assert not is_bare_name("Tennessee ban on local sanctuary policies")
    same = "Required 287(g) agreements for county jails"
    assert list(spanish_title_problems("title_es", same, same))
    assert list(spanish_title_problems("caption_es", "Galarza v. Szalczyk", None))
    assert not list(spanish_title_problems("caption_es", "Galarza v. Szalczyk", "Galarza v. Szalczyk"))


def test_stored_and_returned_with_both_languages(tmp_path):
    conn = connect(tmp_path / "k.sqlite")
    law.load_into(conn)
    printz = law.entry(conn, "us-printz-1997")
    assert printz["title"].startswith("Printz v. United States (1997): Congress")
    assert printz["title_es"].startswith("Printz v. United States (1997): el Congreso")
    assert printz["titles"] == {"en": printz["title"], "es": printz["title_es"]}
    nulls = conn.execute("SELECT count(*) FROM knowledge_entries WHERE title_es IS NULL")
    assert nulls.fetchone()[0] == 0
    cases = law.list_cases(conn, state="NY")
    green = next(c for c in cases if c["id"] == "case-us-v-new-york-green-light-2025")
    assert green["captions"] == {"en": green["caption"], "es": green["caption_es"]}
    assert green["caption_es"] == "United States v. State of New York (Ley Luz Verde)"


def test_an_entry_without_a_spanish_title_is_reported_but_still_loaded(tmp_path):
    """`knowledge check` fails, yet the law stays on the pages under its official name."""
    import shutil

    root = tmp_path / "kb"
    shutil.copytree(Path(law.__file__).parent / "data", root)
    path = root / "states" / "fl.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"\n    title_es: .*", "", text, count=1), encoding="utf-8")
    problems = [str(p) for p in law.check(read_files(root))]
    assert len(problems) == 1 and "title_es missing" in problems[0]
    conn = connect(tmp_path / "k.sqlite")
    assert law.load_into(conn, root=root)["skipped"] == 0
    row = conn.execute(
        "SELECT title, title_es FROM knowledge_entries WHERE source_file = 'states/fl.yaml'"
        " ORDER BY position LIMIT 1"
    ).fetchone()
    assert row[0] and row[1] is None
    first = law.entry(conn, "fl-sb168-2019-ch908")
    assert first["titles"]["es"] == first["title"]  # falls back to the official name


def _text(page: str) -> str:
    """The page's text without tags (the official name sits in its own lang="en" span)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_spanish_state_page_shows_the_spanish_title_with_the_official_name(client, db: sqlite3.Connection):
    row = db.execute(
        "SELECT title, title_es FROM knowledge_entries WHERE entry_id = 'fl-908-11-287g-mandate'"
    ).fetchone()
    spanish = _text(client.get("/es/state/FL").text)
    assert f"{row['title_es']} ({row['title']})" in spanish
    english = _text(client.get("/state/FL").text)
    assert row["title"] in english and row["title_es"] not in english
    # a bare case caption is shown once, not repeated in parentheses
    ny = _text(client.get("/es/state/NY").text)
    assert "United States v. State of New York (Ley Luz Verde) (United States v." in ny
    assert "United States v. City of New York, et al. (United States" not in ny


def test_catalog_grammar_for_applications():
    """'None listed.' under Applications read 'Ninguno' (masculine) for 'solicitudes'."""
    from patchwork_atlas.kernel.i18n import gettext

    assert gettext("No application listed.", "es") == "Ninguna en la lista."
    assert gettext("None listed.", "es") == "Ninguno en la lista."
    for page in TEMPLATES.glob("*.html"):
        for line in page.read_text(encoding="utf-8").splitlines():
            if "applications_table" in line:
                assert '_("None listed.")' not in line, page.name
