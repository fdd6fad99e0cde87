"""Rules against real payer outcomes: which rules predicted denials in stored 835s, and which
denials no rule predicted.

A remittance row *denies or adjusts* its line when the payer paid nothing on a billed amount,
when the claim was denied (CLP02 = 4), or when it carries an adjustment in group CO, OA, PI or
CR whose CARC is not a routine one (``ROUTINE_CARC``: deductible/coinsurance/copay, prior-payer
adjudication, fee-schedule and contractual reductions).  Patient responsibility (PR) alone is
not a denial.  Reports carry CARC/RARC numbers, and in text a short meaning of our own words
from ``data/remit_codes.csv`` (not the licensed X12 description text).  ``by_payer`` breaks the
same counts down by the payer of the stored line.
"""

from __future__ import annotations

import csv
import functools
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


def _by_rule(with_err: pl.DataFrame) -> list[dict[str, Any]]:
    """Per rule: error lines with a remittance, how many the payer denied, with which codes."""
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
    return by_rule


def denial_report(engine: Engine) -> dict[str, Any]:
    remits = query(engine, REMIT_SQL, REMIT_SCHEMA)
    adjs = query(engine, "SELECT file_id, seq, group_code, carc, amount FROM adjustments", ADJ_SCHEMA)
    lines = query(
        engine,
        "SELECT batch_id, row_no, claim_id, line_no, cpt, service_date, provider_npi, payer FROM lines",
        {
            "batch_id": pl.Int64(),
            "row_no": pl.Int64(),
            "claim_id": pl.String(),
            "line_no": pl.Int64(),
            "cpt": pl.String(),
            "service_date": pl.Date(),
            "provider_npi": pl.String(),
            "payer": pl.String(),
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

    flagged = with_err.select("batch_id", "row_no").unique()
    missed = detail.filter(pl.col("denied")).join(flagged, on=["batch_id", "row_no"], how="anti")
    by_rule = _by_rule(with_err)
    by_payer = []
    for (payer,), g in detail.with_columns(pl.col("payer").fill_null("(none)")).group_by("payer"):
        denied = g.filter(pl.col("denied"))
        by_payer.append(
            {
                "payer": payer,
                "lines_with_remittance": g.height,
                "denied_lines": denied.height,
                "predicted_denied_lines": denied.join(flagged, on=["batch_id", "row_no"], how="semi").height,
                "unpredicted_denied_lines": denied.join(
                    flagged, on=["batch_id", "row_no"], how="anti"
                ).height,
                "by_rule": _by_rule(with_err.filter(pl.col("payer").fill_null("(none)") == payer)),
            }
        )
    by_payer.sort(key=lambda r: r["payer"])

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
        "by_payer": by_payer,
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


@functools.cache
def code_meanings() -> dict[str, str]:
    """CARC or RARC number -> short meaning (``data/remit_codes.csv``)."""
    from claimscrub.knowledge import DATA_DIR

    with open(DATA_DIR / "remit_codes.csv", newline="") as fh:
        return {r["code"]: r["meaning"] for r in csv.DictReader(fh)}


def describe(code: str) -> str:
    """``CO-16`` -> ``CO-16 (claim lacks information ...)``; unknown numbers stay bare."""
    meaning = code_meanings().get(code.split("-", 1)[-1])
    return f"{code} ({meaning})" if meaning else code


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
    if rep.get("by_payer"):
        out += ["", "By payer:"]
    for p in rep.get("by_payer", []):
        out.append(
            f"  {p['payer']}: {p['lines_with_remittance']} line(s) with a remittance, "
            f"{p['denied_lines']} denied or adjusted: {p['predicted_denied_lines']} predicted by a rule, "
            f"{p['unpredicted_denied_lines']} not"
        )
        for r in p["by_rule"]:
            out.append(
                f"    {r['rule']}: {r['error_lines_with_remittance']} line(s), "
                f"{r['denied_or_adjusted']} denied/adjusted, {r['paid_anyway']} paid anyway"
            )
    if rep["unpredicted_codes"]:
        out += ["", "Codes of the denials no rule predicted:"]
        out += [f"  {describe(k)}: {v} line(s)" for k, v in rep["unpredicted_codes"].items()]
    if rep["by_rule"]:
        seen = sorted({k for r in rep["by_rule"] for k in r["codes"]})
        out += ["", "Codes on predicted denials:"] + [f"  {describe(k)}" for k in seen]
    out += ["", "Denials no rule predicted:"]
    if not rep["unpredicted"]:
        out.append("  (none)")
    for u in rep["unpredicted"]:
        codes = " ".join(u["carc"] + u["rarc"]) or "paid 0"
        out.append(f"  claim {u['claim_id']} line {u['line_no']} {u['cpt']} {u['service_date']}: {codes}")
    return "\n".join(out) + "\n"
