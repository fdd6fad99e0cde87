"""Fixtures: the web app on a fresh database with one user per role, an API key, sign-in, and a
hostile batch (script tags, formulas, traversal strings in every free-text column)."""

from __future__ import annotations

import csv
import io
import re
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

PASSWORD = "correct horse battery"
ROLES = ("biller", "auditor", "admin")
BIN = Path(sys.executable).parent / "claimscrub"

XSS = '<script>alert("x")</script>'
XSS2 = '"><img src=x onerror=alert(1)>'
FORMULAS = ('=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1")


def hostile_rows() -> list[dict[str, str]]:
    """Rows with hostile claim ids, patient ids, payers, modifiers and notes; each claim still
    triggers findings (so the hostile values reach every findings page and export)."""
    base = {
        "line_no": "",
        "service_date": "2026-03-02",
        "provider_npi": "1987654328",
        "provider_credential": "LCSW",
        "provider_state": "NY",
        "cpt": "90863",
        "units": "2",
        "minutes": "",
        "icd10": "F33.1",
        "charge": "100.00",
    }
    values = [XSS, XSS2, *FORMULAS, "../../etc/passwd"]
    rows = []
    for i, v in enumerate(values):
        rows.append(
            {
                "claim_id": v if i % 2 == 0 else f"C{i}{v}",
                "patient_id": v,
                "payer": v,
                "modifiers": "",
                "note": f"{v} Sertraline 50 mg continued. {v}",
                **base,
            }
        )
    return rows


def rows_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def settings(tmp_path: Path):
    from claimscrub.web.config import Settings

    return Settings(
        db=str(tmp_path / "web.db"),
        data_dir=tmp_path / "uploads",
        max_body=256 * 1024,
        max_upload=1024 * 1024,
    )


@pytest.fixture
def app(settings):
    from claimscrub.web import create_app
    from claimscrub.web.db import session_scope
    from claimscrub.web.models import User
    from claimscrub.web.security import hash_password

    application = create_app(settings)
    with session_scope(settings.url) as s:
        for role in ROLES:
            s.add(User(name=role, role=role, password_hash=hash_password(PASSWORD)))
    return application


@pytest.fixture
def api_key(app, settings) -> str:
    from claimscrub.web.security import create_api_key

    return create_api_key(settings.url, "security-tests")


def new_client(app) -> TestClient:
    return TestClient(app, base_url="http://testserver")


@pytest.fixture
def client(app) -> TestClient:
    return new_client(app)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def sign_in(client: TestClient, name: str) -> str:
    """Sign in as ``name``; returns a CSRF token of the new session."""
    page = client.get("/signin")
    r = client.post(
        "/signin",
        data={"username": name, "password": PASSWORD, "csrf_token": csrf_of(page.text), "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/check").text)


def upload(client: TestClient, token: str, data: bytes, filename: str = "batch.csv") -> str:
    r = client.post(
        "/batches/upload",
        data={"csrf_token": token},
        files={"file": (filename, data, "text/csv")},
        headers={"x-requested-with": "claimscrub-upload"},
    )
    assert r.status_code == 200, r.text
    batch_id = r.json()["url"].rsplit("/", 1)[1]
    wait_done(client.app, batch_id)
    return batch_id


def wait_done(app, batch_id: str, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
    svc = app.fastapi.state.batches
    deadline = time.monotonic() + timeout
    batch = svc.get(batch_id)
    while batch is not None and batch.status == "checking" and time.monotonic() < deadline:
        time.sleep(0.05)
        batch = svc.get(batch_id)
    assert batch is not None and batch.status == "done", (batch and batch.status, batch and batch.error)
