"""Small helpers shared by several rules (expressions, not loops over claims)."""

from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context


def code_map(mapping: dict[str, str], column: str = "cpt") -> pl.Expr:
    return pl.col(column).replace_strict(mapping, default=None, return_dtype=pl.String)


def standalone_to_addon(ctx: Context) -> dict[str, str]:
    """90832 -> 90833 etc.: the add-on with the same time band (from time_bands.csv)."""
    addon = {b.min_minutes: b.code for b in ctx.kb.time_bands if b.family == "psychotherapy_addon"}
    return {
        b.code: addon[b.min_minutes]
        for b in ctx.kb.time_bands
        if b.family == "psychotherapy_standalone" and b.min_minutes in addon
    }


def band_fit(ctx: Context) -> pl.Expr:
    """The code of the billed code's family whose time band holds ``minutes`` (or null)."""
    fams = {b.family for b in ctx.kb.time_bands}
    branches = []
    for band in ctx.kb.time_bands:
        family_codes = [b.code for b in ctx.kb.time_bands if b.family == band.family]
        cond = pl.col("cpt").is_in(family_codes) & (pl.col("minutes") >= band.min_minutes)
        if band.max_minutes is not None:
            cond = cond & (pl.col("minutes") <= band.max_minutes)
        branches.append(pl.when(cond).then(pl.lit(band.code)))
    assert fams
    return pl.coalesce(branches)


def band_text(ctx: Context) -> pl.Expr:
    """'16-37' style band of the billed code."""
    text = {
        b.code: f"{b.min_minutes}-{b.max_minutes}" if b.max_minutes else f"{b.min_minutes} or more"
        for b in ctx.kb.time_bands
    }
    return code_map(text)
