"""``claimscrub users add NAME --role ROLE | list | passwd NAME | role NAME ROLE | disable NAME``."""

from __future__ import annotations

import os

import click

from claimscrub.commands.apikey import _url, db_option

PASSWORD_ENV = "CLAIMSCRUB_PASSWORD"


def register(main: click.Group) -> None:
    main.add_command(users)


def _password() -> str:
    from claimscrub.web.security import password_problem

    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    return password


@click.group()
def users() -> None:
    """Web app users (roles: biller, auditor, admin)."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["biller", "auditor", "admin"]), required=True)
@db_option
def add(name: str, role: str, db: str | None) -> None:
    """Add a user; the password is prompted for (or read from $CLAIMSCRUB_PASSWORD)."""
    from sqlalchemy import select

    from claimscrub.web.db import session_scope
    from claimscrub.web.models import User
    from claimscrub.web.security import hash_password
    from claimscrub.web.views import user_problem

    problem = user_problem(name, role)
    if problem:
        raise click.ClickException(problem)
    url = _url(db)
    with session_scope(url) as s:
        if s.scalars(select(User).where(User.name == name)).one_or_none() is not None:
            raise click.ClickException(f"user {name} already exists (use `claimscrub users passwd`)")
    password_hash = hash_password(_password())
    with session_scope(url) as s:
        s.add(User(name=name, role=role, password_hash=password_hash))
    click.echo(f"user {name} added ({role})")


@users.command("list")
@db_option
def list_users(db: str | None) -> None:
    from sqlalchemy import select

    from claimscrub.web.db import session_scope
    from claimscrub.web.models import User
    from claimscrub.web.security import fmt_time

    with session_scope(_url(db)) as s:
        rows = list(s.scalars(select(User).order_by(User.name)))
    if not rows:
        click.echo("no users; add one with `claimscrub users add NAME --role admin`")
    for u in rows:
        state = "active" if u.active else "disabled"
        click.echo(f"{u.name:<24} {u.role:<8} {state:<8} last sign-in {fmt_time(u.last_login_at)}")


def _change(name: str, db: str | None, **values: object) -> None:
    from sqlalchemy import select

    from claimscrub.web import sessions
    from claimscrub.web.db import session_scope
    from claimscrub.web.models import User

    with session_scope(_url(db)) as s:
        user = s.scalars(select(User).where(User.name == name)).one_or_none()
        if user is None:
            raise click.ClickException(f"no user named {name}")
        for k, v in values.items():
            setattr(user, k, v)
        sessions.end_all(s, user.id)  # a running server refuses their cookies from now on


@users.command("passwd")
@click.argument("name")
@db_option
def passwd(name: str, db: str | None) -> None:
    """Set a user's password (signs them out everywhere)."""
    from claimscrub.web.security import hash_password

    _change(name, db, password_hash=hash_password(_password()))
    click.echo(f"password of {name} changed")


@users.command("disable")
@click.argument("name")
@db_option
def disable(name: str, db: str | None) -> None:
    """Disable a user (their sessions end at once, in every running server)."""
    _change(name, db, active=False)
    click.echo(f"user {name} disabled")


@users.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(["biller", "auditor", "admin"]))
@db_option
def set_role(name: str, role: str, db: str | None) -> None:
    """Change a user's role (signs them out everywhere)."""
    _change(name, db, role=role)
    click.echo(f"user {name} is now {role}")


@users.command("enable")
@click.argument("name")
@db_option
def enable(name: str, db: str | None) -> None:
    _change(name, db, active=True)
    click.echo(f"user {name} enabled")
