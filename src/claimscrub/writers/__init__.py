"""Writers: one module per output format. ``render(result, fmt)`` returns the report text."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from claimscrub.service import CheckResult

FORMATS = ("text", "json", "csv", "html", "sarif")


def render(result: CheckResult, fmt: str, *, color: bool = False) -> str:
    if fmt == "json":
        from claimscrub.writers.json_report import render_json

        return render_json(result)
    if fmt == "text":
        from claimscrub.writers.text_report import render_text

        return render_text(result, color=color)
    if fmt == "csv":
        from claimscrub.writers.csv_report import render_csv

        return render_csv(result)
    if fmt == "html":
        from claimscrub.writers.html_report import render_html

        return render_html(result)
    if fmt == "sarif":
        from claimscrub.writers.sarif_report import render_sarif

        return render_sarif(result)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
