"""XSS (hostile claim ids / patient ids / payers / notes in every page and report) and CSV
formula injection (every CSV export: check, fix, fix --changes, price, audit, review, web)."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest

from tests.security.conftest import (
    BIN,
    FORMULAS,
    XSS,
    XSS2,
    hostile_rows,
    new_client,
    rows_csv,
    sign_in,
    upload,
)

RAW_MARKERS = ("<script>alert", "<img src=x onerror")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def assert_no_raw_html(text: str, where: str) -> None:
    for marker in RAW_MARKERS:
        assert marker not in text, f"unescaped hostile HTML in {where}"


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return cell.strip() == cell and cell[:1] in "-+0123456789." and "e" not in cell.lower()


def assert_formula_safe(text: str, where: str) -> int:
    """Every cell of a CSV: never starts with a character a spreadsheet runs as a formula."""
    cells = 0
    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            cells += 1
            if _is_number(cell):  # a plain negative number is data, not a formula
                continue
            assert not cell.startswith(FORMULA_START), f"{where}: formula cell {cell[:30]!r}"
    return cells


@pytest.fixture
def hostile_csv(tmp_path: Path) -> Path:
    p = tmp_path / "hostile.csv"
    p.write_bytes(rows_csv(hostile_rows()))
    return p


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=300)


# -- web ------------------------------------------------------------------------------------------


def test_web_pages_and_exports_escape_hostile_values(app) -> None:  # type: ignore[no-untyped-def]
    client = new_client(app)
    token = sign_in(client, "admin")
    batch = upload(client, token, rows_csv(hostile_rows()), filename=f"{XSS2}.csv")
    pages = [
        "/batches",
        f"/batches/{batch}",
        "/dashboard",
        "/admin/access-log",
        f"/batches/{batch}/export.html",
    ]
    for rule in ("PV001", "UN001", "DC001"):
        pages.append(f"/batches/{batch}?rule={rule}&payer={XSS}")
    for page in pages:
        r = client.get(page)
        assert r.status_code == 200, (page, r.status_code)
        assert_no_raw_html(r.text, page)
    detail = client.get(f"/batches/{batch}").text
    assert "&lt;script&gt;" in detail or "&#34;&gt;&lt;img" in detail  # the values are shown, escaped
    # one-encounter check form and note form echo what was typed
    r = client.post(
        "/check",
        data={"csrf_token": token, "claim_id": XSS, "patient_id": XSS2, "service_date": "2026-03-02",
              "provider_npi": "1987654328", "payer": XSS, "note": XSS, "cpt_0": "90863", "modifiers_0": XSS2},
    )  # fmt: skip
    assert r.status_code == 200
    assert_no_raw_html(r.text, "POST /check")
    r = client.post("/note", data={"csrf_token": token, "text": f"{XSS} sertraline 50 mg {XSS2}"})
    assert r.status_code == 200
    assert_no_raw_html(r.text, "POST /note")
    # the CSP forbids inline script even if something slipped through
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


def test_web_csv_exports_are_formula_safe(app, api_key) -> None:  # type: ignore[no-untyped-def]
    client = new_client(app)
    token = sign_in(client, "biller")
    batch = upload(client, token, rows_csv(hostile_rows()))
    r = client.get(f"/batches/{batch}/export.csv")
    assert r.status_code == 200
    assert assert_formula_safe(r.text, "web export.csv") > 20
    assert "attachment" in r.headers["content-disposition"]
    api = client.get(
        f"/api/v1/batches/{batch}/export?format=csv", headers={"Authorization": f"Bearer {api_key}"}
    )
    assert api.status_code == 200
    assert_formula_safe(api.text, "API export csv")
    r = client.get(
        f"/api/v1/batches/{batch}/export?format=html", headers={"Authorization": f"Bearer {api_key}"}
    )
    assert_no_raw_html(r.text, "API export html")
    assert r.headers["content-security-policy"].startswith("default-src 'none'")


def test_api_json_answers_are_json_not_html(client, api_key) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/check", json={"lines": hostile_rows()}, headers={"Authorization": f"Bearer {api_key}"}
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["x-content-type-options"] == "nosniff"


# -- CLI reports ----------------------------------------------------------------------------------


def test_cli_html_report_escapes(hostile_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    proc = run("check", str(hostile_csv), "--format", "html", "-o", str(out))
    assert proc.returncode == 1, proc.stderr
    assert_no_raw_html(out.read_text(), "check --format html")


def test_cli_csv_outputs_are_formula_safe(hostile_csv: Path, tmp_path: Path) -> None:
    outputs = {
        "check --format csv": ("check", str(hostile_csv), "--format", "csv", "-o", str(tmp_path / "c.csv")),
        "fix": (
            "fix",
            str(hostile_csv),
            "-o",
            str(tmp_path / "f.csv"),
            "--changes",
            str(tmp_path / "ch.csv"),
        ),
        "price --format csv": ("price", str(hostile_csv), "--format", "csv", "-o", str(tmp_path / "p.csv")),
    }
    for name, args in outputs.items():
        proc = run(*args)
        assert proc.returncode in (0, 1), (name, proc.stderr)
    for f in ("c.csv", "ch.csv", "p.csv"):
        text = (tmp_path / f).read_text()
        assert assert_formula_safe(text, f) > 5, f
    # the fixed file is the user's own claim file, corrected cell by cell: its other cells stay
    # byte-identical (docs/fix.md), so the hostile values are neither dropped nor rewritten
    fixed = (tmp_path / "f.csv").read_bytes()
    source = hostile_csv.read_bytes()
    assert fixed.count(b"=HYPERLINK") == source.count(b"=HYPERLINK") > 0
    assert len(fixed.splitlines()) == len(source.splitlines())


def test_audit_and_review_reports(hostile_csv: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'h.db'}"
    history = tmp_path / "history"
    proc = run("demo-history", "--out", str(history), "--months", "2", "--end", "2026-03")
    assert proc.returncode == 0, proc.stderr
    files = sorted(p for p in history.glob("*.csv") if p.name != "providers.csv")
    proc = run("import", *map(str, files), str(hostile_csv), "--db", db)
    assert proc.returncode == 0, proc.stderr
    for fmt in ("csv", "html"):
        a = run("audit", "--db", db, "--format", fmt, "-o", str(tmp_path / f"a.{fmt}"))
        assert a.returncode == 0, a.stderr
        r = run("review", "--month", "2026-03", "--db", db, "--format", fmt, "-o", str(tmp_path / f"r.{fmt}"))
        assert r.returncode == 0, r.stderr
    assert_formula_safe((tmp_path / "a.csv").read_text(), "audit csv")
    review = (tmp_path / "r.csv").read_text()
    assert_formula_safe(review, "review csv")
    for f in ("a.html", "r.html"):
        assert_no_raw_html((tmp_path / f).read_text(), f)


def test_formula_prefixes_listed_by_owasp_are_covered() -> None:
    import polars as pl

    from claimscrub.writers.csv_report import neutralize_formulas

    df = pl.DataFrame({"v": [*FORMULAS, XSS, "plain", "-5.00"]})
    out = neutralize_formulas(df)["v"].to_list()
    for v in out:
        assert not v.startswith(FORMULA_START), v
