"""Server-side sessions: a cookie copied before sign-out, a password change, a role change or
disabling the user is refused afterwards; idle and absolute timeouts end a session; a cookie
forged with the signing secret read from a copy of the database opens nothing."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import update

from tests.security.conftest import BIN, PASSWORD, csrf_of, new_client, sign_in

SESSION_COOKIE = "claimscrub_session"


def _cookie(client) -> str:  # type: ignore[no-untyped-def]
    value = client.cookies.get(SESSION_COOKIE)
    assert value, "no session cookie"
    return value


def _replay(app, cookie: str, path: str = "/batches") -> int:  # type: ignore[no-untyped-def]
    other = new_client(app)
    other.cookies.set(SESSION_COOKIE, cookie)
    return other.get(path, follow_redirects=False).status_code


def test_cookie_replayed_after_sign_out_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    client = new_client(app)
    token = sign_in(client, "biller")
    copied = _cookie(client)
    assert _replay(app, copied) == 200
    r = client.post("/signout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert _replay(app, copied) == 303, "a cookie copied before sign-out still works"


def _admin_change(app, user_id: int, **fields: str) -> None:  # type: ignore[no-untyped-def]
    admin = new_client(app)
    token = sign_in(admin, "admin")
    r = admin.post(f"/admin/users/{user_id}", data={"csrf_token": token, **fields}, follow_redirects=False)
    assert r.status_code == 303


def _user_id(settings, name: str) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from claimscrub.web.db import session_scope
    from claimscrub.web.models import User

    with session_scope(settings.url) as s:
        return s.scalars(select(User.id).where(User.name == name)).one()


@pytest.mark.parametrize(
    "change",
    [
        {"role": "biller", "active": "on", "password": "a-new-password-1"},  # password change
        {"role": "auditor", "active": "on"},  # role change
        {"role": "biller"},  # disabled
    ],
    ids=["password", "role", "disable"],
)
def test_admin_changes_end_the_users_sessions(app, settings, change) -> None:  # type: ignore[no-untyped-def]
    client = new_client(app)
    sign_in(client, "biller")
    copied = _cookie(client)
    assert _replay(app, copied, "/check") == 200
    _admin_change(app, _user_id(settings, "biller"), **change)
    assert _replay(app, copied, "/check") == 303


@pytest.mark.parametrize("args", [["passwd", "biller"], ["role", "biller", "auditor"], ["disable", "biller"]])
def test_cli_changes_end_the_users_sessions(app, settings, args) -> None:  # type: ignore[no-untyped-def]
    client = new_client(app)
    sign_in(client, "biller")
    copied = _cookie(client)
    proc = subprocess.run(
        [str(BIN), "users", *args, "--db", settings.db],
        capture_output=True,
        text=True,
        env={"CLAIMSCRUB_PASSWORD": "another-password-2", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    from claimscrub.web.db import session_scope
    from claimscrub.web.models import WebSession

    with session_scope(settings.url) as s:
        assert s.query(WebSession).filter_by(user_id=_user_id(settings, "biller")).count() == 0
    assert _replay(app, copied, "/check") == 303


@pytest.mark.parametrize(
    ("column", "age"),
    [("last_seen_at", timedelta(minutes=31)), ("created_at", timedelta(hours=12, minutes=1))],
    ids=["idle", "absolute"],
)
def test_timeouts(app, settings, column: str, age: timedelta) -> None:  # type: ignore[no-untyped-def]
    """The session row is aged as the clock would age it (defaults: 30 min idle, 12 h)."""
    from claimscrub.web.db import session_scope
    from claimscrub.web.models import WebSession, utcnow

    client = new_client(app)
    sign_in(client, "auditor")
    assert client.get("/check", follow_redirects=False).status_code == 200
    with session_scope(settings.url) as s:
        s.execute(update(WebSession).values({column: utcnow() - age}))
    assert client.get("/check", follow_redirects=False).status_code == 303


def test_idle_timeout_is_configurable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from claimscrub.web import create_app
    from claimscrub.web.config import Settings
    from claimscrub.web.db import session_scope
    from claimscrub.web.models import User, WebSession, utcnow
    from claimscrub.web.security import hash_password

    settings = Settings(db=str(tmp_path / "w.db"), data_dir=tmp_path / "up", session_idle_minutes=5)
    app = create_app(settings)
    with session_scope(settings.url) as s:
        s.add(User(name="biller", role="biller", password_hash=hash_password(PASSWORD)))
    client = new_client(app)
    sign_in(client, "biller")
    with session_scope(settings.url) as s:
        s.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=4)))
    assert client.get("/check", follow_redirects=False).status_code == 200
    with session_scope(settings.url) as s:
        s.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=6)))
    assert client.get("/check", follow_redirects=False).status_code == 303


def test_cookie_forged_from_a_database_copy_opens_nothing(app, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Whoever reads a copy of the database gets the signing secret and the session table, but
    only sha256 digests of session tokens: no cookie they can make is a live session."""
    admin = new_client(app)
    sign_in(admin, "admin")
    copy = tmp_path / "copy.db"
    src = sqlite3.connect(settings.db)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    secret = dst.execute("SELECT value FROM web_settings WHERE key='session_secret'").fetchone()[0]
    uid, pw_hash = dst.execute("SELECT id, password_hash FROM web_users WHERE name='admin'").fetchone()
    digests = [r[0] for r in dst.execute("SELECT id_hash FROM web_sessions")]
    dst.close()
    signer = URLSafeTimedSerializer(secret, salt="claimscrub.session")
    old_style = {"uid": uid, "pwv": hashlib.sha256(pw_hash.encode()).hexdigest()[:16]}
    for forged in (old_style, {"sid": digests[0]}, {"sid": "guess"}):
        assert _replay(app, signer.dumps(forged), "/admin/users") == 303, forged


def test_sign_out_is_logged_and_page_after_needs_sign_in(app, settings) -> None:  # type: ignore[no-untyped-def]
    from claimscrub.web.audit_log import recent

    client = new_client(app)
    token = sign_in(client, "admin")
    client.post("/signout", data={"csrf_token": token})
    assert ("user:admin", "sign-out") in {(e.actor, e.action) for e in recent(settings.url)}
    page = client.get("/signin")
    assert client.post("/signout", data={"csrf_token": csrf_of(page.text)}).status_code in (200, 303)
