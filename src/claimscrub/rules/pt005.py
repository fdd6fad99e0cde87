from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity


@register
class PT005(Rule):
    """Crisis psychotherapy billed with other psychotherapy or evaluation codes.

    **What it does.** Flags the crisis line (90839/90840) when the same encounter
    has 90832-90838, 90785, 90791 or 90792 (`data/exclusions.yaml`, entry PT005).

    **Why it matters.** Crisis psychotherapy "cannot be reported in addition to the
    psychotherapy codes 90832-90838"; NCCI bundles these pairs (modifier indicator 0),
    so only one side is paid.

    **Example.** `90839` + `90832`: PT005 on the 90839 line.

    **Fix.** Bill either crisis psychotherapy (90839, +90840 past 74 minutes) or the
    regular psychotherapy/evaluation code, whichever the note supports.

    **Source.** CPT guideline via AAPC; NCCI 19.0; BCBS IL (facts.md §2.6).
    """

    id = "PT005"
    name = "crisis-with-other-psychotherapy"
    severity = Severity.ERROR
    summary = "90839/90840 in the same encounter as 90832-90838, 90785, 90791 or 90792"
    codes = ("90839", "90840")

    def triggers(self, ctx: Context) -> frozenset[str]:
        return ctx.kb.exclusions[self.id][0]

    def find(self, ctx: Context) -> pl.LazyFrame:
        codes, not_with = ctx.kb.exclusions[self.id]
        other = sorted(not_with)
        hits = ctx.lf.filter(pl.col("cpt").is_in(sorted(codes)) & ctx.encounter_has(other))
        return fired(
            ctx.first_code_of(other, hits),
            pl.lit(True),
            pl.format(
                "crisis psychotherapy {} billed in the same encounter as {}",
                pl.col("cpt"),
                pl.col("_other"),
            ),
            "Bill either the crisis codes (90839/90840) or the other psychotherapy or "
            "evaluation code, not both, as the note supports.",
        )
