# ruff: noqa: E501
"""835 remittances: reading every shared file, linking to stored lines, the denial report."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from claimscrub.cli import main
from claimscrub.errors import InputError
from claimscrub.readers.x12_835 import is_835, parse_835, read_835
from tests.store.test_import import X835, counts

FILES = sorted(X835.glob("*.835"))

CLAIMS = """claim_id,line_no,patient_id,service_date,payer,provider_npi,provider_credential,cpt,modifiers,units,icd10,charge
0001000055,1,P1,2005-02-02,commercial,1234567890,MD,55669,,1,F33.1,541.00
0001000053,1,P2,2005-01-06,commercial,1234567893,MD,12345,26,1,F33.1,166.50
0001000053,2,P2,2005-01-06,commercial,1234567893,MD,66543,26,1,F33.1,585.00
PATIENT ACCOUNT NUMBER,1,P3,2010-01-01,medicaid,1234567893,MD,V2020,RB,1,F33,6
PATIENT ACCOUNT NUMBER,2,P3,2010-01-01,medicaid,1234567893,MD,V2700,RB,1,F33.1,2.75
PATIENT ACCOUNT NUMBER,3,P3,2010-01-01,medicaid,1234567893,MD,S0580,,2,F33.1,20
"""


def test_all_shared_835_files_read():
    assert len(FILES) == 6
    for f in FILES:
        assert is_835(f)
        r = read_835(f)
        assert r.rows and all(x.claim_id for x in r.rows)


def test_835_values():
    cob = read_835(X835 / "cob-contractural-adjustment.835")  # ISA16 ':' but SVC uses '>'
    svc = [r for r in cob.rows if r.level == "service"][0]
    assert (svc.claim_id, svc.cpt, svc.service_date, svc.paid) == (
        "0001000055",
        "55669",
        date(2005, 2, 2),
        Decimal("34.00"),
    )
    assert {(a.group_code, a.carc, a.amount) for a in cob.adjustments} == {
        ("OA", "23", Decimal("516.00")),
        ("OA", "94", Decimal("-9.00")),
    }
    sec = read_835(X835 / "secondary-payment.835")
    multi = [a for a in sec.adjustments if a.group_code == "PR"]  # CAS*PR*1*150.00**2*70.00
    assert [(a.carc, a.amount) for a in multi] == [("1", Decimal("150.00")), ("2", Decimal("70.00"))]
    ny = read_835(X835 / "profee_ny_medicaid.835")
    assert [r.rarc for r in ny.rows if r.rarc] == [["N206"], ["N206"]]  # LQ*HE
    part_a = read_835(X835 / "medicare-part-a.835")  # claims without service lines, MOA remark
    assert {r.level for r in part_a.rows} == {"claim"} and part_a.rows[1].rarc == ["MA02"]


def test_837_and_garbage_are_not_835(tmp_path):
    assert not is_835(Path("/work/shared/domain/data/x12/837p_imsweb/x12_valid.txt"))
    bad = tmp_path / "x.835"
    bad.write_text("ISA*00*" + "x" * 120)
    with pytest.raises(InputError):
        parse_835(b"ST*835*1~CLP~", "x.835")


def test_import_links_835_and_reports_denials(db_url, tmp_path):
    claims = tmp_path / "claims.csv"
    claims.write_text(CLAIMS)
    runner = CliRunner()
    # remittances first, claims later: linking happens whenever either side arrives
    res = runner.invoke(main, ["import", *map(str, FILES), "--db", db_url])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["import", str(claims), "--db", db_url])
    assert res.exit_code == 0 and "linked" in res.output, res.output
    again = runner.invoke(main, ["import", *map(str, FILES), "--db", db_url])
    assert again.output.count("already stored") == 6
    assert counts(db_url)["remittance_files"] == 6

    res = runner.invoke(main, ["denials", "--db", db_url, "--format", "json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert rep["lines_with_remittance"] == 6
    rules = {r["rule"]: r for r in rep["by_rule"]}
    # invalid NPI: FM001 error, yet the payer paid (OA-23/94 are routine): a false alarm
    assert rules["FM001"]["denied_or_adjusted"] == 0 and rules["FM001"]["paid_anyway"] == 1
    # category-only F33 (DX002) on a line the payer denied with CO-29
    assert rules["DX002"]["denied_or_adjusted"] == 1 and rules["DX002"]["codes"] == {"CO-29": 1}
    missed = {(u["cpt"], tuple(u["carc"]), tuple(u["rarc"])) for u in rep["unpredicted"]}
    assert missed == {("V2700", ("CO-251",), ("N206",)), ("S0580", ("CO-251",), ("N206",))}
    text_out = runner.invoke(main, ["denials", "--db", db_url]).output
    assert "Denials no rule predicted" in text_out and "CO-251 N206" in text_out
