from __future__ import annotations

import json
from typing import TYPE_CHECKING

from claimscrub.model import FINDING_COLUMNS
from claimscrub.writers.money import whatif_rows

if TYPE_CHECKING:
    from claimscrub.service import CheckResult


def render_json(result: CheckResult) -> str:
    """The spec §5 document; the findings array is written by Polars (fast for big batches)."""
    findings = result.findings.select(FINDING_COLUMNS).write_json()
    summary = json.dumps(result.summary, default=str)
    extra = ""
    rows = whatif_rows(result)
    if rows:
        from claimscrub.pricing import jsonable

        extra = f',\n "whatif": {json.dumps(jsonable(rows), default=str)}'
    return f'{{"findings": {findings},\n "summary": {summary}{extra}}}\n'
