"""``claimscrub apikey create NAME | list | revoke NAME-OR-PREFIX``."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    main.add_command(apikey)


def _url(db: str | None) -> str:
    from claimscrub.web.config import database_url
    from claimscrub.web.db import init_db

    url = database_url(db)
    init_db(url)
    return url


db_option = click.option(
    "--db", help="Database URL or SQLite file (default $CLAIMSCRUB_DB or ./claimscrub.db)."
)


@click.group()
def apikey() -> None:
    """API keys for the REST API (sent as `Authorization: Bearer KEY`)."""


@apikey.command("create")
@click.argument("name")
@db_option
def create(name: str, db: str | None) -> None:
    """Create a key and print it (shown only this once; only its hash is stored)."""
    from claimscrub.web.security import create_api_key

    if not name.strip() or len(name) > 80:
        raise click.BadParameter("give a name of 1-80 characters", param_hint="NAME")
    key = create_api_key(_url(db), name.strip())
    click.echo(key)
    click.echo(f"API key {name!r} created. Store it now: it cannot be shown again.", err=True)


@apikey.command("list")
@db_option
def list_keys(db: str | None) -> None:
    """List keys: name, prefix, created, last used, revoked."""
    from sqlalchemy import select

    from claimscrub.web.db import session_scope
    from claimscrub.web.models import ApiKey
    from claimscrub.web.security import fmt_time

    with session_scope(_url(db)) as s:
        keys = list(s.scalars(select(ApiKey).order_by(ApiKey.created_at)))
    if not keys:
        click.echo("no API keys; create one with `claimscrub apikey create NAME`")
    for k in keys:
        state = f"revoked {fmt_time(k.revoked_at)}" if k.revoked_at else "active"
        click.echo(
            f"{k.name:<20} {k.prefix}…  created {fmt_time(k.created_at)}  "
            f"last used {fmt_time(k.last_used_at)}  {state}"
        )


@apikey.command("revoke")
@click.argument("name_or_prefix")
@db_option
def revoke(name_or_prefix: str, db: str | None) -> None:
    """Revoke every active key with this name, or the key starting with this prefix."""
    from sqlalchemy import or_, select

    from claimscrub.web.db import session_scope
    from claimscrub.web.models import ApiKey, utcnow

    with session_scope(_url(db)) as s:
        keys = list(
            s.scalars(
                select(ApiKey).where(
                    ApiKey.revoked_at.is_(None),
                    or_(ApiKey.name == name_or_prefix, ApiKey.prefix == name_or_prefix[:10]),
                )
            )
        )
        if len(name_or_prefix) < 10:
            keys = [k for k in keys if k.name == name_or_prefix]
        for k in keys:
            k.revoked_at = utcnow()
    if not keys:
        raise click.ClickException(f"no active API key named or starting with {name_or_prefix!r}")
    click.echo(f"revoked {len(keys)} key(s); running servers stop accepting them within 5 seconds")
