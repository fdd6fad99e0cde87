"""``claimscrub audit``, ``claimscrub review``, ``claimscrub demo-history``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from claimscrub.commands.store import db_option, store_errors


def _fail(msg: str) -> None:
    click.echo(f"claimscrub: error: {msg}", err=True)
    sys.exit(2)


def register(main: click.Group) -> None:
    @main.command("audit")
    @db_option
    @click.option(
        "--format", "fmt", type=click.Choice(["html", "csv", "json"]), default="html", show_default=True
    )
    @click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the report here.")
    @click.option(
        "--providers",
        type=click.Path(path_type=Path),
        help="Provider roster CSV (provider_npi, provider_name): show providers by name.",
    )
    @store_errors
    def audit_cmd(db, fmt, output, providers):  # type: ignore[no-untyped-def]
        """Provider profiles against peers of the same credential class, with risk reasons."""
        from claimscrub.audit.html_page import load_names
        from claimscrub.audit.report import EmptyHistory, audit_data, render_audit
        from claimscrub.cli import emit
        from claimscrub.store import open_store, resolve_url

        names = load_names(providers)

        engine = open_store(resolve_url(db), create=False)
        try:
            prof, cmp = audit_data(engine)
        except EmptyHistory as exc:
            _fail(str(exc))
        finally:
            engine.dispose()
        emit(render_audit(prof, cmp, fmt, names), output)

    @main.command("review")
    @click.option("--month", required=True, metavar="YYYY-MM", help="Month of service to review.")
    @db_option
    @click.option(
        "--format", "fmt", type=click.Choice(["html", "json", "csv"]), default="html", show_default=True
    )
    @click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the report here.")
    @click.option(
        "--providers",
        type=click.Path(path_type=Path),
        help="Provider roster CSV (provider_npi, provider_name): show providers by name.",
    )
    @store_errors
    def review_cmd(month, db, fmt, output, providers):  # type: ignore[no-untyped-def]
        """Periodic billing review: findings by rule and provider, money at risk, change vs last month."""
        from claimscrub.audit.html_page import load_names
        from claimscrub.audit.review import ReviewError, render_review, review_data
        from claimscrub.cli import emit
        from claimscrub.store import open_store, resolve_url

        names = load_names(providers)

        engine = open_store(resolve_url(db), create=False)
        try:
            data = review_data(engine, month)
        except ReviewError as exc:
            _fail(str(exc))
        finally:
            engine.dispose()
        emit(render_review(data, fmt, names), output)

    @main.command("demo-history")
    @click.option("--months", type=click.IntRange(1, 36), default=6, show_default=True)
    @click.option(
        "--out",
        "out",
        type=click.Path(path_type=Path),
        required=True,
        help="Folder for the claim CSVs, 835s and roster.",
    )
    @click.option("--end", metavar="YYYY-MM", help="Last month (default: last month before today).")
    @click.option("--seed", type=int, default=7, show_default=True)
    def demo_history(months, out, end, seed):  # type: ignore[no-untyped-def]
        """Write a synthetic claim history (CSV per month, with notes), the payers' 835s and a roster."""
        import re

        from claimscrub.audit.synth import generate

        if end is not None and not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", end):
            _fail(f"--end must be YYYY-MM, got {end!r}")
        if out.exists() and not out.is_dir():
            _fail(f"{out}: exists and is not a folder")
        try:
            files = generate(out, months, end=end, seed=seed)
        except OSError as exc:
            _fail(f"{out}: cannot write ({exc.strerror})")
        for f in files:
            click.echo(f"wrote {f}")
