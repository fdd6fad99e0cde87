"""``claimscrub import``, ``claimscrub db upgrade``, ``claimscrub denials``."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

db_option = click.option(
    "--db",
    "db",
    metavar="URL",
    help="Database URL or SQLite file (default: $CLAIMSCRUB_DB, else ./claimscrub.db).",
)


def store_errors(fn):  # type: ignore[no-untyped-def]
    """Database problems -> one clear message and exit 2."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        from sqlalchemy.exc import SQLAlchemyError

        from claimscrub.store import StoreError

        try:
            return fn(*args, **kwargs)
        except StoreError as exc:
            click.echo(f"claimscrub: error: {exc}", err=True)
            sys.exit(2)
        except SQLAlchemyError as exc:
            orig = getattr(exc, "orig", None) or exc
            first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
            click.echo(f"claimscrub: error: database: {first}", err=True)
            sys.exit(2)

    return wrapper


def register(main: click.Group) -> None:
    @main.command("import")
    @click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
    @db_option
    @click.option(
        "--notes", "notes_dir", type=click.Path(path_type=Path), help="Folder of <claim_id>.txt notes."
    )
    @click.option("--providers", type=click.Path(path_type=Path), help="Provider roster CSV.")
    @click.option("--policies", "policy_dir", type=click.Path(path_type=Path), help="Payer policy folder.")
    @store_errors
    def import_cmd(inputs, db, notes_dir, providers, policy_dir):  # type: ignore[no-untyped-def]
        """Check claim files and store them (batch, lines, findings, prices) with any 835
        remittances, in one transaction; the same inputs twice are stored once."""
        from claimscrub.service import CheckOptions
        from claimscrub.store import open_store, resolve_url
        from claimscrub.store.importer import import_paths

        engine = open_store(resolve_url(db))
        try:
            options = CheckOptions(notes_dir=notes_dir, providers=providers, policy_dir=policy_dir)
            report = import_paths(engine, list(inputs), options)
        finally:
            engine.dispose()
        for msg in report.messages():
            click.echo(msg)

    @main.group("db")
    def db_group() -> None:
        """Claim history database."""

    @db_group.command("upgrade")
    @db_option
    @store_errors
    def db_upgrade(db):  # type: ignore[no-untyped-def]
        """Create or migrate the database schema (alembic upgrade head)."""
        from claimscrub.store import redact, resolve_url, upgrade

        url = resolve_url(db)
        rev = upgrade(url)
        click.echo(f"{redact(url)} at revision {rev}")

    @main.command("denials")
    @db_option
    @click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text")
    @click.option("--output", "-o", type=click.Path(path_type=Path))
    @store_errors
    def denials_cmd(db, fmt, output):  # type: ignore[no-untyped-def]
        """Which rules predicted real denials (835), and which denials no rule predicted."""
        from claimscrub.audit.denials import denial_report, render_denials
        from claimscrub.cli import emit
        from claimscrub.store import open_store, resolve_url

        engine = open_store(resolve_url(db), create=False)
        try:
            rep = denial_report(engine)
        finally:
            engine.dispose()
        emit(render_denials(rep, fmt), output)


__all__ = ["db_option", "json", "register", "store_errors"]
