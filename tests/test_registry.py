"""The 287(g) registry on the real ICE publications in ../shared (issue 2 acceptance)."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections import Counter

import pytest
from python_calamine import CalamineWorkbook

from conftest import copy_database
from patchwork_atlas.families import open_database as connect
from patchwork_atlas.families.ice287g import lifecycle
from patchwork_atlas.families.ice287g.normalize import normalize_model, normalize_state
from patchwork_atlas.kernel.store import table_hashes


@pytest.fixture(scope="module")
def manifest(shared_data) -> list[dict[str, str]]:
    with open(shared_data / "ice-287g" / "manifest.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_shared_file_is_ingested(db, manifest):
    stored = {r[0] for r in db.execute("SELECT sha256 FROM raw_files WHERE family = 'ice287g'")}
    assert len(manifest) == 1117
    assert {m["sha256"] for m in manifest} <= stored


def test_rows_stored_equal_data_rows_for_every_file(db):
    mismatches = db.execute(
        "SELECT f.sha256, f.n_data_rows, count(r.row_number) AS stored FROM publication_files f"
        " LEFT JOIN sheet_rows r ON r.sha256 = f.sha256 AND r.sheet = f.sheet"
        " GROUP BY f.sha256 HAVING stored != f.n_data_rows"
    ).fetchall()
    assert mismatches == []
    assert db.execute("SELECT count(*) FROM publications WHERE n_rows_stored != n_data_rows").fetchone()[0] == 0


def test_every_row_traces_to_file_and_row(db):
    orphan = db.execute(
        "SELECT count(*) FROM sheet_rows r LEFT JOIN raw_files f USING (sha256) WHERE f.sha256 IS NULL"
    ).fetchone()[0]
    assert orphan == 0
    assert db.execute("SELECT min(row_number) FROM sheet_rows").fetchone()[0] == 2  # row 1 is the header


def _direct_count(path) -> Counter:
    """Count a sheet straight from the workbook, independently of the parser."""
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    header = [str(c).strip().upper() for c in sheet[0]]
    s, m = header.index("STATE"), header.index("SUPPORT TYPE")
    counts: Counter = Counter()
    for row in sheet[1:]:
        if not any(str(c).strip() for c in row):
            continue
        counts[(normalize_state(row[s])[0], normalize_model(row[m])[0])] += 1
    return counts


def test_latest_participating_counts_equal_a_direct_count(db, shared_data, ingested_db):
    from patchwork_atlas.read.stats import collect

    conn = connect(ingested_db)
    latest = collect(conn)["latest_participating"]
    origin = db.execute(
        "SELECT s.origin FROM publications p JOIN file_sightings s ON s.sha256 = p.canonical_sha256"
        " WHERE p.publication_id = ?", (latest["publication_id"],)
    ).fetchone()[0]
    direct = _direct_count(origin)
    from_stats = Counter({(st, m): n for st, models in latest["by_state"].items() for m, n in models.items()})
    assert from_stats == direct
    assert latest["rows"] == sum(direct.values())


def _pub_of(db, file_name: str) -> sqlite3.Row:
    return db.execute(
        "SELECT p.* FROM publications p JOIN publication_files f USING (publication_id)"
        " JOIN file_sightings s ON s.sha256 = f.sha256 WHERE s.file_name = ?", (file_name,)
    ).fetchone()


def test_partial_list_without_signed_column_is_suspect_and_causes_no_mass_changes(db):
    pub = _pub_of(db, "participatingAgencies09222025pm.xlsx")
    assert pub["n_data_rows"] == 42 and pub["n_rows_stored"] == 42
    assert pub["suspect"] == 1 and "SIGNED" in pub["suspect_reason"]
    assert db.execute("SELECT count(*) FROM events WHERE publication_id = ?", (pub["publication_id"],)).fetchone()[0] == 0
    around = db.execute(
        "SELECT count(*) FROM events WHERE kind IN ('agreement_removed', 'agreement_relisted')"
        " AND event_date BETWEEN '2025-09-21' AND '2025-09-24'"
    ).fetchone()[0]
    assert around < 10


def test_signing_year_5025_is_kept_flagged_and_corrected_by_table(db):
    rows = db.execute(
        "SELECT signed_raw, signed_date, flags FROM sheet_rows WHERE signed_raw = '5025-07-07'"
    ).fetchall()
    assert len(rows) == 10
    assert all(r["signed_date"] == "2025-07-07" and "signed_date_corrected" in r["flags"] for r in rows)
    agreement = db.execute(
        "SELECT a.* FROM agreements a JOIN agencies g USING (agency_id)"
        " WHERE g.name LIKE 'Grundy County Sheriff%' AND g.state_usps = 'TN' AND a.model = 'WSO'"
    ).fetchall()
    assert len(agreement) == 1 and agreement[0]["signed_date"] == "2025-07-07"
    kinds = {r[0] for r in db.execute("SELECT kind FROM events WHERE agreement_id = ?", (agreement[0]["agreement_id"],))}
    assert "agreement_removed" not in kinds and "signing_date_corrected" not in kinds


def test_unreadable_file_name_date_is_dated_by_the_workbook(db):
    """participatingAgencies090022025am.xlsx: the name's date cannot be read; the workbook was
    saved 2025-09-02. Its rows equal the list of 2025-08-29 pm once ICE's 'WEST VIRIGINIA' is
    normalized, so it is one more sighting of that publication and changes nothing."""
    f = db.execute(
        "SELECT f.* FROM publication_files f JOIN file_sightings s USING (sha256)"
        " WHERE s.file_name = 'participatingAgencies090022025am.xlsx'"
    ).fetchone()
    assert "090022025" in f["name_date_note"] and f["name_date"] is None
    assert (f["file_date"], f["file_date_rule"]) == ("2025-09-02", "workbook_saved")
    pub = _pub_of(db, "participatingAgencies08292025pm.xlsx")
    assert f["publication_id"] == pub["publication_id"] and pub["published_date"] == "2025-08-29"


@pytest.mark.parametrize("name,date", [
    ("participatingAgencies01052025pm.xlsx", "2026-01-05"),
    ("participatingAgencies01062025pm.xlsx", "2026-01-06"),
    ("participatingAgencies01092025pm.xlsx", "2026-01-09"),
    ("pendingAgencies01052025pm.xlsx", "2026-01-05"),
])
def test_january_2026_lists_named_2025_are_dated_2026(db, name, date):
    """A list identical to an earlier one joins that publication, so its date is the earliest."""
    pub = _pub_of(db, name)
    assert "2026-01-01" <= pub["published_date"] <= date
    claim = db.execute("SELECT f.name_date FROM publication_files f JOIN file_sightings s USING (sha256)"
                       " WHERE s.file_name = ?", (name,)).fetchone()[0]
    assert claim.startswith("2025-01")  # ICE's claim is kept beside the date we use


def test_empty_pending_list_is_a_valid_publication(db):
    pub = _pub_of(db, "pendingAgencies11062025pm.xlsx")
    assert pub["n_data_rows"] == 0 and pub["suspect"] == 0
    # The queue emptying is recorded, not an error: no application first listed before it is
    # still pending, and every one on the list just before it ended by then.
    still_pending = db.execute(
        "SELECT count(*) FROM applications WHERE status = 'pending' AND first_seen_date < ?",
        (pub["published_date"],),
    ).fetchone()[0]
    prior = db.execute(
        "SELECT publication_id FROM publications WHERE list = 'pending' AND sort_key < ?"
        " ORDER BY sort_key DESC LIMIT 1", (pub["sort_key"],)
    ).fetchone()[0]
    ended = db.execute(
        "SELECT count(*), sum(a.status IN ('approved', 'withdrawn') AND a.ended_date <= ?)"
        " FROM applications a WHERE a.application_id IN (SELECT e.application_id FROM events e"
        " WHERE e.kind IN ('application_approved', 'application_withdrawn') AND e.event_date = ?)",
        (pub["published_date"], pub["published_date"]),
    ).fetchone()
    assert still_pending == 0 and prior and ended[0] > 0 and ended[0] == ended[1]


def test_web_archive_prefixes_are_removed_and_captures_merge(db):
    row = db.execute(
        "SELECT moa_raw, moa_url FROM sheet_rows WHERE moa_raw LIKE 'https://web.archive.org/web/%' LIMIT 1"
    ).fetchone()
    assert row["moa_url"].startswith("https://www.ice.gov/")
    assert "web.archive.org" not in row["moa_url"]
    assert db.execute(
        "SELECT count(*) FROM sheet_rows WHERE moa_url LIKE '%web.archive.org%' OR moa_url LIKE '%safelinks%'"
    ).fetchone()[0] == 0
    biggest = db.execute(
        "SELECT count(*) FROM publication_files GROUP BY publication_id ORDER BY 1 DESC LIMIT 1"
    ).fetchone()[0]
    assert biggest > 10  # many captures of one unchanged page are one publication


def test_signing_date_corrected_by_a_few_days(db):
    # Kerr County (TX) JEM: printed 2025-05-06, then 2025-05-02 in the list of 2025-06-27.
    ev = db.execute(
        "SELECT e.* FROM events e JOIN agencies g USING (agency_id) WHERE e.kind = 'signing_date_corrected'"
        " AND g.name LIKE 'Kerr County Sheriff%' AND e.model = 'JEM'"
    ).fetchone()
    detail = json.loads(ev["detail"])
    assert (detail["old"], detail["new"], detail["days"]) == ("2025-05-06", "2025-05-02", -4)
    n = db.execute("SELECT count(*) FROM agreements WHERE agreement_id = ?", (ev["agreement_id"],)).fetchone()[0]
    assert n == 1


def _keys(db, publication_id: str) -> set[tuple]:
    return {
        (r[0], r[1], r[2])
        for r in db.execute(
            "SELECT r.agency_id, r.model, coalesce(r.signed_date, 'raw:' || r.signed_raw) FROM sheet_rows r"
            " JOIN publications p ON p.canonical_sha256 = r.sha256 WHERE p.publication_id = ?"
            " AND r.agency_id IS NOT NULL AND r.model IS NOT NULL",
            (publication_id,),
        )
    }


def test_events_agree_with_a_diff_of_consecutive_lists(db):
    """Between every pair of consecutive non-suspect participating lists, the agreements added
    and removed on the normalized key (agency_id, model, signing date) are exactly the keys the
    recorded events name: listed/relisted and a correction's new date add a key; removed,
    superseded and a correction's old date remove one."""
    pubs = [r[0] for r in db.execute(
        "SELECT publication_id FROM publications WHERE list = 'participating' AND suspect = 0 ORDER BY sort_key"
    )]
    assert len(pubs) > 100
    checked = 0
    for before, after in zip(pubs, pubs[1:], strict=False):
        old, new = _dated_keys(db, before), _dated_keys(db, after)
        added, removed = set(), set()
        for kind, agency, model, detail in db.execute(
            "SELECT kind, agency_id, model, detail FROM events WHERE publication_id = ?", (after,)
        ):
            d = json.loads(detail)
            if kind in ("agreement_listed", "agreement_relisted"):
                added.add((agency, model, d["signed"]))
            elif kind == "agreement_removed":
                removed.add((agency, model, d["signed"]))
            elif kind == "agreement_superseded":
                removed.add((agency, model, d["old"]))
            elif kind == "signing_date_corrected":
                added.add((agency, model, d["new"]))
                removed.add((agency, model, d["old"]))
        assert added == new - old, (after, sorted(added ^ (new - old))[:5])
        assert removed == old - new, (after, sorted(removed ^ (old - new))[:5])
        checked += bool(added or removed)
    assert checked > 50  # the history is not a flat line


def _dated_keys(db, publication_id: str) -> set[tuple]:
    """The normalized keys of a list; an unknown signing date is None, as the events say."""
    return {
        (r[0], r[1], r[2])
        for r in db.execute(
            "SELECT r.agency_id, r.model, r.signed_date FROM sheet_rows r"
            " JOIN publications p ON p.canonical_sha256 = r.sha256 WHERE p.publication_id = ?"
            " AND r.agency_id IS NOT NULL AND r.model IS NOT NULL",
            (publication_id,),
        )
    }


def test_status_agrees_with_latest_list(db):
    latest = db.execute(
        "SELECT publication_id FROM publications WHERE list = 'participating' AND suspect = 0 ORDER BY sort_key DESC LIMIT 1"
    ).fetchone()[0]
    active = db.execute("SELECT count(*) FROM agreements WHERE status = 'active'").fetchone()[0]
    assert active == len(_keys(db, latest))


def test_derivation_is_deterministic(ingested_db, tmp_path):
    conn = connect(copy_database(ingested_db, tmp_path / "copy.sqlite"))
    before = table_hashes(conn)
    conn.execute("BEGIN")
    lifecycle.rebuild(conn)
    conn.execute("COMMIT")
    assert table_hashes(conn) == before


def test_second_full_ingest_changes_nothing(ingested_db, shared_data, tmp_path):
    from patchwork_atlas.ingest import ingest_files, read_local
    from patchwork_atlas.kernel.archive import Archive

    conn = connect(copy_database(ingested_db, tmp_path / "again.sqlite"))
    before = table_hashes(conn)
    archive = Archive(tmp_path / "data")
    report = ingest_files(conn, archive, read_local(archive, [shared_data / "ice-287g"]))
    assert report.count("known") == 1117 and not report.rejected
    assert table_hashes(conn) == before


def test_cli_registry_commands(ingested_db, tmp_path):
    from click.testing import CliRunner

    from patchwork_atlas.cli import main

    runner = CliRunner()
    for args in (["publications"], ["agreements", "--state", "TX", "--status", "active"],
                 ["events", "--since", "2026-03-01"], ["stats"]):
        result = runner.invoke(main, [*args, "--db", str(ingested_db)])
        assert result.exit_code == 0, (args, result.output)
        assert result.output.strip()
    as_json = runner.invoke(main, ["agreements", "--state", "FL", "--format", "json", "--db", str(ingested_db)])
    rows = json.loads(as_json.output)
    assert rows and all(r["state_usps"] == "FL" and r["agreement_id"].startswith("agr-") for r in rows)
    bad = runner.invoke(main, ["events", "--since", "yesterday", "--db", str(ingested_db)])
    assert bad.exit_code == 2
    missing = runner.invoke(main, ["stats", "--db", str(tmp_path / "none.sqlite")])
    assert missing.exit_code == 1


def test_a_late_file_recomputes_the_history_around_it(shared_data, tmp_path):
    """Events are a function of the ordered publications, not of arrival order."""
    from patchwork_atlas.ingest import ingest_files, read_local
    from patchwork_atlas.kernel.archive import Archive

    folder = shared_data / "ice-287g" / "publications" / "ice-xlsx"
    files = sorted(folder.glob("participatingAgencies1[01]??2025??.xlsx"))[:10]
    assert len(files) == 10
    late = files[5]

    def build(name: str, batches: list[list]) -> dict[str, str]:
        conn = connect(tmp_path / f"{name}.sqlite")
        archive = Archive(tmp_path / name)
        for batch in batches:
            ingest_files(conn, archive, read_local(archive, batch))
        tables = ("agreements", "applications", "events", "agreement_sightings", "publications", "agencies")
        return {t: h for t, h in table_hashes(conn).items() if t in tables}

    in_order = build("in-order", [files])
    late_arrival = build("late", [[f for f in files if f != late], [late]])
    assert late_arrival == in_order


def test_every_state_cell_in_the_shared_history_is_known_or_tabled(db):
    """A new misspelling must be added to corrections/states.csv, not matched silently."""
    unknown = db.execute(
        "SELECT DISTINCT state_raw FROM sheet_rows WHERE state_usps IS NULL OR flags LIKE '%state_fuzzy%'"
    ).fetchall()
    assert unknown == []


def test_unseen_state_typo_is_matched_but_flagged():
    usps, _fips, flags = normalize_state("NEBRASKAA")
    assert usps == "NE" and "state_fuzzy_matched" in flags
    assert normalize_state("VIRGINA")[0] == "VA"
    assert normalize_state("ATLANTIS")[0] is None


def test_incremental_derivation_equals_a_full_rebuild(shared_data, tmp_path, monkeypatch):
    """New lists are applied to the stored walk (the fast path); the result must be exactly
    what re-walking the whole history gives."""
    from patchwork_atlas.ingest import ingest_files, read_local
    from patchwork_atlas.kernel.archive import Archive

    files = sorted((shared_data / "ice-287g" / "publications" / "ice-xlsx").glob("*Agencies02??2026*.xlsx"))
    assert len(files) > 20 and any(f.name.startswith("pending") for f in files)
    paths = []
    real_derive = lifecycle.derive
    monkeypatch.setattr(lifecycle, "derive", lambda conn: paths.append(real_derive(conn)) or paths[-1])
    conn = connect(tmp_path / "inc.sqlite")
    archive = Archive(tmp_path / "data")
    ingest_files(conn, archive, read_local(archive, files[:8]))
    for path in files[8:]:
        ingest_files(conn, archive, read_local(archive, [path]))
    assert paths[0] == "rebuilt" and paths.count("extended") >= 10
    incremental = table_hashes(conn)
    conn.execute("BEGIN")
    lifecycle.rebuild(conn)
    conn.execute("COMMIT")
    assert table_hashes(conn) == incremental


def test_registry_review_queue_traces_each_item(ingested_db):
    from click.testing import CliRunner

    from patchwork_atlas.cli import main

    result = CliRunner().invoke(main, ["review", "--registry", "--format", "json", "--db", str(ingested_db)])
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    kinds = {i["kind"] for i in items}
    assert "suspect publication" in kinds  # the 42-row list of 2025-09-22
    assert not any(i["kind"] == "cell: unknown_state" for i in items)  # every state typo is tabled
    assert all(i["example"] for i in items)


def test_every_agency_name_correction_is_used(db):
    """A correction row that no longer matches anything in the history is dead weight or a
    sign that a rule changed under it: the table must stay exact."""
    from patchwork_atlas.families.ice287g.normalize import _table, name_key

    used = {(r[0], name_key(r[1], r[0])) for r in db.execute(
        "SELECT DISTINCT state_usps, agency_raw FROM sheet_rows WHERE flags LIKE '%agency_name_corrected%'")}
    unused = [(r["state"], r["wrong_key"]) for r in _table("agency_names.csv")
              if (r["state"], r["wrong_key"]) not in used]
    assert unused == []
