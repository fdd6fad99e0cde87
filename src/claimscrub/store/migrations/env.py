"""Alembic environment of the claimscrub store (``claimscrub db upgrade`` runs it).

Test hook: ``$CLAIMSCRUB_MIGRATION_PAUSE`` seconds of sleep after each migration statement, and
``$CLAIMSCRUB_MIGRATION_MARKER`` (a file created at the first one), so a test can SIGKILL a
schema creation at a random point inside it (tests/faults/test_kill_schema_and_import.py).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from alembic import context
from sqlalchemy import create_engine, event

from claimscrub.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def _test_pause(connection) -> None:  # type: ignore[no-untyped-def]
    pause = float(os.environ.get("CLAIMSCRUB_MIGRATION_PAUSE") or 0)
    marker = os.environ.get("CLAIMSCRUB_MIGRATION_MARKER")
    if not (pause or marker):
        return

    @event.listens_for(connection, "after_cursor_execute")
    def _slowly(*_args) -> None:  # type: ignore[no-untyped-def]
        if marker:
            Path(marker).touch()
        time.sleep(pause)


def run_online() -> None:
    conn = config.attributes.get("connection")
    if conn is not None:
        _test_pause(conn)
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
