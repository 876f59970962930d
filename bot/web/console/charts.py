"""Server-rendered SVG charts (stacked columns, horizontal bars): no JavaScript needed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

# Colour-blind-safe (Okabe-Ito) colours; every chart also has a text table for screen readers.
PALETTE = ("#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#D55E00", "#F0E442", "#999")
LEVEL_COLOURS = {"scam": "#D55E00", "suspicious": "#E69F00", "no_match": "#0072B2"}


def colour(name: str, index: int) -> str:
    """A series' colour: fixed ones for verdict levels, else the palette in order."""
    return LEVEL_COLOURS.get(name, PALETTE[index % len(PALETTE)])


def stacked_columns(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[int]],
    names: Mapping[str, str],
    *,
    width: int = 480,
    height: int = 220,
) -> Markup:
    """One column per label, stacked by series, with a legend; scales to its container."""
    top = max((sum(col) for col in zip(*series.values(), strict=True)), default=0) or 1
    left, bottom, legend = 36, 28, 22
    plot_h = height - bottom - legend
    step = (width - left) / max(len(labels), 1)
    bar = max(step * 0.7, 2)
    every = -(-len(labels) // 8) or 1
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        'class="chart" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{legend + plot_h}" x2="{width}" y2="{legend + plot_h}" '
        'stroke="#888"/>',
        f'<text x="{left - 4}" y="{legend + 8}" text-anchor="end" class="tick">{top}</text>',
        f'<text x="{left - 4}" y="{legend + plot_h}" text-anchor="end" class="tick">0</text>',
    ]
    for i, label in enumerate(labels):
        x = left + i * step + (step - bar) / 2
        y: float = legend + plot_h
        for j, (name, values) in enumerate(series.items()):
            h = values[i] / top * plot_h
            if h > 0:
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                    f'fill="{colour(name, j)}"><title>{escape(label)} · '
                    f"{escape(names.get(name, name))}: {values[i]}</title></rect>"
                )
        if (len(labels) - 1 - i) % every == 0:  # at most 8 dates, today always
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - 8}" text-anchor="middle" '
                f'class="tick">{escape(label[-5:])}</text>'
            )
    x = left
    for j, name in enumerate(series):
        shown = escape(names.get(name, name))
        parts.append(
            f'<rect x="{x}" y="4" width="12" height="12" fill="{colour(name, j)}"/>'
            f'<text x="{x + 16}" y="14" class="legend">{shown}</text>'
        )
        x += 24 + 8 * len(names.get(name, name))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above


def bars(title: str, items: Sequence[tuple[str, int]], *, width: int = 420) -> Markup:
    """Horizontal bars, one per (label, value), longest first as given."""
    row, label_w = 26, 170
    height = max(len(items), 1) * row + 8
    top = max((v for _, v in items), default=0) or 1
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        'class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        w = value / top * (width - label_w - 40)
        short = label if len(label) <= 24 else label[:23] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" class="tick">'
            f"{escape(short)}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 8}" '
            f'fill="{PALETTE[0]}"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" class="tick">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
