"""Bar charts drawn on the server as SVG (ANA-1, ANA-2): no script, no chart library, no CDN.

`bar_chart` lays the bars out in Python (positions in the SVG's own units); templates/web/_bar_chart.html
writes them, each bar a link to the ticket list when it has one, and the numbers as a table in a
<details> beside the chart. Labels are text in a CJK-capable font stack, so Chinese reads as Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 176  # labels end here, right-aligned; bars start just after
BAR_AREA = 380
ROW = 28
BAR = 18
LABEL_CHARS = 11  # a label longer than this is cut (the full one is its <title> and in the table)


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
    width: int = WIDTH
    label_x: int = LABEL_WIDTH - 6
    bar_x: int = LABEL_WIDTH


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_chart(title: str, slug: str, rows: list[tuple[str, float, str, str, str]]) -> Chart:
    """rows: (label, value, value as shown, share as shown, link or ""), in the order drawn."""
    top = max((r[1] for r in rows), default=0) or 1
    bars = []
    for i, (label, value, value_text, share_text, href) in enumerate(rows):
        width = round(BAR_AREA * value / top, 1) if value > 0 else 0
        y = 6 + i * ROW
        bars.append(ChartBar(label=label, short=_short(label), value_text=value_text, href=href, y=y,
                             text_y=y + BAR - 4, width=max(width, 1 if value > 0 else 0),
                             value_x=LABEL_WIDTH + width + 6, share_text=share_text))
    return Chart(title=title, slug=slug, bars=bars, height=12 + ROW * max(1, len(rows)))
