from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity
from claimscrub.rules._notes import first_in_claim, with_note_facts

RECOMMENDED = {
    "response": "response to medication",
    "side_effects": "side effects",
    "adherence": "adherence",
    "rationale": "rationale for the decision",
}


@register
class DC003(Rule):
    """90863 note lacks recommended medication-management elements.

    **What it does.** Once per claim with 90863 whose note documents a medication
    and a decision: names the recommended elements the note lacks - response to the
    medication, side effects (reported or denied both count), adherence, and the
    rationale for the decision (one finding listing all missing ones).

    **Why it matters.** Auditors look for these elements; a thin note is the
    pattern the seed guide warns triggers audits.

    **Example.** "Sertraline 100 mg, continue." with 90834 + 90863: DC003 naming
    response, side effects, adherence and rationale.

    **Fix.** Add the missing elements; `claimscrub template 90863` lists them.

    **Source.** Texas Medicaid TMPPM §6.9.3 (symptoms indicating adjustment, labs for
    side effects); secondary auditor checklists (facts.md §2.13).
    """

    id = "DC003"
    name = "pharm-mgmt-note-incomplete"
    severity = Severity.WARNING
    summary = "90863 note lacks response, side effects, adherence or rationale"
    codes = ("90863",)

    reads_notes = True

    def triggers(self, ctx: Context) -> frozenset[str]:
        return ctx.kb.codes("pharm_mgmt")

    def find(self, ctx: Context) -> pl.LazyFrame:
        missing = pl.concat_str(
            [pl.when(~pl.col(k)).then(pl.lit(label)) for k, label in RECOMMENDED.items()],
            separator=", ",
            ignore_nulls=True,
        )
        incomplete = pl.any_horizontal([~pl.col(k) for k in RECOMMENDED])
        return fired(
            first_in_claim(with_note_facts(ctx), ctx.is_code("pharm_mgmt")),
            ~pl.col("not_performed") & pl.col("medication") & pl.col("action") & incomplete,
            pl.format("the 90863 note does not document: {}", missing),
            pl.format("Add to the note: {}.", missing),
        )
