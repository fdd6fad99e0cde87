"""Revenue at risk, add-on propagation, batch sums, and the crosswalk what-if."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from claimscrub.pricing import crosswalk_whatif, jsonable, money_at_risk, price_lines

from .conftest import D, make_lines

LA = "01182-18"


def findings(*rows):
    return pl.DataFrame(
        [{"_row": r, "rule": rule, "severity": sev} for r, rule, sev in rows],
        schema={"_row": pl.UInt32, "rule": pl.String, "severity": pl.String},
    )


def price(frame):
    return {r["_row"]: r["expected_payment"] for r in price_lines(frame).iter_rows(named=True)}


def test_error_puts_line_at_risk_and_add_on_follows_its_primary():
    lines = make_lines(
        {"cpt": "90834", "locality": LA},  # 0 primary, error -> at risk
        {"cpt": "90863", "locality": LA},  # 1 add-on of row 0 -> propagated ($0 under Medicare)
        {"cpt": "90785", "locality": LA},  # 2 add-on of row 0 -> propagated
        {"cpt": "99214", "locality": LA, "patient_id": "P2"},  # 3 warning only -> safe
        {"cpt": "90836", "locality": LA, "patient_id": "P2"},  # 4 add-on of a safe primary
    )
    priced = price_lines(lines)
    p = price(lines)
    r = money_at_risk(lines, priced, findings((0, "PT002", "error"), (3, "DX001", "warning")))
    assert r["expected_payment"] == sum(p.values())
    assert r["at_risk"] == p[0] + p[1] + p[2]
    assert r["at_risk_lines"] == 3
    assert r["propagated"] == {"amount": p[1] + p[2], "lines": 2, "unknown_lines": 0}
    assert r["by_rule"] == {"PT002": {"amount": p[0], "lines": 1, "unknown_lines": 0}}
    assert r["by_provider"]["1234567893"]["at_risk"] == r["at_risk"]


def test_propagation_is_transitive_and_stops_at_a_safe_primary():
    lines = make_lines(
        {"cpt": "99214", "locality": LA},  # 0 at risk
        {"cpt": "90833", "locality": LA},  # 1 add-on of 0 -> at risk
        {"cpt": "90785", "locality": LA},  # 2 add-on of 1 -> at risk (second round)
        {"cpt": "90791", "locality": LA, "patient_id": "P2"},  # 3 safe primary of 5
        {"cpt": "90832", "locality": LA, "patient_id": "P2"},  # 4 at risk primary of 5
        {"cpt": "90785", "locality": LA, "patient_id": "P2"},  # 5 keeps a safe primary -> safe
        {"cpt": "90785", "locality": LA, "patient_id": "P3"},  # 6 no primary at all -> AO001's job
    )
    r = money_at_risk(lines, price_lines(lines), findings((0, "PT004", "error"), (4, "PT002", "error")))
    p = price(lines)
    assert r["at_risk_lines"] == 4
    assert r["at_risk"] == p[0] + p[1] + p[2] + p[4]
    assert r["propagated"]["lines"] == 2


def test_encounter_boundaries_date_and_provider():
    lines = make_lines(
        {"cpt": "90834", "locality": LA},
        {"cpt": "90863", "locality": LA, "service_date": date(2025, 6, 3)},  # other date
        {"cpt": "90863", "locality": LA, "provider_npi": "1245319599"},  # other provider
    )
    r = money_at_risk(lines, price_lines(lines), findings((0, "PT002", "error")))
    assert r["at_risk_lines"] == 1 and r["propagated"]["lines"] == 0


def test_unknown_lines_are_counted_not_valued():
    lines = make_lines(
        {"cpt": "90834", "policy": "commercial"},
        {"cpt": "90863", "policy": "commercial"},
        {"cpt": "90837", "locality": LA, "provider_npi": "1245319599"},
    )
    r = money_at_risk(lines, price_lines(lines), findings((0, "PV001", "error"), (1, "PV001", "error")))
    p = price(lines)
    assert r["expected_payment"] == p[2]
    assert r["at_risk"] == D("0.00")
    assert (r["unknown_lines"], r["priced_lines"], r["at_risk_unknown_lines"]) == (2, 1, 2)
    assert r["by_rule"]["PV001"] == {"amount": D("0.00"), "lines": 2, "unknown_lines": 2}
    assert r["by_provider"]["1245319599"]["expected_payment"] == p[2]
    assert r["by_provider"]["1234567893"]["unknown_lines"] == 2
    j = jsonable(r)
    assert j["expected_payment"] == f"{p[2]:.2f}" and j["at_risk"] == "0.00"


def test_a_line_with_two_error_rules_counts_once_in_the_total():
    lines = make_lines({"cpt": "90834", "locality": LA})
    r = money_at_risk(
        lines,
        price_lines(lines),
        findings((0, "PT002", "error"), (0, "DU001", "error"), (0, "PT002", "error")),
    )
    assert r["at_risk"] == D("111.50") and r["at_risk_lines"] == 1
    assert r["by_rule"]["PT002"]["amount"] == r["by_rule"]["DU001"]["amount"] == D("111.50")


@pytest.mark.parametrize("seed", range(5))
def test_batch_sums_equal_sum_of_line_prices(seed):
    rnd = random.Random(seed)
    codes = [
        "90791",
        "90832",
        "90833",
        "90834",
        "90836",
        "90837",
        "90838",
        "90863",
        "90785",
        "99213",
        "99214",
        "90853",
        "G2211",
        "99999",
    ]
    rows = []
    for _ in range(400):
        rows.append(
            {
                "cpt": rnd.choice(codes),
                "patient_id": f"P{rnd.randrange(40)}",
                "provider_npi": rnd.choice(["1234567893", "1245319599", "1003000126"]),
                "provider_credential": rnd.choice(["MD", "NP", "LCSW", "PSYCHOLOGIST", None]),
                "locality": rnd.choice([LA, "AL-00", "TX-31", None, "NY-01"]),
                "provider_state": rnd.choice(["AL", "CA", None]),
                "pos": rnd.choice(["11", "02", "10", "21", None]),
                "policy": rnd.choice(["medicare", "medicare", "commercial", "acme"]),
                "units": rnd.choice([1, 1, 1, 2]),
                "service_date": date(2025, 1 + rnd.randrange(12), 1 + rnd.randrange(28)),
            }
        )
    lines = make_lines(*rows)
    priced = price_lines(lines, fee_sources={"acme": {"percent_of_medicare": 125}})
    assert priced.height == lines.height
    errs = findings(
        *[
            (i, rnd.choice(["AO001", "PT002"]), rnd.choice(["error", "warning"]))
            for i in rnd.sample(range(400), 120)
        ]
    )
    r = money_at_risk(lines, priced, errs)
    line_prices = [v for v in priced.get_column("expected_payment").to_list() if v is not None]
    assert r["expected_payment"] == sum(line_prices, Decimal("0.00"))
    assert r["unknown_lines"] == priced.get_column("expected_payment").null_count()
    prov = r["by_provider"].values()
    assert sum((v["expected_payment"] for v in prov), Decimal(0)) == r["expected_payment"]
    assert sum((v["at_risk"] for v in prov), Decimal(0)) == r["at_risk"]
    assert sum(v["lines"] for v in prov) == r["lines"] == 400
    assert r["at_risk"] <= r["expected_payment"]
    # every price is a whole number of cents
    assert all(v == v.quantize(Decimal("0.01")) for v in line_prices)


def test_crosswalk_whatif_medicare_prescriber():
    lines = make_lines(
        {"cpt": "90834", "locality": LA, "claim_id": "C1"},
        {"cpt": "90863", "locality": LA, "claim_id": "C1"},
        # a psychologist's 90863 is the intended use: not crosswalked
        {"cpt": "90834", "locality": LA, "patient_id": "P2", "provider_credential": "PSYCHOLOGIST"},
        {"cpt": "90863", "locality": LA, "patient_id": "P2", "provider_credential": "PSYCHOLOGIST"},
        # NP, commercial without rates: both options unknown
        {"cpt": "90837", "patient_id": "P3", "provider_credential": "NP", "policy": "commercial"},
        {"cpt": "90863", "patient_id": "P3", "provider_credential": "NP", "policy": "commercial"},
    )
    out = crosswalk_whatif(lines)
    assert out.height == 2
    med = out.filter(pl.col("patient_id") == "P1").row(0, named=True)
    assert med["billed_codes"] == "90834+90863" and med["crosswalk_codes"] == "90836+99214"
    assert med["billed_payment"] == D("111.50")  # 90863 pays $0 under Medicare
    assert med["crosswalk_payment"] == D("98.93") + D("137.58")  # vectors CA-18 NF
    assert med["difference"] == med["crosswalk_payment"] - med["billed_payment"]
    assert med["policy"] == "medicare" and med["claim_id"] == "C1"
    com = out.filter(pl.col("patient_id") == "P3").row(0, named=True)
    assert com["billed_payment"] is None and com["crosswalk_payment"] is None
    assert com["crosswalk_codes"] == "90838+99214"

    low = crosswalk_whatif(lines, em_code="99213").filter(pl.col("patient_id") == "P1")
    assert low.row(0, named=True)["crosswalk_payment"] == D("98.93") + D("98.19")
    with pytest.raises(ValueError):
        crosswalk_whatif(lines, em_code="90834")


def test_crosswalk_whatif_nothing_to_do():
    out = crosswalk_whatif(make_lines({"cpt": "90834"}))
    assert out.height == 0 and "difference" in out.columns
