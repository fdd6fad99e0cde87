from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity
from claimscrub.rules._notes import first_in_claim, with_note_facts


@register
class DC001(Rule):
    """90863 billed but the note documents no medication management.

    **What it does.** Once per claim with 90863 and a note: flags the note when it
    names no current medication, or records no decision about medication at this
    visit (start, change, continue, stop, refill, hold). Not raised when DC002
    applies (the note says management was not done).

    **Why it matters.** 90863 pays for pharmacologic management; a note without a
    medication and a decision does not support it, and the payment is recouped.

    **Example.** Note: "CBT for panic, 45 minutes. Continue weekly therapy." with
    90834 + 90863: DC001 (no medication named; "continue therapy" is not a
    medication decision).

    **Fix.** Document the medication(s) and the decision taken, or remove 90863.
    `claimscrub template 90863` prints a note template.

    **Source.** Texas Medicaid TMPPM §6.9.3; seed guide "Documentation Requirements";
    auditors' typical elements (facts.md §2.13).
    """

    id = "DC001"
    name = "pharm-mgmt-not-documented"
    severity = Severity.ERROR
    summary = "90863 billed but the note documents no medication management"
    codes = ("90863",)

    reads_notes = True

    def triggers(self, ctx: Context) -> frozenset[str]:
        return ctx.kb.codes("pharm_mgmt")

    def find(self, ctx: Context) -> pl.LazyFrame:
        missing = pl.concat_str(
            pl.when(~pl.col("medication")).then(pl.lit("no current medication named")),
            pl.when(~pl.col("action")).then(pl.lit("no medication decision recorded")),
            separator="; ",
            ignore_nulls=True,
        )
        return fired(
            first_in_claim(with_note_facts(ctx), ctx.is_code("pharm_mgmt")),
            ~pl.col("not_performed") & ~(pl.col("medication") & pl.col("action")),
            pl.format("the note does not support 90863: {}", missing),
            "Document the current medication(s) and the decision taken at this visit, or remove 90863.",
        )
