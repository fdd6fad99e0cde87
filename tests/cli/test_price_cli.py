"""`claimscrub price` and `claimscrub data load-pfs` as a billing manager runs them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from claimscrub.cli import main
from claimscrub.pricing.pfs import available_years
from tests.cli.test_check_cli import GOOD, HEADER, write_csv


def row(**kw: str) -> list[str]:
    r = GOOD.copy()
    for k, v in kw.items():
        r[HEADER.index(k)] = v
    return r


def test_price_medicare_lines_and_90863(tmp_path: Path) -> None:
    src = write_csv(
        tmp_path / "c.csv",
        [
            row(payer="medicare", cpt="90837", minutes="58", service_date="2025-06-02", provider_state=""),
            row(payer="medicare", cpt="90863", service_date="2025-06-02", provider_state=""),
            row(claim_id="C2", payer="commercial", cpt="90834", service_date="2025-06-02"),
        ],
    )
    res = CliRunner().invoke(main, ["price", str(src), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    by_code = {(ln["claim_id"], ln["cpt"]): ln for ln in doc["lines"]}
    assert by_code[("C1", "90837")]["expected_payment"] == "154.29"  # national non-facility, 2025
    assert by_code[("C1", "90863")]["expected_payment"] == "0.00"  # status I: Medicare pays nothing
    assert by_code[("C2", "90834")]["expected_payment"] is None  # no commercial rate: unknown
    assert doc["total"] == "154.29" and doc["unknown_lines"] == 1


def test_check_json_has_money_summary(tmp_path: Path) -> None:
    src = write_csv(
        tmp_path / "c.csv",
        [row(payer="medicare", cpt="90834", minutes="70", service_date="2025-06-02", provider_state="")],
    )
    doc = json.loads(CliRunner().invoke(main, ["check", str(src), "--format", "json"]).output)
    money = doc["summary"]["money"]
    assert money["expected_payment"] == "104.16" and money["at_risk"] == "104.16"
    assert money["by_rule"]["PT002"]["amount"] == "104.16"


def test_load_pfs_installs_a_new_year(tmp_path: Path, shared: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CLAIMSCRUB_DATA_DIR", str(tmp_path / "data"))
    available_years.cache_clear()
    try:
        res = CliRunner().invoke(
            main, ["data", "load-pfs", str(shared / "domain/data/cms_pfs_2025"), "--year", "2031"]
        )
        assert res.exit_code == 0, res.output
        assert "2031" in CliRunner().invoke(main, ["data", "years"]).output
        src = write_csv(tmp_path / "c.csv", [row(payer="medicare", cpt="90832", service_date="2031-01-05")])
        doc = json.loads(CliRunner().invoke(main, ["price", str(src), "--format", "json"]).output)
        assert "2031" in doc["lines"][0]["price_basis"]
    finally:
        monkeypatch.delenv("CLAIMSCRUB_DATA_DIR")
        available_years.cache_clear()
