"""Rules against real payer outcomes: which rules predicted denials in stored 835s, and which
denials no rule predicted.

A remittance row *denies or adjusts* its line when the payer paid nothing on a billed amount,
when the claim was denied (CLP02 = 4), or when it carries an adjustment in group CO, OA, PI or
CR whose CARC is not a routine one (``ROUTINE_CARC``: deductible/coinsurance/copay, prior-payer
adjudication, fee-schedule and contractual reductions).  Patient responsibility (PR) alone is
not a denial.  Only CARC/RARC numbers are reported -- no licensed description text.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from sqlalchemy import Engine

from claimscrub.audit.db import query

#: CARCs that adjust a payment in the normal course (not a denial of the service).
ROUTINE_CARC = frozenset({"1", "2", "3", "23", "42", "45", "94", "253", "A2"})
DENIAL_GROUPS = frozenset({"CO", "OA", "PI", "CR"})

REMIT_SQL = """
SELECT r.file_id, r.seq, r.level, r.claim_id, r.claim_status, r.cpt, r.service_date, r.charge, r.paid,
       r.rarc, r.line_batch_id, r.line_row_no
FROM remittances r
"""
REMIT_SCHEMA = {
    "file_id": pl.Int64(),
    "seq": pl.Int64(),
    "level": pl.String(),
    "claim_id": pl.String(),
    "claim_status": pl.String(),
    "cpt": pl.String(),
    "service_date": pl.Date(),
    "charge": pl.Float64(),
    "paid": pl.Float64(),
    "rarc": pl.String(),
    "batch_id": pl.Int64(),
    "row_no": pl.Int64(),
}
ADJ_SCHEMA = {
    "file_id": pl.Int64(),
    "seq": pl.Int64(),
    "group_code": pl.String(),
    "carc": pl.String(),
    "amount": pl.Float64(),
}


def denial_report(engine: Engine) -> dict[str, Any]:
    remits = query(engine, REMIT_SQL, REMIT_SCHEMA)
    adjs = query(engine, "SELECT file_id, seq, group_code, carc, amount FROM adjustments", ADJ_SCHEMA)
    lines = query(
        engine,
        "SELECT batch_id, row_no, claim_id, line_no, cpt, service_date, provider_npi FROM lines",
        {
            "batch_id": pl.Int64(),
            "row_no": pl.Int64(),
            "claim_id": pl.String(),
            "line_no": pl.Int64(),
            "cpt": pl.String(),
            "service_date": pl.Date(),
            "provider_npi": pl.String(),
        },
    )
    errors = query(
        engine,
        "SELECT batch_id, row_no, rule FROM findings WHERE severity = 'error'",
        {"batch_id": pl.Int64(), "row_no": pl.Int64(), "rule": pl.String()},
    ).unique()

    adj = adjs.with_columns(
        (pl.col("group_code") + "-" + pl.col("carc")).alias("code"),
        (pl.col("group_code").is_in(list(DENIAL_GROUPS)) & ~pl.col("carc").is_in(list(ROUTINE_CARC))).alias(
            "denial_adj"
        ),
    )
    adj_by_row = adj.group_by("file_id", "seq").agg(
        pl.col("code").unique().sort().alias("codes"), pl.col("denial_adj").any().alias("denial_adj")
    )
    claim_rows = remits.filter(pl.col("level") == "claim").join(adj_by_row, on=["file_id", "seq"], how="left")
    claim_denied = claim_rows.filter((pl.col("claim_status") == "4") | pl.col("denial_adj").fill_null(False))
    svc = (
        remits.filter(pl.col("level") == "service")
        .join(adj_by_row, on=["file_id", "seq"], how="left")
        .with_columns(
            (
                ((pl.col("paid").fill_null(0) == 0) & (pl.col("charge").fill_null(0) > 0))
                | pl.col("denial_adj").fill_null(False)
                | (pl.col("claim_status") == "4")
            ).alias("denied"),
            pl.col("codes").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.col("rarc").fill_null("").str.split(";").list.eval(pl.element().filter(pl.element() != "")),
        )
    )
    linked = svc.filter(pl.col("batch_id").is_not_null())
    unlinked = svc.filter(pl.col("batch_id").is_null())

    # one outcome per stored line (any denying remittance row denies the line)
    outcome = linked.group_by("batch_id", "row_no").agg(
        pl.col("denied").any(),
        pl.col("codes").list.explode(keep_nulls=False, empty_as_null=False).unique().sort().alias("codes"),
        pl.col("rarc").list.explode(keep_nulls=False, empty_as_null=False).unique().sort().alias("rarc"),
        pl.col("paid").sum().alias("paid"),
    )
    # lines of claims denied at claim level with no service rows of their own
    claim_only = (
        lines.join(claim_denied.select("claim_id").unique(), on="claim_id", how="semi")
        .join(outcome, on=["batch_id", "row_no"], how="anti")
        .join(
            claim_denied.group_by("claim_id").agg(
                pl.col("codes")
                .list.explode(keep_nulls=False, empty_as_null=False)
                .drop_nulls()
                .unique()
                .sort(),
                pl.col("rarc")
                .fill_null("")
                .str.split(";")
                .list.explode(keep_nulls=False, empty_as_null=False)
                .unique()
                .sort(),
            ),
            on="claim_id",
        )
        .select(
            "batch_id",
            "row_no",
            pl.lit(True).alias("denied"),
            "codes",
            pl.col("rarc").list.eval(pl.element().filter(pl.element() != "")),
            pl.lit(0.0).alias("paid"),
        )
    )
    outcome = pl.concat([outcome, claim_only], how="vertical_relaxed")
    detail = outcome.join(lines, on=["batch_id", "row_no"], how="left")
    with_err = detail.join(errors, on=["batch_id", "row_no"], how="inner")

    by_rule = []
    for rule, g in with_err.group_by("rule"):
        denied = g.filter(pl.col("denied"))
        codes = (
            denied.select(pl.col("codes").list.explode(keep_nulls=False, empty_as_null=False))
            .drop_nulls()["codes"]
            .value_counts(sort=True)
        )
        by_rule.append(
            {
                "rule": rule[0],
                "error_lines_with_remittance": g.height,
                "denied_or_adjusted": denied.height,
                "paid_anyway": g.height - denied.height,
                "hit_rate": round(denied.height / g.height, 3) if g.height else None,
                "codes": {r["codes"]: int(r["count"]) for r in codes.iter_rows(named=True)},
            }
        )
    by_rule.sort(key=lambda r: (-r["denied_or_adjusted"], r["rule"]))
    flagged = with_err.select("batch_id", "row_no").unique()
    missed = detail.filter(pl.col("denied")).join(flagged, on=["batch_id", "row_no"], how="anti")
    unpredicted = [
        {
            "claim_id": r["claim_id"],
            "line_no": r["line_no"],
            "cpt": r["cpt"],
            "service_date": r["service_date"].isoformat() if r["service_date"] else None,
            "carc": list(r["codes"] or []),
            "rarc": list(r["rarc"] or []),
        }
        for r in missed.sort("claim_id", "line_no").iter_rows(named=True)
    ]
    missed_codes = (
        missed.select(pl.col("codes").list.explode(keep_nulls=False, empty_as_null=False))
        .drop_nulls()["codes"]
        .value_counts(sort=True)
    )
    return {
        "remittance_service_rows": svc.height,
        "linked_rows": linked.height,
        "unlinked_rows": unlinked.height,
        "lines_with_remittance": detail.height,
        "denied_lines": int(detail["denied"].sum()) if detail.height else 0,
        "predicted_denied_lines": int(
            detail.filter(pl.col("denied")).join(flagged, on=["batch_id", "row_no"], how="semi").height
        ),
        "by_rule": by_rule,
        "unpredicted": unpredicted,
        "unpredicted_codes": {r["codes"]: int(r["count"]) for r in missed_codes.iter_rows(named=True)},
        "unlinked": [
            {
                "claim_id": r["claim_id"],
                "cpt": r["cpt"],
                "service_date": r["service_date"].isoformat() if r["service_date"] else None,
            }
            for r in unlinked.sort("claim_id").iter_rows(named=True)
        ],
    }


def render_denials(rep: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rep, indent=1) + "\n"
    if fmt == "csv":
        from claimscrub.writers.csv_report import neutralize_formulas

        rows = [
            {
                "kind": "rule",
                "rule": r["rule"],
                "claim_id": "",
                "line_no": None,
                "cpt": "",
                "service_date": "",
                "lines": r["error_lines_with_remittance"],
                "denied_or_adjusted": r["denied_or_adjusted"],
                "codes": " ".join(f"{k}x{v}" for k, v in r["codes"].items()),
            }
            for r in rep["by_rule"]
        ] + [
            {
                "kind": "unpredicted",
                "rule": "",
                "claim_id": u["claim_id"],
                "line_no": u["line_no"],
                "cpt": u["cpt"] or "",
                "service_date": u["service_date"] or "",
                "lines": 1,
                "denied_or_adjusted": 1,
                "codes": " ".join(u["carc"] + u["rarc"]),
            }
            for u in rep["unpredicted"]
        ]
        schema = {
            "kind": pl.String,
            "rule": pl.String,
            "claim_id": pl.String,
            "line_no": pl.Int64,
            "cpt": pl.String,
            "service_date": pl.String,
            "lines": pl.Int64,
            "denied_or_adjusted": pl.Int64,
            "codes": pl.String,
        }
        return neutralize_formulas(pl.DataFrame(rows, schema=schema)).write_csv()
    out = [
        f"{rep['lines_with_remittance']} stored line(s) have a remittance; "
        f"{rep['denied_lines']} denied or adjusted, "
        f"{rep['predicted_denied_lines']} of them predicted by a rule",
        f"{rep['unlinked_rows']} remittance service row(s) match no stored line",
        "",
        "Rules against outcomes (error findings on lines with a remittance):",
    ]
    if not rep["by_rule"]:
        out.append("  (none)")
    for r in rep["by_rule"]:
        codes = ", ".join(f"{k} x{v}" for k, v in r["codes"].items()) or "-"
        out.append(
            f"  {r['rule']}: {r['error_lines_with_remittance']} line(s), "
            f"{r['denied_or_adjusted']} denied/adjusted, "
            f"{r['paid_anyway']} paid anyway; codes: {codes}"
        )
    out += ["", "Denials no rule predicted:"]
    if not rep["unpredicted"]:
        out.append("  (none)")
    for u in rep["unpredicted"]:
        codes = " ".join(u["carc"] + u["rarc"]) or "paid 0"
        out.append(f"  claim {u['claim_id']} line {u['line_no']} {u['cpt']} {u['service_date']}: {codes}")
    return "\n".join(out) + "\n"
