"""Claim history store: batches, lines (with note elements, not note text), findings, prices,
835 remittances and their adjustments, in SQLite (default) or PostgreSQL.

``resolve_url(db)``: ``--db`` value, else ``$CLAIMSCRUB_DB``, else ``./claimscrub.db``; a value
without ``://`` is a SQLite file path.  ``open_store(url)`` returns an engine on a database at
the newest schema (a new, empty database is migrated; an older one must be upgraded with
``claimscrub db upgrade``).  Importing: :mod:`claimscrub.store.importer`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect

DEFAULT_DB = "claimscrub.db"
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


def make_engine(url: str) -> Engine:
    try:
        engine = create_engine(url, future=True)
    except Exception as exc:  # bad URL, missing driver
        raise StoreError(f"cannot use database {redact(url)}: {exc}") from None
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    return engine


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
    """Run the Alembic migrations up to ``revision``; returns the revision now current."""
    from alembic import command

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
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


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).strip().splitlines()[0] if str(orig or exc).strip() else type(exc).__name__


@contextmanager
def _schema_lock(engine: Engine, db_file: str | None) -> Iterator[None]:
    """Serialize "is the database empty? then create the schema" between processes (two
    imports into a new database at once): an exclusive flock on the SQLite file, a PostgreSQL
    advisory lock. Other databases: no lock."""
    if db_file and db_file != ":memory:":
        import fcntl

        try:
            fh = open(db_file, "ab")  # noqa: SIM115 - held for the block
        except OSError:
            yield
            return
        try:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield
        finally:
            fh.close()
        return
    if engine.dialect.name != "postgresql":
        yield
        return
    try:
        conn = engine.connect()
        conn.exec_driver_sql("SELECT pg_advisory_lock(7283461)")
    except Exception:  # noqa: BLE001 - unreachable: the inspection below reports it
        yield
        return
    try:
        yield
    finally:
        try:
            conn.exec_driver_sql("SELECT pg_advisory_unlock(7283461)")
        finally:
            conn.close()


def open_store(url: str, *, create: bool = True) -> Engine:
    """Engine on a database whose schema includes this package's tables.

    A database with no tables at all is migrated to head when ``create`` is true; a database
    whose revision is not one this code knows, or that lacks the store tables, raises
    :class:`StoreError` with the command to run.
    """
    engine = make_engine(url)
    db_file = engine.url.database if engine.dialect.name == "sqlite" else None
    if not create and db_file and db_file != ":memory:" and not Path(db_file).exists():
        engine.dispose()
        raise StoreError(f"database {db_file} not found: run `claimscrub import FILE...` first")
    with _schema_lock(engine, db_file if create else None):
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
            upgrade(url)
            return make_engine(url)
    if "batches" not in tables:
        engine.dispose()
        raise StoreError(f"database {redact(url)} has no claim history tables: run `claimscrub db upgrade`")
    return engine
