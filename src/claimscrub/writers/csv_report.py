"""Findings as CSV for spreadsheets, with formula injection neutralized."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from claimscrub.model import FINDING_COLUMNS

if TYPE_CHECKING:
    from claimscrub.service import CheckResult

FORMULA_START = r"^[=+\-@\t\r]"


def neutralize_formulas(df: pl.DataFrame) -> pl.DataFrame:
    """Prefix a quote to any text cell a spreadsheet would run as a formula (OWASP)."""
    return df.with_columns(
        [
            pl.when(pl.col(c).str.contains(FORMULA_START))
            .then(pl.lit("'") + pl.col(c))
            .otherwise(pl.col(c))
            .alias(c)
            for c, t in df.schema.items()
            if t == pl.String
        ]
    )


def render_csv(result: CheckResult) -> str:
    out = result.findings.select("_row", *FINDING_COLUMNS)
    if result.prices is not None:
        prices = result.prices.select(
            "_row", pl.col("expected_payment").cast(pl.String), pl.col("price_basis")
        )
        out = out.join(prices, on="_row", how="left", maintain_order="left")
    return neutralize_formulas(out.drop("_row")).write_csv()
