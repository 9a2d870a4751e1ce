"""Weekly bar charts drawn on the server as SVG: no chart library, no JavaScript, prints well."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from markupsafe import Markup, escape

WIDTH: Final = 420
HEIGHT: Final = 170
MARGIN_LEFT: Final = 30
MARGIN_BOTTOM: Final = 24
MARGIN_TOP: Final = 10
MAX_LABELS: Final = 6


def bar_chart(points: Sequence[tuple[str, int]], *, title: str, color: str = "#1f5fbf") -> Markup:
    """An accessible SVG bar chart of ``(label, value)`` points, one bar per point.

    Each bar carries a ``<title>`` (shown on hover and read by screen readers); the x axis
    labels at most six points so that a year of weeks stays readable.
    """
    plot_width = WIDTH - MARGIN_LEFT - 6
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    highest = max((value for _, value in points), default=0)
    scale_max = max(highest, 1)
    slot = plot_width / max(len(points), 1)
    bar = max(slot * 0.75, 1.0)
    step = max(1, -(-len(points) // MAX_LABELS))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{MARGIN_LEFT}" y1="{HEIGHT - MARGIN_BOTTOM}" x2="{WIDTH - 6}" '
        f'y2="{HEIGHT - MARGIN_BOTTOM}" stroke="#999" stroke-width="1"/>',
        f'<text x="{MARGIN_LEFT - 4}" y="{MARGIN_TOP + 8}" text-anchor="end" '
        f'font-size="13" fill="#555">{highest}</text>',
        f'<text x="{MARGIN_LEFT - 4}" y="{HEIGHT - MARGIN_BOTTOM}" text-anchor="end" '
        f'font-size="13" fill="#555">0</text>',
    ]
    for index, (label, value) in enumerate(points):
        height = plot_height * value / scale_max
        x = MARGIN_LEFT + index * slot + (slot - bar) / 2
        y = HEIGHT - MARGIN_BOTTOM - height
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" '
            f'fill="{escape(color)}"><title>{escape(label)} : {value}</title></rect>'
        )
        if index % step == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle" '
                f'font-size="12" fill="#555">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
