"""The page around the ``audit`` and ``review`` HTML reports: the web app's own stylesheet
(``web/static/style.css``, inlined so the file opens offline and prints as it looks on screen),
a few report rules, and a print layout (A4/Letter, no shadows, a provider per page).

Also how a provider is shown: the roster's name when one was given (``--providers``), with the
NPI beside it."""

from __future__ import annotations

from html import escape
from importlib import resources
from pathlib import Path

REPORT_CSS = """
body{background:#fff}
main{max-width:1100px}
.report-head{border-bottom:2px solid var(--brand);padding-bottom:.5rem;margin-bottom:1rem}
.report-head .brand{font-size:.95rem}
.report-head p{margin:.2rem 0}
.figure{margin:.6rem 0}
.figure svg{max-width:100%;height:auto}
.chart-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:.6rem 1.2rem}
.npi{color:var(--muted);font-size:.8rem;white-space:nowrap}
.reasons li{color:var(--err)}
.caveat{background:var(--warn-bg);color:var(--warn);border-radius:8px;padding:.5rem .8rem;margin:.6rem 0}
.risk{color:var(--err);font-weight:700}
.delta-worse{color:var(--err)}
.delta-better{color:var(--ok)}
.ink{color:var(--ink)}
table.grid th.num{text-align:right}
@media print{
  @page{margin:14mm}
  body{background:#fff;font-size:10.5pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}
  main{max-width:none;padding:0}
  .card{box-shadow:none;border:1px solid #ccc;break-inside:avoid;page-break-inside:avoid}
  table.grid{font-size:9.5pt}
  table.grid tr,.figure,.stat{break-inside:avoid;page-break-inside:avoid}
  table.grid thead{display:table-header-group}
  h2,h3{break-after:avoid;page-break-after:avoid}
  section.provider{break-before:page;page-break-before:always}
  .chart-grid{display:block}
  .noprint{display:none}
  a{color:inherit;text-decoration:none}
}
"""


def web_css() -> str:
    """The web app's stylesheet (empty when the web assets are not installed)."""
    try:
        return (resources.files("claimscrub") / "web" / "static" / "style.css").read_text(encoding="utf-8")
    except (OSError, ModuleNotFoundError):
        return ""


def page(title: str, subtitle: str, body: list[str]) -> str:
    e = escape
    return "".join(
        [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width, initial-scale=1'>",
            f"<title>{e(title)}</title><style>{web_css()}{REPORT_CSS}</style></head><body><main>",
            "<header class='report-head'><span class='brand'><span class='logo'>c</span> claimscrub</span>",
            f"<h1>{e(title)}</h1><p class='muted'>{e(subtitle)}</p></header>",
            *body,
            "</main></body></html>\n",
        ]
    )


def card(*parts: str) -> str:
    return "<section class='card'>" + "".join(parts) + "</section>"


def count(v: object) -> str:
    """A count as a count: ``757``, ``1,204``; ``-`` when there is none."""
    if v is None:
        return "-"
    return f"{int(round(float(v))):,}"  # type: ignore[arg-type]


def load_names(path: Path | None) -> dict[str, str]:
    """NPI -> provider name from a roster CSV (``provider_npi`` and ``provider_name``)."""
    if path is None:
        return {}
    from claimscrub.errors import InputError
    from claimscrub.readers.csv_reader import read_roster

    roster = read_roster(path)
    if "provider_name" not in roster.columns:
        raise InputError(str(path), "missing column provider_name (needed to show providers by name)", line=1)
    return {
        str(npi).strip(): str(name).strip()
        for npi, name in roster.select("provider_npi", "provider_name").iter_rows()
        if npi and name and str(name).strip()
    }


def provider_html(npi: object, names: dict[str, str]) -> str:
    """``<name> <NPI>`` as HTML (every part escaped); the NPI alone without a roster name."""
    n = "" if npi is None else str(npi)
    name = names.get(n)
    if name:
        return f"{escape(name)} <span class='npi'>NPI {escape(n)}</span>"
    return f"NPI {escape(n)}" if n else "(no NPI)"


def provider_text(npi: object, names: dict[str, str]) -> str:
    """Short plain label for charts: the name, else the NPI."""
    n = "" if npi is None else str(npi)
    return names.get(n) or n or "(no NPI)"
