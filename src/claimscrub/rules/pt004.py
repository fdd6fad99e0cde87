from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity
from claimscrub.rules._helpers import code_map, standalone_to_addon


@register
class PT004(Rule):
    """Standalone psychotherapy code billed with an E/M visit.

    **What it does.** Flags 90832, 90834 or 90837 when the same encounter has an
    E/M code (`data/exclusions.yaml`, entry PT004).

    **Why it matters.** When psychotherapy is done at an E/M visit, CPT reports it
    with the add-on codes 90833/90836/90838. The standalone code beside an E/M is
    denied as a correct-coding conflict.

    **Example.** `99215` + `90834` (40 min): PT004 on the 90834 line, fix "bill 90836".

    **Fix.** Replace the standalone code with the add-on of the same time band:
    90832 → 90833, 90834 → 90836, 90837 → 90838.

    **Source.** BCBS IL psychiatry policy; Novitas JL (facts.md §2.4, §2.6).
    """

    id = "PT004"
    name = "standalone-psychotherapy-with-em"
    severity = Severity.ERROR
    summary = "90832/90834/90837 in the same encounter as an E/M code"
    codes = ("90832", "90834", "90837")

    def triggers(self, ctx: Context) -> frozenset[str]:
        return ctx.kb.exclusions[self.id][0]

    def find(self, ctx: Context) -> pl.LazyFrame:
        codes, not_with = ctx.kb.exclusions[self.id]
        other = sorted(not_with)
        addon = code_map(standalone_to_addon(ctx))
        hits = ctx.lf.filter(pl.col("cpt").is_in(sorted(codes)) & ctx.encounter_has(other))
        return fired(
            ctx.first_code_of(other, hits),
            pl.lit(True),
            pl.format(
                "{} is billed in the same encounter as E/M {}; psychotherapy with an E/M "
                "visit is reported with the add-on code",
                pl.col("cpt"),
                pl.col("_other"),
            ),
            pl.format("Replace {} with {} (psychotherapy with E/M).", pl.col("cpt"), addon),
        )
