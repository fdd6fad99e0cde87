"""Numbers for the audit dashboard, from the stored batch summaries (no re-check needed)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any

from claimscrub.web.audit_link import profiles
from claimscrub.web.batches import BatchService, summary_of


def _money(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def bars(counter: Counter | dict, limit: int = 12) -> list[dict[str, Any]]:
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    top = max((v for _, v in items), default=0) or 1
    return [{"label": k, "value": v, "pct": round(100 * v / top, 1)} for k, v in items]


def dashboard_data(svc: BatchService) -> dict[str, Any]:
    done = [(b, summary_of(b)) for b in svc.list(200) if b.status == "done"]
    by_rule: Counter = Counter()
    by_provider: Counter = Counter()
    totals = Counter()
    at_risk = expected = Decimal(0)
    timeline = []
    for b, s in done:
        by_rule.update(s.get("by_rule", {}))
        by_provider.update(s.get("errors_by_provider", {}))
        for k in ("claims", "lines", "errors", "warnings", "infos"):
            totals[k] += int(s.get(k, 0) or 0)
        money = s.get("money") or {}
        at_risk += _money(money.get("at_risk", 0))
        expected += _money(money.get("expected_payment", 0))
        lines = int(s.get("lines", 0) or 0)
        rate = 100 * int(s.get("errors", 0) or 0) / lines if lines else 0.0
        timeline.append({"batch": b, "errors": int(s.get("errors", 0) or 0), "rate": round(rate, 1)})
    timeline.reverse()  # oldest first
    top_rate = max((t["rate"] for t in timeline), default=0) or 1
    for t in timeline:
        t["pct"] = round(100 * t["rate"] / top_rate, 1)
    return {
        "n_batches": len(done),
        "totals": totals,
        "at_risk": at_risk,
        "expected": expected,
        "rule_bars": bars(by_rule),
        "provider_bars": bars(by_provider, 8),
        "timeline": timeline[-30:],
        "profiles": profiles(svc.url),
    }
