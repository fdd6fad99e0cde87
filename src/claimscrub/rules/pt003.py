from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity


@register
class PT003(Rule):
    """Psychotherapy time not recorded.

    **What it does.** Flags a time-based psychotherapy line (90832-90838) with an
    empty `minutes` column on a claim that has no note to read the time from.
    When the claim has a note, DC004 reads the time from the note instead.

    **Why it matters.** The code is chosen by psychotherapy time; without the time
    neither the checker nor an auditor can confirm it. "Lack of documentation of
    face-to-face time" is the most cited Medicare CERT error for psychotherapy.

    **Example.** `90834` with `minutes` empty and no note: PT003.

    **Fix.** Record the psychotherapy minutes (or start and stop times) in the
    export, or supply the note (`note` column or `--notes DIR`).

    **Source.** CGS ADR list 2021; Novitas CERT findings (facts.md §2.13).
    """

    id = "PT003"
    name = "psychotherapy-time-missing"
    severity = Severity.WARNING
    summary = "a time-based psychotherapy line with no minutes recorded and no note"
    codes = ("90832", "90833", "90834", "90836", "90837", "90838")

    def triggers(self, ctx: Context) -> frozenset[str]:
        return ctx.kb.codes("psychotherapy")

    def find(self, ctx: Context) -> pl.LazyFrame:
        return fired(
            ctx.lf,
            ctx.is_code("psychotherapy") & pl.col("minutes").is_null() & pl.col("note").is_null(),
            pl.format("{} is a time-based code but no psychotherapy minutes are recorded", pl.col("cpt")),
            "Record the psychotherapy minutes (separately from E/M or medication-management "
            "time) or attach the note.",
        )
