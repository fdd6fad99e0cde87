"""Pricing by parts, for the streaming and Spark engines.

Each part (a union of whole claim/encounter components, see
:mod:`claimscrub.engine.streaming`) prices its own lines; the driver adds the parts up.
This is exact: a line's price looks at the line only, money at risk at the line and the
add-on/primary lines of its encounter, the crosswalk what-if at an encounter -- all inside
one component -- and money is ``Decimal`` cents, so sums do not round. The totals, the
per-rule and per-provider figures and the what-if rows equal
:func:`claimscrub.service.add_money` on the whole batch (tests/spark/test_streaming.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

#: What the reports need of each priced line that has a finding (CSV report: the price).
PRICE_COLUMNS = ["_row", "expected_payment", "unit_price", "price_status", "price_basis"]


@dataclass
class MoneyPart:
    prices: pl.DataFrame  # PRICE_COLUMNS of the part's lines that have a finding, global _row
    money: dict[str, Any]  # claimscrub.pricing.money_at_risk of the part
    whatif: pl.DataFrame  # claimscrub.pricing.crosswalk_whatif of the part (computed always)


def price_part(lines: pl.DataFrame, findings: pl.DataFrame, global_rows: pl.Series) -> MoneyPart:
    """Prices a part. ``lines``/``findings`` carry the part's local ``_row``;
    ``global_rows[local]`` is the line's position in the whole batch."""
    from claimscrub.pricing import crosswalk_whatif, money_at_risk, price_lines

    prices = price_lines(lines)
    money = money_at_risk(lines, prices, findings)
    hit = prices.filter(pl.col("_row").is_in(findings["_row"].unique().implode()))
    hit = hit.with_columns(global_rows.gather(hit["_row"]).cast(pl.UInt32).alias("_row"))
    return MoneyPart(hit.select(PRICE_COLUMNS), money, crosswalk_whatif(lines))


def _provider_order(key: str) -> str:
    return "None" if key == "" else key  # money_at_risk sorts the null NPI as str(None)


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = _add(out[k], v) if k in out else v
        return out
    return a + b


def merge_money(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole batch's ``money_at_risk`` dict from its parts' dicts."""
    total = parts[0]
    for m in parts[1:]:
        total = _add(total, m)
    total["by_rule"] = dict(sorted(total["by_rule"].items()))
    total["by_provider"] = dict(sorted(total["by_provider"].items(), key=lambda kv: _provider_order(kv[0])))
    return total


def merge_whatif(parts: list[pl.DataFrame], any_pv003: bool) -> pl.DataFrame | None:
    """``add_money`` computes the what-if only when PV003 fired somewhere in the batch."""
    if not any_pv003 or not parts:
        return None
    frame = pl.concat(parts, how="vertical_relaxed")
    return frame.sort(["service_date", "provider_npi", "patient_id"])


def empty_money() -> tuple[pl.DataFrame, dict[str, Any]]:
    """Prices and money of a batch without lines."""
    from claimscrub.engine.runner import EMPTY_FINDINGS
    from claimscrub.model import CANONICAL_SCHEMA
    from claimscrub.pricing import money_at_risk, price_lines

    lines = pl.DataFrame(schema=CANONICAL_SCHEMA)
    prices = price_lines(lines)
    return prices.select(PRICE_COLUMNS), money_at_risk(lines, prices, EMPTY_FINDINGS)
