"""Issue 13: verification levels, state freshness records, one entry per ruling, the litigation
tracker (cases.yaml, `patchwork cases`) and dated federal 'sanctuary' designations."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from patchwork_atlas.cli import main
from patchwork_atlas.families import law as knowledge
from patchwork_atlas.families import open_database as connect
from patchwork_atlas.families.law import designations as des
from patchwork_atlas.families.law.validate import (
    check,
    read_files,
    states_without_primary,
    summarize,
)

TODAY = dt.date(2026, 12, 4)  # fixed "today" for every date-dependent check
TX = "48"

ENTRY = {
    "id": "tx-fixture-law",
    "jurisdiction": {"level": "state", "state_fips": TX},
    "kind": "statute",
    "title": "Fixture law (not real)",
    "title_es": "Ley de prueba (no es real)",
    "citation": "Fixture Code § 1",
    "dates": {"enacted": "2017-05-07"},
    "status": "in_force",
    "effects": [
        {
            "tag": "bars_sanctuary_policies",
            "pinpoint": "§ 1",
            "quote": "a short quoted passage",
            "source_url": "https://example.org/law",
        }
    ],
    "summary": {"en": "A fixture used by the tests.", "es": "Un ejemplo usado por las pruebas."},
    "sources": [
        {
            "url": "https://example.org/law",
            "publisher": "Fixture",
            "accessed": "2026-11-27",
            "primary": True,
        },
        {
            "url": "https://example.org/news",
            "publisher": "Fixture news",
            "accessed": "2026-11-27",
            "primary": False,
        },
    ],
    "last_reviewed": "2026-11-27",
    "verification": "primary",
}

FRESH = {
    "checked_through": "2026-11-27",
    "searched": [{"source": "Fixture", "queries": ["q"], "accessed": "2026-11-27"}],
}

CASE = {
    "id": "case-fixture",
    "caption": "United States v. Fixture",
    "caption_es": "United States v. Fixture",
    "court": "U.S. District Court (fixture)",
    "docket": "1:25-cv-00001",
    "filed": "2025-05-02",
    "parties": [
        {"name": "United States", "role": "plaintiff", "kind": "united_states"},
        {"name": "State of Texas (fixture)", "role": "defendant", "kind": "state"},
    ],
    "entries": ["tx-fixture-law"],
    "states": ["TX"],
    "status": "preliminary_injunction",
    "status_date": "2025-06-03",
    "status_source_url": "https://example.org/order",
    "summary": {"en": "A fixture case for the tests.", "es": "Un caso de prueba para las pruebas."},
    "sources": [
        {
            "url": "https://example.org/order",
            "publisher": "Fixture court",
            "accessed": "2026-11-27",
            "primary": True,
        }
    ],
    "last_reviewed": "2026-11-27",
    "verification": "primary",
}


def _entry(**changes) -> dict:
    e = copy.deepcopy(ENTRY)
    e.update(changes)
    return e


def _write(root: Path, name: str, data: dict) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return root


def _kb(root: Path, *, entries=None, meta=None, cases=None, lists=None) -> Path:
    _write(
        root, "states/tx.yaml", {**(FRESH if meta is None else meta), "entries": entries or [ENTRY]}
    )
    if cases is not None:
        _write(root, "cases.yaml", {"cases": cases})
    if lists is not None:
        _write(root, "designations.yaml", {"lists": lists})
    return root


def _messages(root: Path, **kw) -> list[str]:
    return [p.message for p in check(read_files(root), today=TODAY, **kw)]


# ---- verification levels ----------------------------------------------------------------------


def test_primary_needs_primary_source_for_every_effect(tmp_path):
    assert _messages(_kb(tmp_path)) == []
    entry = _entry()
    entry["effects"][0]["source_url"] = "https://example.org/news"
    msgs = _messages(_kb(tmp_path / "b", entries=[entry]))
    assert any("verification primary but the quote's source is not primary" in m for m in msgs)
    assert (
        _messages(_kb(tmp_path / "c", entries=[_entry(**{**entry, "verification": "secondary"})]))
        == []
    )


def test_unverified_needs_a_note_and_old_flag_is_refused(tmp_path):
    msgs = _messages(_kb(tmp_path, entries=[_entry(verification="unverified")]))
    assert any("need `notes`" in m for m in msgs)
    msgs = _messages(_kb(tmp_path / "b", entries=[_entry(verification="verified")]))
    assert any("schema: verification" in m for m in msgs)


def test_states_without_primary_are_reported(tmp_path):
    loaded = read_files(_kb(tmp_path, entries=[_entry(verification="secondary")]))
    assert "TX" in states_without_primary(loaded.entries)
    loaded = read_files(_kb(tmp_path / "b"))
    assert "TX" not in states_without_primary(loaded.entries)
    assert summarize(loaded.entries)["by_verification"] == {
        "primary": 1,
        "secondary": 0,
        "unverified": 0,
    }


def test_packaged_files_use_levels_and_report_states_without_primary():
    loaded = read_files()
    levels = {e.data["verification"] for e in loaded.entries}
    assert levels <= {"primary", "secondary", "unverified"}
    without = states_without_primary(loaded.entries)
    assert without == sorted(without) and all(len(u) == 2 for u in without)


# ---- freshness ----------------------------------------------------------------------------------


def test_state_file_needs_checked_through_and_searched(tmp_path):
    msgs = _messages(_kb(tmp_path, meta={}))
    assert any("lacks `checked_through:`" in m for m in msgs)
    assert any("lacks `searched:`" in m for m in msgs)


def test_checked_through_cannot_outrun_the_searches(tmp_path):
    meta = {**FRESH, "checked_through": "2026-12-01"}
    assert any("is after the newest search" in m for m in _messages(_kb(tmp_path, meta=meta)))


def test_strict_fails_stale_states_with_injected_today(tmp_path):
    old = {
        "checked_through": "2025-11-01",
        "searched": [{"source": "Fixture", "queries": ["q"], "accessed": "2025-11-01"}],
    }
    root = _kb(tmp_path, meta=old)
    assert _messages(root) == []
    assert any("stale" in m for m in _messages(root, strict=True))
    later = check(read_files(root), today=dt.date(2026, 10, 1), strict=True)
    assert not any("stale" in p.message for p in later)


def test_packaged_states_are_fresh_within_a_year_of_the_fixed_day():
    problems = check(read_files(), today=TODAY, strict=True)
    assert not problems, "\n".join(map(str, problems))
    fresh = knowledge.freshness(read_files())
    assert len(fresh) == 51 and all(r["checked_through"] and r["searches"] for r in fresh)


def test_cli_check_prints_levels_and_stalest_and_strict_fails(tmp_path):
    runner = CliRunner()
    old = {
        "checked_through": "2025-11-01",
        "searched": [{"source": "Fixture", "queries": ["q"], "accessed": "2025-11-01"}],
    }
    root = _kb(tmp_path, meta=old)
    args = ["knowledge", "check", "--dir", str(root), "--today", "2026-12-04"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "levels: primary 1, secondary 0, unverified 0" in result.output
    assert "stalest states (checked_through): TX 2025-11-01" in result.output
    result = runner.invoke(main, [*args, "--strict"])
    assert result.exit_code == 1 and "stale" in result.output


# ---- one entry per law or ruling ----------------------------------------------------------------


def test_same_citation_in_two_files_fails(tmp_path):
    ruling = {
        **ENTRY,
        "id": "us-fixture-ruling",
        "jurisdiction": {"level": "federal"},
        "kind": "court_ruling",
        "status": "decided",
        "dates": {"decided": "2018-05-08"},
        "citation": "Fixture v. Texas, 1 F.4th 1 (5th Cir. 2018)",
    }
    copy_in_state = {**ruling, "id": "tx-fixture-ruling", "jurisdiction": {"level": "state", "state_fips": TX},
                     "citation": "Fixture v. Texas, 1 F.4th 1 (2018), No. 17-1"}  # fmt: skip
    root = _kb(tmp_path, entries=[ENTRY, copy_in_state])
    _write(root, "federal.yaml", {"entries": [ruling]})
    msgs = _messages(root)
    assert any("same caption as" in m and "keep one entry" in m for m in msgs), msgs


def test_packaged_files_hold_lunn_and_el_cenizo_once():
    loaded = read_files()
    lunn = [e for e in loaded.entries if "lunn" in (e.data.get("citation") or "").casefold()]
    cenizo = [
        e for e in loaded.entries if "el cenizo v" in (e.data.get("citation") or "").casefold()
    ]
    assert [e.file for e in lunn] == ["states/ma.yaml"]
    assert [e.file for e in cenizo] == ["federal.yaml"]
    assert cenizo[0].data["concerns_states"] == ["TX"]


# ---- cases --------------------------------------------------------------------------------------


def test_case_links_dates_and_sources_are_checked(tmp_path):
    assert _messages(_kb(tmp_path, cases=[CASE])) == []
    bad = {**CASE, "entries": ["tx-no-such-law"], "status_date": "2025-02-30"}
    msgs = _messages(_kb(tmp_path / "b", cases=[bad]))
    assert any("no knowledge entry 'tx-no-such-law'" in m for m in msgs)
    assert any("not a real date" in m for m in msgs)
    bad = {**CASE, "status_source_url": "https://example.org/elsewhere"}
    assert any("status_source_url" in m for m in _messages(_kb(tmp_path / "c", cases=[bad])))
    bad = {**CASE, "filed": "2025-07-01"}
    assert any("after status_date" in m for m in _messages(_kb(tmp_path / "d", cases=[bad])))
    bad = {**CASE, "status": "won"}
    assert any("schema: status" in m for m in _messages(_kb(tmp_path / "e", cases=[bad])))


def test_cases_load_list_and_link_to_entries(tmp_path):
    other = {**CASE, "id": "case-other", "docket": "2", "status": "dismissed", "states": ["CA"],
             "entries": [], "status_date": "2025-07-25"}  # fmt: skip
    root = _kb(tmp_path / "kb", cases=[CASE, other])
    conn = connect(tmp_path / "k.sqlite")
    result = knowledge.load_into(conn, root=root)
    assert result["skipped"] == 0
    assert [c["id"] for c in knowledge.list_cases(conn)] == ["case-other", "case-fixture"]
    assert [c["id"] for c in knowledge.list_cases(conn, state="TX")] == ["case-fixture"]
    assert [c["id"] for c in knowledge.list_cases(conn, state="06")] == ["case-other"]
    assert [c["id"] for c in knowledge.list_cases(conn, status="dismissed")] == ["case-other"]
    found = knowledge.cases_for_entry(conn, "tx-fixture-law")
    assert [c["id"] for c in found] == ["case-fixture"]
    assert found[0]["parties"][0] == {
        "name": "United States",
        "role": "plaintiff",
        "kind": "united_states",
    }
    with pytest.raises(ValueError):
        knowledge.list_cases(conn, status="won")


def test_packaged_cases_include_the_2025_suits():
    loaded = read_files()
    ids = {c.id for c in loaded.cases}
    for wanted in (
        "case-us-v-illinois-2025", "case-us-v-new-york-courts-2025", "case-us-v-colorado-2025",
        "case-us-v-newark-2025", "case-us-v-los-angeles-2025", "case-us-v-rochester-2025",
        "case-us-v-boston-2025", "case-us-v-minnesota-2025", "case-us-v-new-jersey-eo12-2026",
        "case-galarza-v-szalczyk", "case-miranda-olivares-v-clackamas", "case-lunn-v-commonwealth",
    ):  # fmt: skip
        assert wanted in ids, wanted
    dismissed = {
        c.id: c.data["status_date"] for c in loaded.cases if c.data["status"] == "dismissed"
    }
    assert dismissed["case-us-v-illinois-2025"] == "2025-07-25"
    assert dismissed["case-us-v-new-york-courts-2025"] == "2025-11-17"


def test_cli_cases_csv_and_json():
    runner = CliRunner()
    result = runner.invoke(main, ["cases", "--state", "IL", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows and all(
        "IL" in r["states"].split() or r["county_fips"].startswith("17") for r in rows
    )
    assert {"case-us-v-illinois-2025", "case-us-v-illinois-courts-2025"} <= {r["id"] for r in rows}
    result = runner.invoke(main, ["cases", "--status", "dismissed", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data and all(c["status"] == "dismissed" for c in data)
    result = runner.invoke(main, ["cases", "--state", "ZZ"])
    assert result.exit_code == 2


# ---- federal 'sanctuary jurisdiction' designations ----------------------------------------------

LIST = {
    "id": "fixture-list",
    "entry_id": "tx-fixture-law",
    "title": "Fixture list",
    "published": "2025-08-05",
    "last_reviewed": "2026-11-27",
    "sources": [
        {"url": "https://example.org/list", "publisher": "Fixture", "accessed": "2026-11-27", "primary": True},
        {"url": "https://example.org/removal", "publisher": "Fixture", "accessed": "2026-11-27", "primary": True},
    ],
    "jurisdictions": [
        {"name": "Texas", "level": "state", "state_fips": TX, "listed": "2025-08-05",
         "removed": "2025-09-26", "sources": ["https://example.org/list"],
         "removed_sources": ["https://example.org/removal"]},
        {"name": "Austin, TX", "level": "municipal", "state_fips": TX, "county_fips": "48453",
         "place": "Austin", "listed": "2025-08-05", "sources": ["https://example.org/list"]},
    ],
}  # fmt: skip


def test_designation_listed_removed_not_listed(tmp_path):
    root = _kb(tmp_path, lists=[LIST])
    assert _messages(root) == []
    loaded = read_files(root)
    assert des.designation(loaded, "TX", "2025-08-04") == "not listed"
    assert des.designation(loaded, "TX", "2025-08-05") == "listed"
    assert des.designation(loaded, "48", "2025-09-25") == "listed"
    assert des.designation(loaded, "TX", "2025-09-26") == "removed"
    assert des.designation(loaded, "TX", dt.date(2026, 1, 1)) == "removed"
    assert des.designation(loaded, "TX", "2026-01-01", place="City of Austin") == "listed"
    assert des.designation(loaded, "48453", "2026-01-01") == "not listed"  # the county itself
    conn = connect(tmp_path / "k.sqlite")
    knowledge.load_into(conn, root=root)
    assert des.designation(conn, "TX", "2025-10-01") == "removed"


def test_designation_rows_are_checked(tmp_path):
    bad = copy.deepcopy(LIST)
    bad["jurisdictions"][0]["removed"] = "2025-08-01"
    assert any("before listed" in m for m in _messages(_kb(tmp_path, lists=[bad])))
    bad = copy.deepcopy(LIST)
    del bad["jurisdictions"][0]["removed_sources"]
    assert any("removed_sources" in m for m in _messages(_kb(tmp_path / "b", lists=[bad])))


def test_no_jurisdiction_is_listed_after_its_removal_date():
    """The packaged DOJ list: on and after each removal date the place is 'removed', never listed."""
    loaded = read_files()
    rows = des.designations_on(loaded, TODAY)
    removed = [r for r in rows if r.get("removed")]
    assert {(r["name"], r["removed"]) for r in removed} >= {
        ("Nevada", "2025-09-26"),
        ("Baltimore County, MD", "2025-10-31"),
    }
    for r in removed:
        day = dt.date.fromisoformat(r["removed"])
        code = r.get("county_fips") or r["state_fips"]
        for offset in (0, 1, 30, 365):
            assert des.designation(loaded, code, day + dt.timedelta(days=offset)) == "removed"
        assert des.designation(loaded, code, day - dt.timedelta(days=1)) == "listed"
    for r in rows:
        if r["standing"] == "listed":
            assert not r.get("removed") or dt.date.fromisoformat(r["removed"]) > TODAY
    assert des.designation(loaded, "NV", TODAY) == "removed"
    assert des.designation(loaded, "IL", TODAY) == "listed"
    assert des.designation(loaded, "17", TODAY, place="Chicago") == "listed"


# ---- storage ------------------------------------------------------------------------------------


def test_stored_level_and_legacy_flag(tmp_path):
    root = _kb(
        tmp_path / "kb",
        entries=[ENTRY, _entry(id="tx-two", citation="Fixture § 2", verification="secondary")],
    )
    conn = connect(tmp_path / "k.sqlite")
    knowledge.load_into(conn, root=root)
    rows = {r["entry_id"]: r for r in conn.execute("SELECT * FROM knowledge_entries")}
    assert rows["tx-fixture-law"]["verification_level"] == "primary"
    assert rows["tx-two"]["verification_level"] == "secondary"
    assert {r["verification"] for r in rows.values()} == {"verified"}  # legacy, derived
    assert {r["verified"] for r in rows.values()} == {1}
    entry = knowledge.entry(conn, "tx-two")
    assert entry["verification_level"] == "secondary" and entry["verified"] is True
    assert knowledge.states_without_primary(conn).count("TX") == 0
    fresh = knowledge.state_freshness(conn, "TX")
    assert fresh[0]["checked_through"] == "2026-11-27" and fresh[0]["searched"][0]["queries"] == [
        "q"
    ]
