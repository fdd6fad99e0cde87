"""Report downloads: CSV (formula-safe), JSON, HTML, SARIF, via ``claimscrub.writers.render``."""

from __future__ import annotations

from fastapi.responses import Response

from claimscrub.service import CheckResult
from claimscrub.web.batches import safe_name
from claimscrub.writers import render

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "sarif": "application/sarif+json",
}


def export_response(result: CheckResult, batch: object, fmt: str) -> Response:
    text = render(result, fmt)  # the CSV writer neutralizes formulas
    stem = safe_name(getattr(batch, "filename", "batch")).rsplit(".", 1)[0]
    name = f"{stem}-{getattr(batch, 'id', 'check')}-findings.{fmt}"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
    if fmt == "html":
        # a downloaded report must not run anything if it is opened from the server
        headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return Response(text, media_type=MEDIA[fmt], headers=headers)
