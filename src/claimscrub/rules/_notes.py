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


def first_in_claim(mask: pl.Expr) -> pl.Expr:
    """True on the first line (input order) of each claim where ``mask`` holds."""
    return mask & (pl.col("_row") == pl.col("_row").filter(mask).min().over("claim_id"))
