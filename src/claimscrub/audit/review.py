# ruff: noqa: E501  (HTML template lines)
"""``claimscrub review --month YYYY-MM``: the periodic billing review -- findings by rule and by
provider, money at risk, and the change against the month before."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from html import escape
from typing import Any

import polars as pl
from sqlalchemy import Engine

from claimscrub.audit import svg
from claimscrub.audit.db import load_findings, load_lines, load_prices

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class ReviewError(Exception):
    pass


def previous_month(month: str) -> str:
    y, m = (int(x) for x in month.split("-"))
    return f"{y - 1:04d}-12" if m == 1 else f"{y:04d}-{m - 1:02d}"


def _month_stats(
    lines: pl.DataFrame, findings: pl.DataFrame, prices: pl.DataFrame, month: str
) -> dict[str, Any]:
    from claimscrub.pricing import money_at_risk

    ln = lines.filter(pl.col("month") == month).with_row_index("_row")
    keys = ln.select("_row", "batch_id", "row_no")
    f = findings.join(keys, on=["batch_id", "row_no"])
    p = prices.join(keys, on=["batch_id", "row_no"])
    risk = money_at_risk(
        ln.select("_row", "cpt", "patient_id", "service_date", "provider_npi"),
        p.select("_row", "expected_payment"),
        f.select("_row", "rule", "severity"),
    )
    by_rule = (
        f.group_by("rule", "severity")
        .agg(pl.len().alias("findings"))
        .sort("findings", "rule", descending=[True, False])
    )
    prov_lines = ln.group_by("provider_npi").agg(
        pl.len().alias("lines"), pl.col("provider_credential").drop_nulls().first().alias("credential")
    )
    f_prov = f.join(ln.select("_row", "provider_npi"), on="_row")
    prov = prov_lines.join(
        f_prov.group_by("provider_npi").agg(
            (pl.col("severity") == "error").sum().alias("errors"),
            (pl.col("severity") == "warning").sum().alias("warnings"),
            pl.col("_row").filter(pl.col("severity") == "error").n_unique().alias("error_lines"),
        ),
        on="provider_npi",
        how="left",
    ).with_columns(pl.col("errors", "warnings", "error_lines").fill_null(0))
    by_rule_prov = (
        f_prov.group_by("provider_npi", "rule").agg(pl.len().alias("findings")).sort("provider_npi", "rule")
    )
    return {
        "lines": ln.height,
        "claims": ln.select("batch_id", "claim_id").unique().height,
        "errors": int((f["severity"] == "error").sum()),
        "warnings": int((f["severity"] == "warning").sum()),
        "infos": int((f["severity"] == "info").sum()),
        "error_lines": f.filter(pl.col("severity") == "error")["_row"].n_unique(),
        "risk": risk,
        "by_rule": by_rule,
        "by_provider": prov,
        "by_rule_provider": by_rule_prov,
    }


def review_data(engine: Engine, month: str) -> dict[str, Any]:
    if not MONTH.match(month):
        raise ReviewError(f"--month must be YYYY-MM, got {month!r}")
    lines = load_lines(engine).with_columns(pl.col("service_date").dt.strftime("%Y-%m").alias("month"))
    months = sorted(m for m in lines["month"].unique().to_list() if m)
    if month not in months:
        have = ", ".join(months) or "none"
        raise ReviewError(f"no claim lines stored for {month} (months with data: {have})")
    findings, prices = load_findings(engine), load_prices(engine)
    prev = previous_month(month)
    cur = _month_stats(lines, findings, prices, month)
    before = _month_stats(lines, findings, prices, prev) if prev in months else None
    return {"month": month, "previous_month": prev if before else None, "current": cur, "previous": before}


def _money(v: Decimal) -> str:
    return f"{v:.2f}"


def review_json(d: dict[str, Any]) -> dict[str, Any]:
    from claimscrub.pricing import jsonable

    def block(s: dict[str, Any] | None) -> dict[str, Any] | None:
        if s is None:
            return None
        risk = jsonable(s["risk"])
        return {
            "lines": s["lines"],
            "claims": s["claims"],
            "errors": s["errors"],
            "warnings": s["warnings"],
            "infos": s["infos"],
            "error_lines": s["error_lines"],
            "error_line_rate": round(s["error_lines"] / s["lines"], 4) if s["lines"] else None,
            "expected_payment": risk["expected_payment"],
            "at_risk": risk["at_risk"],
            "unknown_price_lines": risk["unknown_lines"],
            "by_rule": s["by_rule"].to_dicts(),
            "by_provider": [
                {**r, "at_risk": risk["by_provider"].get(r["provider_npi"], {}).get("at_risk", "0.00")}
                for r in s["by_provider"].sort("errors", descending=True).to_dicts()
            ],
            "by_rule_provider": s["by_rule_provider"].to_dicts(),
        }

    cur, prev = block(d["current"]), block(d["previous"])
    trend = None
    if prev is not None:
        prev_rules = {r["rule"]: r["findings"] for r in prev["by_rule"]}
        cur_rules = {r["rule"]: r["findings"] for r in cur["by_rule"]}
        trend = {
            "lines": cur["lines"] - prev["lines"],
            "errors": cur["errors"] - prev["errors"],
            "error_line_rate": round((cur["error_line_rate"] or 0) - (prev["error_line_rate"] or 0), 4),
            "at_risk": _money(Decimal(cur["at_risk"]) - Decimal(prev["at_risk"])),
            "by_rule": {
                r: cur_rules.get(r, 0) - prev_rules.get(r, 0)
                for r in sorted(set(cur_rules) | set(prev_rules))
            },
        }
    return {
        "month": d["month"],
        "previous_month": d["previous_month"],
        "current": cur,
        "previous": prev,
        "trend": trend,
    }


def review_csv(d: dict[str, Any]) -> str:
    from claimscrub.writers.csv_report import neutralize_formulas

    j = review_json(d)
    prev_rule = {(r["rule"], r["severity"]): r["findings"] for r in (j["previous"] or {}).get("by_rule", [])}
    rows = [
        {
            "section": "rule",
            "key": r["rule"],
            "severity": r["severity"],
            "findings": r["findings"],
            "previous": prev_rule.get((r["rule"], r["severity"])),
            "lines": None,
            "at_risk": "",
        }
        for r in j["current"]["by_rule"]
    ] + [
        {
            "section": "provider",
            "key": r["provider_npi"],
            "severity": "error",
            "findings": r["errors"],
            "previous": None,
            "lines": r["lines"],
            "at_risk": r["at_risk"],
        }
        for r in j["current"]["by_provider"]
    ]
    schema = {
        "section": pl.String,
        "key": pl.String,
        "severity": pl.String,
        "findings": pl.Int64,
        "previous": pl.Int64,
        "lines": pl.Int64,
        "at_risk": pl.String,
    }
    return neutralize_formulas(pl.DataFrame(rows, schema=schema)).write_csv()


def review_html(d: dict[str, Any]) -> str:
    e = escape
    j = review_json(d)
    cur, prev, trend = j["current"], j["previous"], j["trend"]
    title = f"claimscrub billing review {d['month']}"
    h = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(title)}</title><style>body{{font-family:system-ui,Arial,sans-serif;margin:24px;max-width:1000px}}"
        "table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px}"
        "th{background:#f2f2f2}.num{text-align:right}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        "<table><tr><th></th><th>this month</th><th>previous month</th><th>change</th></tr>",
    ]

    def row(label: str, key: str, fmt=str) -> None:  # type: ignore[no-untyped-def]
        pv = prev[key] if prev else None
        ch = trend[key] if trend and key in trend else None
        h.append(
            f"<tr><td>{e(label)}</td><td class='num'>{e(fmt(cur[key]))}</td>"
            f"<td class='num'>{e('' if pv is None else fmt(pv))}</td><td class='num'>{e('' if ch is None else fmt(ch))}</td></tr>"
        )

    row("claim lines", "lines")
    row("claims", "claims")
    row("error findings", "errors")
    row("warnings", "warnings")
    row("share of lines with an error", "error_line_rate", lambda v: f"{v:.1%}")
    row("expected payment ($, priced lines)", "expected_payment")
    row("payment at risk ($)", "at_risk")
    h.append("</table>")
    h.append(f"<p>{cur['unknown_price_lines']} line(s) have no known rate and are counted, not valued.</p>")
    h.append(
        "<h2>Findings by rule</h2><table><tr><th>rule</th><th>severity</th><th>findings</th><th>previous month</th></tr>"
    )
    prev_rule = {(r["rule"], r["severity"]): r["findings"] for r in (prev or {}).get("by_rule", [])}
    for r in cur["by_rule"]:
        pv = prev_rule.get((r["rule"], r["severity"]))
        h.append(
            f"<tr><td>{e(r['rule'])}</td><td>{e(r['severity'])}</td><td class='num'>{r['findings']}</td>"
            f"<td class='num'>{'' if pv is None else pv}</td></tr>"
        )
    h.append("</table>")
    if cur["by_rule"]:
        h.append(
            svg.bar_chart(
                [(r["rule"], float(r["findings"])) for r in cur["by_rule"]], title="Findings by rule"
            )
        )
    h.append(
        "<h2>By provider</h2><table><tr><th>NPI</th><th>credential</th><th>lines</th><th>errors</th>"
        "<th>warnings</th><th>at risk ($)</th><th>rules</th></tr>"
    )
    rp: dict[str, list[str]] = {}
    for r in cur["by_rule_provider"]:
        rp.setdefault(r["provider_npi"], []).append(f"{r['rule']} {r['findings']}")
    for r in cur["by_provider"]:
        h.append(
            f"<tr><td>{e(str(r['provider_npi']))}</td><td>{e(str(r['credential']))}</td><td class='num'>{r['lines']}</td>"
            f"<td class='num'>{r['errors']}</td><td class='num'>{r['warnings']}</td>"
            f"<td class='num'>{e(str(r['at_risk']))}</td><td>{e(', '.join(rp.get(r['provider_npi'], [])))}</td></tr>"
        )
    h.append("</table></body></html>\n")
    return "".join(h)


def render_review(d: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(review_json(d), indent=1) + "\n"
    if fmt == "csv":
        return review_csv(d)
    return review_html(d)
