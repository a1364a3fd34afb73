"""Charts drawn on the server as inline SVG: no script, no outside host, readable by
screen readers (role="img" with a title and a description naming every value), and
scaled by the browser to a phone's width. Pure functions: numbers in, markup out.

Values may be counts or exact decimals (pay, rates); only the drawing geometry is
approximated, never a number shown."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

Number = int | Decimal
WIDTH = 420  # drawn in a column about this wide, so the text keeps its size
LABEL_WIDTH = 130
BAR_HEIGHT = 22
GAP = 8
PALETTE = ("#c0392b", "#2471a3", "#239b56", "#b9770e", "#7d3c98", "#5d6d7e")


def _scale(value: Number, top: Number, span: int) -> int:
    if top <= 0 or value <= 0:
        return 0
    return max(1, round(Decimal(value) / Decimal(top) * span))


def _describe(title: str, rows: Sequence[tuple[str, Number]]) -> str:
    return f"{title}: " + "; ".join(f"{label} {value}" for label, value in rows)


def bars(
    title: str,
    rows: Sequence[tuple[str, Number]],
    marks: Sequence[tuple[str, Number]] = (),
) -> Markup:
    """Horizontal bars, one a row, each labelled with its value; `marks` are vertical
    reference lines (targets) across all bars."""
    if not rows:
        return Markup("")
    top = max([v for _, v in rows] + [v for _, v in marks] + [1])
    span = WIDTH - LABEL_WIDTH - 50
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP + (18 if marks else 0)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'preserveAspectRatio="xMinYMin meet" aria-label="{escape(_describe(title, rows))}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(rows):
        y = GAP + i * (BAR_HEIGHT + GAP)
        w = _scale(value, top, span)
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 16}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{w}" height="{BAR_HEIGHT}" fill="{colour}"/>'
            f'<text x="{LABEL_WIDTH + w + 4}" y="{y + 16}">{escape(str(value))}</text>'
        )
    for j, (label, value) in enumerate(marks):
        x = LABEL_WIDTH + _scale(value, top, span)
        parts.append(
            f'<line x1="{x}" y1="0" x2="{x}" y2="{height - 18}" stroke="#222" '
            f'stroke-dasharray="4 3"/><text x="{x}" y="{height - 4 - j * 0}" '
            f'text-anchor="{"start" if j % 2 else "end"}" class="mark">'
            f"{escape(label)} {escape(str(value))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # every label and value passed escape()


def columns(
    title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[Number]]]
) -> Markup:
    """Grouped vertical columns: one group per category (a month), one column per
    series (joiners, leavers), with a legend."""
    if not categories:
        return Markup("")
    top = max([v for _, values in series for v in values] + [1])
    height, base, left = 260, 220, 30
    group = (WIDTH - left) / len(categories)
    bar = max(2.0, min(18.0, (group - 4) / max(1, len(series))))
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{base}" x2="{WIDTH}" y2="{base}" stroke="#888"/>',
    ]
    for i, category in enumerate(categories):
        x0 = left + i * group
        for k, (_, values) in enumerate(series):
            h = _scale(values[i], top, base - 30)
            parts.append(
                f'<rect x="{x0 + 2 + k * bar:.1f}" y="{base - h}" width="{bar:.1f}" '
                f'height="{h}" fill="{PALETTE[k % len(PALETTE)]}">'
                f"<title>{escape(category)}: {escape(str(values[i]))}</title></rect>"
            )
        if len(categories) <= 6 or i % 2 == 0:
            parts.append(
                f'<text x="{x0 + group / 2:.1f}" y="{base + 16}" text-anchor="middle" '
                f'class="small">{escape(category[-5:])}</text>'
            )
    for k, (name, _) in enumerate(series):
        parts.append(
            f'<rect x="{left + k * 80}" y="4" width="12" height="12" '
            f'fill="{PALETTE[k % len(PALETTE)]}"/>'
            f'<text x="{left + 16 + k * 80}" y="15">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # every label and value passed escape()
