"""`claimscrub fix` never makes things worse (issue 14): the cases a messy file holds."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from claimscrub.cli import main

COLS = ["claim_id", "patient_id", "service_date", "provider_npi", "provider_credential",
        "provider_rx_authority", "cpt", "modifiers", "units", "minutes", "icd10", "note"]  # fmt: skip
BASE = dict(patient_id="P1", service_date="2026-03-02", provider_npi="1234567893",
            provider_credential="MD", provider_rx_authority="yes", cpt="90834", modifiers="",
            units="1", minutes="", icd10="", note="")  # fmt: skip
NOTE = (
    "Sertraline 100 mg: mood improved, no side effects, adherent. Continue sertraline. "
    "Psychotherapy 45 minutes."
)


def csv_bytes(rows: list[dict], newline: str = "\n") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    w.writerow(COLS)
    for r in rows:
        w.writerow([{**BASE, **r}.get(c, "") for c in COLS])
    return buf.getvalue().encode()


def fix(tmp_path: Path, data: bytes) -> tuple[bytes, str, list[dict], list[dict]]:
    src, out = tmp_path / "in.csv", tmp_path / "fixed.csv"
    src.write_bytes(data)
    res = CliRunner().invoke(main, ["fix", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    before = json.loads(CliRunner().invoke(main, ["check", str(src), "--format", "json"]).stdout)["findings"]
    after = json.loads(CliRunner().invoke(main, ["check", str(out), "--format", "json"]).stdout)["findings"]
    return out.read_bytes(), res.output, before, after


def keys(findings: list[dict]) -> set[tuple]:
    return {(f["rule"], f["claim_id"], f["code"]) for f in findings}


def test_removed_duplicate_gives_its_note_and_diagnoses_to_the_claim(tmp_path: Path) -> None:
    data = csv_bytes([
        {"claim_id": "A", "cpt": "90834", "minutes": "45"},
        {"claim_id": "A", "cpt": "90785", "units": "2"},
        {"claim_id": "A", "cpt": "90785", "units": "1", "icd10": "F33.1", "note": NOTE},
    ])  # fmt: skip
    fixed, said, before, after = fix(tmp_path, data)
    assert "DU001 removed duplicate line 90785" in said
    assert keys(after) <= keys(before)
    rows = list(csv.DictReader(io.StringIO(fixed.decode())))
    assert [(r["cpt"], r["units"]) for r in rows] == [("90834", "1"), ("90785", "2")]
    assert rows[0]["icd10"] == "F331" and rows[0]["note"] == NOTE
    assert {"DU001", "DX001"}.isdisjoint({f["rule"] for f in after})
    assert NOTE not in said  # the change list never prints a note


def test_the_fuller_copy_is_kept_when_units_tie(tmp_path: Path) -> None:
    data = csv_bytes([
        {"claim_id": "A", "cpt": "99214"},
        {"claim_id": "A", "cpt": "90836", "minutes": "45"},
        {"claim_id": "A", "cpt": "90836", "minutes": "45", "icd10": "F33.1", "note": NOTE},
    ])  # fmt: skip
    fixed, said, before, after = fix(tmp_path, data)
    assert keys(after) <= keys(before)
    lines = data.splitlines(keepends=True)
    assert fixed == b"".join([lines[0], lines[1], lines[3]])


def test_the_copy_with_more_units_is_kept(tmp_path: Path) -> None:
    data = csv_bytes([
        {"claim_id": "A", "cpt": "90834", "minutes": "45", "icd10": "F33.1"},
        {"claim_id": "A", "cpt": "90785", "units": "1", "icd10": "F33.1"},
        {"claim_id": "A", "cpt": "90785", "units": "2", "icd10": "F33.1"},
    ])  # fmt: skip
    fixed, said, before, after = fix(tmp_path, data)
    rows = list(csv.DictReader(io.StringIO(fixed.decode())))
    assert [(r["cpt"], r["units"]) for r in rows] == [("90834", "1"), ("90785", "2")]
    assert keys(after) <= keys(before)


def test_recode_that_would_collide_is_left_as_a_suggestion(tmp_path: Path) -> None:
    data = csv_bytes([
        {"claim_id": "A", "cpt": "90837", "minutes": "45", "icd10": "F33.1", "provider_credential": "LCSW"},
        {"claim_id": "B", "cpt": "90834", "minutes": "45", "icd10": "F33.1", "provider_credential": "LCSW"},
    ])  # fmt: skip
    fixed, said, before, after = fix(tmp_path, data)
    assert "PT002" not in said  # 90837 -> 90834 would duplicate claim B's line
    assert keys(after) <= keys(before) and fixed == data


def test_cap_that_leaves_the_encounter_over_is_not_applied(tmp_path: Path) -> None:
    data = csv_bytes([
        {"claim_id": "A", "cpt": "90785", "units": "2", "modifiers": "", "icd10": "F33.1"},
        {"claim_id": "A", "cpt": "90785", "units": "2", "modifiers": "59", "icd10": "F33.1"},
        {"claim_id": "A", "cpt": "90785", "units": "2", "modifiers": "XU", "icd10": "F33.1"},
        {"claim_id": "A", "cpt": "90834", "minutes": "45", "icd10": "F33.1"},
    ])  # fmt: skip
    fixed, said, before, after = fix(tmp_path, data)
    assert keys(after) <= keys(before)
    assert [f["rule"] for f in after].count("UN001") <= 1


def test_cap_that_ends_the_excess_is_applied(tmp_path: Path) -> None:
    data = csv_bytes([
        {"claim_id": "A", "cpt": "90785", "units": "2", "icd10": "F33.1"},
        {"claim_id": "A", "cpt": "90785", "units": "2", "modifiers": "59", "icd10": "F33.1"},
        {"claim_id": "A", "cpt": "90834", "minutes": "45", "icd10": "F33.1"},
    ])  # fmt: skip
    fixed, said, before, after = fix(tmp_path, data)
    assert "UN001 units 2 -> 1" in said
    assert "UN001" not in {f["rule"] for f in after}


def test_recode_next_to_an_em_picks_the_addon(tmp_path: Path) -> None:
    data = csv_bytes([
        {"claim_id": "A", "cpt": "99214", "icd10": "F33.1"},
        {"claim_id": "A", "cpt": "90834", "minutes": "60", "icd10": "F33.1"},
    ])  # fmt: skip
    fixed, said, before, after = fix(tmp_path, data)
    assert "PT002 code 90834 -> 90838" in said
    assert {"PT002", "PT004"}.isdisjoint({f["rule"] for f in after})


def test_crlf_and_untouched_bytes_are_kept(tmp_path: Path) -> None:
    rows = [
        {"claim_id": "A", "cpt": "90837", "minutes": "45", "icd10": "F33.1",
         "note": 'said "fine",\r\nthen left'},
        {"claim_id": "B", "patient_id": "P2", "cpt": "90834", "minutes": "45", "icd10": "F33.1"},
    ]  # fmt: skip
    data = csv_bytes(rows, newline="\r\n")
    fixed, said, before, after = fix(tmp_path, data)
    assert "PT002 code 90837 -> 90834" in said
    assert fixed == data.replace(b",90837,", b",90834,", 1)
    assert fixed.count(b"\r\n") == data.count(b"\r\n")
