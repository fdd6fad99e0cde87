"""Small server-side SVG charts (no JavaScript, no CDN: the report opens offline).
Every label is XML-escaped."""

from __future__ import annotations

from html import escape

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]


def _fmt(v: float, kind: str) -> str:
    return f"{v:.0%}" if kind == "pct" else f"{v:.1f}"


def line_chart(
    x_labels: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    title: str,
    kind: str = "num",
    width: int = 560,
    height: int = 220,
) -> str:
    """Lines over months; ``series`` = [(name, values aligned with x_labels)]."""
    left, right, top, bottom = 48, 150, 26, 30
    w, h = width - left - right, height - top - bottom
    vals = [v for _, ys in series for v in ys if v is not None]
    ymax = max(vals + [0.0]) or 1.0
    if kind == "pct":
        ymax = min(1.0, ymax * 1.1) if ymax < 0.9 else 1.0
    else:
        ymax *= 1.1
    n = max(len(x_labels) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + w * i / n, top + h - h * v / ymax

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}">',
        f'<text x="{left}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" stroke="#999"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + h}" stroke="#999"/>',
    ]
    for frac in (0, 0.5, 1):
        y = top + h - h * frac
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">'
            f"{escape(_fmt(ymax * frac, kind))}</text>"
        )
    for i, lab in enumerate(x_labels):
        x, _ = xy(i, 0)
        parts.append(
            f'<text x="{x:.1f}" y="{top + h + 16}" font-size="10" text-anchor="middle">{escape(lab)}</text>'
        )
    for k, (name, ys) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        pts = [xy(i, v) for i, v in enumerate(ys) if v is not None]
        if len(pts) > 1:
            d = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            dash = ' stroke-dasharray="5,3"' if k > 0 else ""
            parts.append(f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        for x, y in pts:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>')
        ly = top + 12 + 16 * k
        parts.append(f'<rect x="{left + w + 10}" y="{ly - 8}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{left + w + 24}" y="{ly + 1}" font-size="11">{escape(name[:22])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def strip_chart(
    points: list[tuple[str, float, bool]],
    *,
    title: str,
    kind: str = "num",
    median: float | None = None,
    width: int = 560,
    height: int = 90,
) -> str:
    """One dot per provider on a horizontal axis; highlighted dots are red and labelled."""
    left, right, top = 20, 20, 30
    w = width - left - right
    vals = [v for _, v, _ in points] + ([median] if median is not None else [])
    lo, hi = min(vals + [0.0]), max(vals + [0.0])
    if kind == "pct":
        lo, hi = 0.0, max(1.0, hi)
    span = (hi - lo) or 1.0

    def x(v: float) -> float:
        return left + w * (v - lo) / span

    y = top + 22
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}">',
        f'<text x="{left}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{y}" x2="{left + w}" y2="{y}" stroke="#bbb"/>',
        f'<text x="{left}" y="{y + 28}" font-size="10">{escape(_fmt(lo, kind))}</text>',
        f'<text x="{left + w}" y="{y + 28}" font-size="10" text-anchor="end">{escape(_fmt(hi, kind))}</text>',
    ]
    if median is not None:
        parts.append(
            f'<line x1="{x(median):.1f}" y1="{y - 12}" x2="{x(median):.1f}" y2="{y + 12}" stroke="#555" '
            f'stroke-dasharray="3,2"/>'
        )
        parts.append(
            f'<text x="{x(median):.1f}" y="{y + 28}" font-size="10" text-anchor="middle">'
            f"median {escape(_fmt(median, kind))}</text>"
        )
    for label, v, hot in sorted(points, key=lambda p: p[2]):
        color = "#d62728" if hot else "#1f77b4"
        r = 6 if hot else 4
        parts.append(
            f'<circle cx="{x(v):.1f}" cy="{y}" r="{r}" fill="{color}" fill-opacity="0.7">'
            f"<title>{escape(label)}: {escape(_fmt(v, kind))}</title></circle>"
        )
        if hot:
            parts.append(
                f'<text x="{x(v):.1f}" y="{y - 10}" font-size="10" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(bars: list[tuple[str, float]], *, title: str, kind: str = "num", width: int = 560) -> str:
    """Horizontal bars (label, value)."""
    row, left, top = 18, 150, 26
    height = top + row * len(bars) + 10
    vmax = max([v for _, v in bars] + [0.0]) or 1.0
    w = width - left - 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}">',
        f'<text x="4" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, v) in enumerate(bars):
        y = top + i * row
        parts.append(
            f'<text x="{left - 6}" y="{y + 12}" font-size="11" text-anchor="end">{escape(label[:24])}</text>'
        )
        parts.append(
            f'<rect x="{left}" y="{y + 2}" width="{w * v / vmax:.1f}" height="{row - 5}" fill="#1f77b4"/>'
        )
        parts.append(
            f'<text x="{left + w * v / vmax + 4:.1f}" y="{y + 12}" font-size="10">'
            f"{escape(_fmt(v, kind))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
