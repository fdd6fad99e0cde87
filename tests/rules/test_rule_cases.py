"""Every rule's YAML cases: the rule fires exactly where the case says, with its fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from claimscrub.engine.rule import all_rules
from claimscrub.service import check_records
from tests.rules.cases import CASES_DIR, load_cases

CASES = load_cases()


def findings_of(case, result) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    rows = result.findings.filter(result.findings["rule"] == case.rule).to_dicts()
    return {f"{r['claim_id']}:{r['line_no']}": r for r in rows}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule_case(case) -> None:  # type: ignore[no-untyped-def]
    result = check_records(case.lines)
    got = findings_of(case, result)
    assert sorted(got) == sorted(e["at"] for e in case.expect)
    fired = (result.findings["rule"] == case.rule).sum()
    assert fired == len(case.expect), "a rule fires at most once per line unless the case says so"
    for e in case.expect:
        f = got[e["at"]]
        if "severity" in e:
            assert f["severity"] == e["severity"]
        for key in ("message", "fix"):
            if key in e:
                assert e[key] in f[key], f"{key}: {f[key]!r}"


def test_every_rule_has_passing_and_failing_cases() -> None:
    by_rule: dict[str, list] = {}
    for c in CASES:
        by_rule.setdefault(c.rule, []).append(c)
    for rule in all_rules():
        assert (CASES_DIR / f"{rule.id}.yaml").exists(), f"no case file for {rule.id}"
        cases = by_rule.get(rule.id, [])
        if _x12_only(rule.id):  # fires only on X12 envelopes: its firing cases are X12 files
            assert (Path(__file__).parents[1] / "readers" / "test_x12_envelope.py").exists()
        else:
            assert any(c.expect for c in cases), f"{rule.id} has no case where it fires"
        assert any(not c.expect for c in cases), f"{rule.id} has no case where it is silent"


def _x12_only(rule_id: str) -> bool:
    doc = yaml.safe_load((CASES_DIR / f"{rule_id}.yaml").read_text(encoding="utf-8"))
    return bool(doc.get("x12_only"))
