from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, register
from claimscrub.model import Severity
from claimscrub.rules.in001 import NO_FINDINGS


@register
class IN002(Rule):
    """X12 envelope or count error.

    **What it does.** In an X12 837P, checks the counts and control numbers the
    receiver checks first: SE01 (segments in the transaction set), SE02 = ST02,
    GE01 (transaction sets in the group), GE02 = GS06, IEA01 (groups in the
    interchange), IEA02 = ISA13. A mismatch is one IN002 on the first service line
    of the transaction (for GE/IEA: the first of the group or interchange). The
    claims in it are still checked.

    **Why it matters.** The receiver's 999 acknowledgment rejects the whole
    transaction set (or group, or interchange) for a count or control-number
    error, before any claim in it is read.

    **Example.** SE01 says 38 segments, the transaction has 40: IN002 "SE01
    segment count is wrong (counted 40)".

    **Fix.** Regenerate the file from the billing software, or correct the count
    or control number.

    **Source.** ASC X12 005010X222A1 (837P) and 005010X231A1 (999)
    implementation guides: envelope and control segments.
    """

    id = "IN002"
    name = "x12-envelope-error"
    severity = Severity.ERROR
    summary = "an X12 envelope or count error (SE01, GE01, IEA01, control numbers)"

    def find(self, ctx: Context) -> pl.LazyFrame:
        # Found by the X12 reader (claimscrub.readers.x12_837), not over the canonical lines.
        return pl.LazyFrame(schema=NO_FINDINGS)
