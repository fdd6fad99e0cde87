"""One rule, one implementation: checking every case as one batch gives the same findings
as checking each case alone (the API's single-claim path)."""

from __future__ import annotations

from claimscrub.service import check_records
from tests.rules.cases import load_cases

KEYS = ["rule", "severity", "claim_id", "line_no", "code", "message", "fix"]


def _isolate(case_no: int, lines: list[dict[str, str]]) -> list[dict[str, str]]:
    """Make claim and patient ids unique per case so cases cannot meet in one encounter."""
    return [
        {**ln, "claim_id": f"k{case_no}-{ln['claim_id']}", "patient_id": f"k{case_no}-{ln['patient_id']}"}
        for ln in lines
    ]


def _rows(result) -> list[tuple]:  # type: ignore[no-untyped-def]
    return sorted(tuple(str(r[k]) for k in KEYS) for r in result.findings.to_dicts())


def test_batch_equals_one_by_one() -> None:
    cases = load_cases()
    batch: list[dict[str, str]] = []
    alone: list[tuple] = []
    for i, case in enumerate(cases):
        lines = _isolate(i, case.lines)
        batch += lines
        alone += _rows(check_records(lines))
    assert _rows(check_records(batch)) == sorted(alone)
    assert len(alone) > 50  # the cases do fire


def _every_case_and_the_sample() -> list[list[dict[str, str]]]:
    import csv

    from claimscrub.knowledge import DATA_DIR

    with (DATA_DIR / "sample" / "claims.csv").open(newline="", encoding="utf-8") as fh:
        sample = list(csv.DictReader(fh))
    return [case.lines for case in load_cases()] + [sample]


def test_skipping_rules_that_cannot_fire_changes_nothing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The runner skips a rule whose trigger codes the batch lacks (or a notes rule without
    notes); running every rule's query anyway gives the very same findings."""
    import functools

    from claimscrub import service
    from claimscrub.engine.runner import run_rules

    batches = _every_case_and_the_sample()
    skipped = [_rows(check_records(lines)) for lines in batches]
    monkeypatch.setattr(service, "run_rules", functools.partial(run_rules, skip_absent=False))
    assert [_rows(check_records(lines)) for lines in batches] == skipped


def test_a_rule_fires_only_on_its_trigger_codes() -> None:
    """What makes skipping safe: every finding's claim bills one of its rule's trigger codes
    (claim-level rules such as DX001 sit on the claim's first line, whatever its code)."""
    from claimscrub.engine.context import Context, with_encounter_id
    from claimscrub.engine.rule import get_rule

    fired_on = 0
    for lines in _every_case_and_the_sample():
        result = check_records(lines)
        ctx = Context(with_encounter_id(result.lines), result.policies)
        billed: dict[str, set[str]] = {}
        for claim_id, code in result.lines.select("claim_id", "cpt").iter_rows():
            billed.setdefault(claim_id, set()).add(code)
        for f in result.findings.to_dicts():
            codes = get_rule(f["rule"]).triggers(ctx)  # type: ignore[union-attr]
            if codes is not None:
                assert billed[f["claim_id"]] & set(codes), (f["rule"], f["code"])
                fired_on += 1
    assert fired_on > 50
