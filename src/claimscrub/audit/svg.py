# ruff: noqa: E501  (HTML template lines)
"""Small server-side SVG charts (no JavaScript, no CDN: the report opens offline).
Every label is XML-escaped."""

from __future__ import annotations

from html import escape

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]


#: width of one character of a 10px label, rounded up so that estimated boxes never undercut
CHAR_W = 6.2
LABEL_ROW = 12


def _fmt(v: float, kind: str) -> str:
    if kind == "pct":
        return f"{v:.0%}"
    return one_decimal(v) if kind != "count" else f"{int(round(v)):,}"


def one_decimal(v: float) -> str:
    """``32.7``, ``10`` (never ``10.0``), ``1,204``."""
    r = round(float(v), 1)
    return f"{int(r):,}" if r == int(r) else f"{r:,.1f}"


def place_labels(labels: list[tuple[float, str]], lo: float, hi: float) -> list[tuple[float, int]]:
    """Left x and row of each label centred at x (rows 0, 1, ... so that no two labels in a row
    overlap), kept inside ``lo..hi``; returned in the order given."""
    order = sorted(range(len(labels)), key=lambda i: labels[i][0])
    row_ends: list[float] = []
    out: dict[int, tuple[float, int]] = {}
    for i in order:
        x, text = labels[i]
        w = len(text) * CHAR_W
        x0 = min(max(x - w / 2, lo), max(lo, hi - w))
        for row, end in enumerate(row_ends):
            if x0 >= end + 4:
                row_ends[row] = x0 + w
                break
        else:
            row = len(row_ends)
            row_ends.append(x0 + w)
        out[i] = (x0, row)
    return [out[i] for i in range(len(labels))]


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
    longest = max((len(name) for name, _ in series), default=0)
    left, top, bottom = 48, 26, 30
    right = int(min(40 + longest * CHAR_W, 200))  # room for the legend's longest name
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
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
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
        fits = int((right - 30) / CHAR_W)
        label = name if len(name) <= fits else name[: fits - 1] + "…"
        parts.append(f'<text x="{left + w + 24}" y="{ly + 1}" font-size="10">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def strip_chart(
    points: list[tuple[str, float, bool]],
    *,
    title: str,
    kind: str = "num",
    median: float | None = None,
    width: int = 560,
) -> str:
    """One dot per provider on a horizontal axis; highlighted dots are red and labelled.  Labels
    are stacked in rows (``place_labels``) so that none overlaps another."""
    left, right = 20, 20
    w = width - left - right
    vals = [v for _, v, _ in points] + ([median] if median is not None else [])
    lo, hi = min(vals + [0.0]), max(vals + [0.0])
    if kind == "pct":
        lo, hi = 0.0, max(1.0, hi)
    span = (hi - lo) or 1.0

    def x(v: float) -> float:
        return left + w * (v - lo) / span

    hot = [(x(v), label) for label, v, h in points if h]
    top_rows = place_labels(hot, 0, width)
    n_top = max([r for _, r in top_rows] + [-1]) + 1
    bottom = [(x(lo), _fmt(lo, kind))] + ([(x(hi), _fmt(hi, kind))] if hi != lo else [])
    if median is not None:
        bottom.append((x(median), f"median {_fmt(median, kind)}"))
    bottom_rows = place_labels(bottom, 0, width)
    n_bottom = max(r for _, r in bottom_rows) + 1
    y = 30 + LABEL_ROW * n_top + 8
    height = y + 16 + LABEL_ROW * n_bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f'<text x="{left}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{y}" x2="{left + w}" y2="{y}" stroke="#bbb"/>',
    ]
    if median is not None:
        parts.append(
            f'<line x1="{x(median):.1f}" y1="{y - 12}" x2="{x(median):.1f}" y2="{y + 12}" stroke="#555" '
            f'stroke-dasharray="3,2"/>'
        )
    for (x0, row), (_, text) in zip(bottom_rows, bottom, strict=True):
        parts.append(
            f'<text class="axis" x="{x0:.1f}" y="{y + 24 + LABEL_ROW * row}" font-size="10">{escape(text)}</text>'
        )
    for label, v, is_hot in sorted(points, key=lambda p: p[2]):
        color = "#d62728" if is_hot else "#1f77b4"
        r = 6 if is_hot else 4
        parts.append(
            f'<circle cx="{x(v):.1f}" cy="{y}" r="{r}" fill="{color}" fill-opacity="0.7">'
            f"<title>{escape(label)}: {escape(_fmt(v, kind))}</title></circle>"
        )
    # leaders first, then the labels on a white halo, so a leader never runs over a label's text
    for (_, row), (cx, _) in zip(top_rows, hot, strict=True):
        ty = y - 12 - LABEL_ROW * row
        parts.append(
            f'<line x1="{cx:.1f}" y1="{y - 6}" x2="{cx:.1f}" y2="{ty + 2}" stroke="#d62728" stroke-width="0.5"/>'
        )
    for (x0, row), (_, text) in zip(top_rows, hot, strict=True):
        parts.append(
            f'<text class="label" x="{x0:.1f}" y="{y - 12 - LABEL_ROW * row}" font-size="10" '
            f'paint-order="stroke" stroke="#fff" stroke-width="3">{escape(text)}</text>'
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
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
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
