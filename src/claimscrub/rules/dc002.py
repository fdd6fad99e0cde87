from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity
from claimscrub.rules._notes import first_in_claim, with_note_facts


@register
class DC002(Rule):
    """90863 billed but the note says medication management was not done.

    **What it does.** Once per claim with 90863: flags a note that states medication
    management did not happen at this visit ("medications not reviewed today",
    "med management deferred to PCP", "session focused on therapy only, did not
    address meds"). A negated statement is read as such: "denies side effects" is
    a documented review, not a missing one.

    **Why it matters.** Billing a service the record says was not performed is the
    clearest audit finding there is.

    **Example.** "Deferred medication review to next visit at pt request." with
    90834 + 90863: DC002.

    **Fix.** Remove 90863 from this claim.

    **Source.** Definition of 90863 (AMA descriptor via Coding Ahead; facts.md §2.1).
    """

    id = "DC002"
    name = "pharm-mgmt-not-performed"
    severity = Severity.ERROR
    summary = "90863 billed but the note states medication management was not done"
    codes = ("90863",)

    reads_notes = True

    def triggers(self, ctx: Context) -> frozenset[str]:
        return ctx.kb.codes("pharm_mgmt")

    def find(self, ctx: Context) -> pl.LazyFrame:
        return fired(
            first_in_claim(with_note_facts(ctx), ctx.is_code("pharm_mgmt")),
            pl.col("not_performed"),
            pl.lit("the note states that medication management was not done at this visit"),
            "Remove 90863: the note says medication management was not performed.",
        )
