from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity
from claimscrub.rules._helpers import band_fit, band_text, standalone_to_addon


@register
class PT002(Rule):
    """Psychotherapy minutes do not fit the billed code.

    **What it does.** For a psychotherapy line with 16 or more recorded minutes,
    checks the minutes against the code's time band: 90832/90833 16-37,
    90834/90836 38-52, 90837/90838 53 or more (`data/time_bands.csv`). The fix
    names the code of the same kind (standalone or E/M add-on) that fits; a
    standalone code in an encounter with an E/M code is recoded to the add-on that
    fits (90834 for 60 minutes next to 99214: 90838, not 90837, which PT004 rejects).

    **Why it matters.** Time-based psychotherapy codes are chosen by documented
    time. A 45-minute session billed as 90837 is upcoding; as 90832 it is
    undercoding. "Time not substantiated" is a top Medicare review finding.

    **Example.** `90837` with `minutes` = 45: PT002, fix "bill 90834".

    **Fix.** Bill the code whose band holds the psychotherapy minutes (time spent
    on E/M or medication management does not count).
    `claimscrub fix` applies this change.

    **Source.** Novitas, NGS, APA time rule; Noridian JE on separate E/M time
    (facts.md §2.5).
    """

    id = "PT002"
    name = "psychotherapy-minutes-do-not-fit-code"
    severity = Severity.ERROR
    summary = "recorded minutes (>= 16) do not fit the psychotherapy code"
    codes = ("90832", "90833", "90834", "90836", "90837", "90838")

    def triggers(self, ctx: Context) -> frozenset[str]:
        return ctx.kb.codes("psychotherapy")

    def find(self, ctx: Context) -> pl.LazyFrame:
        shortest = min(b.min_minutes for b in ctx.kb.time_bands)
        fit = band_fit(ctx)
        return fired(
            ctx.lf.with_columns(self.recode(ctx).alias("_recode")),
            ctx.is_code("psychotherapy") & (pl.col("minutes") >= shortest) & (fit != pl.col("cpt")),
            pl.format(
                "{} requires {} minutes of psychotherapy but {} minutes are recorded",
                pl.col("cpt"),
                band_text(ctx),
                pl.col("minutes"),
            ),
            pl.format("Bill {} for {} minutes of psychotherapy.", pl.col("_recode"), pl.col("minutes")),
        )

    @staticmethod
    def recode(ctx: Context) -> pl.Expr:
        """The code that fits the minutes; with an E/M code in the encounter a standalone
        code becomes its add-on (PT004), so the recode does not trade one error for another."""
        _, em = ctx.kb.exclusions["PT004"]
        fit = band_fit(ctx)
        to_addon = standalone_to_addon(ctx)
        return (
            pl.when(pl.col("cpt").is_in(sorted(to_addon)) & ctx.encounter_has(em))
            .then(fit.replace(to_addon))
            .otherwise(fit)
        )

    def autofix(self, ctx: Context) -> pl.LazyFrame:
        return (
            self.find(ctx)
            .join(ctx.lf.with_columns(self.recode(ctx).alias("_recode")), on="_row")
            .select("_row", pl.lit("cpt").alias("field"), pl.col("_recode").alias("value"))
        )
