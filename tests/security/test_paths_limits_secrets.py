"""Path traversal (``--notes`` claim ids, upload file names), request-size limits, no secrets in
the repository, no patient data in logs or error messages."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.security.conftest import BIN, new_client, rows_csv, sign_in, upload

REPO = Path(__file__).resolve().parents[2]
OUTSIDE_NOTE = "Medication management: sertraline 100 mg continued, no side effects, taking daily."


def _row(claim_id: str) -> dict[str, str]:
    row = {
        "claim_id": claim_id,
        "patient_id": "P1",
        "service_date": "2026-03-02",
        "provider_npi": "1987654328",
    }
    return {**row, "provider_credential": "MD", "cpt": "90863", "icd10": "F33.1"}


# -- path traversal -------------------------------------------------------------------------------


def test_notes_dir_traversal(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (tmp_path / "outside.txt").write_text(OUTSIDE_NOTE)  # next to the notes folder
    (notes / "linked.txt").symlink_to(tmp_path / "outside.txt")  # a symlink leading out
    (notes / "INSIDE.txt").write_text(OUTSIDE_NOTE)
    hostile = ["../outside", "/etc/passwd", "../../../../etc/passwd", "..", ".", "linked", "notes/../outside",
               "%2e%2e/outside", "..\\outside", "INSIDE"]  # fmt: skip
    batch = tmp_path / "b.csv"
    batch.write_bytes(rows_csv([_row(c) for c in hostile]))
    proc = subprocess.run(
        [str(BIN), "check", str(batch), "--notes", str(notes), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    found = json.loads(proc.stdout)["findings"]
    no_note = {f["claim_id"] for f in found if f["rule"] == "DC000"}  # "no note given"
    assert no_note == set(hostile) - {"INSIDE"}, no_note
    assert "root:" not in proc.stdout


@pytest.mark.parametrize(
    "name",
    ["../../../evil.csv", "..\\..\\evil.csv", "/etc/cron.d/evil.csv", "a/../../evil.csv", "..", "\x00.csv"],
)
def test_upload_file_names_stay_in_upload_dir(app, settings, name: str) -> None:  # type: ignore[no-untyped-def]
    client = new_client(app)
    token = sign_in(client, "biller")
    batch = upload(client, token, rows_csv([_row("C1")]), filename=name)
    root = settings.upload_dir.resolve()
    stored = app.fastapi.state.batches.get(batch)
    path = Path(stored.path).resolve()
    assert path.is_relative_to(root) and path.parent.parent == root, path
    assert ".." not in stored.filename and "/" not in stored.filename and "\\" not in stored.filename
    assert not (root.parent / "evil.csv").exists() and not Path("/etc/cron.d/evil.csv").exists()


# -- request size limits --------------------------------------------------------------------------


def test_api_body_limit(client, api_key, settings) -> None:  # type: ignore[no-untyped-def]
    h = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    big = b'{"lines": [' + b'{"claim_id": "x"},' * (settings.max_body // 17) + b'{"claim_id": "x"}]}'
    assert len(big) > settings.max_body
    r = client.post("/api/v1/check", content=big, headers=h)
    assert r.status_code == 413

    def chunks():  # no Content-Length: counted while reading
        for _ in range(settings.max_body // 65536 + 2):
            yield b" " * 65536

    r = client.post("/api/v1/check", content=chunks(), headers=h)
    assert r.status_code == 413
    r = client.post("/api/v1/check", content=b"{}", headers={**h, "Content-Length": "abc"})
    assert r.status_code in (400, 413)


def test_note_and_line_count_limits(client, api_key) -> None:  # type: ignore[no-untyped-def]
    h = {"Authorization": f"Bearer {api_key}"}
    r = client.post("/api/v1/note", json={"text": "x" * 200_001}, headers=h)
    assert r.status_code == 422
    r = client.post("/api/v1/check", json={"lines": [{"claim_id": "a"}] * 20_001}, headers=h)
    assert r.status_code in (413, 422)


def test_upload_limit_web_and_api(app, settings, api_key) -> None:  # type: ignore[no-untyped-def]
    client = new_client(app)
    token = sign_in(client, "biller")
    big = b"claim_id\n" + b"x" * (settings.max_upload + 10)
    r = client.post("/batches/upload", data={"csrf_token": token}, files={"file": ("big.csv", big)})
    assert r.status_code == 413
    r = client.post(
        "/api/v1/batches", files={"file": ("big.csv", big)}, headers={"Authorization": f"Bearer {api_key}"}
    )
    assert r.status_code == 413
    # a non-upload form is held to the smaller body limit
    r = client.post("/note", data={"csrf_token": token, "text": "x" * (settings.max_body + 10)})
    assert r.status_code == 413
    assert app.fastapi.state.batches.list() == []


# -- secrets --------------------------------------------------------------------------------------

SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{50,}"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Stripe key": re.compile(r"\b[rs]k_live_[0-9a-zA-Z]{20,}"),
    "claimscrub API key": re.compile(r"\bcs_[A-Za-z0-9_-]{43}\b"),
    "password in URL": re.compile(r"\b[a-z+]+://[^/\s:@'\"]+:[^/\s@'\"{}$]{6,}@[\w.-]+"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
}


def test_no_secrets_in_tracked_files() -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, timeout=60
    ).stdout.split(b"\0")
    assert len(files) > 50
    hits = []
    for name in filter(None, files):
        path = REPO / os.fsdecode(name)
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        for kind, pattern in SECRET_PATTERNS.items():
            for m in pattern.finditer(text):
                hits.append(f"{path.relative_to(REPO)}: {kind}: {m.group(0)[:12]}...")
    assert not hits, "\n".join(hits)


def test_secret_scanner_finds_planted_secrets() -> None:
    """The patterns are not vacuous (strings built at run time, so the repo scan stays clean)."""
    planted = {
        "private key": "-----BEGIN " + "RSA PRIVATE KEY-----",
        "AWS access key": "AKIA" + "ABCDEFGHIJKLMNOP",
        "GitHub token": "ghp_" + "a" * 36,
        "claimscrub API key": "cs_" + "b" * 43,
        "password in URL": "postgresql://" + "user:s3cretpw@db.example",
    }
    for kind, text in planted.items():
        assert SECRET_PATTERNS[kind].search(text), kind


# -- patient data in logs and errors --------------------------------------------------------------

PHI = {"patient_id": "PHI-PATIENT-4417", "note": "PHI-NOTE-TEXT sertraline 50 mg", "claim_id": "PHI-CLAIM-9"}


def test_no_patient_data_in_logs(app, api_key, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    client = new_client(app)
    token = sign_in(client, "biller")
    good = {**_row(PHI["claim_id"]), "patient_id": PHI["patient_id"], "note": PHI["note"]}
    batch = upload(client, token, rows_csv([good]))
    client.get(f"/batches/{batch}")
    client.get(f"/batches/{batch}/export.csv")
    # unreadable inputs whose bad value is patient data: the error names the field, not the value
    bad = {**good, "service_date": "PHI-DATE-" + PHI["patient_id"]}
    r = client.post(
        "/batches/upload",
        data={"csrf_token": token},
        files={"file": ("bad.csv", rows_csv([bad]))},
        headers={"x-requested-with": "claimscrub-upload"},
    )
    h = {"Authorization": f"Bearer {api_key}"}
    api = client.post("/api/v1/check", json={"lines": [bad]}, headers=h)
    assert api.status_code == 200 and '"IN001"' in api.text and PHI["patient_id"] not in api.text
    client.post("/api/v1/check", json={"lines": [good]}, headers=h)
    client.post("/api/v1/check", content=b'{"lines": [PHI-PATIENT-4417', headers=h)
    client.post("/api/v1/note", json={"text": PHI["note"]}, headers=h)
    client.post("/note", data={"csrf_token": token, "text": PHI["note"]})
    assert r.status_code == 200
    failed = [b for b in app.fastapi.state.batches.list() if b.status == "failed"]
    for b in failed:
        assert PHI["patient_id"] not in (b.error or "")
    logged = "\n".join(f"{rec.name} {rec.getMessage()} {rec.exc_text or ''}" for rec in caplog.records)
    assert caplog.records, "nothing was logged at all"
    for value in PHI.values():
        assert value.split()[0] not in logged, value


def test_cli_errors_name_the_field_not_the_value(tmp_path: Path) -> None:
    p = tmp_path / "b.csv"
    p.write_bytes(rows_csv([{**_row("C1"), "service_date": PHI["patient_id"], "units": PHI["claim_id"]}]))
    proc = subprocess.run(
        [str(BIN), "check", "--strict", str(p)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert str(p) in proc.stderr and "field" in proc.stderr
    assert PHI["patient_id"] not in proc.stderr and PHI["claim_id"] not in proc.stderr
    proc = subprocess.run([str(BIN), "check", str(p)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "IN001" in proc.stdout  # without --strict: the line's IN001
    assert PHI["patient_id"] not in proc.stdout + proc.stderr
