from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity


@register
class PT001(Rule):
    """Psychotherapy under 16 minutes.

    **What it does.** Flags a psychotherapy line (90832-90838) whose `minutes`
    column is below the shortest time band (16 minutes, `data/time_bands.csv`).

    **Why it matters.** No psychotherapy code may be reported for a session under
    16 minutes; Medicare contractors deny it and auditors recoup it.

    **Example.** `90832` with `minutes` = 12: PT001.

    **Fix.** Do not bill psychotherapy for this session. A prescriber reports the
    visit with the E/M code alone.

    **Source.** Novitas: "Do not report psychotherapy codes for any session lasting
    less than 16 minutes" (facts.md §2.5).
    """

    id = "PT001"
    name = "psychotherapy-under-16-minutes"
    severity = Severity.ERROR
    summary = "a psychotherapy line (90832-90838) with minutes < 16"
    codes = ("90832", "90833", "90834", "90836", "90837", "90838")

    def triggers(self, ctx: Context) -> frozenset[str]:
        return ctx.kb.codes("psychotherapy")

    def find(self, ctx: Context) -> pl.LazyFrame:
        shortest = min(b.min_minutes for b in ctx.kb.time_bands)
        return fired(
            ctx.lf,
            ctx.is_code("psychotherapy") & (pl.col("minutes") < shortest),
            pl.format(
                "{} billed for {} minutes of psychotherapy; the minimum is {} minutes",
                pl.col("cpt"),
                pl.col("minutes"),
                pl.lit(shortest),
            ),
            "Remove the psychotherapy line; report the visit with the E/M code alone if one applies.",
        )
