from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity


@register
class PV002(Rule):
    """90863 by a psychologist in a state without psychologist prescribing.

    **What it does.** Flags 90863 by a psychologist marked as having prescriptive
    authority when `provider_state` is not one of the states that grant
    psychologists prescriptive authority: NM, LA, IL, IA, ID, CO, UT
    (`data/rxp_states.csv`). No finding when the state is empty.

    **Why it matters.** A psychologist's prescribing certificate exists only under
    these states' laws; a claim from elsewhere claims a service the provider could
    not legally perform.

    **Example.** PSYCHOLOGIST, rx authority `yes`, state `CA`, `90834` + `90863`: PV002.

    **Fix.** Check the provider's state and certificate. If the service was
    rendered in a non-RxP state, remove 90863.

    **Source.** State laws: NM 2002, LA 2004, IL 2014, IA 2016, ID 2017, CO 2023,
    UT 2024 (facts.md §2.8).
    """

    id = "PV002"
    name = "rx-psychologist-outside-rxp-state"
    severity = Severity.ERROR
    summary = "90863 by a prescribing psychologist in a state that grants psychologists none"
    codes = ("90863",)

    def triggers(self, ctx: Context) -> frozenset[str]:
        return ctx.kb.codes("pharm_mgmt")

    def find(self, ctx: Context) -> pl.LazyFrame:
        states = sorted(ctx.kb.rxp_states)
        return fired(
            ctx.lf,
            ctx.is_code("pharm_mgmt")
            & (pl.col("provider_class") == "psychologist")
            & pl.col("provider_rx_authority").fill_null(False)
            & pl.col("provider_state").is_not_null()
            & ~pl.col("provider_state").is_in(states),
            pl.format(
                "{} by a psychologist in {}, a state that grants psychologists no prescriptive authority",
                pl.col("cpt"),
                pl.col("provider_state"),
            ),
            "Verify where the service was rendered; psychologists may prescribe only in "
            + ", ".join(states)
            + ". Otherwise remove 90863.",
        )
