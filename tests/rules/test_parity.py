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
