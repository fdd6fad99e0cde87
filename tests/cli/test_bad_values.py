"""Issue 14: one bad value does not sink a batch; ignored columns are visible; payer aliases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from claimscrub.cli import main
from claimscrub.service import check_records

HEADER = "claim_id,patient_id,service_date,provider_npi,provider_credential,cpt,minutes,icd10,payer\n"


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


def line(claim: str, patient: str, date: str, cpt: str, minutes: str = "45", cred: str = "LCSW") -> str:
    return f"{claim},{patient},{date},1234567893,{cred},{cpt},{minutes},F33.1,commercial\n"


def test_one_bad_line_in_many_leaves_only_its_claim_unchecked(tmp_path: Path) -> None:
    rows = [line(f"C{i}", f"P{i}", "03/02/2026", "90837", "45") for i in range(200)]  # PT002 each
    rows[120] = line("C120", "P120", "2026-02-30", "90837", "45")
    src = tmp_path / "batch.csv"
    src.write_text(HEADER + "".join(rows))
    res = run("check", str(src), "--format", "json")
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    by_claim = {f["claim_id"]: f["rule"] for f in doc["findings"]}
    assert by_claim.pop("C120") == "IN001"
    assert set(by_claim.values()) == {"PT002"} and len(by_claim) == 199
    assert doc["summary"]["lines"] == 200
    in001 = next(f for f in doc["findings"] if f["rule"] == "IN001")
    assert "service_date" in in001["message"] and "2026-02-30" not in json.dumps(in001)


def test_strict_stops_at_the_first_bad_line(tmp_path: Path) -> None:
    src = tmp_path / "b.csv"
    src.write_text(HEADER + line("A", "P1", "2026-03-02", "90834") + line("B", "P2", "13/45/2026", "90834"))
    res = run("check", "--strict", str(src))
    assert res.exit_code == 2
    assert "line 3" in res.output and "service_date" in res.output and "13/45" not in res.output


def test_malformed_code_is_in001_not_silence(tmp_path: Path) -> None:
    src = tmp_path / "b.csv"
    src.write_text(
        HEADER + line("A", "P1", "2026-03-02", "90863-95", "") + line("B", "P2", "2026-03-02", "9083")
    )
    doc = json.loads(run("check", str(src), "--format", "json").stdout)
    assert [(f["claim_id"], f["rule"]) for f in doc["findings"]] == [("A", "IN001"), ("B", "IN001")]
    assert "90863-95" not in json.dumps(doc["findings"])


def test_missing_required_column_still_exits_2(tmp_path: Path) -> None:
    src = tmp_path / "b.csv"
    src.write_text("claim_id,patient_id,provider_npi,cpt\nA,P1,1234567893,90834\n")
    res = run("check", str(src))
    assert res.exit_code == 2 and "service_date" in res.output


@pytest.mark.parametrize("engine", ["embedded", "streaming"])
def test_misspelled_column_is_listed(tmp_path: Path, engine: str) -> None:
    src = tmp_path / "b.csv"
    src.write_text(
        "claim_id,patient_id,service_date,provider_npi,cpt,minuts\nA,P1,2026-03-02,1234567893,90834,45\n"
    )
    res = run("check", str(src), "--format", "json", "--engine", engine)
    assert json.loads(res.stdout)["summary"]["ignored_columns"] == ["minuts"]
    assert "minuts" in res.stderr
    assert "minuts" in run("check", str(src), "--engine", engine).stdout  # the text report says it too
    html = run("check", str(src), "--format", "html", "--engine", engine).stdout
    assert "Ignored column" in html and "minuts" in html


def test_known_columns_are_not_listed(tmp_path: Path) -> None:
    src = tmp_path / "b.csv"
    src.write_text(HEADER + line("A", "P1", "2026-03-02", "90834"))
    doc = json.loads(run("check", str(src), "--format", "json").stdout)
    assert "ignored_columns" not in doc["summary"]


def test_empty_note_file_is_no_note(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "A.txt").write_text("  \n\t\n")
    src = tmp_path / "b.csv"
    src.write_text(
        HEADER + line("A", "P1", "2026-03-02", "90834") + line("A", "P1", "2026-03-02", "90863", "", "PSYD")
    )
    doc = json.loads(run("check", str(src), "--notes", str(notes), "--format", "json").stdout)
    rules = {f["rule"] for f in doc["findings"]}
    assert "DC000" in rules and not rules & {"DC001", "DC004"}


def test_aliases_in_user_policy_are_shown_and_used(tmp_path: Path) -> None:
    pol = tmp_path / "pol"
    pol.mkdir()
    (pol / "acme.yaml").write_text(
        "name: acme\naliases: [ACME-001, acme health]\nnot_covered: {codes: ['90834']}\n"
    )
    src = tmp_path / "b.csv"
    src.write_text(HEADER + line("A", "P1", "2026-03-02", "90834").replace("commercial", "Acme Health"))
    doc = json.loads(run("check", str(src), "--policies", str(pol), "--format", "json").stdout)
    assert [f["rule"] for f in doc["findings"]] == ["PY001"]
    shown = run("payers", "--policies", str(pol), "acme").stdout
    assert "aliases:" in shown and "acme-001, acme health" in shown
    builtin = run("payers", "--format", "json").stdout
    by_name = {p["name"]: p for p in json.loads(builtin)}
    assert "champus" in by_name["tricare"]["aliases"] and "mcr" in by_name["medicare"]["aliases"]


@pytest.mark.parametrize("alias", ["mcr", "ACME", "commercial"])
def test_alias_claimed_by_two_policies_is_an_error(tmp_path: Path, alias: str) -> None:
    pol = tmp_path / "pol"
    pol.mkdir()
    (pol / "acme.yaml").write_text("name: acme\n")
    (pol / "other.yaml").write_text(f"name: other\naliases: [{alias}]\n")
    res = run("check", "--sample", "--policies", str(pol))
    assert res.exit_code == 2
    assert "claimed by two policies" in res.output and alias.lower() in res.output


def test_api_path_reports_in001_too() -> None:
    lines = [
        {"claim_id": "A", "patient_id": "P", "service_date": "2026-13-01", "provider_npi": "1234567893",
         "cpt": "90834", "minutes": "45", "icd10": "F33.1"},
        {"claim_id": "B", "patient_id": "P", "service_date": "03/02/2026", "provider_npi": "1234567893",
         "cpt": "90834", "minutes": "45", "icd10": "F33.1"},
    ]  # fmt: skip
    rules = [(f["claim_id"], f["rule"]) for f in check_records(lines).findings.to_dicts()]
    assert rules == [("A", "IN001")]


def test_api_lines_list_unknown_keys_alone_and_batched() -> None:
    from claimscrub.service import check_many

    line = {"claim_id": "A", "patient_id": "P", "service_date": "2026-03-02", "provider_npi": "1234567893",
            "cpt": "90834", "minuts": "45"}  # fmt: skip
    assert check_records([line]).summary["ignored_columns"] == ["minuts"]
    docs = check_many([[line], [{k: v for k, v in line.items() if k != "minuts"}]])
    assert docs[0]["summary"]["ignored_columns"] == ["minuts"]
    assert "ignored_columns" not in docs[1]["summary"]
