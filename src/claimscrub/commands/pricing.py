"""`claimscrub price` (expected payment per line) and `claimscrub data load-pfs` (new PFS year)."""

from __future__ import annotations

import json
from pathlib import Path

import click
import polars as pl

from claimscrub.writers.atomic import write_atomic
from claimscrub.writers.csv_report import neutralize_formulas
from claimscrub.writers.money import usd

LINE_COLUMNS = ["claim_id", "line_no", "cpt", "modifiers", "units", "policy", "pos"]


def register(main: click.Group) -> None:
    main.add_command(price)
    main.add_command(data)


@click.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path), required=True)
@click.option("--providers", type=click.Path(path_type=Path), help="Provider roster CSV.")
@click.option("--policies", "policy_dir", type=click.Path(path_type=Path))
@click.option("--input-format", type=click.Choice(["csv", "x12", "fhir"]))
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text")
@click.option("--output", "-o", type=click.Path(path_type=Path))
def price(inputs, providers, policy_dir, input_format, fmt, output):  # type: ignore[no-untyped-def]
    """Expected payment of every line under its payer's fee schedule (no rule report)."""
    from claimscrub.pricing import jsonable, price_lines
    from claimscrub.service import CheckOptions, load_lines

    opts = CheckOptions(providers=providers, policy_dir=policy_dir, input_format=input_format)
    lines = load_lines(list(inputs), opts)
    priced = lines.select("_row", *LINE_COLUMNS).join(price_lines(lines), on="_row").drop("_row")
    total = priced["expected_payment"].sum()
    unknown = int(priced["expected_payment"].null_count())
    if fmt == "csv":
        text = neutralize_formulas(
            priced.with_columns(pl.col("expected_payment").cast(pl.String))
        ).write_csv()
    elif fmt == "json":
        doc = {"lines": jsonable(priced.to_dicts()), "total": jsonable(total), "unknown_lines": unknown}
        text = json.dumps(doc, indent=1, default=str) + "\n"
    else:
        rows = [
            f"{r['claim_id']:<12} {r['line_no']:>3} {r['cpt']:<6} x{r['units']:<2} {r['policy']:<10} "
            f"{usd(r['expected_payment']):>12}  {r['price_basis']}"
            for r in priced.iter_rows(named=True)
        ]
        rows.append(f"total {usd(total)} on {priced.height - unknown} priced lines; {unknown} lines unknown")
        text = "\n".join(rows) + "\n"
    if output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)


@click.group()
def data() -> None:
    """Manage reference data (Medicare Physician Fee Schedule years)."""


@data.command("load-pfs")
@click.argument("directory", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--year", type=int, help="Year of the files (default: from the file names).")
def load_pfs_cmd(directory: Path, year: int | None) -> None:
    """Install a CMS PFS release (PPRRVU, GPCI, LOCCO csv files) from DIRECTORY."""
    from claimscrub.pricing import PfsError, install_pfs

    try:
        dest = install_pfs(directory, year)
    except PfsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"installed PFS into {dest}")


@data.command("years")
def years_cmd() -> None:
    """List installed PFS years."""
    from claimscrub.pricing import available_years

    click.echo(" ".join(str(y) for y in available_years()))
