"""demo-history writes 835s: the product reads them, links them, and `denials` has a story to tell."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

from click.testing import CliRunner

from claimscrub.cli import main
from claimscrub.readers.x12_835 import read_835


def test_demo_835s_balance_like_a_payer_file(history):
    _, _, files = history
    remits = [f for f in files if f.suffix == ".835"]
    assert len(remits) == 18
    for f in remits:
        r = read_835(f)
        adj = defaultdict(Decimal)
        for a in r.adjustments:
            adj[a.seq] += a.amount
        paid_by_claim = defaultdict(Decimal)
        claims = {}
        for row in r.rows:
            if row.level == "service":
                assert row.charge == row.paid + adj[row.seq], (f.name, row.claim_id)
                assert row.cpt and row.service_date
                paid_by_claim[row.claim_id] += row.paid
            else:
                claims[row.claim_id] = row
        for cid, c in claims.items():
            assert c.paid == paid_by_claim[cid]
            assert c.claim_status == ("4" if c.paid == 0 else "1")


def test_denials_report_confirmed_and_unpredicted_out_of_the_box(history):
    _, url, _ = history
    runner = CliRunner()
    res = runner.invoke(main, ["denials", "--db", url, "--format", "json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert rep["unlinked_rows"] == 0 and rep["linked_rows"] == rep["remittance_service_rows"] > 20000
    denied_rate = rep["denied_lines"] / rep["lines_with_remittance"]
    assert 0.01 < denied_rate < 0.15
    rules = {r["rule"]: r for r in rep["by_rule"]}
    assert {"PY001", "DX002", "PT002"} <= set(rules)
    for r in rules.values():
        assert r["denied_or_adjusted"] + r["paid_anyway"] == r["error_lines_with_remittance"]
    assert rules["PY001"]["hit_rate"] > 0.8 and "CO-181" in rules["PY001"]["codes"]
    assert "CO-16" in rules["DX002"]["codes"] and rules["DX002"]["paid_anyway"] > 0
    assert rules["PT002"]["paid_anyway"] > rules["PT002"]["denied_or_adjusted"] > 0
    payers = {p["payer"]: p for p in rep["by_payer"]}
    assert set(payers) == {"commercial", "medicaid", "medicare"}
    assert [r["rule"] for r in payers["medicare"]["by_rule"]][0] == "PY001"
    assert "PY001" not in {r["rule"] for r in payers["commercial"]["by_rule"]}
    assert sum(p["predicted_denied_lines"] for p in payers.values()) == rep["predicted_denied_lines"]
    assert sum(p["unpredicted_denied_lines"] for p in payers.values()) == len(rep["unpredicted"]) > 0
    assert {"CO-27", "CO-29", "CO-197"} <= set(rep["unpredicted_codes"])

    text = runner.invoke(main, ["denials", "--db", url]).output
    assert "By payer:" in text and "  medicare: " in text
    assert "CO-29 (time limit for filing has expired)" in text
    assert "CO-181 (procedure code was invalid on the date of service)" in text
