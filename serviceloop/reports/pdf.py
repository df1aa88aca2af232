"""A periodic report as a PDF (ANA-3), in one language, with a Chinese font embedded (reports/fonts.py).

Drawn with fpdf2 from the report's figures (figures.py), nothing read from the database: the summary
against the previous period, the findings, the supervisor's recommendations, then charts drawn as vector
shapes (tickets per day, categories) and the tables (categories, SLA per group, engineers, survey
dimensions, root causes). A draft says so in its title.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from . import figures as F
from .fonts import chinese_font

INK = (33, 37, 41)
MUTED = (108, 117, 125)
BLUE = (47, 111, 183)
GREEN = (76, 160, 110)
HEAD = (238, 242, 247)


class _Pdf(FPDF):
    footer_text = ""

    def footer(self):
        self.set_y(-12)
        self.set_font("cjk", size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 6, f"{self.footer_text}   {self.page_no()}/{{nb}}", align="C")


def title(report, language: str) -> str:
    with translation.override(language):
        first = report.period_start
        name = {
            "weekly": _("Weekly service report"),
            "monthly": _("Monthly service report"),
            "quarterly": _("Quarterly service report"),
        }[report.kind]
        return f"{name} · {F.period_label(report.kind, first)}"


def _heading(pdf: FPDF, text: str, need: float = 35) -> None:
    """A section's heading, on a new page unless `need` mm of what follows fit below it (no orphan)."""
    if pdf.get_y() + 14 + need > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("cjk", size=13)
    pdf.set_text_color(*BLUE)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*BLUE)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(2)
    pdf.set_font("cjk", size=10)
    pdf.set_text_color(*INK)


def _table(pdf: FPDF, header: list[str], rows: list[list], widths: tuple[int, ...]) -> None:
    pdf.set_font("cjk", size=9)
    pdf.set_draw_color(200, 205, 212)
    pdf.set_fill_color(255, 255, 255)  # the table fills its cells with the current colour (a chart's)
    pdf.set_text_color(*INK)
    with pdf.table(
        col_widths=widths,
        text_align=["LEFT"] + ["RIGHT"] * (len(header) - 1),
        headings_style=FontFace(fill_color=HEAD),
        line_height=6,
        first_row_as_headings=True,
    ) as table:
        for values in [header, *rows]:
            row = table.row()
            for value in values:
                row.cell(str(value))
    pdf.set_font("cjk", size=10)


def _bars_per_day(pdf: FPDF, days: list[list], legend: tuple[str, str]) -> None:
    """Created and resolved per day as paired bars, with a scale and date marks."""
    if pdf.get_y() > pdf.h - 75:
        pdf.add_page()
    left, top, width, height = (
        pdf.l_margin + 10,
        pdf.get_y() + 4,
        pdf.w - pdf.l_margin - pdf.r_margin - 12,
        45,
    )
    peak = max([max(c, r) for _d, c, r in days] + [1])
    slot = width / max(len(days), 1)
    pdf.set_draw_color(*MUTED)
    pdf.line(left, top + height, left + width, top + height)
    pdf.set_font("cjk", size=7)
    pdf.set_text_color(*MUTED)
    for fraction in (0.5, 1.0):
        y = top + height - height * fraction
        pdf.set_xy(pdf.l_margin - 2, y - 2)
        pdf.cell(11, 4, str(round(peak * fraction)), align="R")
    for i, (day, created, resolved) in enumerate(days):
        x = left + i * slot
        bar = max(slot * 0.4, 0.3)
        for j, (value, colour) in enumerate(((created, BLUE), (resolved, GREEN))):
            h = height * value / peak
            pdf.set_fill_color(*colour)
            if h > 0:
                pdf.rect(x + slot * 0.1 + j * bar, top + height - h, bar, h, style="F")
        if len(days) <= 14 or i % max(1, len(days) // 8) == 0:
            pdf.set_xy(x - 2, top + height + 1)
            pdf.cell(slot + 4 if len(days) <= 14 else 12, 4, day[5:], align="L")
    y = top + height + 7
    for j, (text, colour) in enumerate(zip(legend, (BLUE, GREEN), strict=True)):
        pdf.set_fill_color(*colour)
        pdf.rect(left + j * 40, y + 1, 3, 3, style="F")
        pdf.set_xy(left + j * 40 + 4, y)
        pdf.cell(34, 5, text)
    pdf.set_text_color(*INK)
    pdf.set_xy(pdf.l_margin, y + 7)


def _category_bars(pdf: FPDF, categories: list[dict], total: int) -> None:
    """The largest categories as horizontal bars with their counts and shares."""
    shown = categories[:8]
    if not shown:
        return
    if pdf.get_y() > pdf.h - 20 - 7 * len(shown):
        pdf.add_page()
    peak = max(c["count"] for c in shown) or 1
    label_w, bar_w = 45, pdf.w - pdf.l_margin - pdf.r_margin - 45 - 30
    pdf.set_font("cjk", size=9)
    for c in shown:
        y = pdf.get_y()
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(label_w, 6, F.label_name(c["name"])[:18])
        pdf.set_fill_color(*BLUE)
        pdf.rect(pdf.l_margin + label_w, y + 1, max(bar_w * c["count"] / peak, 0.3), 4, style="F")
        pdf.set_xy(pdf.w - pdf.r_margin - 30, y)
        pdf.cell(30, 6, f"{c['count']} · {F.percent(F.rate(c['count'], total))}", align="R")
        pdf.ln(7)
    pdf.set_font("cjk", size=10)


def render(report, language: str, out) -> None:
    """Write the report's PDF in `language` into `out` (a path or a binary file)."""
    doc = report.figures
    cur = doc["current"]
    font = chinese_font()
    pdf = _Pdf(format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_font("cjk", fname=font.path, collection_font_number=font.index)
    with translation.override(language):
        heading = title(report, language)
        pdf.set_title(heading)
        pdf.set_creator("ServiceLoop")
        pdf.footer_text = heading
        pdf.add_page()
        pdf.set_font("cjk", size=18)
        pdf.set_text_color(*INK)
        draft = report.status != "published"
        pdf.multi_cell(
            0,
            10,
            _("%(title)s (draft)") % {"title": heading} if draft else heading,
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_font("cjk", size=9)
        pdf.set_text_color(*MUTED)
        first, last = date.fromisoformat(cur["first"]), date.fromisoformat(cur["last"])
        pdf.cell(
            0,
            6,
            _("%(first)s to %(last)s · made %(at)s")
            % {
                "first": first.isoformat(),
                "last": last.isoformat(),
                "at": timezone.localtime(report.generated_at or timezone.now()).strftime("%Y-%m-%d %H:%M"),
            },
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_text_color(*INK)

        _heading(pdf, _("Summary"))
        _table(
            pdf,
            [_("Figure"), _("This period"), _("Previous period"), _("Change")],
            [list(r) for r in F.headline(doc)],
            (70, 38, 38, 34),
        )

        _heading(pdf, _("Findings"))
        for sentence in doc["findings"].get(language, []):
            pdf.multi_cell(0, 6, f"• {sentence}", new_x="LMARGIN", new_y="NEXT")
        if not doc["findings"].get(language):
            pdf.multi_cell(0, 6, _("No ticket in this period."), new_x="LMARGIN", new_y="NEXT")

        _heading(pdf, _("Recommendations"))
        pdf.multi_cell(0, 6, report.recommendations.strip() or _("(none yet)"), new_x="LMARGIN", new_y="NEXT")

        _heading(pdf, _("Tickets per day"), need=62)
        _bars_per_day(pdf, cur["days"], (_("Created"), _("Resolved")))

        _heading(pdf, _("Categories"), need=7 * min(len(cur["categories"]), 8) + 2)
        _category_bars(pdf, cur["categories"], cur["created"])
        rows = []
        for c in cur["categories"][:12]:
            rows.append([F.label_name(c["name"]), c["count"], F.percent(F.rate(c["count"], cur["created"]))])
            for child in c["children"][:3]:
                rows.append(
                    [f"  › {child['name']}", child["count"], F.percent(F.rate(child["count"], c["count"]))]
                )
        if rows:
            _table(pdf, [_("Category"), _("Tickets"), _("Share")], rows, (110, 35, 35))

        if cur["groups"]:
            _heading(pdf, _("SLA per support group"))
            _table(
                pdf,
                [_("Group"), _("Resolved"), _("SLA measured"), _("SLA met"), _("Compliance")],
                [
                    [
                        g["name"] or _("(no group)"),
                        g["resolved"],
                        g["sla_measured"],
                        g["sla_met"],
                        F.percent(F.rate(g["sla_met"], g["sla_measured"])),
                    ]
                    for g in sorted(cur["groups"], key=lambda g: -g["resolved"])[:15]
                ],
                (60, 30, 30, 30, 30),
            )

        if cur["engineers"]:
            _heading(pdf, _("Engineers"))
            _table(
                pdf,
                [_("Engineer"), _("Resolved"), _("SLA met"), _("Satisfaction"), _("Answers")],
                [
                    [
                        e["name"] or _("(nobody)"),
                        e["resolved"],
                        F.percent(F.rate(e["sla_met"], e["sla_measured"])),
                        F.show(F.rate(e["csat_sum"], e["csat_answered"]), "score"),
                        e["csat_answered"],
                    ]
                    for e in sorted(cur["engineers"], key=lambda e: -e["resolved"])[:20]
                ],
                (60, 30, 30, 30, 30),
            )

        _heading(pdf, _("Survey dimensions"))
        _table(
            pdf,
            [_("Dimension"), _("Average (1–5)"), _("Answers")],
            [
                [F.dimension_label(name), F.show(avg, "score"), n]
                for name, (avg, n) in cur["dimensions"].items()
            ],
            (90, 45, 45),
        )

        if cur["root_causes"]:
            _heading(pdf, _("Root causes"))
            _table(
                pdf,
                [_("Root cause"), _("Tickets")],
                [
                    [(c["name_en"] or c["name"]) if language == "en" else c["name"], c["count"]]
                    for c in cur["root_causes"]
                ],
                (140, 40),
            )
    pdf.output(out)
