"""Shared pieces of the documentation (DC) rules: lines joined with their note's elements."""

from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context

NOTE_ELEMENTS = ("medication", "action", "response", "side_effects", "adherence", "rationale")
NOTE_FACT_SCHEMA = {
    "claim_id": pl.String,
    **{e: pl.Boolean for e in NOTE_ELEMENTS},
    "not_performed": pl.Boolean,
    "therapy_minutes": pl.Int64,
}


def with_note_facts(ctx: Context) -> pl.LazyFrame:
    """Lines of claims that have a note, with the note's §3 elements as columns."""
    facts = ctx.note_facts
    if facts is None:
        facts = pl.DataFrame(schema=NOTE_FACT_SCHEMA)
    return ctx.lf.filter(pl.col("note").is_not_null()).join(
        facts.lazy().select(list(NOTE_FACT_SCHEMA)), on="claim_id", how="inner"
    )


def first_in_claim(lf: pl.LazyFrame, mask: pl.Expr) -> pl.LazyFrame:
    """The first line (input order) of each claim among the lines of ``lf`` where ``mask``
    holds. The window runs over those lines only (a tenth of a batch, not all of it)."""
    hits = lf.filter(mask)
    return hits.filter(pl.col("_row") == pl.col("_row").min().over("claim_id"))
