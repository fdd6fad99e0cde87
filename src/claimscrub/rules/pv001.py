from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity


@register
class PV001(Rule):
    """90863 by a provider without prescriptive authority.

    **What it does.** Flags 90863 rendered by an LCSW, LPC, LMFT or OTHER
    provider, or by a psychologist whose `provider_rx_authority` is not `yes`.
    The credential comes from `provider_credential` (aliases such as LMHC → LPC,
    PsyD → PSYCHOLOGIST) or, when empty, from the NUCC taxonomy code. A provider
    whose credential is unknown gets no PV finding.

    **Why it matters.** 90863 is pharmacologic management: prescribing and
    reviewing medication. A provider who cannot prescribe cannot perform it; the
    claim is denied for provider type (CO-8/CO-170/CO-185) and is an audit finding.
    The seed guide is right on this half.

    **Example.** LCSW bills `90837` + `90863`: PV001 on the 90863 line.

    **Fix.** Remove 90863. If a prescriber managed the medication, that prescriber
    bills it under their own NPI (E/M for physicians and NPs).

    **Source.** TRICARE Policy Manual 6010.60-M ch. 7 §3.13; APA 2013 (facts.md §2.3).
    """

    id = "PV001"
    name = "pharm-mgmt-by-non-prescriber"
    severity = Severity.ERROR
    summary = "90863 rendered by a provider without prescriptive authority"
    codes = ("90863",)

    def triggers(self, ctx: Context) -> frozenset[str]:
        return ctx.kb.codes("pharm_mgmt")

    def find(self, ctx: Context) -> pl.LazyFrame:
        cls = pl.col("provider_class")
        no_rx = (cls == "non_prescriber") | (
            (cls == "psychologist") & ~pl.col("provider_rx_authority").fill_null(False)
        )
        return fired(
            ctx.lf,
            ctx.is_code("pharm_mgmt") & no_rx,
            pl.format(
                "{} (pharmacologic management) rendered by a {} without prescriptive authority",
                pl.col("cpt"),
                pl.col("provider_credential"),
            ),
            "Remove 90863; only a provider who may prescribe can report medication "
            "management (a prescribing psychologist with a state certificate).",
        )
