"""Safe fixes: the mechanical corrections rules offer (``Rule.autofix``), applied to the input.

Only fixes that need no clinical judgement are applied: units capped at the daily
limit (UN001), duplicate lines removed (DU001), the psychotherapy code matched to the
recorded minutes (PT002). Every other fix stays a suggestion in the report.
"""

from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context, with_encounter_id
from claimscrub.engine.rule import all_rules
from claimscrub.service import CheckResult

CHANGE_SCHEMA = {
    "_row": pl.UInt32,
    "rule": pl.String,
    "field": pl.String,
    "value": pl.String,
}


def plan_fixes(result: CheckResult) -> pl.DataFrame:
    """The changes to make: one row per line and field; a deletion wins over edits."""
    ctx = Context(with_encounter_id(result.lines), result.policies, note_facts=result.note_facts)
    parts = []
    for rule in all_rules():
        lf = rule.autofix(ctx)
        if lf is not None:
            parts.append(lf.with_columns(pl.lit(rule.id).alias("rule")).select(list(CHANGE_SCHEMA)))
    if not parts:
        return pl.DataFrame(schema=CHANGE_SCHEMA)
    changes = pl.concat(pl.collect_all(parts))
    # Only where the rule really fired after payer policies (a policy may switch it off).
    changes = changes.join(result.findings.select("_row", "rule"), on=["_row", "rule"], how="semi")
    deleted = changes.filter(pl.col("field") == "_delete")
    edits = changes.filter(pl.col("field") != "_delete").join(deleted, on="_row", how="anti")
    return pl.concat([deleted, edits]).unique(["_row", "field"], keep="first").sort("_row")


def describe_changes(result: CheckResult, changes: pl.DataFrame) -> pl.DataFrame:
    """Human-readable change list: claim, line, rule, what changed."""
    meta = result.lines.select("_row", "claim_id", "line_no", "cpt", pl.col("units").cast(pl.String))
    rows = changes.join(meta, on="_row", how="left")
    return rows.select(
        "claim_id",
        "line_no",
        "rule",
        pl.when(pl.col("field") == "_delete")
        .then(pl.format("removed duplicate line {}", pl.col("cpt")))
        .when(pl.col("field") == "cpt")
        .then(pl.format("code {} -> {}", pl.col("cpt"), pl.col("value")))
        .otherwise(pl.format("units {} -> {}", pl.col("units"), pl.col("value")))
        .alias("change"),
    )


def apply_to_raw(raw: pl.DataFrame, changes: pl.DataFrame) -> pl.DataFrame:
    """The input rows (strings) with the changes applied; internal columns dropped."""
    df = raw.with_row_index("_row")
    for field in ("cpt", "units"):
        col = changes.filter(pl.col("field") == field).select("_row", pl.col("value").alias("_v"))
        if col.height:
            if field not in df.columns:
                df = df.with_columns(pl.lit(None, dtype=pl.String).alias(field))
            df = (
                df.join(col, on="_row", how="left")
                .with_columns(pl.coalesce("_v", field).alias(field))
                .drop("_v")
            )
    gone = changes.filter(pl.col("field") == "_delete").select("_row")
    df = df.join(gone, on="_row", how="anti").sort("_row")
    return df.drop([c for c in df.columns if c.startswith("_")])


X12_KIND = {"_delete": "delete_line", "cpt": "replace_code", "units": "set_units"}


def x12_changes(result: CheckResult, changes: pl.DataFrame) -> list:
    """The plan as 837P writer changes: one per service line, addressed by its segment number.

    The only line of a claim is never deleted (the writer refuses; the finding stays)."""
    from claimscrub.writers.x12_837 import Change

    lines = result.lines.select("_row", "_line", "claim_id")
    per_claim = lines.group_by("claim_id").len().rename({"len": "_n"})
    rows = changes.join(lines, on="_row").join(per_claim, on="claim_id")
    rows = rows.filter((pl.col("field") != "_delete") | (pl.col("_n") > 1))
    return [
        Change(int(r["_line"]), X12_KIND[r["field"]], r["value"])
        for r in rows.sort("_row").iter_rows(named=True)
    ]
