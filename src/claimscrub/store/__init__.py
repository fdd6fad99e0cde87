"""Claim history store: batches, lines (with note elements, not note text), findings, prices,
835 remittances and their adjustments, in SQLite (default) or PostgreSQL.

``resolve_url(db)``: ``--db`` value, else ``$CLAIMSCRUB_DB``, else ``./claimscrub.db``; a value
without ``://`` is a SQLite file path.  ``open_store(url)`` returns an engine on a database at
the newest schema (a new, empty database is migrated; an older one must be upgraded with
``claimscrub db upgrade``).  Importing: :mod:`claimscrub.store.importer`.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect

DEFAULT_DB = "claimscrub.db"
#: PostgreSQL advisory lock key serializing schema changes between processes.
SCHEMA_LOCK_ID = 7283461
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StoreError(Exception):
    """The database cannot be used (unreachable, wrong schema version, empty)."""


def resolve_url(db: str | None = None) -> str:
    value = db or os.environ.get("CLAIMSCRUB_DB") or DEFAULT_DB
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def redact(url: str) -> str:
    """The URL without its password (for messages)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is shown as given minus credentials
        return url.split("@")[-1]


def make_engine(url: str, *, exclusive: bool = False) -> Engine:
    """Engine on ``url``. SQLite: WAL, foreign keys, a 30 s busy timeout, files private to the
    service user (:func:`claimscrub.store.files.private_sqlite`). ``exclusive``: every
    transaction starts with ``BEGIN IMMEDIATE`` and includes DDL (pysqlite would otherwise run
    ``CREATE TABLE`` outside any transaction), so a schema change is all-or-nothing and two
    processes never run it at once."""
    try:
        engine = create_engine(url, future=True)
    except Exception as exc:  # bad URL, missing driver
        raise StoreError(f"cannot use database {redact(url)}: {exc}") from None
    if engine.dialect.name == "sqlite":
        from claimscrub.private_files import private_sqlite

        db_file = engine.url.database

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            private_sqlite(db_file)
            if exclusive:
                dbapi_conn.isolation_level = None  # the "begin" listener below emits BEGIN
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        if exclusive:

            @event.listens_for(engine, "begin")
            def _begin_immediate(conn):  # type: ignore[no-untyped-def]
                conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _sqlite_file(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    try:
        u = make_url(url)
    except Exception:  # noqa: BLE001 - make_engine reports a bad URL
        return None
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return u.database


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(url: str, revision: str = "head") -> str:
    """Run the Alembic migrations up to ``revision`` in ONE transaction; returns the revision
    now current. All-or-nothing: a kill at any point leaves the database as it was, and the
    next run completes it. Serialized between processes by the database itself (SQLite:
    ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-level advisory lock), never by opening the
    database file: closing a descriptor of a SQLite file drops every POSIX lock the process
    holds on it (SQLite's "How To Corrupt An SQLite Database File", section 2.2)."""
    from alembic import command

    if revision == "head" and _at_head(url):
        return head_revision()  # nothing to do: no write lock taken (an import may hold it)
    engine = make_engine(url, exclusive=True)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK_ID})")
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        return current_revision(engine) or ""
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(f"cannot upgrade database {redact(url)}: {_reason(exc)}") from None
    finally:
        engine.dispose()


def _at_head(url: str) -> bool:
    engine = make_engine(url)
    try:
        return current_revision(engine) == head_revision()
    except Exception:  # noqa: BLE001 - unreadable: the locked upgrade reports it
        return False
    finally:
        engine.dispose()


DISK_FULL = ("database or disk is full", "no space left on device", "could not extend file", "file too large")


def write_failure(exc: BaseException, url: str) -> StoreError | None:
    """A database error raised while storing, as one clear line (None: not a database error).
    The transaction was rolled back: the message says nothing was stored."""
    from sqlalchemy.exc import SQLAlchemyError

    dbapi_errors: tuple[type[BaseException], ...] = (SQLAlchemyError, OSError)
    try:
        import sqlite3

        dbapi_errors += (sqlite3.Error,)
    except ImportError:  # pragma: no cover
        pass
    try:
        import psycopg

        dbapi_errors += (psycopg.Error,)
    except ImportError:
        pass
    if not isinstance(exc, dbapi_errors):
        return None
    reason = _reason(exc)  # type: ignore[arg-type]
    lowered = reason.lower()
    sqlstate = getattr(getattr(exc, "orig", exc), "sqlstate", None)
    if any(k in lowered for k in DISK_FULL) or sqlstate == "53100":
        what = f"the disk is full ({reason})"
    else:
        what = reason
    return StoreError(f"cannot store in {redact(url)}: {what}; nothing was stored")


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).strip().splitlines()[0] if str(orig or exc).strip() else type(exc).__name__


def open_store(url: str, *, create: bool = True) -> Engine:
    """Engine on a database whose schema includes this package's tables.

    A database with no tables at all is migrated to head when ``create`` is true; a database
    whose revision is not one this code knows, or that lacks the store tables, raises
    :class:`StoreError` with the command to run.
    """
    if not create:
        db_file = _sqlite_file(url)
        if db_file and not Path(db_file).exists():
            raise StoreError(f"database {db_file} not found: run `claimscrub import FILE...` first")
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
    except Exception as exc:
        engine.dispose()
        raise StoreError(f"cannot open database {redact(url)}: {_reason(exc)}") from None
    if not tables:
        if not create:
            engine.dispose()
            raise StoreError(f"database {redact(url)} is empty: run `claimscrub import FILE...` first")
        engine.dispose()
        upgrade(url)  # idempotent and locked: two processes creating at once is fine
        return make_engine(url)
    if "batches" not in tables:
        engine.dispose()
        raise StoreError(f"database {redact(url)} has no claim history tables: run `claimscrub db upgrade`")
    return engine
