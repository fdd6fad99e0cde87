"""The package-level API (``claimscrub.check_records`` / ``check_paths``) gives the CLI's findings."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import claimscrub
from claimscrub.cli import SAMPLE, main
from claimscrub.errors import InputError


def cli_json(*args: str, tmp_path: Path) -> dict:
    out = tmp_path / "cli.json"
    res = CliRunner().invoke(main, ["check", *args, "--format", "json", "--output", str(out), "--exit-zero"])
    assert res.exit_code == 0, res.output
    return json.loads(out.read_text())


def test_check_paths_equals_cli_json(tmp_path: Path) -> None:
    want = cli_json(str(SAMPLE), tmp_path=tmp_path)
    got = claimscrub.check_paths(SAMPLE)  # one path or a list; str or Path
    assert got.document() == want
    assert claimscrub.check_paths([str(SAMPLE)]).document() == want
    assert len(want["findings"]) > 10  # the sample does fire


def test_check_records_equals_cli_on_the_same_lines(tmp_path: Path) -> None:
    with SAMPLE.open(newline="", encoding="utf-8") as fh:
        records = list(csv.DictReader(fh))
    want = cli_json(str(SAMPLE), tmp_path=tmp_path)
    got = claimscrub.check_records(records)
    assert got.document() == want
    assert got.exit_code == (1 if want["summary"]["errors"] else 0)


def test_options_are_keywords(tmp_path: Path) -> None:
    with SAMPLE.open(newline="", encoding="utf-8") as fh:
        records = list(csv.DictReader(fh))
    unpriced = claimscrub.check_records(records, price=False, read_notes=False)
    assert "money" not in unpriced.document()["summary"]
    want = cli_json(str(SAMPLE), tmp_path=tmp_path)
    assert "money" in want["summary"]
    with pytest.raises(TypeError, match="unknown check option.*pricing"):
        claimscrub.check_records(records, pricing=False)


def test_bad_value_is_in001_and_strict_raises() -> None:
    """A value that cannot be read is an IN001 finding naming the column; ``strict=True``
    raises instead (as ``--strict`` exits 2)."""
    line = {"claim_id": "C1", "patient_id": "P", "service_date": "02/30/2026",
            "provider_npi": "1234567893", "cpt": "90834"}  # fmt: skip
    found = claimscrub.check_records([line]).document()["findings"]
    assert [f["rule"] for f in found] == ["IN001"]
    assert "service_date" in found[0]["message"] and "02/30" not in found[0]["message"]
    with pytest.raises(InputError, match="service_date"):
        claimscrub.check_records([line], strict=True)


def test_json_streamed_to_a_file_equals_json_on_stdout(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    to_file = CliRunner().invoke(
        main, ["check", str(SAMPLE), "--format", "json", "-o", str(out), "--exit-zero"]
    )
    to_stdout = CliRunner().invoke(main, ["check", str(SAMPLE), "--format", "json", "--exit-zero"])
    assert to_file.exit_code == 0 and to_stdout.exit_code == 0
    assert out.read_text(encoding="utf-8") == to_stdout.stdout
