"""Server-side sessions: the signed cookie only carries a random token; the session lives in
the ``web_sessions`` table, so signing out, a password change, disabling a user or changing
their role ends it on the server (a copied cookie is refused afterwards), in every worker.

Timeouts: idle (no request for ``idle``) and absolute (``absolute`` after sign-in), both
configurable (``claimscrub serve --session-idle-minutes / --session-hours``, docs/web.md).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from claimscrub.web.models import User, WebSession, utcnow

#: ``last_seen_at`` is written at most this often per session (a write per request is wasteful).
TOUCH_EVERY = timedelta(seconds=30)


@dataclass(frozen=True)
class Timeouts:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


def pw_version(user: User) -> str:
    """Changes with the password: a password change ends the user's sessions."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def start(s: Session, user: User, timeouts: Timeouts) -> str:
    """A new session for ``user``; returns the token for the cookie. Expired rows are pruned."""
    prune(s, timeouts)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    s.add(
        WebSession(
            id_hash=_digest(token),
            user_id=user.id,
            role=user.role,
            pwv=pw_version(user),
            created_at=now,
            last_seen_at=now,
        )
    )
    return token


def resolve(s: Session, token: object, timeouts: Timeouts) -> User | None:
    """The signed-in user of ``token``, or None (and the session row is removed) when it was
    ended, timed out, or its user was disabled, got another role or another password."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    row = s.get(WebSession, _digest(token))
    if row is None:
        return None
    now = utcnow()
    user = s.get(User, row.user_id)
    if (
        user is None
        or not user.active
        or user.role != row.role
        or pw_version(user) != row.pwv
        or now - row.created_at > timeouts.absolute
        or now - row.last_seen_at > timeouts.idle
    ):
        s.delete(row)
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
    return user


def end(s: Session, token: object) -> None:
    if isinstance(token, str) and token:
        s.execute(delete(WebSession).where(WebSession.id_hash == _digest(token)))


def end_all(s: Session, user_id: int) -> None:
    """Sign ``user_id`` out everywhere (password, role or status change)."""
    s.execute(delete(WebSession).where(WebSession.user_id == user_id))


def prune(s: Session, timeouts: Timeouts) -> None:
    now = utcnow()
    s.execute(
        delete(WebSession).where(
            or_(
                WebSession.created_at < now - timeouts.absolute, WebSession.last_seen_at < now - timeouts.idle
            )
        )
    )
