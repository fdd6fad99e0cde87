"""``claimscrub audit``: provider profiles against peers, as HTML (inline SVG charts), CSV or JSON."""

from __future__ import annotations

import json
from html import escape
from typing import Any

import polars as pl
from sqlalchemy import Engine

from claimscrub.audit import svg
from claimscrub.audit.peers import METRICS, compare
from claimscrub.audit.profiles import Profiles, load, pairing_text

PROFILE_METRICS = [
    ("lines", "num"),
    ("sessions", "num"),
    ("rate_90863", "pct"),
    ("orphan_90863", "num"),
    ("share_90837", "pct"),
    ("share_psy_with_em", "pct"),
    ("days_billed", "num"),
    ("services_per_day", "num"),
    ("max_services_day", "num"),
    ("share_days_over_30", "pct"),
    ("error_rate", "pct"),
    ("note_share", "pct"),
    ("doc_completeness", "pct"),
]
LABELS = {
    "rate_90863": "90863 per psychotherapy session",
    "share_90837": "share of 90837",
    "share_psy_with_em": "psychotherapy with E/M",
    "services_per_day": "visits per day billed",
    "error_rate": "lines with an error finding",
    "doc_completeness": "documentation completeness",
    "orphan_90863": "90863 without psychotherapy",
}


class EmptyHistory(Exception):
    pass


def audit_data(engine: Engine) -> tuple[Profiles, pl.DataFrame]:
    prof = load(engine)
    if prof.overall.height == 0:
        raise EmptyHistory("the database holds no claim lines: run `claimscrub import FILE...` first")
    return prof, compare(prof.overall)


def _num(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 4)
    return v


def audit_json(prof: Profiles, cmp: pl.DataFrame) -> dict[str, Any]:
    providers = []
    for r in cmp.iter_rows(named=True):
        npi = r["provider_npi"]
        monthly = prof.monthly.filter(pl.col("provider_npi") == npi)
        rates = prof.rule_rates.filter(pl.col("provider_npi") == npi)
        providers.append(
            {
                "provider_npi": npi,
                "credential": r["provider_credential"],
                "class": r["provider_class"],
                "state": r["provider_state"],
                "risk_score": r["risk_score"],
                "reasons": list(r["reasons"] or []),
                "peer_group": r["peer_group"],
                "peers": r["peers"],
                "metrics": {m: _num(r[m]) for m, _ in PROFILE_METRICS},
                "versus_peers": {
                    m.name: {
                        "value": _num(r[m.name]),
                        "peer_median": _num(r[f"{m.name}_median"]),
                        "percentile": _num(r[f"{m.name}_pct"]),
                        "robust_z": _num(r[f"{m.name}_z"]),
                    }
                    for m in METRICS
                },
                "paired_with_90863": pairing_text(prof.pairings, npi),
                "months": [
                    {
                        "month": mr["month"],
                        **{m: _num(mr[m]) for m, _ in PROFILE_METRICS},
                        "findings_by_rule": {
                            x["rule"]: {"findings": x["findings"], "rate": _num(x["rate"])}
                            for x in rates.filter(pl.col("month") == mr["month"]).iter_rows(named=True)
                        },
                        "paired_with_90863": pairing_text(prof.pairings, npi, mr["month"]),
                    }
                    for mr in monthly.iter_rows(named=True)
                ],
            }
        )
    return {"months": prof.months, "providers": providers}


def audit_csv(prof: Profiles, cmp: pl.DataFrame) -> str:
    from claimscrub.writers.csv_report import neutralize_formulas

    cols = [
        pl.col("provider_npi"),
        pl.col("provider_credential").alias("credential"),
        pl.col("provider_class").alias("class"),
        pl.col("provider_state").alias("state"),
        pl.col("risk_score"),
        pl.col("reasons").list.join("; ").alias("reasons"),
        pl.col("peer_group"),
        *[pl.col(m) for m, _ in PROFILE_METRICS],
        *[pl.col(f"{m.name}_{s}") for m in METRICS for s in ("median", "pct", "z")],
    ]
    out = cmp.select(cols).with_columns(
        pl.Series("paired_with_90863", [pairing_text(prof.pairings, n) for n in cmp["provider_npi"]])
    )
    out = out.with_columns([pl.col(c).round(4) for c, t in out.schema.items() if t == pl.Float64])
    return neutralize_formulas(out).write_csv()


CSS = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:24px;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;
text-align:left;vertical-align:top}th{background:#f2f2f2}.num{text-align:right}.risk{color:#b00;font-weight:bold}
section.provider{border-top:2px solid #ddd;margin-top:20px;padding-top:8px}ul.reasons li{color:#b00}
.note{color:#555;font-size:13px}
"""


def _f(v: Any, kind: str) -> str:
    if v is None:
        return "n/a"
    if kind == "pct":
        return f"{v:.0%}"
    return f"{v:.1f}" if isinstance(v, float) and abs(v - round(v)) > 1e-9 else f"{int(round(v))}"


def audit_html(
    prof: Profiles, cmp: pl.DataFrame, title: str = "claimscrub audit: providers against peers"
) -> str:
    e = escape
    h = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f"<p class='note'>Months: {e(', '.join(prof.months))}. {cmp.height} providers. "
        "Each provider is compared with peers of the same credential class (median and robust "
        "z-score = distance from the peers' median "
        "in units of 1.4826 x MAD). The risk score adds the z-scores (capped at 10) of the reasons listed; "
        "0 means nothing stands out.</p>",
        "<h2>Providers by risk</h2><table><tr><th>NPI</th><th>credential</th><th>class</th><th>state</th>"
        "<th>risk score</th><th>reasons</th><th>lines</th></tr>",
    ]
    for r in cmp.iter_rows(named=True):
        reasons = "<br>".join(e(x) for x in (r["reasons"] or [])) or "-"
        cls = " class='risk'" if r["risk_score"] else ""
        h.append(
            f"<tr><td>{e(str(r['provider_npi']))}</td><td>{e(str(r['provider_credential']))}</td>"
            f"<td>{e(str(r['provider_class']))}</td><td>{e(str(r['provider_state']))}</td>"
            f"<td class='num'><span{cls}>{r['risk_score']:.1f}</span></td><td>{reasons}</td>"
            f"<td class='num'>{r['lines']}</td></tr>"
        )
    h.append("</table>")

    # trends across all providers
    by_month = (
        prof.monthly.group_by("month")
        .agg(
            pl.col("lines").sum(),
            (pl.col("error_rate") * pl.col("lines")).sum().alias("err"),
            pl.col("sessions_90863").sum(),
            pl.col("sessions").sum(),
        )
        .sort("month")
    )
    months = by_month["month"].to_list()
    h.append("<h2>Trends</h2>")
    h.append(
        svg.line_chart(
            months, [("lines", [float(v) for v in by_month["lines"]])], title="Claim lines per month"
        )
    )
    h.append(
        svg.line_chart(
            months,
            [
                (
                    "error lines",
                    [a / b if b else None for a, b in zip(by_month["err"], by_month["lines"], strict=True)],
                ),
                (
                    "90863/session",
                    [
                        a / b if b else None
                        for a, b in zip(by_month["sessions_90863"], by_month["sessions"], strict=True)
                    ],
                ),
            ],
            title="Share of lines with an error; 90863 per psychotherapy session",
            kind="pct",
        )
    )

    h.append("<h2>Distributions (one dot per provider; red = a reason was found)</h2>")
    for m in METRICS:
        kind = m.fmt
        pts = [
            (f"{r['provider_npi']} {r['provider_credential']}", float(r[m.name]), bool(r["risk_score"]))
            for r in cmp.iter_rows(named=True)
            if r[m.name] is not None
        ]
        if pts:
            h.append(svg.strip_chart(pts, title=LABELS.get(m.name, m.name), kind=kind))

    flagged = cmp.filter(pl.col("risk_score") > 0)
    h.append("<h2>Flagged providers against their peers</h2>")
    if flagged.height == 0:
        h.append("<p>No provider stands out from its peers.</p>")
    for r in flagged.iter_rows(named=True):
        npi = r["provider_npi"]
        h.append(
            f"<section class='provider'><h3>{e(str(npi))} ({e(str(r['provider_credential']))}, "
            f"{e(str(r['provider_state']))}) - risk score {r['risk_score']:.1f}</h3>"
        )
        h.append("<ul class='reasons'>" + "".join(f"<li>{e(x)}</li>" for x in r["reasons"]) + "</ul>")
        h.append(
            f"<p class='note'>Peers: {e(str(r['peer_group']))} ({r['peers']}). 90863 billed with: "
            f"{e(pairing_text(prof.pairings, npi) or 'n/a')}</p>"
        )
        h.append(
            "<table><tr><th>metric</th><th>provider</th><th>peers' median</th><th>percentile</th>"
            "<th>robust z</th></tr>"
        )
        for m in METRICS:
            z = r[f"{m.name}_z"]
            pct = r[f"{m.name}_pct"]
            h.append(
                f"<tr><td>{e(LABELS.get(m.name, m.name))}</td><td class='num'>{_f(r[m.name], m.fmt)}</td>"
                f"<td class='num'>{_f(r[f'{m.name}_median'], m.fmt)}</td>"
                f"<td class='num'>{'n/a' if pct is None else f'{pct:.0f}'}</td>"
                f"<td class='num'>{'n/a' if z is None else f'{z:.1f}'}</td></tr>"
            )
        h.append("</table>")
        mine = prof.monthly.filter(pl.col("provider_npi") == npi).sort("month")
        peers = prof.monthly.filter(
            (pl.col("provider_class") == r["provider_class"]) & (pl.col("provider_npi") != npi)
        )
        for m in METRICS:
            if (r[f"{m.name}_z"] or 0) * m.direction < 3.5:
                continue
            med = peers.group_by("month").agg(pl.col(m.name).median()).sort("month")
            medmap = dict(zip(med["month"], med[m.name], strict=True))
            mm = dict(zip(mine["month"], mine[m.name], strict=True))
            h.append(
                svg.line_chart(
                    prof.months,
                    [
                        (str(npi), [mm.get(x) for x in prof.months]),
                        ("peers' median", [medmap.get(x) for x in prof.months]),
                    ],
                    title=f"{LABELS.get(m.name, m.name)} by month",
                    kind=m.fmt,
                )
            )
            same = cmp.filter(pl.col("provider_class") == r["provider_class"])
            pts = [
                (str(x["provider_npi"]), float(x[m.name]), x["provider_npi"] == npi)
                for x in same.iter_rows(named=True)
                if x[m.name] is not None
            ]
            h.append(
                svg.strip_chart(
                    pts,
                    title=f"{LABELS.get(m.name, m.name)}: {npi} among peers",
                    kind=m.fmt,
                    median=r[f"{m.name}_median"],
                )
            )
        h.append("</section>")
    h.append("</body></html>\n")
    return "".join(h)


def render_audit(prof: Profiles, cmp: pl.DataFrame, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(audit_json(prof, cmp), indent=1) + "\n"
    if fmt == "csv":
        return audit_csv(prof, cmp)
    return audit_html(prof, cmp)
