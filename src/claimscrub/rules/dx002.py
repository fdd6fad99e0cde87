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
    a billable code; `F41.1` is). One finding on each line whose `icd10` holds an
    invalid code, naming every invalid code of that line. Codes may be written with
    or without the dot.

    **Why it matters.** Claims with invalid or non-billable diagnosis codes are
    rejected before adjudication (CARC 16 / RARC M76).

    **Example.** `F33.1;F41`: DX002 naming `F41`; `F41;X99`: one DX002 naming both.

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
            .unique(["icd10", "_invalid"], maintain_order=True)
            .group_by("icd10", maintain_order=True)
            .agg(pl.col("_invalid").str.join(", "), pl.len().alias("_n"))
        )
        return (
            ctx.lf.select("_row", "icd10")
            .join(invalid.lazy(), on="icd10", how="inner", maintain_order="left")
            .select(
                pl.col("_row"),
                pl.when(pl.col("_n") == 1)
                .then(pl.format("diagnosis {} is not a valid billable ICD-10-CM code", "_invalid"))
                .otherwise(pl.format("diagnoses {} are not valid billable ICD-10-CM codes", "_invalid"))
                .alias("message"),
                pl.format(
                    "Replace {} with complete, billable ICD-10-CM codes from the note.", "_invalid"
                ).alias("fix"),
            )
        )
