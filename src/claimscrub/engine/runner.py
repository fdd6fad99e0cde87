"""Runs every rule over a batch and applies the payer policies to the findings."""

from __future__ import annotations

import polars as pl

from claimscrub.engine.context import Context, with_encounter_id
from claimscrub.engine.rule import Rule, all_rules
from claimscrub.model import FINDING_COLUMNS
from claimscrub.policies import Policy

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

EMPTY_FINDINGS = pl.DataFrame(
    schema={
        "_row": pl.UInt32,
        "rule": pl.String,
        "severity": pl.String,
        "claim_id": pl.String,
        "line_no": pl.Int64,
        "code": pl.String,
        "message": pl.String,
        "fix": pl.String,
    }
)


def _policy_overrides(policies: dict[str, Policy]) -> pl.DataFrame:
    rows = []
    for pol in policies.values():
        for rule, sev in pol.severity.items():
            rows.append((pol.name, rule, sev, False))
        for rule in pol.disabled:
            rows.append((pol.name, rule, None, True))
    return pl.DataFrame(
        rows,
        schema={"policy": pl.String, "rule": pl.String, "override": pl.String, "off": pl.Boolean},
        orient="row",
    ).unique(["policy", "rule"], keep="last")


def rules_that_can_fire(rules: list[Rule], ctx: Context) -> list[Rule]:
    """``rules`` less those that cannot fire on this batch: none of their trigger codes is
    billed, or they read notes and the batch has none. Each skipped rule is a query (with its
    joins and windows) not planned and not run: most of a small batch's cost."""
    has_notes = ctx.note_facts is not None and ctx.note_facts.height > 0
    out = []
    for rule in rules:
        if rule.reads_notes and not has_notes:
            continue
        codes = rule.triggers(ctx)
        if codes is not None and codes.isdisjoint(ctx.present_codes):
            continue
        out.append(rule)
    return out


def run_rules(
    lines: pl.DataFrame,
    policies: dict[str, Policy],
    *,
    rules: list[Rule] | None = None,
    note_facts: pl.DataFrame | None = None,
    skip_absent: bool = True,
) -> pl.DataFrame:
    """Findings for ``lines`` (canonical frame): the spec §5 columns plus ``_row``.
    ``skip_absent=False`` runs every rule's query even when it cannot fire (parity tests)."""
    rules = rules if rules is not None else all_rules()
    if lines.height == 0 or not rules:
        return EMPTY_FINDINGS
    ctx = Context(with_encounter_id(lines), policies, note_facts=note_facts)
    if skip_absent:
        rules = rules_that_can_fire(rules, ctx)
        if not rules:
            return EMPTY_FINDINGS
    queries = [
        rule.find(ctx).with_columns(
            pl.lit(rule.id).alias("rule"), pl.lit(str(rule.severity)).alias("severity")
        )
        for rule in rules
    ]
    found = pl.concat(pl.collect_all(queries), how="vertical_relaxed")
    meta = lines.lazy().select("_row", "policy", "claim_id", "line_no", pl.col("cpt").alias("code"))
    # one lazy plan, one collect: each eager step costs a round trip to Polars' thread pool
    out = (
        found.lazy()
        .join(meta, on="_row", how="left", maintain_order="left")
        .join(_policy_overrides(policies).lazy(), on=["policy", "rule"], how="left", maintain_order="left")
        .filter(pl.col("off").is_null() | ~pl.col("off"))
        .with_columns(pl.coalesce("override", "severity").alias("severity"))
        .sort(["_row", "rule"], maintain_order=True)  # ties keep the rule's own order
    )
    return out.select("_row", *FINDING_COLUMNS).collect()
