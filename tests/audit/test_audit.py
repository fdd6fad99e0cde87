"""Profiles, peers and reports on a hand-built history and on the synthetic history."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import polars as pl
import pytest
from click.testing import CliRunner

from claimscrub.audit.peers import compare
from claimscrub.audit.profiles import compute, load, pairing_text
from claimscrub.audit.synth import PROVIDERS, generate, npi_for
from claimscrub.cli import main
from claimscrub.store import open_store

LINE_COLS = [
    "batch_id",
    "row_no",
    "claim_id",
    "line_no",
    "patient_id",
    "service_date",
    "provider_npi",
    "provider_credential",
    "provider_class",
    "provider_state",
    "cpt",
    "has_note",
    "note_therapy_minutes",
    *[f"note_{e}" for e in ("medication", "action", "response", "side_effects", "adherence", "rationale")],
]


def _hand_built() -> tuple[pl.DataFrame, pl.DataFrame]:
    rows = []

    def add(claim, patient, day, npi, cred, cls, cpt, *, minutes=None, meds=(), note=True):
        rows.append(
            {
                "batch_id": 1,
                "row_no": len(rows),
                "claim_id": claim,
                "line_no": 1,
                "patient_id": patient,
                "service_date": day,
                "provider_npi": npi,
                "provider_credential": cred,
                "provider_class": cls,
                "provider_state": "NM",
                "cpt": cpt,
                "has_note": note,
                "note_therapy_minutes": minutes,
                **{
                    f"note_{e}": (e in meds) if note else None
                    for e in ("medication", "action", "response", "side_effects", "adherence", "rationale")
                },
            }
        )

    d1, d2 = date(2026, 3, 2), date(2026, 3, 3)
    all6 = ("medication", "action", "response", "side_effects", "adherence", "rationale")
    # psychologist P: 4 sessions in March, 3 with 90863 (2 after 90834, 1 after 90837), one orphan 90863
    add("c1", "a", d1, "P", "PSYCHOLOGIST", "psychologist", "90834", minutes=45, meds=all6)
    add("c1", "a", d1, "P", "PSYCHOLOGIST", "psychologist", "90863", minutes=45, meds=all6)
    add(
        "c2",
        "b",
        d1,
        "P",
        "PSYCHOLOGIST",
        "psychologist",
        "90834",
        minutes=45,
        meds=("medication", "action", "response"),
    )
    add(
        "c2",
        "b",
        d1,
        "P",
        "PSYCHOLOGIST",
        "psychologist",
        "90863",
        minutes=45,
        meds=("medication", "action", "response"),
    )
    add("c3", "c", d2, "P", "PSYCHOLOGIST", "psychologist", "90837", minutes=None, meds=all6)
    add("c3", "c", d2, "P", "PSYCHOLOGIST", "psychologist", "90863", minutes=None, meds=all6)
    add("c4", "d", d2, "P", "PSYCHOLOGIST", "psychologist", "90834", note=False)
    add("c5", "e", d2, "P", "PSYCHOLOGIST", "psychologist", "90863", note=False)
    # MD M: E/M + 90836 once, E/M alone once
    add("m1", "x", d1, "M", "MD", "em_prescriber", "99214", minutes=30)
    add("m1", "x", d1, "M", "MD", "em_prescriber", "90836", minutes=30)
    add("m2", "y", date(2026, 4, 1), "M", "MD", "em_prescriber", "99213", note=False)
    lines = pl.DataFrame(rows).with_columns(pl.col("service_date").cast(pl.Date))
    findings = pl.DataFrame(
        {
            "batch_id": [1, 1, 1],
            "row_no": [7, 7, 4],
            "rule": ["AO001", "DC000", "DC004"],
            "severity": ["error", "info", "warning"],
        }
    )
    return lines, findings


def test_profile_numbers_on_a_hand_built_history():
    lines, findings = _hand_built()
    prof = compute(lines, findings)
    p = prof.monthly.filter(pl.col("provider_npi") == "P").row(0, named=True)
    assert p["month"] == "2026-03" and p["lines"] == 8 and p["claims"] == 5
    assert p["sessions"] == 4 and p["sessions_90863"] == 3 and p["rate_90863"] == pytest.approx(0.75)
    assert p["orphan_90863"] == 1
    assert p["share_90837"] == pytest.approx(1 / 4)
    assert (
        p["days_billed"] == 2 and p["services_per_day"] == pytest.approx(2.5) and p["max_services_day"] == 3
    )
    assert p["share_psy_with_em"] == 0
    assert p["error_rate"] == pytest.approx(1 / 8)
    assert p["note_share"] == pytest.approx(3 / 5)
    # c1: 7/7, c2: 1 (time) + 3 of 6 = 4/7, c3: 0 (no time) + 6 = 6/7
    assert p["doc_completeness"] == pytest.approx((7 / 7 + 4 / 7 + 6 / 7) / 3)
    assert pairing_text(prof.pairings, "P") == "90834 50%, 90837 25%, none 25%"
    m = prof.monthly.filter(pl.col("provider_npi") == "M").sort("month")
    assert m["month"].to_list() == ["2026-03", "2026-04"]
    assert m["share_psy_with_em"].to_list()[0] == 1.0 and m["sessions"].to_list() == [1, 0]
    rates = prof.rule_rates.filter(pl.col("provider_npi") == "P").sort("rule")
    assert rates["rule"].to_list() == ["AO001", "DC000", "DC004"]
    assert rates["rate"].to_list()[0] == pytest.approx(1 / 8)


def test_generator_writes_month_files_with_notes(history):
    out, _, files = history
    months = [f"2026-{m:02d}" for m in range(5, 11)]
    assert [f.name for f in files] == [f"claims-{m}.csv" for m in months] + [
        f"remit-{m}-{p}.835" for m in months for p in ("commercial", "medicaid", "medicare")
    ] + ["providers.csv"]
    rows = list(csv.DictReader((out / "claims-2026-10.csv").open()))
    assert sum(1 for r in rows if r["note"]) > 1000
    assert {r["provider_credential"] for r in rows} >= {"MD", "NP", "PSYCHOLOGIST", "LCSW", "LPC", "LMFT"}
    psych_states = {
        r["provider_state"]
        for r in rows
        if r["provider_credential"] == "PSYCHOLOGIST" and r["cpt"] == "90863"
    }
    assert psych_states == {"NM", "LA"}


def test_outliers_are_flagged_with_the_right_reasons_and_normal_providers_are_not(history):
    _, url, _ = history
    engine = open_store(url)
    cmp = compare(load(engine).overall)
    engine.dispose()
    by_npi = {r["provider_npi"]: r for r in cmp.iter_rows(named=True)}
    roles = {npi_for(i): p.role for i, p in enumerate(PROVIDERS)}
    for npi, role in roles.items():
        r = by_npi[npi]
        text = " | ".join(r["reasons"])
        if role == "normal":
            assert r["risk_score"] == 0 and not r["reasons"], (npi, text)
        elif role == "outlier-90863":
            assert "bills 90863 on 9" in text and "peers' median 0%" in text
        elif role == "outlier-90837":
            assert "bills 90837 on 99%" in text
        elif role == "outlier-volume":
            assert "visits per day" in text and "more than 30 visits a day" in text
            assert "notes document 0%" in text
    top3 = cmp.head(3)["provider_npi"].to_list()
    assert {roles[n] for n in top3} == {"outlier-90863", "outlier-90837", "outlier-volume"}


def test_audit_report_formats(history, tmp_path):
    _, url, _ = history
    runner = CliRunner()
    html_path = tmp_path / "audit.html"
    res = runner.invoke(main, ["audit", "--db", url, "--output", str(html_path)])
    assert res.exit_code == 0, res.output
    html = html_path.read_text()
    assert (
        "<svg" in html
        and "<script" not in html
        and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    )
    assert "bills 90863 on" in html
    res = runner.invoke(main, ["audit", "--db", url, "--format", "json"])
    data = json.loads(res.output)
    assert data["months"] == [f"2026-{m:02d}" for m in range(5, 11)]
    top = data["providers"][0]
    assert top["reasons"] and top["versus_peers"]["services_per_day"]["robust_z"] > 3.5
    assert len(top["months"]) == 6
    res = runner.invoke(main, ["audit", "--db", url, "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(res.output)))
    assert len(rows) == len(PROVIDERS) and float(rows[0]["risk_score"]) > 0


def test_review_month_against_previous(history):
    _, url, _ = history
    runner = CliRunner()
    res = runner.invoke(main, ["review", "--month", "2026-10", "--db", url, "--format", "json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["previous_month"] == "2026-09" and d["trend"] is not None
    cur = d["current"]
    assert cur["lines"] > 4000 and {r["rule"] for r in cur["by_rule"]} >= {"DC004", "PV003"}
    assert float(cur["at_risk"]) > 0 and len(cur["by_provider"]) == len(PROVIDERS)
    assert d["trend"]["lines"] == cur["lines"] - d["previous"]["lines"]
    first = json.loads(
        runner.invoke(main, ["review", "--month", "2026-05", "--db", url, "--format", "json"]).output
    )
    assert first["previous"] is None and first["trend"] is None
    html = runner.invoke(main, ["review", "--month", "2026-10", "--db", url]).output
    assert "<h1>claimscrub billing review 2026-10</h1>" in html
    assert (
        runner.invoke(main, ["review", "--month", "2026-10", "--db", url, "--format", "csv"]).exit_code == 0
    )


def test_errors_exit_2(history, tmp_path):
    _, url, _ = history
    runner = CliRunner()
    res = runner.invoke(main, ["review", "--month", "2030-01", "--db", url])
    assert res.exit_code == 2 and "no claim lines stored for 2030-01" in res.output
    res = runner.invoke(main, ["review", "--month", "March", "--db", url])
    assert res.exit_code == 2 and "YYYY-MM" in res.output
    res = runner.invoke(main, ["audit", "--db", str(tmp_path / "missing.db")])
    assert res.exit_code == 2 and not (tmp_path / "missing.db").exists()
    res = runner.invoke(main, ["audit", "--db", url, "--output", str(tmp_path / "no" / "dir" / "a.html")])
    assert res.exit_code == 2


def test_reports_escape_and_neutralize(tmp_path, sqlite_url):
    hostile = tmp_path / "h.csv"
    hostile.write_text(
        "claim_id,patient_id,service_date,provider_npi,provider_credential,cpt,minutes,icd10\n"
        "C1,p,2026-03-02,=cmd|<script>x</script>,LCSW,90834,45,F33.1\n"
    )
    runner = CliRunner()
    assert runner.invoke(main, ["import", str(hostile), "--db", sqlite_url]).exit_code == 0
    html = runner.invoke(main, ["audit", "--db", sqlite_url]).output
    assert "<script>" not in html and "&lt;script&gt;" in html
    out = runner.invoke(main, ["audit", "--db", sqlite_url, "--format", "csv"]).output
    assert "\n=cmd" not in out and "'=cmd" in out
    review = runner.invoke(main, ["review", "--month", "2026-03", "--db", sqlite_url]).output
    assert "<script>" not in review and "&lt;script&gt;" in review


def test_profiles_on_postgresql(db_url, tmp_path):
    files = generate(tmp_path / "h", 1, end="2026-03", seed=3)
    res = CliRunner().invoke(main, ["import", str(files[0]), "--db", db_url])
    assert res.exit_code == 0, res.output
    engine = open_store(db_url)
    prof = load(engine)
    engine.dispose()
    assert prof.months == ["2026-03"] and prof.overall.height == len(PROVIDERS)
    vol = prof.overall.filter(pl.col("provider_npi") == npi_for(len(PROVIDERS) - 1)).row(0, named=True)
    assert vol["services_per_day"] > 30
