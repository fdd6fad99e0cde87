from __future__ import annotations

import polars as pl

from claimscrub.engine.context import ENC, Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity


@register
class UN001(Rule):
    """Units over the daily limit.

    **What it does.** Sums a code's units over the encounter (all claims) and
    flags the line where the total passes the code's daily limit
    (`data/unit_limits.csv`): 90863 1; each of 90832-90838 1 (not applied to
    place of service 52, partial hospitalization); 90791, 90792, 90839 1; 90785 3.

    **Why it matters.** Units above the Medically Unlikely Edit are denied
    (CO-96 + N362 at Medicare) and suggest duplicate billing.

    **Example.** `90834` with units 2: UN001, fix "1 unit".

    **Fix.** Bill no more than the limit; `claimscrub fix` caps the units.

    **Source.** Novitas (1 unit except POS 52); NGS once per day for 90791/90792;
    BCBS IL once per day for 90839; PayerReady MUE values (facts.md §2.5, §2.7).
    """

    id = "UN001"
    name = "units-over-daily-limit"
    severity = Severity.ERROR
    summary = "units for a code in one encounter exceed its daily limit"

    def _over_limit(self, ctx: Context) -> pl.LazyFrame:
        limits = pl.DataFrame(
            [(code, lim, sorted(pos)) for code, (lim, pos) in ctx.kb.unit_limits.items()],
            schema={"cpt": pl.String, "_limit": pl.Int64, "_exempt": pl.List(pl.String)},
            orient="row",
        )
        # Only lines over the limit alone, or sharing their code with another line of the
        # encounter, can pass the limit; the running total runs over those few.
        lf = (
            ctx.lf.join(limits.lazy(), on="cpt", how="inner", maintain_order="left")
            .filter(~pl.col("_exempt").list.contains(pl.col("pos").fill_null("")))
            .filter((pl.col("units") > pl.col("_limit")) | pl.struct(ENC, "cpt").is_duplicated())
            .sort("_row")
            .with_columns(pl.col("units").cum_sum().over([ENC, "cpt"]).alias("_total"))
        )
        return lf.filter(
            (pl.col("_total") > pl.col("_limit")) & (pl.col("_total") - pl.col("units") <= pl.col("_limit"))
        )

    def triggers(self, ctx: Context) -> frozenset[str]:
        return frozenset(ctx.kb.unit_limits)

    def find(self, ctx: Context) -> pl.LazyFrame:
        return fired(
            self._over_limit(ctx),
            pl.lit(True),
            pl.format(
                "{} units of {} in one encounter; the daily limit is {}",
                pl.col("_total"),
                pl.col("cpt"),
                pl.col("_limit"),
            ),
            pl.format(
                "Bill at most {} unit(s) of {} per day for this patient and provider.",
                pl.col("_limit"),
                pl.col("cpt"),
            ),
        )

    def autofix(self, ctx: Context) -> pl.LazyFrame:
        allowed = pl.col("_limit") - (pl.col("_total") - pl.col("units"))
        return self._over_limit(ctx).select(
            "_row", pl.lit("units").alias("field"), allowed.cast(pl.String).alias("value")
        )
