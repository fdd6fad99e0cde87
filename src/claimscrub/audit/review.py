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
from claimscrub.audit.html_page import card, page, provider_html

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


def review_json(d: dict[str, Any], names: dict[str, str] | None = None) -> dict[str, Any]:
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
            "at_risk_unknown_lines": risk.get("at_risk_unknown_lines", 0),
            "by_rule": s["by_rule"].to_dicts(),
            "by_provider": [
                {
                    **r,
                    "provider_name": (names or {}).get(str(r["provider_npi"])),
                    "at_risk": risk["by_provider"].get(r["provider_npi"], {}).get("at_risk", "0.00"),
                    "at_risk_unknown_lines": risk["by_provider"]
                    .get(r["provider_npi"], {})
                    .get("at_risk_unknown_lines", 0),
                }
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


#: below this many lines in the month a provider's error share is not shown as a rate
MIN_LINES_FOR_RATE = 20


def _signed(v: float | int | Decimal, kind: str) -> str:
    if not v:
        return {"pct": "0 pts", "money": "$0.00"}.get(kind, "0")
    if kind == "pct":
        return f"{float(v) * 100:+.1f} pts"
    if kind == "money":
        return f"{'+' if v >= 0 else '-'}${abs(Decimal(v)):,.2f}"
    return f"{int(v):+,}"


def _plain(v: Any, kind: str) -> str:
    if v is None:
        return "n/a"
    if kind == "pct":
        return f"{float(v):.1%}"
    if kind == "money":
        return f"${Decimal(v):,.2f}"
    return f"{int(v):,}"


def _delta_cell(cur: Any, prev: Any, kind: str, has_prev: bool, worse_when: int = 1) -> str:
    """The change cell; ``worse_when`` +1: a rise is bad (red), -1: a rise is good, 0: neither."""
    if not has_prev:
        return "<td class='num muted'>no previous month</td>"
    if cur is None or prev is None:
        return "<td class='num muted'>n/a</td>"
    d = Decimal(str(cur)) - Decimal(str(prev)) if kind == "money" else cur - prev
    cls = "" if not d or not worse_when else (" delta-worse" if d * worse_when > 0 else " delta-better")
    return f"<td class='num{cls}'>{escape(_signed(d, kind))}</td>"


def _at_risk(amount: str, unknown_lines: int) -> str:
    """Money at risk, saying plainly how many lines at risk have no known rate (never a bare $0)."""
    if not unknown_lines:
        return escape(_plain(amount, "money"))
    unknown = f"{unknown_lines:,} line(s) unknown"
    if Decimal(amount) == 0:
        return f"<span class='muted'>{unknown}</span>"
    return f"{escape(_plain(amount, 'money'))} <span class='muted'>+ {unknown}</span>"


def review_html(d: dict[str, Any], names: dict[str, str] | None = None) -> str:
    e = escape
    names = names or {}
    j = review_json(d)
    cur, prev = j["current"], j["previous"]
    has_prev = prev is not None
    prev_label = j["previous_month"] or previous_month(d["month"])
    title = f"claimscrub billing review {d['month']}"
    summary = [
        "<h2>The month at a glance</h2>",
        "<table class='grid'><thead><tr><th></th><th class='num'>this month</th>"
        f"<th class='num'>previous month ({e(prev_label)})</th><th class='num'>change</th></tr></thead><tbody>",
    ]
    for label, key, kind, worse_when in (
        ("claim lines", "lines", "count", 0),
        ("claims", "claims", "count", 0),
        ("error findings", "errors", "count", 1),
        ("warnings", "warnings", "count", 1),
        ("share of lines with an error", "error_line_rate", "pct", 1),
        ("expected payment (lines with a known rate)", "expected_payment", "money", -1),
        ("payment at risk", "at_risk", "money", 1),
    ):
        pv = prev[key] if prev else None
        summary.append(
            f"<tr><td>{e(label)}</td><td class='num ink'>{e(_plain(cur[key], kind))}</td>"
            f"<td class='num'>{e(_plain(pv, kind)) if has_prev else '<span class=muted>no data</span>'}</td>"
            f"{_delta_cell(cur[key], pv, kind, has_prev, worse_when)}</tr>"
        )
    summary.append("</tbody></table>")
    summary.append(
        f"<p class='muted'>{_plain(cur['unknown_price_lines'], 'count')} of {_plain(cur['lines'], 'count')} "
        "line(s) have no known rate: they are counted, not valued, so the dollar figures cover priced lines "
        "only."
        + (
            f" {_plain(cur['at_risk_unknown_lines'], 'count')} line(s) at risk have no known rate and are "
            "not in the payment at risk."
            if cur["at_risk_unknown_lines"]
            else ""
        )
        + "</p>"
    )
    if not has_prev:
        summary.append(
            f"<p class='caveat'>No claims are stored for {e(prev_label)}: there is nothing to compare this "
            "month with yet.</p>"
        )
    rules = [
        "<h2>Findings by rule</h2><table class='grid'><thead><tr><th>rule</th><th>severity</th>"
        "<th class='num'>findings</th><th class='num'>previous month</th><th class='num'>change</th></tr></thead><tbody>"
    ]
    prev_rule = {(r["rule"], r["severity"]): r["findings"] for r in (prev or {}).get("by_rule", [])}
    for r in cur["by_rule"]:
        pv = prev_rule.get((r["rule"], r["severity"]), 0) if has_prev else None
        rules.append(
            f"<tr><td>{e(r['rule'])}</td><td><span class='sev {e(r['severity'])}'>{e(r['severity'])}</span></td>"
            f"<td class='num'>{_plain(r['findings'], 'count')}</td>"
            f"<td class='num'>{_plain(pv, 'count') if has_prev else '<span class=muted>no data</span>'}</td>"
            f"{_delta_cell(r['findings'], pv, 'count', has_prev)}</tr>"
        )
    gone = [k for k in prev_rule if k not in {(r["rule"], r["severity"]) for r in cur["by_rule"]}]
    for rule, sev in sorted(gone):
        rules.append(
            f"<tr><td>{e(rule)}</td><td><span class='sev {e(sev)}'>{e(sev)}</span></td><td class='num'>0</td>"
            f"<td class='num'>{_plain(prev_rule[(rule, sev)], 'count')}</td>"
            f"{_delta_cell(0, prev_rule[(rule, sev)], 'count', True)}</tr>"
        )
    if not cur["by_rule"] and not gone:
        rules.append("<tr><td colspan='5'>No findings this month.</td></tr>")
    rules.append("</tbody></table>")
    if cur["by_rule"]:
        rules.append(
            "<div class='figure'>"
            + svg.bar_chart(
                [(r["rule"], float(r["findings"])) for r in cur["by_rule"]],
                title="Findings by rule",
                kind="count",
            )
            + "</div>"
        )
    provs = [
        "<h2>By provider</h2>",
        "<table class='grid'><thead><tr><th>provider</th><th>credential</th><th class='num'>lines</th>"
        "<th class='num'>errors</th><th class='num'>warnings</th><th class='num'>lines with an error</th>"
        "<th class='num'>at risk</th><th>findings by rule</th></tr></thead><tbody>",
    ]
    rp: dict[str, list[str]] = {}
    for r in cur["by_rule_provider"]:
        rp.setdefault(r["provider_npi"], []).append(f"{r['rule']} {r['findings']:,}")
    few = 0
    for r in cur["by_provider"]:
        if r["lines"] >= MIN_LINES_FOR_RATE:
            share = _plain(r["error_lines"] / r["lines"], "pct")
        else:
            few += 1
            share = "<span class='muted'>too few lines</span>"
        provs.append(
            f"<tr><td>{provider_html(r['provider_npi'], names)}</td><td>{e(str(r['credential'] or '-'))}</td>"
            f"<td class='num'>{_plain(r['lines'], 'count')}</td><td class='num'>{_plain(r['errors'], 'count')}</td>"
            f"<td class='num'>{_plain(r['warnings'], 'count')}</td><td class='num'>{share}</td>"
            f"<td class='num'>{_at_risk(r['at_risk'], r['at_risk_unknown_lines'])}</td>"
            f"<td>{e(', '.join(rp.get(r['provider_npi'], [])) or '-')}</td></tr>"
        )
    provs.append("</tbody></table>")
    if few:
        provs.append(
            f"<p class='caveat'>{few} provider(s) billed fewer than {MIN_LINES_FOR_RATE} lines this month: "
            "their error share is not shown, as a rate on so few lines says little.</p>"
        )
    if not names:
        provs.append(
            "<p class='muted noprint'>Providers are shown by NPI: pass <code>--providers ROSTER.csv</code> "
            "(with a <code>provider_name</code> column) to show their names.</p>"
        )
    subtitle = f"Month of service {d['month']}, against {prev_label}."
    return page(title, subtitle, [card(*summary), card(*rules), card(*provs)])


def render_review(d: dict[str, Any], fmt: str, names: dict[str, str] | None = None) -> str:
    if fmt == "json":
        return json.dumps(review_json(d, names), indent=1) + "\n"
    if fmt == "csv":
        return review_csv(d)
    return review_html(d, names)
