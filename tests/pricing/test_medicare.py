"""Medicare PFS pricing: setting by POS, locality resolution, practitioner percents, statuses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from claimscrub.pricing import fee_schedule, price_lines, price_one

from .conftest import D, make_lines

LA = "01182-18"


@pytest.mark.parametrize(
    ("pos", "setting", "expected"),
    [
        ("11", "non-facility", "111.50"),  # office
        ("10", "non-facility", "111.50"),  # telehealth in the home: non-facility since 2024
        ("12", "non-facility", "111.50"),  # home
        ("49", "non-facility", "111.50"),  # unlisted in pos_setting? listed non-facility
        ("02", "facility", "95.67"),  # telehealth not in the home
        ("19", "facility", "95.67"),
        ("21", "facility", "95.67"),
        ("22", "facility", "95.67"),
        ("23", "facility", "95.67"),
        ("51", "facility", "95.67"),
        ("52", "facility", "95.67"),
        ("53", "facility", "95.67"),
        ("56", "facility", "95.67"),
        ("61", "facility", "95.67"),
        ("2", "facility", "95.67"),  # one digit is zero-padded
        ("98", "non-facility", "111.50"),  # not a listed facility setting
    ],
)
def test_facility_vs_non_facility_by_pos(pos, setting, expected):
    got, basis = price_one("90834", locality=LA, pos=pos, credential="MD")
    assert got == D(expected)
    assert f"{LA} {setting}" in basis


def test_missing_pos_assumes_non_facility_and_says_so():
    got, basis = price_one("90834", locality=LA, pos=None, credential="MD")
    assert got == D("111.50")
    assert "pos unknown: non-facility assumed" in basis


def test_non_facility_na_uses_facility_pe():
    # 99221 has NA in the non-facility column: CMS pays the facility PE RVU
    fs = fee_schedule(2025)
    rvu = fs.rvu("99221")
    assert rvu.nonfacility_na
    office, _ = price_one("99221", locality="national", pos="11", credential="MD")
    inpatient, _ = price_one("99221", locality="national", pos="21", credential="MD")
    assert office == inpatient == fs.fee(rvu, fs.resolve_locality("national", None)[0], True)


@pytest.mark.parametrize(
    ("locality", "state", "key"),
    [
        ("01182-18", None, "01182-18"),
        ("0118218", None, "01182-18"),
        ("CA-18", None, "01182-18"),
        ("ca-18", None, "01182-18"),
        ("18", "CA", "01182-18"),
        ("county:Los Angeles", "CA", "01182-18"),
        ("county:Orange", "CA", "01182-18"),  # CMS's LOCCO misspells it ORAGNGE
        ("county:Montgomery", "MD", "12202-01"),  # MD county in the DC locality
        ("county:Garrett", "MD", "12302-99"),
        (None, "AL", "10112-00"),  # single statewide locality
        (None, "al", "10112-00"),
        ("", "TN", "10312-35"),
        (None, "PR", "09202-20"),
    ],
)
def test_locality_forms(locality, state, key):
    fs = fee_schedule(2025)
    g, note = fs.resolve_locality(locality, state)
    assert (g.key, note) == (key, "")
    _, basis = price_one("90834", locality=locality, state=state)
    assert f"locality {key} " in basis


@pytest.mark.parametrize(
    ("locality", "state", "note"),
    [
        (None, None, "locality unknown: national GPCI"),
        (None, "CA", "locality unknown in multi-locality state CA: national GPCI"),
        (None, "ZZ", "state 'ZZ' not in GPCI 2025: national GPCI"),
        ("99999-99", None, "locality '99999-99' not in GPCI 2025: national GPCI"),
        ("CA-18", "TX", None),  # an explicit ST-LL wins over the provider state
    ],
)
def test_unknown_locality_falls_back_to_national_with_a_note(locality, state, note):
    got, basis = price_one("90834", locality=locality, state=state, credential="MD")
    if note is None:
        assert "01182-18" in basis
        return
    assert got == D("104.16")  # national non-facility vector
    assert "medicare-pfs-2025 national non-facility" in basis
    assert note in basis


@pytest.mark.parametrize(
    ("credential", "expected", "label"),
    [
        ("MD", "111.50", None),
        ("DO", "111.50", None),
        ("PSYCHOLOGIST", "111.50", None),
        ("NP", "94.78", "NP 85%"),  # 111.50 x 0.85 = 94.775 -> 94.78 (half up)
        ("CNS", "94.78", "CNS 85%"),
        ("PA", "94.78", "PA 85%"),
        ("LCSW", "83.63", "LCSW 75%"),  # 111.50 x 0.75 = 83.625 -> 83.63
        ("LPC", "83.63", "LPC 75%"),
        ("LMFT", "83.63", "LMFT 75%"),
    ],
)
def test_practitioner_percent(credential, expected, label):
    got, basis = price_one("90834", locality=LA, credential=credential)
    assert got == D(expected)
    if label:
        assert basis.endswith(label)


def test_np_85_percent_of_every_vector_code():
    fs = fee_schedule(2025)
    la = fs.resolve_locality(LA, None)[0]
    for code in ("90791", "90792", "90832", "90833", "90834", "90836", "90837", "99213", "99214"):
        full = fs.fee(fs.rvu(code), la, False)
        np_, _ = price_one(code, locality=LA, credential="NP")
        assert np_ == (full * Decimal("0.85")).quantize(D("0.01"), rounding="ROUND_HALF_UP")


def test_counselors_before_medicare_covered_them_are_unknown():
    from claimscrub.pricing.fees import default_fee_source

    medicare = default_fee_source("medicare")
    assert medicare.credential_factor("LPC", date(2023, 12, 31)) == (
        None,
        "no medicare rate for credential LPC on 2023-12-31",
    )
    assert medicare.credential_factor("LPC", date(2024, 1, 1)) == (Decimal(75), "")
    assert medicare.credential_factor("LCSW", date(2023, 12, 31)) == (Decimal(75), "")


def test_other_credential_is_unknown_and_missing_credential_assumes_full_fee():
    got, basis = price_one("90834", locality=LA, credential="OTHER")
    assert got is None and basis == "unknown: no medicare rate for credential OTHER"
    got, basis = price_one("90834", locality=LA, credential=None)
    assert got == D("111.50") and "credential unknown: 100% assumed" in basis


@pytest.mark.parametrize("credential", ["MD", "NP", "PSYCHOLOGIST", "LCSW", "OTHER", None])
def test_90863_is_zero_under_medicare_for_everyone(credential):
    got, basis = price_one("90863", locality=LA, credential=credential)
    assert got == D("0.00")
    assert basis == "medicare: status I not payable (medicare-pfs-2025)"


@pytest.mark.parametrize(("code", "status"), [("90882", "N"), ("90885", "B"), ("H0031", "I")])
def test_other_non_payable_statuses_are_zero(code, status):
    got, basis = price_one(code, locality=LA)
    assert got == D("0.00")
    assert f"status {status} not payable" in basis


def test_restricted_status_priced_with_note_and_unknown_code():
    got, basis = price_one("90846", locality="national", credential="MD")  # status R
    assert got is not None and "status R" in basis
    got, basis = price_one("99999", locality=LA)
    assert got is None and basis == "unknown: 99999 not in medicare-pfs-2025"


def test_service_year_without_installed_pfs():
    got, basis = price_one("90834", locality=LA, credential="MD", service_date=date(2026, 2, 1))
    assert got == D("111.50")
    assert "no 2026 PFS installed, 2025 rates" in basis
    got, basis = price_one("90834", locality=LA, credential="MD", service_date=date(2019, 2, 1))
    assert got is None and basis == "unknown: no Medicare PFS installed for 2019"


def test_units_multiply_and_status_columns():
    out = price_lines(
        make_lines(
            {"cpt": "90785", "units": 3, "locality": LA},
            {"cpt": "90834", "units": None, "locality": LA},
            {"cpt": "90834", "units": 0, "locality": LA},
            {"cpt": "90863", "units": 2, "locality": LA},
            {"cpt": "90834", "policy": "commercial"},
        )
    )
    unit = out.get_column("unit_price").to_list()
    pay = out.get_column("expected_payment").to_list()
    assert pay[0] == unit[0] * 3
    assert pay[1] == D("111.50")  # units missing -> 1
    assert pay[2] == D("0.00")
    assert pay[3] == D("0.00")
    assert pay[4] is None
    assert out.get_column("price_status").to_list() == [
        "priced",
        "priced",
        "priced",
        "not_payable",
        "unknown",
    ]
    assert out.get_column("_row").to_list() == [0, 1, 2, 3, 4]


def test_missing_columns_and_empty_frame():
    import polars as pl

    out = price_lines(pl.DataFrame({"cpt": ["90834"], "policy": ["medicare"]}))
    assert out.row(0, named=True)["price_basis"] == "unknown: no service date"
    empty = price_lines(make_lines().clear())
    assert empty.height == 0 and "expected_payment" in empty.columns


def test_line_modifier_without_rvu_row_uses_the_base_row():
    # 90834-26 does not exist; a line modifier that has no RVU row falls back to the base row
    got, basis = price_one("90834", locality=LA, modifiers="95", credential="MD")
    assert got == D("111.50") and "modifier" not in basis
