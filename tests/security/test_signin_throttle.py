"""Sign-in throttling per account and per client address, kept in the database (so every worker
shares it and no process grows), and the access log of failed sign-ins, lockouts, API calls
(key name, never the key), exports and downloads."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, text

from tests.security.conftest import PASSWORD, csrf_of, new_client, rows_csv, sign_in


def _attempt(client, name: str, password: str) -> int:  # type: ignore[no-untyped-def]
    page = client.get("/signin")
    return client.post(
        "/signin",
        data={"username": name, "password": password, "csrf_token": csrf_of(page.text), "next": "/"},
        follow_redirects=False,
    ).status_code


def _log(settings) -> list[tuple[str, str, str | None]]:  # type: ignore[no-untyped-def]
    from claimscrub.web.audit_log import recent

    return [(e.actor, e.action, e.detail) for e in reversed(recent(settings.url, 10_000))]


def test_account_locks_after_five_failures_even_for_the_right_password(app, settings) -> None:  # type: ignore[no-untyped-def]
    client = new_client(app)
    codes = [_attempt(client, "biller", "wrong-password") for _ in range(5)]
    assert codes == [401, 401, 401, 401, 429]
    assert _attempt(client, "biller", PASSWORD) == 429, "a locked account signed in"
    actions = [a for actor, a, _ in _log(settings) if actor == "user:biller"]
    assert actions.count("sign-in-failed") == 5
    assert "lockout" in actions and actions[-1] == "sign-in-refused"
    # other accounts from another address are not affected
    assert _attempt(new_client(app), "auditor", PASSWORD) in (303,)


def test_lock_is_shared_by_every_worker(app, settings) -> None:  # type: ignore[no-untyped-def]
    """A second app instance on the same database (another uvicorn worker) sees the lock."""
    from claimscrub.web import create_app

    other_worker = create_app(settings)
    for _ in range(5):
        _attempt(new_client(app), "admin", "wrong-password")
    assert _attempt(new_client(other_worker), "admin", PASSWORD) == 429


def test_address_locks_after_twenty_failures_over_many_accounts(app, settings) -> None:  # type: ignore[no-untyped-def]
    client = new_client(app)
    for i in range(20):
        _attempt(client, f"nobody-{i}", "wrong-password")
    assert _attempt(client, "auditor", PASSWORD) == 429, "password spraying from one address goes on"
    details = [d for _, a, d in _log(settings) if a == "lockout"]
    assert any(d and d.startswith("address locked") for d in details)


def test_failures_table_is_bounded_and_keeps_no_typed_names(app, settings) -> None:  # type: ignore[no-untyped-def]
    from claimscrub.web.db import engine_for, session_scope
    from claimscrub.web.models import SignInFailure, utcnow

    with session_scope(settings.url) as s:
        for i in range(500):
            s.add(SignInFailure(scope="account", key=f"{i:064x}", at=utcnow() - timedelta(hours=1)))
    typed = "Secret-Password-Typed-As-Name"
    _attempt(new_client(app), typed, "x")
    with session_scope(settings.url) as s:
        assert s.scalar(select(func.count()).select_from(SignInFailure)) == 2  # account + address
    with engine_for(settings.url).connect() as c:
        dump = " ".join(str(v) for row in c.execute(text("SELECT * FROM web_signin_failures")) for v in row)
        log_dump = " ".join(str(v) for row in c.execute(text("SELECT * FROM web_access_log")) for v in row)
    assert typed.casefold() not in dump.casefold() and typed not in log_dump


def test_success_clears_the_account_failures(app) -> None:  # type: ignore[no-untyped-def]
    client = new_client(app)
    for _ in range(4):
        assert _attempt(client, "auditor", "wrong-password") == 401
    assert _attempt(client, "auditor", PASSWORD) == 303
    for _ in range(4):
        assert _attempt(new_client(app), "auditor", "wrong-password") == 401


def test_api_calls_exports_and_downloads_are_logged_by_key_name(app, settings, api_key) -> None:  # type: ignore[no-untyped-def]
    client = new_client(app)
    h = {"Authorization": f"Bearer {api_key}"}
    assert client.get("/api/v1/rules", headers=h).status_code == 200
    data = rows_csv(
        [
            {
                "claim_id": "A1",
                "patient_id": "P",
                "service_date": "2026-01-02",
                "provider_npi": "1987654328",
                "cpt": "90834",
                "minutes": "45",
            }
        ]  # fmt: skip
    )
    r = client.post("/api/v1/batches", files={"file": ("b.csv", data)}, headers=h)
    assert r.status_code == 201
    batch_id = r.json()["id"]
    assert client.get(f"/api/v1/batches/{batch_id}/export?format=csv", headers=h).status_code == 200
    web = new_client(app)
    sign_in(web, "auditor")
    assert web.get(f"/batches/{batch_id}/export.json").status_code == 200
    entries = _log(settings)
    api = [(a, d) for actor, a, d in entries if actor == "apikey:security-tests"]
    assert ("api", "GET /api/v1/rules 200") in api
    assert ("api", "POST /api/v1/batches 201") in api
    assert ("export", "csv") in api
    assert ("user:auditor", "export", "json") in [(x, a, d) for x, a, d in entries]
    assert all(api_key not in f"{x} {a} {d}" and api_key[:12] not in f"{d}" for x, a, d in entries)
