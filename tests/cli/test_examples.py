"""The public examples: ../shared/examples/claims.csv must give exactly the expected rule IDs."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from claimscrub.cli import main


def test_examples_match_expected(shared: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.json"
    res = CliRunner().invoke(
        main, ["check", str(shared / "examples/claims.csv"), "--format", "json", "--output", str(out)]
    )
    assert res.exit_code == 1, res.output
    report = json.loads(out.read_text())
    expected = json.loads((shared / "examples/claims.expected.json").read_text())
    got: dict[str, set[str]] = {k: set() for k in expected}
    for f in report["findings"]:
        got.setdefault(f["claim_id"], set()).add(f["rule"])
    assert got == {k: set(v) for k, v in expected.items()}
    assert report["summary"]["lines"] == 18
    assert report["summary"]["claims"] == 10
