"""Authentication on every route (enumerated from the app), authorization per role, CSRF on
every form POST, session cookie flags."""

from __future__ import annotations

import re

import pytest

from tests.security.conftest import ROLES, csrf_of, new_client, rows_csv, sign_in, upload

PUBLIC = {
    ("GET", "/signin"),
    ("POST", "/signin"),
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/openapi.json"),
    ("HEAD", "/api/v1/openapi.json"),
}
PARAMS = {"batch_id": "0123456789abcdef", "rule_id": "AO001", "user_id": "1", "fmt": "csv"}


def routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(method, path) of every route of the FastAPI app, included routers flattened."""

    def walk(rs):  # type: ignore[no-untyped-def]
        for r in rs:
            if hasattr(r, "original_router"):
                yield from walk(r.original_router.routes)
            elif hasattr(r, "routes") and not hasattr(r, "methods"):
                yield from walk(r.routes)
            else:
                yield r

    out = []
    for r in walk(app.fastapi.routes):
        for m in sorted(getattr(r, "methods", None) or []):
            out.append((m, r.path))
    return out


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PARAMS[m.group(1)], path)


def test_route_list_is_complete(app) -> None:  # type: ignore[no-untyped-def]
    found = routes(app)
    assert len(found) >= 30
    assert ("POST", "/api/v1/check") in found and ("POST", "/batches/upload") in found


def test_every_route_needs_credentials(app, client) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for method, path in routes(app):
        if (method, path) in PUBLIC or path == "/":
            continue
        url = concrete(path)
        r = client.request(method, url, follow_redirects=False, json={} if method == "POST" else None)
        checked += 1
        if path.startswith("/api/"):
            assert r.status_code == 401, (method, path, r.status_code)
            assert r.content == b"", (method, path)  # "nothing else is said"
        elif method == "GET":
            assert r.status_code == 303 and r.headers["location"].startswith("/signin"), (method, path)
        else:  # a form POST without a session: sign-in redirect or CSRF refusal, never the action
            assert r.status_code in (303, 403), (method, path, r.status_code)
            if r.status_code == 303:
                assert r.headers["location"].startswith("/signin")
    assert checked >= 25


@pytest.mark.parametrize(
    "auth",
    ["Bearer cs_wrong", "Bearer ", "bearer", "Basic YTpi", "Bearer " + "x" * 300, "Token cs_abc"],
)
def test_api_rejects_bad_keys(app, client, auth: str) -> None:  # type: ignore[no-untyped-def]
    for method, path in routes(app):
        if path.startswith("/api/") and (method, path) not in PUBLIC:
            r = client.request(method, concrete(path), headers={"Authorization": auth})
            assert r.status_code == 401 and r.content == b"", (method, path, auth)


def test_revoked_key_stops_working(app, client, api_key, settings) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from sqlalchemy import update

    from claimscrub.web.db import session_scope
    from claimscrub.web.models import ApiKey

    h = {"Authorization": f"Bearer {api_key}"}
    assert client.get("/api/v1/rules", headers=h).status_code == 200
    with session_scope(settings.url) as s:
        s.execute(update(ApiKey).values(revoked_at=datetime.now(UTC)))
    app_cache = app.app.keys  # LimitsMiddleware's KeyCache
    app_cache._valid.clear()
    assert client.get("/api/v1/rules", headers=h).status_code == 401


def test_session_cookie_flags(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/signin")
    r = client.post(
        "/signin",
        data={"username": "admin", "password": "correct horse battery", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    https = new_client(client.app)
    https.base_url = "https://testserver"
    page = https.get("/signin")
    r = https.post(
        "/signin",
        data={"username": "admin", "password": "correct horse battery", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert "Secure" in r.headers["set-cookie"]


def test_wrong_password_and_unknown_user_look_the_same(client) -> None:  # type: ignore[no-untyped-def]
    bodies = []
    for name in ("admin", "nobody-here"):
        page = client.get("/signin")
        r = client.post(
            "/signin",
            data={"username": name, "password": "wrong password!", "csrf_token": csrf_of(page.text)},
        )
        assert r.status_code == 401
        bodies.append(re.sub(r'value="[^"]+"', "", r.text))
    assert bodies[0] == bodies[1]


# -- authorization per role ----------------------------------------------------------------------

# path -> roles allowed (GET pages)
PAGES = {
    "/batches": ROLES,
    "/check": ROLES,
    "/note": ROLES,
    "/rules": ROLES,
    "/dashboard": ROLES,
    "/admin/access-log": ("auditor", "admin"),
    "/admin/users": ("admin",),
}


@pytest.mark.parametrize("role", ROLES)
def test_pages_per_role(app, role: str) -> None:  # type: ignore[no-untyped-def]
    client = new_client(app)
    sign_in(client, role)
    for path, allowed in PAGES.items():
        r = client.get(path, follow_redirects=False)
        assert r.status_code == (200 if role in allowed else 403), (role, path, r.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_actions_per_role(app, role: str) -> None:  # type: ignore[no-untyped-def]
    client = new_client(app)
    token = sign_in(client, role)
    data = rows_csv([{"claim_id": "A1", "patient_id": "P", "service_date": "2026-01-02",
                      "provider_npi": "1987654328", "cpt": "90834", "minutes": "45"}])  # fmt: skip
    r = client.post(
        "/batches/upload", data={"csrf_token": token}, files={"file": ("b.csv", data)}, follow_redirects=False
    )
    assert r.status_code == (303 if role in ("biller", "admin") else 403), (role, r.status_code)
    r = client.post(
        "/admin/users",
        data={"csrf_token": token, "username": f"new-{role}", "role": "admin", "password": "0123456789ab"},
        follow_redirects=False,
    )
    assert r.status_code == (303 if role == "admin" else 403), (role, r.status_code)
    r = client.post(
        "/admin/users/1",
        data={"csrf_token": token, "role": "admin", "active": "on"},
        follow_redirects=False,
    )
    assert r.status_code == (303 if role == "admin" else 403), (role, r.status_code)
    if role != "admin":  # nobody made themselves (or anyone) admin
        admin = new_client(app)
        sign_in(admin, "admin")
        users = admin.get("/admin/users").text
        assert f"new-{role}" not in users


def test_disabled_user_is_signed_out(app, settings) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from claimscrub.web.db import session_scope
    from claimscrub.web.models import User

    client = new_client(app)
    sign_in(client, "biller")
    assert client.get("/batches", follow_redirects=False).status_code == 200
    with session_scope(settings.url) as s:
        s.execute(update(User).where(User.name == "biller").values(active=False))
    assert client.get("/batches", follow_redirects=False).status_code == 303


# -- CSRF ----------------------------------------------------------------------------------------


def form_posts(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [p for m, p in routes(app) if m == "POST" and not p.startswith("/api/")]


@pytest.mark.parametrize("token", [None, "", "forged-token", "__other_session__"])
def test_csrf_on_every_form_post(app, token) -> None:  # type: ignore[no-untyped-def]
    client = new_client(app)
    good = sign_in(client, "admin")
    one = {"claim_id": "A1", "patient_id": "P", "service_date": "2026-01-02", "provider_npi": "1987654328"}
    batch = upload(client, good, rows_csv([{**one, "cpt": "90834", "minutes": "45"}]))
    if token == "__other_session__":
        other = new_client(app)
        token = sign_in(other, "biller")
    posts = form_posts(app)
    assert set(posts) >= {"/signin", "/signout", "/batches/upload", "/check", "/note", "/admin/users"}
    for path in posts:
        data = {"username": "admin", "password": "correct horse battery", "role": "biller",
                "text": "sertraline", "cpt_0": "90834", "claim_id": "X"}  # fmt: skip
        if token is not None:
            data["csrf_token"] = token
        r = client.post(
            concrete(path), data=data, files={"file": ("b.csv", b"claim_id\n1\n")}, follow_redirects=False
        )
        assert r.status_code == 403, (path, token, r.status_code)
    # nothing happened: still signed in as admin, one batch, user 1 still admin
    assert client.get("/admin/users", follow_redirects=False).status_code == 200
    assert len(app.fastapi.state.batches.list()) == 1 and batch
