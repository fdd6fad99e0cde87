from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context
from claimscrub.engine.rule import Rule, fired, register
from claimscrub.model import Severity


@register
class PY001(Rule):
    """The payer does not pay the code.

    **What it does.** Flags a line whose code is in its payer policy's
    `not_covered` list (`data/payers/<payer>.yaml`). The Medicare policy does not
    cover codes whose CMS Physician Fee Schedule status is `I` ("not valid for
    Medicare purposes"), which includes 90863 (`data/medicare_status.csv`).

    **Why it matters.** Medicare does not pay 90863 at all: the PFS shows RVUs for
    reference only. Prescribers bill E/M + add-on psychotherapy under Medicare;
    clinical psychologists cannot bill E/M under Medicare either.

    **Example.** payer `medicare`, `90837` + `90863`: PY001 on the 90863 line.

    **Fix.** Do not bill the code to this payer. For Medicare prescribers: E/M +
    90833/90836/90838.

    **Source.** CMS PPRRVU 2025 (status I for 90863); Medicare Benefit Policy
    Manual ch. 15 (facts.md §2.4). Add codes for other payers in their policy file.
    """

    id = "PY001"
    name = "code-not-covered-by-payer"
    severity = Severity.ERROR
    summary = "the payer does not pay the code (Medicare: 90863 has status I)"

    def triggers(self, ctx: Context) -> frozenset[str]:
        return frozenset().union(*(p.not_covered_codes for p in ctx.policies.values()))

    def find(self, ctx: Context) -> pl.LazyFrame:
        pairs = pl.DataFrame(
            [(p.name, c) for p in ctx.policies.values() for c in sorted(p.not_covered_codes)],
            schema={"policy": pl.String, "cpt": pl.String},
            orient="row",
        )
        lf = ctx.lf.join(pairs.lazy(), on=["policy", "cpt"], how="semi")
        return fired(
            lf,
            pl.lit(True),
            pl.format("{} is not paid by the {} policy", pl.col("cpt"), pl.col("policy")),
            pl.when(pl.col("policy") == "medicare")
            .then(
                pl.lit(
                    "Medicare does not pay this code (PFS status I). Prescribers bill E/M + "
                    "90833/90836/90838; do not send the line to Medicare."
                )
            )
            .otherwise(pl.lit("Remove the line or bill the payer's covered equivalent.")),
        )
