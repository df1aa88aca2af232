"""A periodic report as an XLSX workbook (ANA-3), in one language: formatted sheets with real charts.

openpyxl, not the streaming writer of list exports (xlsx.py): a report is a few hundred cells, and
openpyxl writes Excel's own chart parts (bar and line charts that Excel, WPS and LibreOffice draw and let
the reader restyle). Sheets: summary (headline figures, findings, recommendations), per day (with a line
chart), categories (bar chart), SLA per group (bar chart), engineers, survey dimensions (bar chart),
root causes. Everything comes from the report's figures (figures.py).
"""

from __future__ import annotations

from datetime import date

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import figures as F
from .pdf import title

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="EEF2F7")
PERCENT = "0%"


def _sheet(book: Workbook, name: str, header: list[str], rows: list[list], widths: list[int]):
    sheet = book.create_sheet(name[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    for row in rows:
        sheet.append(row)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def _bar(
    sheet,
    *,
    title_text: str,
    cols: tuple[int, int],
    rows: int,
    anchor: str,
    horizontal: bool = False,
    y_title: str = "",
) -> BarChart:
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.title = title_text
    chart.y_axis.title = y_title
    chart.add_data(
        Reference(sheet, min_col=cols[0], max_col=cols[1], min_row=1, max_row=rows + 1), titles_from_data=True
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=rows + 1))
    chart.height, chart.width = 8, 16
    sheet.add_chart(chart, anchor)
    return chart


def render(report, language: str, out) -> None:
    """Write the report's workbook in `language` into `out` (a path or a binary file)."""
    doc = report.figures
    cur = doc["current"]
    book = Workbook()
    with translation.override(language):
        summary = book.active
        summary.title = _("Summary")[:31]
        heading = title(report, language)
        summary["A1"] = (
            heading if report.status == "published" else _("%(title)s (draft)") % {"title": heading}
        )
        summary["A1"].font = Font(bold=True, size=14)
        summary["A2"] = _("%(first)s to %(last)s") % {"first": cur["first"], "last": cur["last"]}
        summary.append([])
        summary.append([_("Figure"), _("This period"), _("Previous period"), _("Change")])
        for cell in summary[4]:
            cell.font, cell.fill = BOLD, HEADER_FILL
        for label, now, was, delta in F.headline(doc):
            summary.append([label, now, was, delta])
        summary.append([])
        summary.append([_("Findings")])
        summary.cell(summary.max_row, 1).font = BOLD
        for sentence in doc["findings"].get(language, []):
            summary.append([sentence])
        summary.append([])
        summary.append([_("Recommendations")])
        summary.cell(summary.max_row, 1).font = BOLD
        summary.append([report.recommendations.strip() or _("(none yet)")])
        summary.cell(summary.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
        for column, width in zip("ABCD", (34, 16, 16, 12), strict=True):
            summary.column_dimensions[column].width = width

        days = _sheet(
            book,
            _("Per day"),
            [_("Day"), _("Created"), _("Resolved")],
            [[date.fromisoformat(d), c, r] for d, c, r in cur["days"]],
            [12, 12, 12],
        )
        for (cell,) in days.iter_rows(min_row=2, max_col=1):
            cell.number_format = "yyyy-mm-dd"
        line = LineChart()
        line.title = _("Tickets per day")
        line.add_data(
            Reference(days, min_col=2, max_col=3, min_row=1, max_row=len(cur["days"]) + 1),
            titles_from_data=True,
        )
        line.set_categories(Reference(days, min_col=1, min_row=2, max_row=len(cur["days"]) + 1))
        line.x_axis.number_format = "mm-dd"
        line.height, line.width = 8, 18
        days.add_chart(line, "E2")

        rows = [
            [F.label_name(c["name"]), c["count"], F.rate(c["count"], cur["created"])]
            for c in cur["categories"]
        ]
        cats = _sheet(book, _("Categories"), [_("Category"), _("Tickets"), _("Share")], rows, [24, 10, 10])
        for (cell,) in cats.iter_rows(min_row=2, min_col=3, max_col=3):
            cell.number_format = PERCENT
        if rows:
            _bar(
                cats,
                title_text=_("Tickets per category"),
                cols=(2, 2),
                rows=min(len(rows), 12),
                anchor="E2",
                horizontal=True,
            )
        children = [
            [F.label_name(c["name"]), child["name"], child["count"], F.rate(child["count"], c["count"])]
            for c in cur["categories"]
            for child in c["children"]
        ]
        if children:
            start = len(rows) + 3
            cats.cell(start, 1, _("Category")).font = BOLD
            cats.cell(start, 2, _("Subcategory")).font = BOLD
            cats.cell(start, 3, _("Tickets")).font = BOLD
            cats.cell(start, 4, _("Share of its category")).font = BOLD
            for i, values in enumerate(children, start=start + 1):
                for j, value in enumerate(values, start=1):
                    cats.cell(i, j, value)
                cats.cell(i, 4).number_format = PERCENT

        groups = sorted(cur["groups"], key=lambda g: -g["resolved"])
        sla = _sheet(
            book,
            _("SLA per group"),
            [_("Group"), _("Resolved"), _("SLA measured"), _("SLA met"), _("Compliance")],
            [
                [
                    g["name"] or _("(no group)"),
                    g["resolved"],
                    g["sla_measured"],
                    g["sla_met"],
                    F.rate(g["sla_met"], g["sla_measured"]),
                ]
                for g in groups
            ],
            [24, 10, 12, 10, 12],
        )
        for (cell,) in sla.iter_rows(min_row=2, min_col=5, max_col=5):
            cell.number_format = PERCENT
        if groups:
            chart = _bar(
                sla,
                title_text=_("SLA compliance per group"),
                cols=(5, 5),
                rows=min(len(groups), 15),
                anchor="G2",
            )
            chart.y_axis.number_format = PERCENT
            chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1

        people = sorted(cur["engineers"], key=lambda e: -e["resolved"])
        eng = _sheet(
            book,
            _("Engineers"),
            [_("Engineer"), _("Resolved"), _("SLA met"), _("Satisfaction"), _("Answers")],
            [
                [
                    e["name"] or _("(nobody)"),
                    e["resolved"],
                    F.rate(e["sla_met"], e["sla_measured"]),
                    F.rate(e["csat_sum"], e["csat_answered"]),
                    e["csat_answered"],
                ]
                for e in people
            ],
            [20, 10, 10, 12, 10],
        )
        for rate_cell, score_cell in eng.iter_rows(min_row=2, min_col=3, max_col=4):
            rate_cell.number_format, score_cell.number_format = PERCENT, "0.00"

        dims = _sheet(
            book,
            _("Survey dimensions"),
            [_("Dimension"), _("Average (1–5)"), _("Answers")],
            [[F.dimension_label(name), avg, n] for name, (avg, n) in cur["dimensions"].items()],
            [24, 14, 10],
        )
        for (cell,) in dims.iter_rows(min_row=2, min_col=2, max_col=2):
            cell.number_format = "0.00"
        chart = _bar(
            dims, title_text=_("Survey dimensions"), cols=(2, 2), rows=len(cur["dimensions"]), anchor="E2"
        )
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 5

        _sheet(
            book,
            _("Root causes"),
            [_("Root cause"), _("Tickets")],
            [
                [(c["name_en"] or c["name"]) if language == "en" else c["name"], c["count"]]
                for c in cur["root_causes"]
            ],
            [30, 10],
        )
    book.save(out)
