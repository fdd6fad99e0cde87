"""`claimscrub check` as a user runs it: exit codes, formats, bad input, options."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from claimscrub.cli import main

HEADER = [
    "claim_id",
    "line_no",
    "patient_id",
    "service_date",
    "payer",
    "provider_npi",
    "provider_credential",
    "provider_state",
    "provider_rx_authority",
    "cpt",
    "units",
    "minutes",
    "icd10",
]
GOOD = [
    "C1",
    "1",
    "P1",
    "2026-03-02",
    "commercial",
    "1234567893",
    "PSYCHOLOGIST",
    "NM",
    "yes",
    "90834",
    "1",
    "45",
    "F33.1",
]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


def test_clean_batch_exits_zero(tmp_path: Path) -> None:
    res = run("check", str(write_csv(tmp_path / "c.csv", [GOOD])))
    assert res.exit_code == 0, res.output
    assert "0 errors" in res.output


def test_error_finding_exits_one_and_text_groups_by_claim(tmp_path: Path) -> None:
    row = GOOD.copy()
    row[9] = "90863"
    res = run("check", str(write_csv(tmp_path / "c.csv", [row])))
    assert res.exit_code == 1
    assert "claim C1" in res.output and "AO001" in res.output and "fix:" in res.output


BAD_VALUES = [
    ("service_date", "13/02/2026", "service_date"),
    ("service_date", "2026-02-30", "service_date"),
    ("units", "two", "units"),
    ("minutes", "4x", "minutes"),
    ("cpt", "90863-95", "cpt"),
    ("provider_rx_authority", "maybe", "provider_rx_authority"),
]


@pytest.mark.parametrize(("column", "value", "field"), BAD_VALUES)
def test_strict_bad_value_exits_two_naming_file_line_field(
    tmp_path: Path, column: str, value: str, field: str
) -> None:
    bad = GOOD.copy()
    bad[HEADER.index(column)] = value
    src = write_csv(tmp_path / "in.csv", [GOOD, GOOD, bad])
    out = tmp_path / "report.json"
    res = run("check", "--strict", str(src), "--format", "json", "--output", str(out))
    assert res.exit_code == 2
    assert str(src) in res.output and "line 4" in res.output and f"field {field}" in res.output
    assert value not in res.output
    assert not out.exists()
    assert not list(tmp_path.glob(".report.json*"))  # no temp file left behind


@pytest.mark.parametrize(("column", "value", "field"), BAD_VALUES)
def test_bad_value_is_in001_naming_the_column(tmp_path: Path, column: str, value: str, field: str) -> None:
    bad = GOOD.copy()
    bad[HEADER.index(column)] = value
    bad[0] = "C9"
    src = write_csv(tmp_path / "in.csv", [GOOD, bad])
    res = run("check", str(src), "--format", "json")
    assert res.exit_code == 1
    found = json.loads(res.stdout)["findings"]
    assert [(f["claim_id"], f["rule"]) for f in found] == [("C9", "IN001")]
    assert field in found[0]["message"] and value not in json.dumps(found)


@pytest.mark.parametrize(("column", "value"), [("service_date", "03/02/2026"), ("service_date", "3/2/2026"),
                                                ("provider_credential", "WIZARD"),
                                                ("provider_credential", "PMHNP-BC"),
                                                ("provider_rx_authority", "Y")])  # fmt: skip
def test_values_a_real_export_holds_are_read(tmp_path: Path, column: str, value: str) -> None:
    row = GOOD.copy()
    row[HEADER.index(column)] = value
    res = run("check", str(write_csv(tmp_path / "in.csv", [row])))
    assert res.exit_code == 0, res.output


def test_missing_required_column(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "cpt"]
    row = [v for h, v in zip(HEADER, GOOD, strict=True) if h != "cpt"]
    res = run("check", str(write_csv(tmp_path / "in.csv", [row], header)))
    assert res.exit_code == 2
    assert "missing required column" in res.output and "cpt" in res.output


def test_unreadable_and_ragged_files(tmp_path: Path) -> None:
    assert run("check", str(tmp_path / "nope.csv")).exit_code == 2
    ragged = tmp_path / "r.csv"
    ragged.write_text(",".join(HEADER) + "\n" + ",".join(GOOD) + "\n" + "C2,1,P2\n")
    res = run("check", "--strict", str(ragged))
    assert res.exit_code == 2 and "line 3" in res.output
    short = json.loads(run("check", str(ragged), "--format", "json").stdout)["findings"]
    assert [(f["claim_id"], f["rule"]) for f in short] == [("C2", "IN001")]  # the rest is checked
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"claim_id,cpt\n\xff\xfe\x00bad\n")
    assert run("check", str(binary)).exit_code == 2


def test_error_message_does_not_echo_patient_values(tmp_path: Path) -> None:
    bad = GOOD.copy()
    bad[HEADER.index("service_date")] = "SECRET-PATIENT-Jane-Doe"
    res = run("check", "--strict", str(write_csv(tmp_path / "in.csv", [bad])))
    assert res.exit_code == 2 and "Jane" not in res.output
    for fmt in ("text", "json", "csv", "html", "sarif"):
        res = run("check", str(tmp_path / "in.csv"), "--format", fmt)
        assert res.exit_code == 1 and "IN001" in res.output and "Jane" not in res.output


def test_multiline_note_line_numbers(tmp_path: Path) -> None:
    header = [*HEADER, "note"]
    good = [*GOOD, "line one\nline two\nline three"]
    bad = GOOD.copy()
    bad[HEADER.index("units")] = "x"
    res = run("check", "--strict", str(write_csv(tmp_path / "in.csv", [good, [*bad, ""]], header)))
    assert res.exit_code == 2 and "line 5" in res.output


def test_formats(tmp_path: Path) -> None:
    row = GOOD.copy()
    row[9] = "90863"
    src = write_csv(tmp_path / "c.csv", [row])
    doc = json.loads(run("check", str(src), "--format", "json").output)
    counts = {k: doc["summary"][k] for k in ("claims", "lines", "errors", "warnings", "infos")}
    assert counts == {"claims": 1, "lines": 1, "errors": 1, "warnings": 0, "infos": 1}
    assert doc["summary"]["money"]["at_risk_lines"] == 1
    assert {f["rule"] for f in doc["findings"]} == {"AO001", "DC000"}
    sarif = json.loads(run("check", str(src), "--format", "sarif").output)
    assert sarif["runs"][0]["results"][0]["ruleId"] in {"AO001", "DC000"}
    html = run("check", str(src), "--format", "html").output
    assert html.startswith("<!doctype html>") and "AO001" in html
    text = run("check", str(src), "--format", "csv").output
    assert (
        text.splitlines()[0] == "rule,severity,claim_id,line_no,code,message,fix,expected_payment,price_basis"
    )


def test_html_and_csv_escape_hostile_claim_ids(tmp_path: Path) -> None:
    row = GOOD.copy()
    row[0] = '=HYPERLINK("http://x")<script>alert(1)</script>'
    row[9] = "90863"
    src = write_csv(tmp_path / "c.csv", [row])
    html = run("check", str(src), "--format", "html").output
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    out = run("check", str(src), "--format", "csv").output
    for rec in list(csv.reader(out.splitlines()))[1:]:
        assert not rec[2].startswith("=")


def test_providers_roster_fills_credential(tmp_path: Path) -> None:
    header = [
        h for h in HEADER if h not in {"provider_credential", "provider_state", "provider_rx_authority"}
    ]
    row = [v for h, v in zip(HEADER, GOOD, strict=True) if h in header]
    row[header.index("cpt")] = "90863"
    src = write_csv(tmp_path / "c.csv", [row], header)
    roster = write_csv(
        tmp_path / "roster.csv", [["1234567893", "LCSW"]], ["provider_npi", "provider_credential"]
    )
    doc = json.loads(run("check", str(src), "--providers", str(roster), "--format", "json").output)
    assert "PV001" in {f["rule"] for f in doc["findings"]}


def test_notes_dir_supplies_notes_and_ignores_traversal(tmp_path: Path) -> None:
    row = GOOD.copy()
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "C1.txt").write_text("Supportive therapy.")
    src = write_csv(tmp_path / "c.csv", [row])
    doc = json.loads(run("check", str(src), "--notes", str(notes), "--format", "json").output)
    assert doc["summary"]["lines"] == 1
    evil = GOOD.copy()
    evil[0] = "../secret"
    (tmp_path / "secret.txt").write_text("x")
    src2 = write_csv(tmp_path / "d.csv", [evil])
    res = run("check", str(src2), "--notes", str(notes), "--format", "json")
    assert res.exit_code in (0, 1)


def test_user_policy_folder(tmp_path: Path) -> None:
    pol = tmp_path / "pol"
    pol.mkdir()
    (pol / "acme.yaml").write_text(
        "name: acme\nmatch: [acme, ACME-001]\nnot_covered: {codes: ['90834']}\n"
        "severity: {PT003: error}\ndisabled: [DX001]\n"
    )
    row = GOOD.copy()
    row[HEADER.index("payer")] = "acme-001"
    src = write_csv(tmp_path / "c.csv", [row])
    doc = json.loads(run("check", str(src), "--policies", str(pol), "--format", "json").output)
    assert [f["rule"] for f in doc["findings"]] == ["PY001"]
    shown = run("payers", "--policies", str(pol), "acme")
    assert "acme" in shown.output and "90834" in shown.output


@pytest.mark.parametrize(
    "content",
    ["name: bad\nseverity: {ZZ999: error}\n", "name: bad\ncolour: blue\n", "name: bad\ndisabled: [NOPE1]\n"],
)
def test_bad_policy_file_is_rejected(tmp_path: Path, content: str) -> None:
    pol = tmp_path / "pol"
    pol.mkdir()
    (pol / "bad.yaml").write_text(content)
    res = run("check", "--sample", "--policies", str(pol))
    assert res.exit_code == 2 and "bad.yaml" in res.output


def test_rules_and_rule_pages() -> None:
    listing = run("rules").output
    assert "PV003" in listing and "AO001" in listing
    page = run("rule", "pv003").output
    for section in ("What it does", "Why it matters", "Example", "Fix", "Source"):
        assert section in page
    assert run("rule", "XX999").exit_code == 2


def test_check_store_keeps_the_batch_once(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    db = f"sqlite:///{tmp_path / 'h.db'}"
    src = write_csv(tmp_path / "c.csv", [GOOD])
    first = run("check", str(src), "--store", "--db", db)
    again = run("check", str(src), "--store", "--db", db)
    assert first.exit_code == 0 and again.exit_code == 0
    assert "stored as new batch" in first.output and "already stored" in again.output
    with create_engine(db).connect() as c:
        assert c.execute(text("select count(*) from lines")).scalar_one() == 1


@pytest.mark.parametrize("command", ["check", "fix"])
def test_output_onto_the_input_is_refused(tmp_path: Path, command: str) -> None:
    """``-o`` naming the claims file itself (or a link to it) would destroy the input."""
    src = write_csv(tmp_path / "week.csv", [GOOD])
    before = src.read_bytes()
    link = tmp_path / "same.csv"
    link.symlink_to(src)
    for target in (src, link):
        extra = ["--format", "json"] if command == "check" else []
        r = run(command, str(src), *extra, "-o", str(target))
        assert r.exit_code == 2, r.output
        assert "is also an input" in r.output
        assert src.read_bytes() == before
