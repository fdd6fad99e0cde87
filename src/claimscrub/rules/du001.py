from __future__ import annotations

import polars as pl

from claimscrub.engine.context import ENC, Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity


@register
class DU001(Rule):
    """Duplicate line.

    **What it does.** Flags every copy after the first of the same code with the
    same set of modifiers in one encounter, whether the copies sit on one claim or
    on different claims. Units are ignored; modifier order is ignored.

    **Why it matters.** Duplicates are denied (CO-18) and, when paid, become
    overpayments an auditor recovers.

    **Example.** `90834` on claim A and `90834` on claim B for the same patient,
    date and provider: DU001 on the second.

    **Fix.** Remove the duplicate line (`claimscrub fix` does). If two distinct
    services were truly performed, the right modifier (e.g. 59/XU) must say so.

    **Source.** CARC 18 (exact duplicate claim/service); NCCI add-on and MUE
    policies (facts.md §2.7).
    """

    id = "DU001"
    name = "duplicate-line"
    severity = Severity.ERROR
    summary = "the same code with the same modifiers billed twice in one encounter"

    def find(self, ctx: Context) -> pl.LazyFrame:
        key = [ENC, "cpt", "modifiers"]
        # A 64-bit key hash makes the distinct-tests cheap; the join below compares real values.
        lf = ctx.lf.with_columns(pl.struct(key).hash(seed=1).alias("_key"))
        copies = lf.filter(~pl.col("_key").is_first_distinct())
        firsts = lf.filter(pl.col("_key").is_duplicated() & pl.col("_key").is_first_distinct()).select(
            *key, pl.col("claim_id").alias("_first_claim"), pl.col("line_no").alias("_first_line")
        )
        return fired(
            copies.join(firsts, on=key, how="left"),
            pl.lit(True),
            pl.format(
                "{} duplicates claim {} line {} (same patient, date, provider and modifiers)",
                pl.col("cpt"),
                pl.col("_first_claim"),
                pl.col("_first_line"),
            ),
            "Remove the duplicate line, or add the modifier that shows a distinct service.",
        )

    def autofix(self, ctx: Context) -> pl.LazyFrame:
        return self.find(ctx).select(
            "_row", pl.lit("_delete").alias("field"), pl.lit(None, dtype=pl.String).alias("value")
        )
