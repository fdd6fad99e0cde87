"""`claimscrub fix claims.837` writes a corrected 837P: safe fixes only, the rest byte-identical."""

from __future__ import annotations

import copy
from pathlib import Path

from click.testing import CliRunner

from claimscrub.cli import main
from claimscrub.readers.x12_837 import read_837
from tests.readers import x12_build as xb


def _file_with_errors() -> bytes:
    interchanges = copy.deepcopy(xb.medicare_file())
    body = interchanges[0][0]
    for i, seg in enumerate(body):
        if seg[0] == "SV1" and seg[1][1] == "90836":
            body[i] = ["SV1", ("HC", "90836"), "100", "UN", "2", "", "", ("1",)]  # UN001
    # a copy of the E/M line on the same claim: DU001
    at = next(i for i, s in enumerate(body) if s[0] == "CLM" and s[1] == "BH1002")
    body[at:at] = xb._line(3, "99214", "150", "1", ("1",), "20250110")
    return xb.render(interchanges)


def test_fix_837_applies_safe_fixes_and_keeps_the_rest(tmp_path: Path) -> None:
    src = tmp_path / "in.837"
    src.write_bytes(_file_with_errors())
    out = tmp_path / "fixed.837"
    res = CliRunner().invoke(main, ["fix", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "UN001 units 2 -> 1" in res.output and "DU001 removed duplicate line 99214" in res.output
    fixed = read_837(out)  # strict: SE/GE/IEA counts must be right
    before = read_837(src)
    assert before.height - fixed.height == 1
    bh1001 = fixed.filter(fixed["claim_id"] == "BH1001")
    assert bh1001["cpt"].to_list() == ["99214", "90836"]
    assert bh1001["units"].to_list() == ["1", "1"]
    old = src.read_bytes().split(b"~")
    new = out.read_bytes().split(b"~")
    assert len(set(old) - set(new)) <= 6  # changed SV1, removed LX/SV1/DTP, CLM02, SE01
    recheck = CliRunner().invoke(main, ["check", str(out), "--format", "json"])
    assert '"UN001"' not in recheck.output and '"DU001"' not in recheck.output
