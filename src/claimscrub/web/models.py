"""Web tables: users, API keys, uploaded batches (until the store keeps them), access log.

Created by the Alembic revisions ``0002_web`` and ``0003_web_sessions``
(``store/migrations/versions/``);
:func:`claimscrub.web.db.init_db` falls back to ``create_all`` when the store's migrations are
not installed. Nothing here holds patient data except the uploaded files the batch rows point to.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROLES = ("biller", "auditor", "admin")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class WebBase(DeclarativeBase):
    metadata = MetaData()


class User(WebBase):
    __tablename__ = "web_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True, index=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ApiKey(WebBase):
    __tablename__ = "web_api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    #: sha256 hex of the key; the key itself is shown once and never stored.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    #: First characters of the key, to tell keys apart in ``apikey list``.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Batch(WebBase):
    __tablename__ = "web_batches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    input_format: Mapped[str | None] = mapped_column(String(8), nullable=True)
    path: Mapped[str] = mapped_column(Text)
    uploaded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: checking | done | failed
    status: Mapped[str] = mapped_column(String(16), default="checking")
    #: InputError text when the file could not be read (never field values).
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: spec §5 summary as JSON text
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: id of the batch in the store, when the store kept it
    store_batch_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AccessLog(WebBase):
    __tablename__ = "web_access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    #: ``user:NAME`` or ``apikey:NAME``
    actor: Mapped[str] = mapped_column(String(120), index=True)
    #: upload | view | export | check | note | price | user-add | user-change | sign-in ...
    action: Mapped[str] = mapped_column(String(32))
    batch_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("web_batches.id", ondelete="SET NULL"), nullable=True, index=True
    )
    detail: Mapped[str | None] = mapped_column(String(255), nullable=True)


class Setting(WebBase):
    """Server-wide values shared by all workers (the session signing secret)."""

    __tablename__ = "web_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class WebSession(WebBase):
    """A signed-in browser. The cookie carries a random token; only its sha256 is stored, so
    a copy of the database signs nobody in. Deleting the row signs the browser out."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("web_users.id", ondelete="CASCADE"), index=True)
    #: role and password version at sign-in: a change of either ends the session
    role: Mapped[str] = mapped_column(String(16))
    pwv: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SignInFailure(WebBase):
    """One failed sign-in, kept for the throttling window (shared by every worker)."""

    __tablename__ = "web_signin_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))  # account | address
    key: Mapped[str] = mapped_column(String(64))  # sha256 of the account name or client address
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
