from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity

NPI_PREFIX_SUM = 24  # Luhn sum of the card-issuer prefix 80840 that precedes every NPI


def npi_is_valid(col: str = "provider_npi") -> pl.Expr:
    """Vectorized NPI check digit (Luhn over '80840' + the first 9 digits)."""
    npi = pl.col(col)
    total = pl.lit(NPI_PREFIX_SUM)
    for i in range(9):
        digit = npi.str.slice(i, 1).cast(pl.Int32, strict=False)
        if i % 2 == 0:  # doubled: positions 1,3,5,7,9 counting from the left
            digit = digit * 2
            digit = digit // 10 + digit % 10
        total = total + digit
    check = (10 - total % 10) % 10
    last = npi.str.slice(9, 1).cast(pl.Int32, strict=False)
    return npi.str.contains(r"^\d{10}$").fill_null(False) & (check == last).fill_null(False)


@register
class FM001(Rule):
    """Rendering NPI fails the check digit.

    **What it does.** Checks that `provider_npi` has 10 digits whose last digit is
    the Luhn check digit computed over the prefix 80840 and the first 9 digits.

    **Why it matters.** A mistyped NPI is rejected by the clearinghouse or the
    payer before adjudication (front-end rejection), delaying payment.

    **Example.** `1234567890`: FM001 (the valid NPI is `1234567893`).

    **Fix.** Correct the NPI from NPPES or the provider roster.

    **Source.** CMS NPI standard (45 CFR 162.406): ISO/IEC 7812 Luhn check digit
    with prefix 80840.
    """

    id = "FM001"
    name = "npi-check-digit"
    severity = Severity.ERROR
    summary = "the rendering NPI fails the NPI check digit"

    def find(self, ctx: Context) -> pl.LazyFrame:
        npis = ctx.lines.select(pl.col("provider_npi").unique())
        invalid = npis.filter(~npi_is_valid())["provider_npi"]
        return fired(
            ctx.lf,
            pl.col("provider_npi").is_in(invalid.implode()),
            pl.lit("the rendering provider NPI is not a valid NPI (10 digits with check digit)"),
            "Correct the rendering NPI (look it up in NPPES or the provider roster).",
        )
