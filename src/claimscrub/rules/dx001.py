from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity


@register
class DX001(Rule):
    """No mental or behavioral diagnosis on a psychotherapy or 90863 claim.

    **What it does.** Once per claim: flags a claim that bills psychotherapy
    (90832-90838) or 90863 but whose diagnosis codes (all lines of the claim) include
    no ICD-10-CM chapter 5 code (F01-F99). The finding sits on the claim's first line.
    An F code counts even when DX002 rejects it as not billable.

    **Why it matters.** Psychotherapy and pharmacologic management must be
    medically necessary for a mental or behavioral condition; payers' mental-health
    policies deny them without one.

    **Example.** `90834` with diagnosis `Z00.00` only: DX001.

    **Fix.** Add the treated F-code diagnosis (e.g. F33.1) to the claim.

    **Source.** CGS ADR list (diagnoses, medical necessity) (facts.md §2.13).
    """

    id = "DX001"
    name = "no-mental-health-diagnosis"
    severity = Severity.WARNING
    summary = "a psychotherapy or 90863 claim has no mental/behavioral diagnosis (F01-F99)"

    def triggers(self, ctx: Context) -> frozenset[str]:
        return ctx.kb.codes("mental_health_services")

    def find(self, ctx: Context) -> pl.LazyFrame:
        with_mh = ctx.lf.filter(ctx.is_code("mental_health_services")).select("claim_id").unique()
        with_f = ctx.lf.filter(has_mental_health_dx()).select("claim_id").unique()
        first_line = ctx.lf.filter(pl.col("claim_id").is_first_distinct())
        return fired(
            first_line.join(with_mh, on="claim_id", how="semi").join(with_f, on="claim_id", how="anti"),
            pl.lit(True),
            pl.lit("the claim bills mental-health services but has no F01-F99 diagnosis"),
            "Add the mental or behavioral diagnosis treated at this visit (ICD-10-CM F01-F99).",
        )


def has_mental_health_dx() -> pl.Expr:
    """The line's diagnosis list (';'-joined, no dots) has an ICD-10-CM chapter 5 code."""
    return pl.col("icd10").str.contains(r"(^|;)F\d")
