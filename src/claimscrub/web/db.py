"""Engine, sessions and schema for the web tables."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from claimscrub.web.models import Setting, WebBase


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        from claimscrub.private_files import private_sqlite

        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        db_file = engine.url.database

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            private_sqlite(db_file)  # before WAL: SQLite gives the WAL/SHM files the db's mode
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def init_db(url: str) -> Engine:
    """Bring the schema up to date: Alembic ``upgrade head`` when the store's migrations are
    installed, else ``create_all`` of the web tables (idempotent)."""
    engine = engine_for(url)
    if not _alembic_upgrade(url):
        WebBase.metadata.create_all(engine)
    return engine


def _alembic_upgrade(url: str) -> bool:
    """``claimscrub.store.upgrade`` (Alembic) when the store and the web revisions are installed."""
    try:
        from claimscrub.store import MIGRATIONS, upgrade
    except ImportError:
        return False
    if not (MIGRATIONS / "versions" / "0003_web_sessions.py").is_file():
        return False
    upgrade(url)
    return True


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    factory = _factory(url)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@lru_cache(maxsize=8)
def _factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url), expire_on_commit=False)


def setting(url: str, key: str, make: callable) -> str:  # type: ignore[valid-type]
    """A shared value, created once (first writer wins)."""
    with session_scope(url) as s:
        row = s.get(Setting, key)
        if row is not None:
            return row.value
        s.add(Setting(key=key, value=make()))
    with session_scope(url) as s:
        return s.scalars(select(Setting.value).where(Setting.key == key)).one()


def session_secret(url: str) -> str:
    try:
        return setting(url, "session_secret", lambda: secrets.token_urlsafe(48))
    except Exception:  # a concurrent worker inserted it first
        with session_scope(url) as s:
            return s.scalars(select(Setting.value).where(Setting.key == "session_secret")).one()
