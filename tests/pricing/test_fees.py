"""Other payers: schedules, percent-of-Medicare contracts, effective dates, no invented fees."""

from __future__ import annotations

import csv
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from claimscrub.pricing import FeeSourceError, load_fee_source, price_lines, price_one
from claimscrub.pricing.fees import package_fees_dir

from .conftest import D, make_lines

LA = "01182-18"


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def schedule(tmp_path):
    return write(
        tmp_path / "acme.csv",
        "code,modifier,rate,effective_from,effective_to\n"
        "90834,,100.00,2024-01-01,2024-12-31\n"
        "90834,,105.50,2025-01-01,\n"
        "90834,95,99.00,2025-01-01,\n"
        "90837,,140,,\n"
        "90832,,,,\n",  # blank rate: no rate
    )


@pytest.mark.parametrize(
    ("policy", "code"),
    [(p, c) for p in ("commercial", "medicaid", "tricare") for c in ("90863", "90834", "99214")],
)
def test_builtin_non_medicare_payers_have_no_rates(policy, code):
    got, basis = price_one(code, policy=policy, locality=LA)
    assert got is None
    assert basis == "unknown: no rate"


def test_unknown_policy_without_a_file():
    got, basis = price_one("90834", policy="acme")
    assert got is None and basis == "unknown: no fee source for policy acme"


def test_shipped_fee_data_has_no_rate_for_90863_and_no_rate_files():
    files = sorted(p.name for p in package_fees_dir().iterdir())
    # only policy files, the credential table and the README: no rate schedule ships
    assert not [f for f in files if f.endswith(".csv") and f != "credential_percent.csv"]
    for p in package_fees_dir().iterdir():
        if p.suffix == ".yaml":
            src = load_fee_source(p)
            assert src.schedule is None and src.percent_of_medicare is None
    data_lines = [
        line
        for p in package_fees_dir().iterdir()
        if p.suffix in (".csv", ".yaml")
        for line in p.read_text().splitlines()
        if not line.lstrip().startswith("#")
    ]
    assert not [line for line in data_lines if "90863" in line]


def test_schedule_effective_dates_and_modifiers(schedule):
    lines = make_lines(
        {"cpt": "90834", "policy": "acme", "service_date": date(2024, 12, 31)},
        {"cpt": "90834", "policy": "acme", "service_date": date(2025, 1, 1)},
        {"cpt": "90834", "policy": "acme", "service_date": date(2025, 1, 1), "modifiers": "95"},
        {"cpt": "90834", "policy": "acme", "service_date": date(2025, 1, 1), "modifiers": "95:HO"},
        {"cpt": "90834", "policy": "acme", "service_date": date(2023, 12, 31)},
        {"cpt": "90837", "policy": "acme", "service_date": date(2019, 5, 5), "units": 2},
        {"cpt": "90832", "policy": "acme"},
        {"cpt": "90863", "policy": "acme"},
    )
    out = price_lines(lines, fee_sources={"acme": schedule})
    assert out.get_column("expected_payment").to_list() == [
        D("100.00"),
        D("105.50"),
        D("99.00"),  # the modifier-specific row beats the plain one
        D("99.00"),
        None,  # before the first effective date
        D("280.00"),
        None,  # blank rate
        None,  # 90863 not in the schedule: unknown, not invented
    ]
    basis = out.get_column("price_basis").to_list()
    assert basis[0] == "fee schedule acme"
    assert basis[4] == basis[6] == basis[7] == "unknown: no rate"


def test_percent_of_medicare_contract():
    src = {"percent_of_medicare": 110, "source": "test contract"}
    lines = make_lines(
        {"cpt": "90834", "policy": "acme", "locality": LA},
        {"cpt": "99214", "policy": "acme", "locality": LA, "provider_credential": "NP"},
        {"cpt": "90863", "policy": "acme", "locality": LA},
        {"cpt": "90834", "policy": "acme", "locality": LA, "provider_credential": None},
    )
    out = price_lines(lines, fee_sources={"acme": src})
    pay = out.get_column("expected_payment").to_list()
    assert pay[0] == D("122.65")  # 111.50 x 1.10
    assert pay[1] is not None
    assert pay[3] == D("122.65")
    basis = out.get_column("price_basis").to_list()
    assert basis[0] == "acme: 110% of medicare-pfs-2025 locality 01182-18 non-facility"
    # 90863 has no Medicare amount (status I): the contract percent has nothing to apply to
    assert pay[2] is None
    assert basis[2].startswith("unknown: no Medicare amount to apply acme's percent to")


def test_percent_of_medicare_with_medicare_practitioner_percents():
    src = {"percent_of_medicare": "110", "credential_percent": "medicare"}
    got, basis = price_one("99214", policy="acme", locality=LA, credential="NP", fee_sources={"acme": src})
    medicare_np = (D("137.58") * D("0.85")).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert got == (medicare_np * D("1.10")).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert basis.endswith("NP 85%")


def test_contract_credential_mapping_and_schedule_fallback(tmp_path, schedule):
    cfg = write(
        tmp_path / "acme.yaml",
        "policy: acme\nschedule: acme.csv\npercent_of_medicare: 100\n"
        "credential_percent: {LCSW: 80}\nsource: test\n",
    )
    src = load_fee_source(cfg)
    lines = make_lines(
        {"cpt": "90834", "policy": "acme", "provider_credential": "LCSW"},  # schedule 105.50
        {"cpt": "99214", "policy": "acme", "locality": LA},  # not in schedule: 100% of Medicare
        {"cpt": "90834", "policy": "acme", "provider_credential": "NP"},  # not in mapping: 100%
    )
    out = price_lines(lines, fee_sources={"acme": src})
    assert out.get_column("expected_payment").to_list() == [D("84.40"), D("137.58"), D("105.50")]
    assert out.get_column("price_basis").to_list()[0] == "fee schedule acme; LCSW 80%"


def test_user_data_dir_fee_source_wins(tmp_path, monkeypatch):
    (tmp_path / "fees").mkdir()
    write(tmp_path / "fees" / "commercial.yaml", "percent_of_medicare: 90\n")
    monkeypatch.setenv("CLAIMSCRUB_DATA_DIR", str(tmp_path))
    got, basis = price_one("90834", policy="commercial", locality=LA, credential="MD")
    assert got == D("100.35")  # 111.50 x 0.90
    assert basis.startswith("commercial: 90% of medicare-pfs-2025")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,rate\n9083,10\n", "acme.csv, line 2, field code"),
        ("code,rate\n90834,ten\n", "acme.csv, line 2, field rate: not a number"),
        ("code,rate\n90834,-1\n", "acme.csv, line 2, field rate: negative"),
        ("code,modifier\n90834,\n", "acme.csv, line 1: missing column(s) rate"),
        (
            "code,rate,effective_from,effective_to\n90834,1,2025-01-01,2025-12-31\n90834,2,2025-06-01,\n",
            "acme.csv, line 3: dates overlap line 2 for 90834",
        ),
        ("code,rate,effective_from\n90834,1,01/02/2025\n", "field effective_from: not an ISO date"),
    ],
)
def test_schedule_errors_name_file_line_field(tmp_path, text, message):
    p = write(tmp_path / "acme.csv", text)
    with pytest.raises(FeeSourceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_fee_source(p)


def test_yaml_errors(tmp_path):
    with pytest.raises(FeeSourceError, match="unknown key"):
        load_fee_source(write(tmp_path / "a.yaml", "percent_of_medicar: 100\n"))
    with pytest.raises(FeeSourceError, match="percent out of range"):
        load_fee_source(write(tmp_path / "b.yaml", "percent_of_medicare: -5\n"))
    with pytest.raises(FeeSourceError, match="unknown credential"):
        load_fee_source(write(tmp_path / "c.yaml", "credential_percent: {RN: 50}\n"))
    with pytest.raises(FeeSourceError, match="file not found"):
        load_fee_source(write(tmp_path / "d.yaml", "schedule: nope.csv\n"))


def test_credential_percent_file_has_a_source_on_every_row():
    with (package_fees_dir() / "credential_percent.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["source"].strip() for r in rows)
    medicare = {r["credential"]: Decimal(r["percent"]) for r in rows if r["policy"] == "medicare"}
    assert medicare["NP"] == medicare["PA"] == medicare["CNS"] == 85
    assert medicare["LCSW"] == 75 and medicare["PSYCHOLOGIST"] == 100
