from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, register
from claimscrub.icd10 import billable_codes
from claimscrub.model import Severity


@register
class DX002(Rule):
    """Diagnosis code is not a valid billable ICD-10-CM code.

    **What it does.** Checks every diagnosis code of a claim against the CDC
    ICD-10-CM code set shipped by the maintained `simple-icd-10-cm` package. A code
    must exist and be billable (the most specific level: `F41` is a category, not
    a billable code; `F41.1` is). One finding per invalid code per claim, on the
    claim's first line. Codes may be written with or without the dot.

    **Why it matters.** Claims with invalid or non-billable diagnosis codes are
    rejected before adjudication (CARC 16 / RARC M76).

    **Example.** `F33.1;F41`: DX002 naming `F41`.

    **Fix.** Use the complete code (e.g. `F41.1`, `F41.9`).

    **Source.** CDC ICD-10-CM (via simple-icd-10-cm); HIPAA code-set rule.
    """

    id = "DX002"
    name = "invalid-diagnosis-code"
    severity = Severity.ERROR
    summary = "a diagnosis code is not a valid billable ICD-10-CM code"

    def find(self, ctx: Context) -> pl.LazyFrame:
        # Validate each distinct diagnosis list once (a batch has few), then touch only the
        # lines whose list holds an invalid code.
        lists = ctx.lines.select(pl.col("icd10").unique()).filter(pl.col("icd10") != "")
        codes = lists.select(pl.col("icd10").str.split(";").explode().unique())["icd10"]
        bad = sorted(set(codes.to_list()) - billable_codes())  # distinct codes, not claims
        invalid = (
            lists.with_columns(pl.col("icd10").str.split(";").alias("_invalid"))
            .explode("_invalid")
            .filter(pl.col("_invalid").is_in(bad))
            .group_by("icd10", maintain_order=True)
            .agg("_invalid")
        )
        first_row = ctx.lf.filter(pl.col("claim_id").is_first_distinct()).select("claim_id", "_row")
        return (
            ctx.lf.select("claim_id", "icd10")
            .join(invalid.lazy(), on="icd10", how="inner", maintain_order="left")
            .explode("_invalid")
            .unique(["claim_id", "_invalid"], maintain_order=True)
            .join(first_row, on="claim_id", how="left")
            .select(
                pl.col("_row"),
                pl.format("diagnosis {} is not a valid billable ICD-10-CM code", "_invalid").alias("message"),
                pl.format(
                    "Replace {} with a complete, billable ICD-10-CM code from the note.", "_invalid"
                ).alias("fix"),
            )
        )
