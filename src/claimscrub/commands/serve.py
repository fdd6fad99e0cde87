"""``claimscrub serve``: the web app and the REST API (docs/web.md)."""

from __future__ import annotations

import os
from pathlib import Path

import click


def register(main: click.Group) -> None:
    main.add_command(serve)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--db", help="Database: SQLAlchemy URL or SQLite file (default $CLAIMSCRUB_DB or ./claimscrub.db)."
)
@click.option("--data-dir", type=click.Path(path_type=Path), help="Where uploaded batch files are kept.")
@click.option("--workers", default=1, show_default=True, type=int, help="Server processes.")
@click.option("--max-body-mb", default=10, show_default=True, type=int, help="Largest API request.")
@click.option("--max-upload-mb", default=200, show_default=True, type=int, help="Largest batch upload.")
@click.option("--secure-cookies", is_flag=True, help="Always mark the session cookie Secure (https only).")
@click.option("--proxy-headers", is_flag=True, help="Trust X-Forwarded-Proto/For from --forwarded-allow-ips.")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True)
@click.option(
    "--session-hours", default=12.0, show_default=True, type=float, help="Sign-in lasts at most this long."
)
@click.option(
    "--session-idle-minutes",
    default=30.0,
    show_default=True,
    type=float,
    help="A session unused this long ends.",
)
@click.option(
    "--client-timeout",
    default=30.0,
    show_default=True,
    type=float,
    help="Seconds a client may stay silent while sending a request (headers or body) before "
    "the connection is closed; idle keep-alive connections close after 5 s.",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Log each request line (paths only; never bodies).",
)
def serve(
    host,
    port,
    db,
    data_dir,
    workers,
    max_body_mb,
    max_upload_mb,
    secure_cookies,  # type: ignore[no-untyped-def]
    proxy_headers,
    forwarded_allow_ips,
    access_log,
    session_hours,
    session_idle_minutes,
    client_timeout,
) -> None:
    """Start the web app and the REST API (/api/v1) on the embedded database."""
    import uvicorn

    from claimscrub.web.config import Settings
    from claimscrub.web.db import init_db

    settings = Settings(
        db=db or os.environ.get("CLAIMSCRUB_DB") or "claimscrub.db",
        data_dir=data_dir,
        max_body=max_body_mb * 1024 * 1024,
        max_upload=max_upload_mb * 1024 * 1024,
        secure_cookies=secure_cookies,
        session_hours=session_hours,
        session_idle_minutes=session_idle_minutes,
        client_timeout=client_timeout,
    )
    init_db(settings.url)  # migrate once, before workers start
    os.environ.update(settings.to_env())
    if workers > 1:
        # one Polars thread per worker process: the workers already use every core
        os.environ.setdefault("POLARS_MAX_THREADS", "1")
    click.echo(f"claimscrub: serving http://{host}:{port}/ (API /api/v1, {workers} worker(s))", err=True)
    uvicorn.run(
        "claimscrub.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
        access_log=access_log,
        log_level="info",
        server_header=False,
        http="claimscrub.web.protocol:GuardedH11Protocol",
        timeout_keep_alive=5,
    )
