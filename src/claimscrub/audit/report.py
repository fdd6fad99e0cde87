# ruff: noqa: E501  (HTML template lines)
"""``claimscrub audit``: provider profiles against peers, as HTML (inline SVG charts), CSV or JSON."""

from __future__ import annotations

import json
from html import escape
from typing import Any

import polars as pl
from sqlalchemy import Engine

from claimscrub.audit import svg
from claimscrub.audit.html_page import card, count, page, provider_html, provider_text
from claimscrub.audit.peers import METRICS, MIN_PEERS, compare
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


def audit_json(prof: Profiles, cmp: pl.DataFrame, names: dict[str, str] | None = None) -> dict[str, Any]:
    providers = []
    for r in cmp.iter_rows(named=True):
        npi = r["provider_npi"]
        monthly = prof.monthly.filter(pl.col("provider_npi") == npi)
        rates = prof.rule_rates.filter(pl.col("provider_npi") == npi)
        providers.append(
            {
                "provider_npi": npi,
                "provider_name": (names or {}).get(str(npi)),
                "credential": r["provider_credential"],
                "class": r["provider_class"],
                "state": r["provider_state"],
                "risk_score": r["risk_score"],
                "reasons": list(r["reasons"] or []),
                "peer_group": r["peer_group"],
                "peers": r["peers"],
                "too_few_peers": r["too_few_peers"],
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


def _f(v: Any, kind: str) -> str:
    if v is None:
        return "n/a"
    if kind == "pct":
        return f"{v:.0%}"
    return svg.one_decimal(v)


def _score(v: float | None) -> str:
    return svg.one_decimal(v or 0)


def audit_html(
    prof: Profiles,
    cmp: pl.DataFrame,
    title: str = "claimscrub audit: providers against peers",
    names: dict[str, str] | None = None,
) -> str:
    e = escape
    names = names or {}
    flagged = cmp.filter(pl.col("risk_score") > 0)
    too_few = cmp.filter(pl.col("too_few_peers"))
    months = prof.months
    period = months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"
    h: list[str] = [
        "<div class='cards'>",
        f"<div class='stat'><div class='n'>{count(cmp.height)}</div><div class='l'>providers</div></div>",
        f"<div class='stat'><div class='n'>{count(len(months))}</div><div class='l'>months</div></div>",
        f"<div class='stat'><div class='n'>{count(cmp['lines'].sum())}</div><div class='l'>claim lines</div></div>",
        f"<div class='stat{' error' if flagged.height else ''}'><div class='n'>{count(flagged.height)}</div>"
        "<div class='l'>providers who stand out</div></div></div>",
        "<p class='muted'>Each provider is compared with peers of the same credential class: the peers' "
        "median and a robust z-score (distance from the median in units of 1.4826 x MAD). A reason is "
        "listed only when the difference is large both against the peers and in plain terms; the risk "
        "score adds the reasons' z-scores (each capped at 10), so 0 means nothing stands out.</p>",
    ]
    if not names:
        h.append(
            "<p class='muted noprint'>Providers are shown by NPI: pass <code>--providers ROSTER.csv</code> "
            "(with a <code>provider_name</code> column) to show their names.</p>"
        )
    if too_few.height:
        h.append(
            f"<p class='caveat'>Too few providers to compare: {count(too_few.height)} provider(s) have fewer "
            f"than {MIN_PEERS} others to be measured against, so no peer comparison or risk is claimed "
            "for them. Import more providers' claims for a meaningful comparison.</p>"
        )
    rows = [
        "<table class='grid'><thead><tr><th>provider</th><th>credential</th><th>class</th><th>state</th>"
        "<th class='num'>peers</th><th class='num'>risk score</th><th>reasons</th><th class='num'>lines</th>"
        "</tr></thead><tbody>"
    ]
    for r in cmp.iter_rows(named=True):
        reasons = (
            "<br>".join(e(x) for x in (r["reasons"] or [])) or "<span class='muted'>nothing stands out</span>"
        )
        if r["too_few_peers"] and not r["reasons"]:
            reasons = "<span class='muted'>too few providers to compare</span>"
        cls = " class='risk'" if r["risk_score"] else ""
        peers = "too few" if r["too_few_peers"] else count(r["peers"])
        rows.append(
            f"<tr><td>{provider_html(r['provider_npi'], names)}</td><td>{e(str(r['provider_credential'] or '-'))}</td>"
            f"<td>{e(str(r['provider_class'] or '-'))}</td><td>{e(str(r['provider_state'] or '-'))}</td>"
            f"<td class='num'>{peers}</td><td class='num'><span{cls}>{_score(r['risk_score'])}</span></td>"
            f"<td>{reasons}</td><td class='num'>{count(r['lines'])}</td></tr>"
        )
    rows.append("</tbody></table>")
    body = [card(*h), card("<h2>Providers by risk</h2>", *rows)]

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
    mlist = by_month["month"].to_list()
    trend = [
        "<h2>Trends</h2><div class='chart-grid'><div class='figure'>",
        svg.line_chart(
            mlist,
            [("lines", [float(v) for v in by_month["lines"]])],
            title="Claim lines per month",
            kind="count",
        ),
        "</div><div class='figure'>",
        svg.line_chart(
            mlist,
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
            title="Lines with an error; 90863 per session",
            kind="pct",
        ),
        "</div></div>",
    ]
    body.append(card(*trend))

    dist = [
        "<h2>Distributions</h2><p class='muted'>One dot per provider; red and labelled = a reason was found.</p>"
    ]
    for m in METRICS:
        pts = [
            (provider_text(r["provider_npi"], names), float(r[m.name]), bool(r["risk_score"]))
            for r in cmp.iter_rows(named=True)
            if r[m.name] is not None
        ]
        if pts:
            dist.append(
                "<div class='figure'>"
                + svg.strip_chart(pts, title=LABELS.get(m.name, m.name), kind=m.fmt)
                + "</div>"
            )
    body.append(card(*dist))

    if flagged.height:
        body.append(card("<h2>Providers who stand out, against their peers</h2>"))
    elif too_few.height == cmp.height:
        body.append(
            card("<h2>Providers who stand out</h2><p>Too few providers to compare: none is flagged.</p>")
        )
    else:
        body.append(card("<h2>Providers who stand out</h2><p>No provider stands out from its peers.</p>"))
    for r in flagged.iter_rows(named=True):
        body.append(_provider_section(prof, cmp, r, names))
    subtitle = f"Months of service {period}. {count(cmp.height)} providers."
    return page(title, subtitle, body)


def _provider_section(prof: Profiles, cmp: pl.DataFrame, r: dict[str, Any], names: dict[str, str]) -> str:
    e = escape
    npi = r["provider_npi"]
    label = provider_text(npi, names)
    h = [
        f"<section class='card provider'><h3>{provider_html(npi, names)} "
        f"<span class='muted'>({e(str(r['provider_credential'] or '-'))}, {e(str(r['provider_state'] or '-'))})"
        f"</span> &middot; risk score <span class='risk'>{_score(r['risk_score'])}</span></h3>",
        "<ul class='reasons'>" + "".join(f"<li>{e(x)}</li>" for x in r["reasons"]) + "</ul>",
        f"<p class='muted'>Peers: {e(str(r['peer_group']))} ({count(r['peers'])}). 90863 billed with: "
        f"{e(pairing_text(prof.pairings, npi) or 'n/a')}</p>",
        "<table class='grid'><thead><tr><th>metric</th><th class='num'>provider</th><th class='num'>peers' median</th>"
        "<th class='num'>percentile</th><th class='num'>robust z</th></tr></thead><tbody>",
    ]
    for m in METRICS:
        z = r[f"{m.name}_z"]
        pct = r[f"{m.name}_pct"]
        h.append(
            f"<tr><td>{e(LABELS.get(m.name, m.name))}</td><td class='num'>{_f(r[m.name], m.fmt)}</td>"
            f"<td class='num'>{_f(r[f'{m.name}_median'], m.fmt)}</td>"
            f"<td class='num'>{'n/a' if pct is None else f'{pct:.0f}'}</td>"
            f"<td class='num'>{'n/a' if z is None else svg.one_decimal(z)}</td></tr>"
        )
    h.append("</tbody></table><div class='chart-grid'>")
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
        h.append("<div class='figure'>")
        h.append(
            svg.line_chart(
                prof.months,
                [
                    (label, [mm.get(x) for x in prof.months]),
                    ("peers' median", [medmap.get(x) for x in prof.months]),
                ],
                title=f"{LABELS.get(m.name, m.name)} by month",
                kind=m.fmt,
            )
        )
        same = cmp.filter(pl.col("provider_class") == r["provider_class"])
        pts = [
            (provider_text(x["provider_npi"], names), float(x[m.name]), x["provider_npi"] == npi)
            for x in same.iter_rows(named=True)
            if x[m.name] is not None
        ]
        h.append(
            svg.strip_chart(
                pts,
                title=f"{LABELS.get(m.name, m.name)}: among peers",
                kind=m.fmt,
                median=r[f"{m.name}_median"],
            )
        )
        h.append("</div>")
    h.append("</div></section>")
    return "".join(h)


def render_audit(prof: Profiles, cmp: pl.DataFrame, fmt: str, names: dict[str, str] | None = None) -> str:
    if fmt == "json":
        return json.dumps(audit_json(prof, cmp, names), indent=1) + "\n"
    if fmt == "csv":
        return audit_csv(prof, cmp)
    return audit_html(prof, cmp, names=names)
