from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity
from claimscrub.rules._helpers import band_text
from claimscrub.rules._notes import first_in_claim, with_note_facts


@register
class DC004(Rule):
    """Psychotherapy note gives no time, or a time that fits another code.

    **What it does.** Once per claim with psychotherapy (90832-90838) and a note:
    flags the note when it states no psychotherapy time (minutes, or start and stop
    times), or when the minutes it states fit a different code than the one billed
    (16-37 → 90832/90833, 38-52 → 90834/90836, 53+ → 90837/90838). Total visit
    time and medication-management time do not count as psychotherapy time.

    **Why it matters.** Psychotherapy codes are selected by time; "time not
    substantiated" is a top reason for recoupment in Medicare reviews.

    **Example.** 90837 billed, note "Psychotherapy 2:05-2:50 pm": 45 minutes fit
    90834, so DC004.

    **Fix.** Record the psychotherapy start/stop time or minutes, separately from
    E/M time, and bill the code that fits.

    **Source.** Novitas CERT; Noridian JE; CGS ADR list (facts.md §2.5, §2.13).
    """

    id = "DC004"
    name = "psychotherapy-time-not-documented"
    severity = Severity.WARNING
    summary = "psychotherapy billed with a note that gives no time, or minutes for another code"
    codes = ("90832", "90833", "90834", "90836", "90837", "90838")

    reads_notes = True

    def triggers(self, ctx: Context) -> frozenset[str]:
        return ctx.kb.codes("psychotherapy")

    def find(self, ctx: Context) -> pl.LazyFrame:
        bands = ctx.kb.time_bands
        fits = pl.lit(False)
        for b in bands:
            in_band = pl.col("therapy_minutes") >= b.min_minutes
            if b.max_minutes is not None:
                in_band = in_band & (pl.col("therapy_minutes") <= b.max_minutes)
            fits = fits | ((pl.col("cpt") == b.code) & in_band)
        no_time = pl.col("therapy_minutes").is_null()
        return fired(
            first_in_claim(with_note_facts(ctx), ctx.is_code("psychotherapy")),
            (no_time | ~fits),
            pl.when(no_time)
            .then(pl.format("the note gives no psychotherapy time for {}", pl.col("cpt")))
            .otherwise(
                pl.format(
                    "the note documents {} minutes of psychotherapy; {} requires {}",
                    pl.col("therapy_minutes"),
                    pl.col("cpt"),
                    band_text(ctx),
                )
            ),
            "Document psychotherapy start/stop times or minutes (excluding E/M and "
            "medication-management time) and bill the code that fits.",
        )
