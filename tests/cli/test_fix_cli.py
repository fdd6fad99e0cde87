"""`claimscrub fix`: only safe fixes applied, each listed, nothing else touched."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from claimscrub.cli import main
from tests.cli.test_check_cli import GOOD, HEADER, write_csv


def row(**kw: str) -> list[str]:
    r = GOOD.copy()
    for k, v in kw.items():
        r[HEADER.index(k)] = v
    return r


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_fix_applies_safe_fixes_only(tmp_path: Path) -> None:
    src = write_csv(
        tmp_path / "in.csv",
        [
            row(claim_id="A", cpt="90837", minutes="45"),  # PT002 -> 90834
            row(claim_id="B", patient_id="P2", cpt="90834", units="3"),  # UN001 -> 1 unit
            row(claim_id="C", patient_id="P3", cpt="90832", minutes="30"),
            row(claim_id="C", patient_id="P3", line_no="2", cpt="90832", minutes="30"),  # DU001
            row(claim_id="D", patient_id="P4", cpt="90863"),  # AO001: suggestion only
        ],
    )
    out = tmp_path / "fixed.csv"
    changes = tmp_path / "changes.csv"
    res = CliRunner().invoke(main, ["fix", str(src), "-o", str(out), "--changes", str(changes)])
    assert res.exit_code == 0, res.output
    assert "claim A line 1: PT002 code 90837 -> 90834" in res.output
    assert "claim B line 1: UN001 units 3 -> 1" in res.output
    assert "claim C line 2: DU001 removed duplicate line 90832" in res.output
    fixed = read(out)
    assert [r["claim_id"] for r in fixed] == ["A", "B", "C", "D"]
    assert fixed[0]["cpt"] == "90834" and fixed[1]["units"] == "1" and fixed[3]["cpt"] == "90863"
    assert len(read(changes)) == 3
    recheck = CliRunner().invoke(main, ["check", str(out), "--format", "json"])
    assert '"PT002"' not in recheck.output and '"UN001"' not in recheck.output
    assert '"DU001"' not in recheck.output and '"AO001"' in recheck.output


def test_fix_strict_bad_input_writes_nothing(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv", [row(units="lots")])
    out = tmp_path / "fixed.csv"
    res = CliRunner().invoke(main, ["fix", "--strict", str(src), "-o", str(out)])
    assert res.exit_code == 2 and not out.exists()


def test_fix_leaves_an_unreadable_claim_alone_and_fixes_the_rest(tmp_path: Path) -> None:
    src = write_csv(
        tmp_path / "in.csv",
        [
            row(claim_id="A", units="lots", cpt="90837", minutes="45"),
            row(claim_id="B", patient_id="P2", cpt="90837", minutes="45"),
        ],
    )
    out = tmp_path / "fixed.csv"
    res = CliRunner().invoke(main, ["fix", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "claim B line 1: PT002 code 90837 -> 90834" in res.output and "claim A" not in res.output
    before, after = src.read_bytes().splitlines(), out.read_bytes().splitlines()
    assert after[:2] == before[:2] and after[2] != before[2]


def test_fix_reaches_a_fixed_point_cap_after_duplicate_removed(tmp_path: Path) -> None:
    """Removing the duplicate makes the cap on its kept copy safe: one run applies both, and
    fixing the fixed file changes nothing. The change list names the original lines."""
    src = write_csv(
        tmp_path / "week.csv",
        [
            row(claim_id="A", cpt="90834", units="1"),  # DU001: line 2 (more units) is kept
            row(claim_id="A", line_no="2", cpt="90834", units="2"),  # UN001: 3 units a day
            row(claim_id="B", patient_id="P2", cpt="90837", minutes="60"),
        ],
    )
    out, changes = tmp_path / "fixed.csv", tmp_path / "changes.csv"
    res = CliRunner().invoke(main, ["fix", str(src), "-o", str(out), "--changes", str(changes)])
    assert res.exit_code == 0, res.output
    assert "claim A line 1: DU001 removed duplicate line 90834" in res.output
    assert "claim A line 2: UN001 units 2 -> 1" in res.output
    listed = read(changes)
    assert sorted((r["line_no"], r["rule"]) for r in listed) == [("1", "DU001"), ("2", "UN001")]
    fixed = read(out)
    assert [(r["claim_id"], r["line_no"], r["units"]) for r in fixed] == [("A", "2", "1"), ("B", "1", "1")]
    recheck = CliRunner().invoke(main, ["check", str(out), "--format", "json"])
    assert '"UN001"' not in recheck.output and '"DU001"' not in recheck.output
    again = tmp_path / "again.csv"
    res2 = CliRunner().invoke(main, ["fix", str(out), "-o", str(again)])
    assert res2.exit_code == 0, res2.output
    assert res2.output.startswith("0 change(s)") and again.read_bytes() == out.read_bytes()
