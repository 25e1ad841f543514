"""County reports stored at ingest (read/precomputed.py) say exactly what the live report says,
are served only for the day they were computed for, and are withdrawn when their family changes."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from conftest import copy_database
from patchwork_atlas.families import FAMILIES
from patchwork_atlas.kernel.geo import reference as ref
from patchwork_atlas.read import precomputed
from patchwork_atlas.read.report import county_place, place_report, report_head


@pytest.fixture(scope="module")
def conn(ingested_db):
    c = sqlite3.connect(f"{ingested_db.resolve().as_uri()}?mode=ro", uri=True)
    c.row_factory = sqlite3.Row  # as the server's connections
    yield c
    c.close()


def _live(conn, place, lang):
    return json.loads(precomputed.encode(place_report(conn, place, lang)))


def test_every_county_stored_equals_the_live_report(conn):
    """Every county in English, every fifth in Spanish: the stored bytes, spliced, parse to the
    report built from the tables (same keys, same values, same order of sections)."""
    places = [p for p in (county_place(c.fips) for c in ref.counties()) if p is not None]
    assert len(places) > 3000
    checked = 0
    for i, place in enumerate(places):
        for lang in ("en", "es") if i % 5 == 0 else ("en",):
            stored = precomputed.county_report_json(conn, place.county_fips[0], lang, report_head(place))
            assert stored is not None, (place.county_fips, lang)
            parsed = json.loads(stored)
            live = _live(conn, place, lang)
            assert parsed == live, (place.county_fips, lang)
            assert list(parsed) == list(live)
            checked += 1
    assert checked > 3600


def test_reports_hold_every_family_and_share_their_nodes(conn):
    built = dict(conn.execute("SELECT family, places FROM report_builds").fetchall())
    assert set(built) == {f.name for f in FAMILIES}
    assert set(built.values()) == {sum(1 for c in ref.counties() if county_place(c.fips))}
    # the federal law is one node for all counties, not one copy per county
    law_nodes = conn.execute("SELECT count(*) FROM report_nodes WHERE family = 'law'").fetchone()[0]
    assert 0 < law_nodes < 200


def test_a_report_from_another_day_is_not_served(conn):
    """Recognition dates and laws in force are judged against the day: tomorrow, the stored
    report is not used, and the answer is built live (and equal to the live report)."""
    place = county_place("06037")
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert precomputed.county_report_json(conn, "06037", "en", report_head(place), today=tomorrow) is None
    assert precomputed.county_report_json(conn, "06037", "en", report_head(place)) is not None


def test_a_place_that_is_not_the_whole_county_is_built_live(conn):
    """A ZIP, or a county named with another point, never gets a county's stored distances."""
    place = county_place("06037")
    moved = county_place("06037")
    moved.lat = (moved.lat or 0) + 0.5
    assert precomputed._is_stored_kind(place)
    assert not precomputed._is_stored_kind(moved)
    assert json.loads(precomputed.report_json(conn, moved, "en")) == _live(conn, moved, "en")


def test_a_changed_family_is_withdrawn_then_rebuilt_alone(ingested_db, tmp_path):
    """Until rebuilt, the sections of a family that changed (and of families deriving from it)
    are not served; the rebuild touches only those."""
    path = copy_database(ingested_db, tmp_path / "copy.sqlite")
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    precomputed.withdraw(conn, ["detention"])
    assert precomputed.county_report_json(conn, "06037", "en", report_head(county_place("06037"))) is None
    stale = [f.name for f in precomputed.stale(conn, [])]
    assert stale == ["detention", "deaths"]  # deaths derives from detention's facilities
    assert [f.name for f in precomputed.stale(conn, ["ice287g"])] == ["ice287g", "detention", "deaths", "moa"]
    conn.close()


def test_a_nul_in_a_value_is_refused_not_taken_for_a_reference():
    builder = precomputed._Builder("law")
    with pytest.raises(ValueError, match="NUL"):
        builder.cons({"title": "a\x00" + "0" * 20})


def test_the_stored_series_equal_the_sightings(conn):
    """series_counts (derived with the sightings) gives the chart the join over all sightings gives."""
    from patchwork_atlas.read import queries as q

    for state in ("CA", "TX", "FL", None):
        direct = {}
        for r in conn.execute(
            "SELECT s.publication_id, a.model, COUNT(*) FROM agreement_sightings s JOIN agreements a"
            " USING (agreement_id) WHERE (? IS NULL OR a.state_usps = ?) AND a.model <> ''"
            " GROUP BY s.publication_id, a.model", (state, state)):
            direct.setdefault(r[0], {})[r[1]] = r[2]
        points = q.series(conn, state_usps=state)
        assert points and all(p["by_model"] == direct.get(p["publication_id"], {}) for p in points)


def test_a_family_said_not_to_vary_by_language_does_not(conn):
    """Stored reports compute such a family's section once for both languages."""
    for family in FAMILIES:
        if getattr(family, "report_varies_by_language", True):
            continue
        for fips in ("06037", "48201", "30031", "11001", "72127"):
            place = county_place(fips)
            if place is not None:
                assert family.place_report(conn, place, "en") == family.place_report(conn, place, "es")
