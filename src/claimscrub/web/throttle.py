"""Sign-in throttling, per account and per client address, kept in the database so every
worker shares it and no process holds it in memory (table ``web_signin_failures``; rows older
than the window are deleted on every failure, so the table stays bounded).

An account (existing or not) with ``account_max`` failures in ``window`` is locked until the
oldest of them leaves the window, even for the right password; an address with
``address_max`` failures likewise. Names and addresses are stored as sha256 digests: a
password typed into the user-name field is never kept.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from claimscrub.web.models import SignInFailure, utcnow


@dataclass(frozen=True)
class Policy:
    account_max: int = 5
    address_max: int = 20
    window: timedelta = timedelta(minutes=15)


def _key(scope: str, value: str) -> str:
    return hashlib.sha256(f"{scope}:{value}".encode("utf-8", "replace")).hexdigest()


def _keys(account: str, address: str) -> list[tuple[str, str]]:
    return [("account", _key("account", account.casefold())), ("address", _key("address", address))]


def _count(s: Session, scope: str, key: str, since) -> int:  # type: ignore[no-untyped-def]
    return s.scalar(
        select(func.count()).where(
            SignInFailure.scope == scope, SignInFailure.key == key, SignInFailure.at >= since
        )
    )


def locked(s: Session, account: str, address: str, policy: Policy) -> str | None:
    """``"account"`` or ``"address"`` when sign-in is refused for now, else None."""
    since = utcnow() - policy.window
    limits = {"account": policy.account_max, "address": policy.address_max}
    for scope, key in _keys(account, address):
        if _count(s, scope, key, since) >= limits[scope]:
            return scope
    return None


def failed(s: Session, account: str, address: str, policy: Policy) -> str | None:
    """Record a failure; returns the scope this failure locked (``"account"``/``"address"``)."""
    now = utcnow()
    s.execute(delete(SignInFailure).where(SignInFailure.at < now - policy.window))
    for scope, key in _keys(account, address):
        s.add(SignInFailure(scope=scope, key=key, at=now))
    s.flush()
    return locked(s, account, address, policy)


def succeeded(s: Session, account: str) -> None:
    """A successful sign-in clears the account's failures (not the address's)."""
    _, key = _keys(account, "")[0]
    s.execute(delete(SignInFailure).where(SignInFailure.scope == "account", SignInFailure.key == key))
