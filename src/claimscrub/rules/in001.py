from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, register
from claimscrub.model import Severity

NO_FINDINGS = {"_row": pl.UInt32, "message": pl.String, "fix": pl.String}


@register
class IN001(Rule):
    """A value on the line cannot be read.

    **What it does.** Marks a line whose value is not well formed: a date that is
    neither `YYYY-MM-DD` nor `MM/DD/YYYY` (or is impossible, like `02/30/2026`), a
    code that is not `NNNNX` or `XNNNN` (`90863-95`, `9083`), a number, amount,
    place of service or `provider_rx_authority` that cannot be read, or an empty
    required value. The message names the column, never the value. The line's
    claim is not checked further; every other claim is, and the claim's readable
    lines still count in their encounters for other claims. `check --strict`
    stops at the first such line instead (exit 2).

    **Why it matters.** One bad cell in an export of ten thousand lines must not
    hold back the other claims, and the claim with the bad cell cannot be judged
    until the cell is corrected.

    **Example.** `cpt` = `90863-95`: IN001 naming `cpt` (the modifier belongs in
    `modifiers`).

    **Fix.** Correct the value in the source system and check the claim again.

    **Source.** The input contract (docs/input.md); CPT/HCPCS code format (AMA
    CPT, CMS HCPCS Level II).
    """

    id = "IN001"
    name = "unreadable-value"
    severity = Severity.ERROR
    summary = "a value on the line cannot be read; the claim is not checked further"

    def find(self, ctx: Context) -> pl.LazyFrame:
        # Found while reading (claimscrub.normalize), not over the canonical lines.
        return pl.LazyFrame(schema=NO_FINDINGS)
