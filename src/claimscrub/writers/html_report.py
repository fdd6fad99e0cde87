"""A standalone HTML report a billing manager can open: summary, by rule, by claim.

Every value shown is escaped; the page has no scripts and no external resources.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING

import polars as pl

from claimscrub import __version__
from claimscrub.engine.rule import get_rule
from claimscrub.writers.money import usd, whatif_rows

if TYPE_CHECKING:
    from claimscrub.service import CheckResult

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f5f7fa}
header{background:#1f3a5f;color:#fff;padding:18px 32px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;opacity:.8}main{padding:24px 32px;max-width:1200px}
.cards{display:flex;gap:16px;flex-wrap:wrap;margin-bottom:24px}
.card{background:#fff;border-radius:8px;padding:14px 20px;min-width:140px;box-shadow:0 1px 3px #0002}
.card b{display:block;font-size:24px}.card.err b{color:#b42318}.card.warn b{color:#b54708}
.card.info b{color:#175cd3}
table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 3px #0002;margin-bottom:24px}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #e4e7ec;vertical-align:top}
th{background:#eef2f6;font-weight:600}.sev{border-radius:10px;padding:1px 8px;font-size:12px;color:#fff}
.sev.error{background:#b42318}.sev.warning{background:#b54708}.sev.info{background:#175cd3}
.fix{color:#344054;font-size:13px}.claim td{background:#f9fafb;font-weight:600}
footer{color:#667085;font-size:12px;padding:0 32px 24px}
"""


def _cards(result: CheckResult) -> str:
    s = result.summary
    items = [
        ("", "claims", s["claims"]),
        ("", "lines", s["lines"]),
        ("err", "errors", s["errors"]),
        ("warn", "warnings", s["warnings"]),
        ("info", "infos", s["infos"]),
    ]
    return "".join(
        f'<div class="card {cls}"><b>{escape(str(v))}</b>{escape(label)}</div>' for cls, label, v in items
    )


def _by_rule(findings: pl.DataFrame) -> str:
    if findings.height == 0:
        return "<p>No findings: every line passed every rule.</p>"
    counts = (
        findings.group_by("rule", "severity")
        .agg(pl.len().alias("n"), pl.col("claim_id").n_unique().alias("claims"))
        .sort(["n", "rule"], descending=[True, False])
    )
    rows = []
    for r in counts.iter_rows(named=True):
        rule = get_rule(r["rule"])
        name = rule.summary if rule else ""
        rows.append(
            f"<tr><td>{escape(r['rule'])}</td><td><span class='sev {escape(r['severity'])}'>"
            f"{escape(r['severity'])}</span></td><td>{escape(name)}</td>"
            f"<td>{r['n']}</td><td>{r['claims']}</td></tr>"
        )
    return (
        "<table><tr><th>Rule</th><th>Severity</th><th>What it means</th><th>Findings</th>"
        "<th>Claims</th></tr>" + "".join(rows) + "</table>"
    )


def _by_claim(findings: pl.DataFrame) -> str:
    if findings.height == 0:
        return ""
    rows = []
    for (claim_id,), group in findings.group_by("claim_id", maintain_order=True):
        rows.append(f"<tr class='claim'><td colspan='5'>Claim {escape(str(claim_id))}</td></tr>")
        for f in group.iter_rows(named=True):
            rows.append(
                f"<tr><td>{escape(str(f['line_no']))}</td><td>{escape(str(f['code']))}</td>"
                f"<td><span class='sev {escape(f['severity'])}'>{escape(f['severity'])}</span></td>"
                f"<td>{escape(f['rule'])}</td><td>{escape(f['message'])}"
                f"<div class='fix'>Fix: {escape(f['fix'])}</div></td></tr>"
            )
    return (
        "<h2>Findings by claim</h2><table><tr><th>Line</th><th>Code</th><th>Severity</th>"
        "<th>Rule</th><th>Finding and fix</th></tr>" + "".join(rows) + "</table>"
    )


def _money(result: CheckResult) -> str:
    m = result.money
    if not m:
        return ""
    cards = (
        f"<div class='cards'><div class='card'><b>{escape(usd(m['expected_payment']))}</b>"
        f"expected payment ({m['priced_lines']} priced lines)</div>"
        f"<div class='card err'><b>{escape(usd(m['at_risk']))}</b>at risk ({m['at_risk_lines']} lines, "
        f"{m['at_risk_unknown_lines']} of them without a known rate)</div>"
        f"<div class='card'><b>{m['unknown_lines']}</b>lines without a known rate</div></div>"
    )
    rule_rows = "".join(
        f"<tr><td>{escape(rule)}</td><td>{escape(usd(v['amount']))}</td><td>{v['lines']}</td>"
        f"<td>{v['unknown_lines']}</td></tr>"
        for rule, v in sorted(m.get("by_rule", {}).items())
    )
    prov_rows = "".join(
        f"<tr><td>{escape(npi)}</td><td>{escape(usd(v['expected_payment']))}</td>"
        f"<td>{escape(usd(v['at_risk']))}</td><td>{v['at_risk_lines']}</td></tr>"
        for npi, v in sorted(m.get("by_provider", {}).items(), key=lambda kv: -float(kv[1]["at_risk"]))
        if v["at_risk_lines"]
    )
    whatif = "".join(
        f"<tr><td>{escape(str(w['claim_id']))}</td><td>{escape(str(w['policy']))}</td>"
        f"<td>{escape(str(w['billed_codes']))}: {escape(usd(w['billed_payment']))}</td>"
        f"<td>{escape(str(w['crosswalk_codes']))}: {escape(usd(w['crosswalk_payment']))}</td></tr>"
        for w in whatif_rows(result)
    )
    html = "<h2>Money</h2>" + cards
    if rule_rows:
        html += (
            "<table><tr><th>Rule</th><th>At risk</th><th>Lines</th><th>Lines without rate</th></tr>"
            + rule_rows
            + "</table>"
        )
    if prov_rows:
        html += (
            "<table><tr><th>Provider NPI</th><th>Expected</th><th>At risk</th><th>Lines at risk</th></tr>"
            + prov_rows
            + "</table>"
        )
    if whatif:
        html += (
            "<h2>What-if: E/M crosswalk for prescribers' 90863</h2><table><tr><th>Claim</th>"
            "<th>Payer</th><th>As billed</th><th>E/M + add-on</th></tr>" + whatif + "</table>"
        )
    return html


def ignored_html(columns: list[str]) -> str:
    """The input columns that were ignored (a misspelled ``minuts`` must be visible)."""
    if not columns:
        return ""
    names = ", ".join(f"<code>{escape(c)}</code>" for c in columns)
    return f"<p class='ignored'><b>Ignored column(s)</b> (not in the input spec): {names}</p>"


def render_html(result: CheckResult, *, extra_sections: str = "") -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    inputs = ", ".join(result.inputs) or "request"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        "<title>claimscrub report</title><style>" + STYLE + "</style></head><body>"
        "<header><h1>Claim check report</h1>"
        f"<p>{escape(inputs)} · {escape(when)}</p></header><main>"
        f"<div class='cards'>{_cards(result)}</div>{ignored_html(getattr(result, 'ignored_columns', []))}"
        f"{_money(result)}{extra_sections}"
        f"<h2>Findings by rule</h2>{_by_rule(result.findings)}{_by_claim(result.findings)}"
        "</main><footer>claimscrub "
        + escape(__version__)
        + " · rule pages: <code>claimscrub rule ID</code></footer></body></html>\n"
    )
