"""Money figures for the reports: formatting and the rows each report shows."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from claimscrub.service import CheckResult


TOP_PROVIDERS = 10  # the text report names the providers with the most at risk


def usd(value: object) -> str:
    if value is None:
        return "unknown"
    return f"${Decimal(str(value)):,.2f}"


def money_lines(result: CheckResult) -> list[str]:
    """Plain-text money summary (empty when the batch was not priced)."""
    m = result.money
    if not m:
        return []
    out = [
        f"expected payment {usd(m['expected_payment'])} on {m['priced_lines']} priced lines "
        f"({m['unknown_lines']} lines without a known rate); "
        f"at risk {usd(m['at_risk'])} on {m['at_risk_lines']} lines "
        f"({m['at_risk_unknown_lines']} of them without a known rate)"
    ]
    by_rule = sorted(m.get("by_rule", {}).items(), key=lambda kv: -Decimal(str(kv[1]["amount"])))
    if by_rule:
        out.append(
            "at risk by rule: "
            + ", ".join(f"{rule} {usd(v['amount'])} ({v['lines']} lines)" for rule, v in by_rule)
        )
    by_provider = sorted(
        ((npi, v) for npi, v in m.get("by_provider", {}).items() if v["at_risk_lines"]),
        key=lambda kv: (-Decimal(str(kv[1]["at_risk"])), -kv[1]["at_risk_lines"], kv[0]),
    )
    if by_provider:
        shown = by_provider[:TOP_PROVIDERS]
        more = f", and {len(by_provider) - len(shown)} more" if len(by_provider) > len(shown) else ""
        out.append(
            "at risk by provider: "
            + ", ".join(f"{npi} {usd(v['at_risk'])} ({v['at_risk_lines']} lines)" for npi, v in shown)
            + more
        )
    return out


def whatif_rows(result: CheckResult) -> list[dict[str, object]]:
    if result.whatif is None or result.whatif.height == 0:
        return []
    return result.whatif.drop("patient_id", strict=False).to_dicts()
