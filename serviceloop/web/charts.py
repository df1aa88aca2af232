"""Bar charts drawn on the server as SVG (ANA-1, ANA-2): no script, no chart library, no CDN.

`bar_chart` lays the bars out in Python (positions in the SVG's own units); templates/web/_bar_chart.html
writes them, each bar a link to the ticket list when it has one, and the numbers as a table in a
<details> beside the chart. Labels are text in a CJK-capable font stack, so Chinese reads as Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass

# (width, label column, bar area, label length in half-width units) of a chart in a grid cell and of one
# chart alone on its page. The SVG is drawn at its own width (CSS only shrinks it), so 13-unit text stays
# 13 px wherever it fits; a label longer than its column is cut (the full one is its <title> and in the
# table).
SIZES = {False: (480, 150, 270, 22), True: (760, 240, 450, 36)}
ROW = 28
BAR = 18


@dataclass(frozen=True)
class ChartBar:
    label: str
    short: str
    value_text: str
    href: str
    y: int
    text_y: int
    width: float
    value_x: float
    share_text: str


@dataclass(frozen=True)
class Chart:
    title: str
    slug: str
    bars: list[ChartBar]
    height: int
    width: int
    label_x: int
    bar_x: int


def _units(char: str) -> int:
    return 2 if ord(char) >= 0x2E80 else 1  # CJK (and full-width forms) take two half-width units


def _short(label: str, limit: int) -> str:
    if sum(_units(c) for c in label) <= limit:
        return label
    out, used = "", 0
    for char in label:
        if used + _units(char) > limit - 1:
            break
        out += char
        used += _units(char)
    return out + "…"


def bar_chart(
    title: str, slug: str, rows: list[tuple[str, float, str, str, str]], *, wide: bool = False
) -> Chart:
    """rows: (label, value, value as shown, share as shown, link or ""), in the order drawn; `wide` for a
    chart alone on its page."""
    width_all, label_width, bar_area, limit = SIZES[wide]
    top = max((r[1] for r in rows), default=0) or 1
    bars = []
    for i, (label, value, value_text, share_text, href) in enumerate(rows):
        width = round(bar_area * value / top, 1) if value > 0 else 0
        y = 6 + i * ROW
        bars.append(
            ChartBar(
                label=label,
                short=_short(label, limit),
                value_text=value_text,
                href=href,
                y=y,
                text_y=y + BAR - 4,
                width=max(width, 1 if value > 0 else 0),
                value_x=label_width + width + 6,
                share_text=share_text,
            )
        )
    return Chart(
        title=title,
        slug=slug,
        bars=bars,
        height=12 + ROW * max(1, len(rows)),
        width=width_all,
        label_x=label_width - 6,
        bar_x=label_width,
    )
