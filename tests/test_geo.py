"""Geography: reference layers, the agency resolver (against a hand-verified sample) and lookup."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from patchwork_atlas.kernel.geo import reference as ref
from patchwork_atlas.kernel.geo.lookup import AmbiguousPlace, locate
from patchwork_atlas.kernel.geo.resolver import resolve

VERIFIED = Path(__file__).resolve().parent / "data" / "geo_verified.csv"


# --- reference ----------------------------------------------------------------------------------


def test_states_accept_codes_names_and_fips():
    assert len(ref.states()) == 56  # 50 + DC + PR, GU, VI, AS, MP
    for q in ("TX", "Texas", "TEXAS", "texas ", "48"):
        assert ref.state(q) == ref.State("TX", "Texas", "48")
    assert ref.state("Northern Mariana Islands").fips == "69"
    assert ref.state("Narnia") is None
    assert ref.state_fuzzy("PENNSLYVANIA")[0].usps == "PA"
    assert ref.state_fuzzy("WEST VIRIGINIA")[0].usps == "WV"


def test_county_names_and_vintages():
    assert ref.county("51760").name == "Richmond city"
    assert ref.county("51159").name == "Richmond County"
    assert ref.county("22071").name == "Orleans Parish"
    # 2020 county list: Valdez-Cordova (02261) split in 2019 into Chugach and Copper River.
    assert ref.county("02063") and ref.county("02066") and ref.county("02261") is None
    # Connecticut: the eight historical counties (ICE and USPS use them), not planning regions.
    assert len(ref.counties("09")) == 8
    assert len(ref.counties()) == 3235


def test_zip_and_distance():
    z = ref.zip_info("33602")
    assert (z.postal_city, z.state_usps, z.county_fips[0]) == ("Tampa", "FL", "12057")
    assert ref.zip_info("00000") is None
    # Tampa to Miami is about 330 km as the crow flies.
    assert 320 < ref.distance_km(27.95, -82.46, 25.77, -80.19) < 345


# --- resolver -----------------------------------------------------------------------------------


def _verified() -> list[dict[str, str]]:
    with VERIFIED.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_verified_sample_is_real_and_sourced(shared_data):
    rows = _verified()
    assert len(rows) >= 100
    assert all(r["source"].strip() for r in rows)
    assert all((shared_data / "ice-287g" / "publications").glob(f"*/{r['first_seen_file']}") for r in rows)


def test_verified_precision_and_coverage():
    """Answers given without a flag must be right; flags are allowed, wrong answers are not."""
    rows = _verified()
    unflagged = correct = 0
    wrong = []
    for r in rows:
        res = resolve(r["state"], r["agency"], r["type"], r["county"])
        if res.review_reason:
            continue
        unflagged += 1
        if r["level"] == "state":
            ok = res.level == "state" and res.state_fips == r["state_fips"]
        elif r["level"] == "other":
            ok = res.state_fips == r["state_fips"] and r["county_fips"] in res.county_fips
        else:
            ok = bool(r["county_fips"]) and res.county_fips[:1] == [r["county_fips"]] and res.state_fips == r["state_fips"]
        correct += ok
        if not ok:
            wrong.append((r["state"], r["agency"], r["county_fips"], res))
    precision = correct / unflagged
    coverage = unflagged / len(rows)
    print(f"verified sample: {len(rows)} agencies, {unflagged} answered without flag ({coverage:.1%}),"
          f" precision {precision:.1%}")
    assert not wrong, wrong
    assert coverage >= 0.75


def test_rows_that_must_be_flagged():
    rows = [r for r in _verified() if not r["county_fips"] and r["level"] != "state"]
    assert len(rows) >= 5
    for r in rows:
        res = resolve(r["state"], r["agency"], r["type"], r["county"])
        assert res.review_reason, (r["agency"], res)


@pytest.mark.parametrize(
    ("args", "level", "fips"),
    [
        (("FLORIDA", "Tampa Police Department", "Municipality", "Hillsborough County"), "municipal", "12057"),
        (("ALABAMA", "Baldwin County Sheriff's Office", "County", "Baldwin Couny"), "county", "01003"),
        (("VIRGINIA", "Richmond County Sheriff's Office", "County", "Richmond County"), "county", "51159"),
        (("FL", "Jacksonville Sheriff's Office", None, None), "county", "12031"),
        (("TX", "Texas City Police Department", None, None), "municipal", "48167"),
        (("TEXAS", "Texas Department of Public Safety - Texas Highway Patrol", "State", "#NA"), "state", None),
    ],
)
def test_resolve_examples(args, level, fips):
    res = resolve(*args)
    assert res.level == level and res.review_reason is None
    assert (res.county_fips[0] if res.county_fips else None) == fips


def test_unknown_state_and_no_place_are_flagged():
    assert resolve("Narnia", "Some Police Department").review_reason.startswith("unknown_state")
    assert resolve("TX", "Office of Special Things").review_reason


def test_latest_publication_coverage(shared_data):
    """Acceptance 1 on the latest participating list, read straight from ICE's workbook."""
    from python_calamine import CalamineWorkbook

    folder = shared_data / "ice-287g" / "publications" / "ice-xlsx"
    files = sorted(folder.glob("participatingAgencies*.xlsx"), key=lambda p: _name_date(p.name))
    sheet = CalamineWorkbook.from_path(str(files[-1])).get_sheet_by_index(0).to_python()
    header = [str(c).strip().upper() for c in sheet[0]]
    col = {h: header.index(h) for h in ("STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY")}
    local = placed = 0
    for row in sheet[1:]:
        state, agency = str(row[col["STATE"]]), str(row[col["LAW ENFORCEMENT AGENCY"]])
        if not agency.strip():
            continue
        res = resolve(state, agency, str(row[col["TYPE"]]), str(row[col["COUNTY"]]))
        assert res.state_fips == ref.state_fuzzy(state)[0].fips
        if res.level != "state":
            local += 1
            placed += bool(res.county_fips) and not res.review_reason
    print(f"{files[-1].name}: {placed}/{local} county-or-smaller agencies placed without flag")
    assert placed / local >= 0.97


def _name_date(name: str) -> str:
    import re

    m = re.search(r"Agencies(\d{2})(\d{2})(\d{4})(?!\d)", name)
    return f"{m.group(3)}{m.group(1)}{m.group(2)}" if m else ""


# --- lookup -------------------------------------------------------------------------------------


def test_lookup_zip():
    p = locate("33602")
    assert (p.kind, p.state_usps, p.county_fips, p.municipality) == ("zip", "FL", ["12057"], None)
    assert "postal name" in p.note


def test_lookup_zip_in_independent_city_names_the_city():
    p = locate("22314")  # Alexandria, VA
    assert p.county_fips == ["51510"] and p.municipality == "Alexandria"


def test_lookup_city_county_parish_and_independent_city():
    assert locate("Level Plains, AL").county_fips == ["01045"]
    assert locate("Duval County, FL").county_fips == ["12031"]
    assert locate("Orleans Parish, LA").county_fips == ["22071"]
    rich = locate("Richmond, VA")
    assert rich.county_fips == ["51760"] and rich.municipality == "Richmond"
    assert locate("Richmond County, VA").county_fips == ["51159"]


def test_lookup_ambiguous_name_lists_candidates():
    with pytest.raises(AmbiguousPlace) as exc:
        locate("Greenwood, LA")
    assert {tuple(c["county_fips"]) for c in exc.value.candidates} == {("22017",), ("22033",)}
    assert locate("Greenwood, Caddo Parish, LA").county_fips == ["22017"]


def test_lookup_coordinates():
    assert locate(None, lat=27.9506, lon=-82.4572).county_fips == ["12057"]  # downtown Tampa
    assert locate(None, lat=30.3322, lon=-81.6557).county_fips == ["12031"]  # Jacksonville
    with pytest.raises(LookupError):
        locate(None, lat=0.0, lon=0.0)


def test_lookup_errors_are_one_line():
    for q in ("Nowhereville, TX", "Texas", "12345678", "Tampa, ZZ"):
        with pytest.raises(LookupError) as exc:
            locate(q)
        assert "\n" not in str(exc.value)
