from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, BinaryIO

from claimscrub.model import FINDING_COLUMNS
from claimscrub.writers.money import whatif_rows

if TYPE_CHECKING:
    from claimscrub.service import CheckResult


def write_json(result: CheckResult, fh: BinaryIO) -> None:
    """The spec §5 document, written to ``fh`` as it is made: the findings array by Polars
    straight into the file (a million-line batch never becomes one Python string)."""
    fh.write(b'{"findings": ')
    result.findings.select(FINDING_COLUMNS).write_json(fh)
    fh.write(b',\n "summary": ' + json.dumps(result.summary, default=str).encode())
    rows = whatif_rows(result)
    if rows:
        from claimscrub.pricing import jsonable

        fh.write(b',\n "whatif": ' + json.dumps(jsonable(rows), default=str).encode())
    fh.write(b"}\n")


def render_json(result: CheckResult) -> str:
    """:func:`write_json` as text."""
    buf = io.BytesIO()
    write_json(result, buf)
    return buf.getvalue().decode("utf-8")
