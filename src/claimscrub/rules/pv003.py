from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity
from claimscrub.rules._helpers import code_map, standalone_to_addon


@register
class PV003(Rule):
    """90863 by a provider who may report E/M: use E/M + psychotherapy add-on.

    **What it does.** Flags 90863 rendered by an MD, DO, NP, CNS or PA. The fix
    gives the crosswalk: an E/M code for the medication management plus the
    psychotherapy add-on of the same time band (90832 → 90833, 90834 → 90836,
    90837 → 90838).

    **Why it matters.** This is the field's trap. CPT created 90863 for
    *prescribing psychologists*, who cannot report E/M. TRICARE: physicians and
    psychiatric nurse specialists "should not utilize this CPT code"; the APA says
    90863 "is not to be used by those individuals who can bill E/M codes". Many
    guides (the seed guide included, and some payer pages such as WPS) say
    psychiatrists and NPs bill 90863; the public sources above say otherwise, so
    the rule follows them. Because some payers accept it, the rule is a warning by
    default and an error under the TRICARE policy.

    **Example.** MD bills `90834` (40 min) + `90863`: PV003, fix
    "bill E/M (e.g. 99213/99214 by MDM) + 90836".

    **Fix.** Bill an E/M code chosen by medical decision making (or by time,
    excluding psychotherapy time) plus 90833/90836/90838. `claimscrub fix`
    lists it as a suggestion; the E/M level must come from the note.

    **Source.** TRICARE Policy Manual 6010.60-M ch. 7 §3.13 2.1.1-2.1.2; APA 2013
    via MPR; contrary secondary sources listed in facts.md §2.3.
    """

    id = "PV003"
    name = "pharm-mgmt-by-em-provider"
    severity = Severity.WARNING
    summary = "90863 by a provider who may report E/M (MD, DO, NP, CNS, PA)"
    codes = ("90863",)

    def triggers(self, ctx: Context) -> frozenset[str]:
        return ctx.kb.codes("pharm_mgmt")

    def find(self, ctx: Context) -> pl.LazyFrame:
        pairs = standalone_to_addon(ctx)
        addon = code_map(pairs, "_other")
        hits = ctx.lf.filter(ctx.is_code("pharm_mgmt") & (pl.col("provider_class") == "em_prescriber"))
        lf = ctx.first_code_of(pairs, hits)
        crosswalk = (
            pl.when(pl.col("_other").is_not_null())
            .then(
                pl.format(
                    "Bill an E/M code (level by medical decision making) + {} instead of {} + 90863.",
                    addon,
                    pl.col("_other"),
                )
            )
            .otherwise(
                pl.lit(
                    "Bill an E/M code (plus 90833/90836/90838 if psychotherapy was done) instead of 90863."
                )
            )
        )
        return fired(
            lf,
            pl.lit(True),
            pl.format(
                "{} billed by a {}: CPT intends 90863 for prescribing psychologists; "
                "providers who may report E/M use E/M + 90833/90836/90838",
                pl.col("cpt"),
                pl.col("provider_credential"),
            ),
            crosswalk,
        )
