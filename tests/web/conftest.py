from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from claimscrub.knowledge import DATA_DIR  # noqa: E402
from claimscrub.web.config import Settings  # noqa: E402
from claimscrub.web.db import session_scope  # noqa: E402
from claimscrub.web.models import User  # noqa: E402
from claimscrub.web.security import create_api_key, hash_password  # noqa: E402

SAMPLE = DATA_DIR / "sample" / "claims.csv"
REPO_ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db=str(tmp_path / "web.db"), data_dir=tmp_path / "uploads", max_body=1024 * 1024)


@pytest.fixture
def app(settings: Settings):
    from claimscrub.web import create_app

    application = create_app(settings)
    with session_scope(settings.url) as s:
        for name, role in (("ada", "admin"), ("bill", "biller"), ("aud", "auditor")):
            s.add(User(name=name, role=role, password_hash=hash_password(PASSWORD)))
    return application


@pytest.fixture
def api_key(app, settings: Settings) -> str:
    return create_api_key(settings.url, "tests")


@pytest.fixture
def client(app) -> TestClient:
    return TestClient(app, base_url="http://testserver")


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD):
    page = client.get("/signin")
    return client.post(
        "/signin",
        data={"username": name, "password": password, "csrf_token": csrf_of(page.text), "next": "/"},
        follow_redirects=False,
    )


def sample_rows() -> list[dict[str, str]]:
    with SAMPLE.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def rows_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode()


def one_claim() -> list[dict[str, str]]:
    rows = sample_rows()
    return [r for r in rows if r["claim_id"] == rows[0]["claim_id"]]


def pytest_configure(config) -> None:  # type: ignore[no-untyped-def]
    config.addinivalue_line("markers", "browser: drives Debian's chromium with Playwright")
