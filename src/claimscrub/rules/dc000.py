from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity
from claimscrub.rules._notes import first_in_claim


@register
class DC000(Rule):
    """90863 billed without a note: documentation not checked.

    **What it does.** Once per claim: reports, on the 90863 line, that the claim
    carries no clinical note (neither the `note` column nor `--notes DIR/<claim_id>.txt`),
    so the documentation rules DC001-DC003 could not run.

    **Why it matters.** Payers and auditors deny 90863 when the record does not
    show the medication management. An unchecked 90863 is an unknown risk.

    **Example.** `90834` + `90863` with no note: DC000 (info).

    **Fix.** Attach the note (`note` column or `--notes DIR`) and check again.

    **Source.** Texas Medicaid TMPPM §6.9.3; medication-management content
    (facts.md §2.13).
    """

    id = "DC000"
    name = "pharm-mgmt-note-missing"
    severity = Severity.INFO
    summary = "90863 billed but no note given: documentation not checked"
    codes = ("90863",)

    def triggers(self, ctx: Context) -> frozenset[str]:
        return ctx.kb.codes("pharm_mgmt")

    def find(self, ctx: Context) -> pl.LazyFrame:
        return fired(
            first_in_claim(ctx.lf, ctx.is_code("pharm_mgmt")),
            pl.col("note").is_null(),
            pl.lit("no clinical note supplied for this claim; 90863 documentation not checked"),
            "Supply the note (note column or --notes DIR) to check the medication-management documentation.",
        )
