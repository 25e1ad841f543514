"""The deaths reader against ICE's own PDFs (../shared/data beside the repository; no network).

Facts come from the PDF text only: every test reads bytes, never a file name, and the
hand-verified values in tests/data/deaths_verified.csv are keyed on each file's sha256.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from patchwork_atlas.families.deaths import reader as R

# ../shared/data beside the repository root; from a worktree (/work/wt/<name>) the nearest
# ancestor that holds shared/data.
DATA = next(
    (p / "shared" / "data" for p in Path(__file__).resolve().parents[1:]
     if (p / "shared" / "data" / "ice-deaths").is_dir()),
    Path(__file__).resolve().parents[1].parent / "shared" / "data",
)
DEATHS = DATA / "ice-deaths"
VERIFIED = Path(__file__).parent / "data" / "deaths_verified.csv"


@pytest.fixture(autouse=True)
def _real_data() -> None:
    if not DEATHS.is_dir():
        pytest.fail(f"the real data is expected at {DEATHS} (../shared beside the repo)")


@cache
def ddr_bytes() -> dict[str, bytes]:
    """sha256 -> bytes of every Detainee Death Report (found by content, not by name)."""
    out = {}
    for p in sorted(DEATHS.glob("*.pdf")):
        data = p.read_bytes()
        if R.recognize(data) == "ddr":
            out[hashlib.sha256(data).hexdigest()] = data
    return out


@cache
def reports() -> dict[str, R.DeathReport]:
    return {sha: R.read_ddr(data) for sha, data in ddr_bytes().items()}


@cache
def foia() -> R.FoiaList:
    lists = [p.read_bytes() for p in sorted(DEATHS.glob("*.pdf"))]
    lists = [d for d in lists if R.recognize(d) == "foia_list"]
    assert len(lists) == 2 and lists[0] == lists[1]  # the same list under two names
    return R.read_foia_table(lists[0])


def test_recognize_counts() -> None:
    assert len(ddr_bytes()) == 77


def test_recognize_other_pdfs_is_none() -> None:
    others = sorted((DATA / "ice-287g-moa").glob("*.pdf"))[:3]
    others.append(DATA / "ice-detention" / "ICE_DMCP_Facility_List_2017.pdf")
    for p in others:
        if p.exists():
            assert R.recognize(p.read_bytes()) is None, p.name
    assert R.recognize(b"not a pdf") is None


def test_damaged_copy_raises_read_error() -> None:
    data = next(iter(ddr_bytes().values()))
    for cut in (data[: len(data) // 2], data[:100], b"", b"%PDF-1.7\n"):
        with pytest.raises(R.ReadError) as exc:
            R.read_ddr(cut)
        assert "\n" not in str(exc.value)
    assert R.recognize(data[: len(data) // 2]) is None
    foia_pdf = next(p for p in DEATHS.glob("*.pdf") if R.recognize(p.read_bytes()) == "foia_list")
    with pytest.raises(R.ReadError):
        R.read_foia_list(foia_pdf.read_bytes()[:-5000])
    with pytest.raises(R.ReadError):
        R.read_ddr(foia_pdf.read_bytes())  # the wrong kind is refused, not half-read


def test_every_report_has_date_and_facility_or_a_review_reason() -> None:
    for sha, r in reports().items():
        assert r.name is not None, sha
        assert r.date_of_death is not None or "date of death not found" in r.review_reasons
        assert r.facility is not None or any("facility" in x for x in r.review_reasons), sha


def test_extracted_values_point_at_their_source_text() -> None:
    """Page + span of every value reproduce the exact printed text."""
    import pypdfium2 as pdfium

    for sha, r in list(reports().items())[:20]:
        doc = pdfium.PdfDocument(ddr_bytes()[sha])
        pages = [p.get_textpage().get_text_range() for p in doc]
        values = [r.name, r.date_of_death, r.age, r.gender, r.country, r.field_office]
        for place in (r.facility, r.place_of_death):
            if place:
                values += [place.name, place.city, place.state]
        values += [e.date for e in r.custody_events] + [e.text for e in r.custody_events]
        for v in values:
            if v is not None:
                assert pages[v.page - 1][v.start:v.end] == v.text, (sha, v)


def test_hand_verified_reports() -> None:
    rows = list(csv.DictReader(VERIFIED.open(encoding="utf-8")))
    assert len(rows) >= 15
    for row in rows:
        r = reports()[row["sha256"]]
        got = {
            "name": r.name.value,
            "date_of_death": r.date_of_death.value.isoformat(),
            "age": str(r.age.value),
            "gender": r.gender.value,
            "country": r.country.value,
            "facility": r.facility.name.value if r.facility else "",
            "facility_city": r.facility.city.value if r.facility and r.facility.city else "",
            "facility_state": r.facility.state.value if r.facility and r.facility.state else "",
            "place_of_death": r.place_of_death.name.value if r.place_of_death else "",
        }
        want = {k: v for k, v in row.items() if k not in ("sha256", "county_fips")}
        assert got == want, row["name"]


def test_label_variants_and_printed_forms() -> None:
    by_name = {r.name.value: r for r in reports().values()}
    vial = by_name["VIAL, Kesley"]
    assert vial.death_date_label == "Date of Neurologic Death"
    assert vial.date_of_death.value == date(2022, 8, 24)
    mendoza = by_name["MENDOZA, Melvin Ariel Calero"]
    assert mendoza.death_date_label == "Date" and mendoza.date_of_death.value == date(2022, 10, 13)
    roxana = by_name["HERNANDEZ, Jeffry (aka HERNANDEZ, Roxana)"]
    assert roxana.sex.value == "Male" and roxana.gender.value == "Transgender woman"
    assert by_name["ROCHA-Cuadra, Ernesto"].country.value == "Nicaragua"  # printed 'Nicaragua`'
    shrestha = by_name["SHRESTHA, Subash"]
    assert [(e.date.value, "transferred" in e.text.value) for e in shrestha.custody_events] == [
        (date(2023, 9, 9), True)
    ]
    assert by_name["BATREZ Vargas, Lorenzo Antonio"].field_office.value == "Phoenix"


def test_foia_list_rows_and_boundaries() -> None:
    t = foia()
    rows = t.rows
    assert len(rows) == 172
    assert [int(r.number.value) for r in rows] == list(range(1, 173))
    assert (t.data_from.value, t.data_to.value) == (date(2003, 10, 1), date(2017, 6, 5))
    dates = [r.date_of_death.value for r in rows]
    assert dates == sorted(dates, reverse=True)
    assert (dates[-1], dates[0]) == (date(2003, 10, 7), date(2017, 5, 31))
    first, last = rows[0], rows[-1]
    assert first.name.value == "CACERES-Maradiaga, Vicente"
    assert first.location_of_death.value == "Victor Valley Community Hospital, Victorville, CA"
    assert first.last_detention.value == "Adelanto Correctional Facility, CA"
    assert first.facility_type.value == "DIGSA"
    assert last.name.value == "VERDECIA-CARRILLO, HERIBERTO"
    assert last.last_detention.value == "Atwater US Penitentiary, CA"
    carela = next(r for r in rows if r.number.value == "11")  # multi-line cells
    assert carela.country_of_birth.value == "DOMINICAN REPUBLIC"
    assert carela.location_of_death.value == (
        "Orange Regional Medical Center/St.Mary's Medical Center, Middleton, NY"
    )
    assert all(r.location_of_death and r.last_detention and r.facility_type for r in rows)


def test_coverage_statement() -> None:
    cov = R.coverage([*reports().values(), *foia().rows])
    assert cov == {
        "ddr": (date(2018, 4, 10), date(2025, 9, 22)),
        "foia_list": (date(2003, 10, 7), date(2017, 5, 31)),
    }


def test_facility_keys() -> None:
    by_name = {r.name.value: r for r in reports().values()}
    assert R.facility_keys(by_name["DENNIS, Cambric"]) == {
        "name": "STEWART DETENTION CENTER", "city": "LUMPKIN", "state": "GA", "abbreviation": "SDC",
    }
    assert R.facility_keys(by_name["SANCHEZ-Castro, Jose Manuel"])["name"] is None


def test_name_key_matches_registry() -> None:
    facilities = pytest.importorskip("patchwork_atlas.families.detention.family")
    for s in ("Stewart Det. Ctr", "St. Louis City Justice Center", "Krome North SPC", "Cnty Jail"):
        assert R.name_key(s) == facilities.name_key(s)
