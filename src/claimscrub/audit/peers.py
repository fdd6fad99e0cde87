"""Each provider against peers of the same credential class (``provider_class``: em_prescriber,
psychologist, non_prescriber), over the whole period.

For every metric: the peers' median (the provider itself excluded), the provider's percentile
among peers (share of peers at or below its value) and a robust z-score
``(value - median) / scale`` where ``scale = max(1.4826 * MAD, floor)``; the floor keeps a group
whose members all bill alike (MAD 0) from turning small differences into huge scores.

A metric becomes a *reason* when the provider is on the risky side with ``z >= 3.5`` **and** the
difference is large in plain terms (``min_gap``), e.g. at least 25 percentage points.  One rule
needs no peers: more than 30 visits a day on at least half of the days billed (the volume
pattern of OIG's psychotherapy audits).  The risk score is the sum of the reasons' z-scores,
each capped at 10, so 0 means "nothing stands out" and every point is explained by a listed
reason.  With fewer than 3 peers in the class, all other providers are the peers (and the reason
says so).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

Z_THRESHOLD = 3.5
Z_CAP = 10.0
MIN_PEERS = 3


@dataclass(frozen=True)
class Metric:
    name: str
    direction: int  # +1: higher is riskier, -1: lower is riskier
    floor: float  # minimum scale for the robust z
    min_gap: float  # minimum plain difference from the peers' median to report
    fmt: str  # "pct" | "num"
    says: str  # reason text; {value} and {median} are formatted values


METRICS: tuple[Metric, ...] = (
    Metric(
        "rate_90863",
        1,
        0.05,
        0.25,
        "pct",
        "bills 90863 on {value} of psychotherapy sessions; peers' median {median}",
    ),
    Metric(
        "share_90837",
        1,
        0.05,
        0.25,
        "pct",
        "bills 90837 on {value} of psychotherapy lines; peers' median {median}",
    ),
    Metric(
        "services_per_day",
        1,
        1.0,
        8.0,
        "num",
        "averages {value} visits per day billed; peers' median {median}",
    ),
    Metric(
        "error_rate", 1, 0.02, 0.10, "pct", "has error findings on {value} of lines; peers' median {median}"
    ),
    Metric(
        "doc_completeness",
        -1,
        0.05,
        0.30,
        "pct",
        "notes document {value} of the expected elements (time, medication management); "
        "peers' median {median}",
    ),
    Metric(
        "orphan_90863",
        1,
        1.0,
        5.0,
        "num",
        "billed 90863 without psychotherapy {value} times; peers' median {median}",
    ),
)
METRIC_NAMES = [m.name for m in METRICS]


def _fmt(v: float | None, kind: str) -> str:
    if v is None:
        return "n/a"
    return f"{v:.0%}" if kind == "pct" else (f"{v:.1f}" if abs(v - round(v)) > 1e-9 else f"{int(round(v))}")


def _median(vals: list[float]) -> float | None:
    s = sorted(vals)
    n = len(s)
    if not n:
        return None
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def compare(overall: pl.DataFrame) -> pl.DataFrame:
    """One row per provider: for each metric ``<m>``, ``<m>_median``, ``<m>_pct``, ``<m>_z``;
    plus ``peer_group``, ``peers``, ``reasons`` (list of plain sentences) and ``risk_score``."""
    rows = overall.to_dicts()
    out = []
    for r in rows:
        cls = r.get("provider_class")
        same = [
            o
            for o in rows
            if o["provider_npi"] != r["provider_npi"] and o.get("provider_class") == cls and cls
        ]
        group = cls or "unknown class"
        if len(same) < MIN_PEERS:
            same = [o for o in rows if o["provider_npi"] != r["provider_npi"]]
            group = f"all providers (fewer than {MIN_PEERS} peers in {cls or 'unknown class'})"
        too_few = len(same) < MIN_PEERS
        if too_few:
            group = (
                f"too few providers to compare ({len(same)} other provider(s); at least {MIN_PEERS} needed)"
            )
        rec: dict[str, object] = {
            "provider_npi": r["provider_npi"],
            "peer_group": group,
            "peers": len(same),
            "too_few_peers": too_few,
        }
        reasons: list[str] = []
        score = 0.0
        for m in METRICS:
            v = r.get(m.name)
            vals = [] if too_few else [float(o[m.name]) for o in same if o.get(m.name) is not None]
            med = _median(vals)
            z = pct = None
            if v is not None and med is not None:
                mad = _median([abs(x - med) for x in vals]) or 0.0
                scale = max(1.4826 * mad, m.floor)
                z = (float(v) - med) / scale
                pct = 100.0 * sum(1 for x in vals if x <= float(v)) / len(vals)
                risky_z = z * m.direction
                if risky_z >= Z_THRESHOLD and (float(v) - med) * m.direction >= m.min_gap:
                    text = m.says.format(value=_fmt(float(v), m.fmt), median=_fmt(med, m.fmt))
                    if not group.startswith(str(cls)) or not cls:
                        text += f" (peers: {group})"
                    reasons.append(text)
                    score += min(risky_z, Z_CAP)
            rec[f"{m.name}_median"] = med
            rec[f"{m.name}_pct"] = pct
            rec[f"{m.name}_z"] = z
        over30 = r.get("share_days_over_30")
        if over30 is not None and over30 >= 0.5:
            reasons.append(
                f"billed more than 30 visits a day on {over30:.0%} of the {r.get('days_billed')} days billed "
                f"(average {r.get('services_per_day', 0):.1f}, highest {r.get('max_services_day')})"
            )
            score += Z_CAP
        rec["reasons"] = reasons
        rec["risk_score"] = round(score, 1)
        out.append(rec)
    schema: dict[str, pl.DataType] = {
        "provider_npi": pl.String(),
        "peer_group": pl.String(),
        "peers": pl.Int64(),
        "too_few_peers": pl.Boolean(),
    }
    for m in METRICS:
        schema |= {
            f"{m.name}_median": pl.Float64(),
            f"{m.name}_pct": pl.Float64(),
            f"{m.name}_z": pl.Float64(),
        }
    schema |= {"reasons": pl.List(pl.String()), "risk_score": pl.Float64()}
    cmp = pl.DataFrame(out, schema=schema)
    return overall.join(cmp, on="provider_npi", how="left").sort(
        ["risk_score", "provider_npi"], descending=[True, False]
    )
