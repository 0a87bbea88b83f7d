"""Small server-side plots for the quality dashboard: inline SVG and HTML strings, no Django.

Inline SVG keeps the dashboard a plain page (no CDN, no script), and every plot is text a test
can read back.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH = 640
BAR_COLOR = "#3b6ef5"


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def histogram_svg(edges: Sequence[float], counts: Sequence[int], *, title: str, unit: str = "", testid: str = "") -> str:
    """Vertical bars, one per bin, labelled at the first, middle and last edge."""
    height, pad_l, pad_b, pad_t = 180, 36, 28, 20
    n = len(counts)
    top = max(counts, default=0) or 1
    plot_w = WIDTH - pad_l - 10
    plot_h = height - pad_b - pad_t
    bw = plot_w / max(n, 1)
    parts = [f'<svg class="plot" data-testid="{escape(testid)}" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
             f'<title>{escape(title)}</title>',
             f'<text x="{pad_l}" y="14" font-size="12" fill="#667085">{escape(title)} (max {top})</text>']
    for i, c in enumerate(counts):
        h = plot_h * c / top
        x = pad_l + i * bw
        parts.append(f'<rect class="bar" x="{_num(x + 1)}" y="{_num(pad_t + plot_h - h)}" width="{_num(max(bw - 2, 1))}" '
                     f'height="{_num(h)}" fill="{BAR_COLOR}"><title>{_num(edges[i])}–{_num(edges[i + 1])}{escape(unit)}: '
                     f'{c}</title></rect>')
    base = pad_t + plot_h
    parts.append(f'<line x1="{pad_l}" y1="{base}" x2="{WIDTH - 10}" y2="{base}" stroke="#98a2b3"/>')
    for i in sorted({0, n // 2, n}):
        if i < len(edges):
            parts.append(f'<text x="{_num(pad_l + i * bw)}" y="{base + 16}" font-size="11" text-anchor="middle" '
                         f'fill="#667085">{_num(edges[i])}{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bars_svg(items: Sequence[tuple[str, float | None]], *, title: str, lo: float = -1.0, hi: float = 1.0,
             testid: str = "") -> str:
    """Horizontal bars for named values on [lo, hi]; undefined values are shown as 'n/a'."""
    row, pad_l, pad_t = 22, 140, 24
    height = pad_t + row * max(len(items), 1) + 8
    plot_w = WIDTH - pad_l - 60
    zero = pad_l + plot_w * (0 - lo) / (hi - lo)
    parts = [f'<svg class="plot" data-testid="{escape(testid)}" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
             f'<title>{escape(title)}</title>',
             f'<text x="4" y="14" font-size="12" fill="#667085">{escape(title)}</text>']
    for i, (name, value) in enumerate(items):
        y = pad_t + i * row
        parts.append(f'<text x="{pad_l - 6}" y="{y + 15}" font-size="12" text-anchor="end">{escape(name)}</text>')
        if value is None:
            parts.append(f'<text x="{_num(zero + 4)}" y="{y + 15}" font-size="12" fill="#98a2b3">n/a</text>')
            continue
        v = min(max(value, lo), hi)
        x = pad_l + plot_w * (v - lo) / (hi - lo)
        left, w = (zero, x - zero) if x >= zero else (x, zero - x)
        color = BAR_COLOR if value >= 0 else "#b42318"
        parts.append(f'<rect class="bar" x="{_num(left)}" y="{y + 3}" width="{_num(max(w, 1))}" height="{row - 6}" '
                     f'fill="{color}"><title>{escape(name)}: {value:.3f}</title></rect>')
        parts.append(f'<text x="{_num(max(x, zero) + 4)}" y="{y + 15}" font-size="11">{value:.2f}</text>')
    parts.append(f'<line x1="{_num(zero)}" y1="{pad_t - 2}" x2="{_num(zero)}" y2="{height - 4}" stroke="#98a2b3"/>')
    parts.append("</svg>")
    return "".join(parts)


def _heat(value: float, lo: float, hi: float) -> str:
    """Red (low) to green (high) through pale yellow, as an rgb() colour."""
    t = 0.0 if hi <= lo else min(max((value - lo) / (hi - lo), 0.0), 1.0)
    r = int(220 - 150 * t) if t > 0.5 else 220
    g = int(80 + 2 * 140 * t) if t <= 0.5 else 220
    return f"rgb({r},{g},110)"


def heatmap_table(names: Sequence[str], values: Sequence[Sequence[float | None]], *, lo: float = 0.0,
                  hi: float = 1.0, testid: str = "") -> str:
    """An annotator x annotator table whose cells are coloured by value (empty where undefined)."""
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    rows = []
    for name, line in zip(names, values):
        cells = []
        for v in line:
            if v is None:
                cells.append('<td class="heat muted">–</td>')
            else:
                cells.append(f'<td class="heat" style="background:{_heat(v, lo, hi)}">{v:.2f}</td>')
        rows.append(f"<tr><th>{escape(name)}</th>{''.join(cells)}</tr>")
    return (f'<table class="heatmap" data-testid="{escape(testid)}"><thead><tr><th></th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")
