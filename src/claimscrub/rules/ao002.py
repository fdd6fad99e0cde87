from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity


@register
class AO002(Rule):
    """90863 billed with E/M, a psychotherapy add-on or crisis psychotherapy.

    **What it does.** Flags the 90863 line when the same encounter also has an E/M
    code, 90833/90836/90838, 90839 or 90840 (`data/exclusions.yaml`, entry AO002).

    **Why it matters.** 90863 exists for practitioners who *cannot* report E/M
    (prescribing psychologists). Anyone billing an E/M already reports medication
    management through the E/M; 90863 on top is a duplicate payment request. 90863
    is also not reported with crisis psychotherapy. Payers deny it (CO-236/CO-97).

    **Example.** `99214` + `90836` + `90863`: AO002 on the 90863 line.

    **Fix.** Remove 90863: the medication management is part of the E/M service.
    For crisis sessions, bill 90839/90840 only.

    **Source.** TRICARE Policy Manual 6010.60-M ch. 7 §3.13 (2.1.1-2.1.2); APA 2013
    materials; BCBS IL psychiatry policy (facts.md §2.2, §2.3).
    """

    id = "AO002"
    name = "pharm-mgmt-with-em-or-crisis"
    severity = Severity.ERROR
    summary = "90863 in the same encounter as an E/M code, 90833/90836/90838, 90839 or 90840"
    codes = ("90863",)

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
                "{} billed in the same encounter as {}; medication management is part of "
                "the E/M service and 90863 is not reported with crisis psychotherapy",
                pl.col("cpt"),
                pl.col("_other"),
            ),
            "Remove the 90863 line; the E/M code already covers medication management "
            "(for crisis sessions bill 90839/90840 alone).",
        )
