from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity


@register
class AO001(Rule):
    """Add-on code billed without its primary.

    **What it does.** Flags an add-on code when the same encounter (same patient,
    date of service and rendering NPI, on any claim of the input) has none of the
    primary codes it must be reported with: 90863 needs 90832, 90834 or 90837;
    90833/90836/90838 need an E/M code; 90840 needs 90839; 90785 needs 90791,
    90792, 90832-90838 or 90853. The pairs live in `data/addons.yaml`.

    **Why it matters.** An add-on code describes work done *in addition to* a
    primary service by the same practitioner. Payers deny an add-on whose primary
    is absent (CARC CO-B15). The seed guide calls standalone 90863 "one of the most
    frequent errors".

    **Example.** A claim with only `90863` for the visit: AO001 on the 90863 line.
    `90834` + `90863` by the same provider on the same day: no finding.

    **Fix.** Add the primary service that was performed and documented (e.g. 90834
    for 45 minutes of psychotherapy), or remove the add-on. A prescriber who may
    report E/M bills E/M + 90833/90836/90838 instead (see PV003).

    **Source.** APA Practice Organization 2013 code list; BCBS IL psychiatry
    policy; NCCI add-on code definition; BCBS NC and Aetna add-on policies;
    Novitas JL (facts.md §2.2, §2.4, §2.6).
    """

    id = "AO001"
    name = "addon-without-primary"
    severity = Severity.ERROR
    summary = "an add-on code has no allowed primary in the same encounter"
    codes = ("90863", "90833", "90836", "90838", "90840", "90785")

    def triggers(self, ctx: Context) -> frozenset[str]:
        return frozenset(ctx.kb.addons)

    def find(self, ctx: Context) -> pl.LazyFrame:
        labels = ctx.kb.addon_labels
        parts = [
            fired(
                ctx.lf,
                (pl.col("cpt") == addon) & ~ctx.encounter_has(primaries),
                pl.format(
                    "{} is an add-on code but the encounter has no {} to report it with",
                    pl.col("cpt"),
                    pl.lit(labels.get(addon, "primary code")),
                ),
                f"Add the primary service performed ({labels.get(addon, 'primary code')}) "
                "for the same patient, date and provider, or remove the add-on line.",
            )
            for addon, primaries in ctx.kb.addons.items()
            if addon in ctx.present_codes  # one sub-query per add-on the batch has
        ]
        return pl.concat(parts) if parts else fired(ctx.lf, pl.lit(False), pl.lit(""), "")
