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


_CHECKED: dict[str, bool] = {}  # NPI -> valid, as npi_is_valid computed it (a process memo)
_CHECKED_MAX = 200_000


def invalid_npis(npis: list[str]) -> list[str]:
    """The NPIs of ``npis`` that fail :func:`npi_is_valid`. Each NPI is evaluated once per
    process: a practice bills from a few NPIs, and the check-digit expression costs more to
    evaluate than a whole one-claim check's other rules."""
    new = [n for n in npis if n not in _CHECKED]
    if new:
        valid = pl.DataFrame({"provider_npi": new}, schema={"provider_npi": pl.String}).select(npi_is_valid())
        if len(_CHECKED) + len(new) > _CHECKED_MAX:
            _CHECKED.clear()
        checked = dict(zip(new, valid.to_series().to_list(), strict=True))
        _CHECKED.update(checked)
    else:
        checked = {}
    return [n for n in npis if not checked.get(n, _CHECKED.get(n, True))]


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
        invalid = invalid_npis(ctx.lines.get_column("provider_npi").drop_nulls().unique().to_list())
        return fired(
            ctx.lf,
            pl.col("provider_npi").is_in(pl.Series(invalid, dtype=pl.String).implode()),
            pl.lit("the rendering provider NPI is not a valid NPI (10 digits with check digit)"),
            "Correct the rendering NPI (look it up in NPPES or the provider roster).",
        )
