"""Provider profiles from the claim history store, per provider and month and over the period.

Definitions (a *visit* is an encounter: same patient, date and rendering NPI):

``sessions``            visits with a psychotherapy code (90832-90838)
``rate_90863``          share of those sessions that also carry 90863
``orphan_90863``        visits with 90863 but no psychotherapy
``share_90837``         90837 lines / psychotherapy lines
``share_psy_with_em``   sessions that include an E/M code
``days_billed``         distinct service dates
``services_per_day``    visits per day billed (mean); ``max_services_day``; ``share_days_over_30``
``error_rate``          lines with at least one error finding / lines
``note_share``          claims with a note / claims
``doc_completeness``    mean, over claims with a note, of the documentation elements present
                        among those expected: psychotherapy time for psychotherapy claims, and
                        medication, action, response, side effects, adherence, rationale for
                        90863 claims (from the stored note elements, never the text)

``pairings``: the primary codes (psychotherapy and E/M) each 90863 visit was billed with;
``rule_rates``: findings per rule per line.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import Engine

from claimscrub.audit.db import load_findings, load_lines

PSY = ["90832", "90833", "90834", "90836", "90837", "90838"]
EM = [
    str(c)
    for lo, hi in ((99202, 99255), (99281, 99285), (99304, 99337), (99341, 99350))
    for c in range(lo, hi + 1)
]
MED_ELEMENTS = ["medication", "action", "response", "side_effects", "adherence", "rationale"]
VISIT = ["patient_id", "service_date", "provider_npi"]


@dataclass
class Profiles:
    monthly: pl.DataFrame  # one row per provider and month
    overall: pl.DataFrame  # one row per provider, whole period
    pairings: pl.DataFrame  # provider_npi, month, primaries, visits
    rule_rates: pl.DataFrame  # provider_npi, month, rule, findings, rate
    months: list[str]


def _prepare(lines: pl.DataFrame, findings: pl.DataFrame) -> pl.DataFrame:
    err = findings.filter(pl.col("severity") == "error").select("batch_id", "row_no").unique()
    return lines.join(
        err.with_columns(pl.lit(True).alias("has_error")), on=["batch_id", "row_no"], how="left"
    ).with_columns(
        pl.col("service_date").dt.strftime("%Y-%m").alias("month"),
        pl.col("cpt").is_in(PSY).alias("is_psy"),
        pl.col("cpt").is_in(EM).alias("is_em"),
        (pl.col("cpt") == "90863").alias("is_90863"),
        (pl.col("cpt") == "90837").alias("is_90837"),
        pl.col("has_error").fill_null(False),
    )


def _metrics(lines: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    visits = lines.group_by([*by, *[c for c in VISIT if c not in by]]).agg(
        pl.col("is_psy").any().alias("has_psy"),
        pl.col("is_em").any().alias("has_em"),
        pl.col("is_90863").any().alias("has_90863"),
    )
    per_visit = visits.group_by(by).agg(
        pl.len().alias("visits"),
        pl.col("has_psy").sum().alias("sessions"),
        (pl.col("has_psy") & pl.col("has_90863")).sum().alias("sessions_90863"),
        (~pl.col("has_psy") & pl.col("has_90863")).sum().alias("orphan_90863"),
        (pl.col("has_psy") & pl.col("has_em")).sum().alias("sessions_with_em"),
    )
    days = (
        visits.group_by([*by, "service_date"])
        .agg(pl.len().alias("n"))
        .group_by(by)
        .agg(
            pl.len().alias("days_billed"),
            pl.col("n").mean().alias("services_per_day"),
            pl.col("n").max().alias("max_services_day"),
            (pl.col("n") > 30).mean().alias("share_days_over_30"),
        )
    )
    per_line = lines.group_by(by).agg(
        pl.len().alias("lines"),
        pl.col("claim_id").n_unique().alias("claims"),
        pl.col("is_psy").sum().alias("psy_lines"),
        pl.col("is_90837").sum().alias("lines_90837"),
        pl.col("has_error").mean().alias("error_rate"),
    )
    claims = lines.group_by([*by, "batch_id", "claim_id"]).agg(
        pl.col("has_note").any().alias("noted"),
        pl.col("is_psy").any().alias("psy"),
        pl.col("is_90863").any().alias("m863"),
        pl.col("note_therapy_minutes").is_not_null().any().alias("time_ok"),
        *[pl.col(f"note_{e}").fill_null(False).any().alias(e) for e in MED_ELEMENTS],
    )
    expected = pl.col("psy").cast(pl.Int32) + pl.col("m863").cast(pl.Int32) * len(MED_ELEMENTS)
    present = (pl.col("psy") & pl.col("time_ok")).cast(pl.Int32) + pl.when(pl.col("m863")).then(
        pl.sum_horizontal([pl.col(e).cast(pl.Int32) for e in MED_ELEMENTS])
    ).otherwise(0)
    docs = (
        claims.with_columns(expected.alias("expected"), present.alias("present"))
        .group_by(by)
        .agg(
            pl.col("noted").mean().alias("note_share"),
            (pl.col("present") / pl.col("expected"))
            .filter(pl.col("noted") & (pl.col("expected") > 0))
            .mean()
            .alias("doc_completeness"),
        )
    )
    out = (
        per_line.join(per_visit, on=by, how="left")
        .join(days, on=by, how="left")
        .join(docs, on=by, how="left")
        .with_columns(
            _ratio("sessions_90863", "sessions").alias("rate_90863"),
            _ratio("lines_90837", "psy_lines").alias("share_90837"),
            _ratio("sessions_with_em", "sessions").alias("share_psy_with_em"),
        )
    )
    return out


def _ratio(a: str, b: str) -> pl.Expr:
    return pl.when(pl.col(b) > 0).then(pl.col(a) / pl.col(b)).otherwise(None)


def _attributes(lines: pl.DataFrame) -> pl.DataFrame:
    def mode(c: str) -> pl.Expr:
        return pl.col(c).drop_nulls().mode().sort().first().alias(c)

    return lines.group_by("provider_npi").agg(
        mode("provider_credential"), mode("provider_class"), mode("provider_state")
    )


def compute(lines: pl.DataFrame, findings: pl.DataFrame) -> Profiles:
    """Profiles of stored ``lines`` (:func:`claimscrub.audit.db.load_lines`) and ``findings``."""
    lines = _prepare(
        lines.filter(pl.col("provider_npi").is_not_null() & pl.col("service_date").is_not_null()), findings
    )
    attrs = _attributes(lines)
    monthly = attrs.join(_metrics(lines, ["provider_npi", "month"]), on="provider_npi").sort(
        "provider_npi", "month"
    )
    overall = attrs.join(_metrics(lines, ["provider_npi"]), on="provider_npi").sort("provider_npi")
    visits = lines.group_by(["month", *VISIT]).agg(
        pl.col("is_90863").any().alias("m863"),
        pl.col("cpt")
        .filter(pl.col("is_psy") | pl.col("is_em"))
        .unique()
        .sort()
        .str.join("+")
        .alias("primaries"),
    )
    pairings = (
        visits.filter(pl.col("m863"))
        .with_columns(
            pl.when(pl.col("primaries") == "")
            .then(pl.lit("none"))
            .otherwise(pl.col("primaries"))
            .alias("primaries")
        )
        .group_by("provider_npi", "month", "primaries")
        .agg(pl.len().alias("visits"))
        .sort("provider_npi", "month", "visits", descending=[False, False, True])
    )
    f = findings.join(lines.select("batch_id", "row_no", "provider_npi", "month"), on=["batch_id", "row_no"])
    rule_rates = (
        f.group_by("provider_npi", "month", "rule")
        .agg(pl.len().alias("findings"))
        .join(monthly.select("provider_npi", "month", "lines"), on=["provider_npi", "month"])
        .with_columns((pl.col("findings") / pl.col("lines")).alias("rate"))
        .drop("lines")
        .sort("provider_npi", "month", "rule")
    )
    months = sorted(monthly["month"].unique().to_list())
    return Profiles(monthly, overall, pairings, rule_rates, months)


def load(engine: Engine) -> Profiles:
    return compute(load_lines(engine), load_findings(engine))


def pairing_text(pairings: pl.DataFrame, npi: str, month: str | None = None) -> str:
    """``"90834 92%, 90837 8%"``: what a provider's 90863 visits were billed with."""
    p = pairings.filter(pl.col("provider_npi") == npi)
    if month is not None:
        p = p.filter(pl.col("month") == month)
    p = (
        p.group_by("primaries")
        .agg(pl.col("visits").sum())
        .sort("visits", "primaries", descending=[True, False])
    )
    total = p["visits"].sum()
    if not total:
        return ""
    return ", ".join(f"{r['primaries']} {r['visits'] / total:.0%}" for r in p.iter_rows(named=True))
