"""Periodic reports (ANA-3) and the per-customer SLA report (ANA-4) in the workspace and the portal.

Reports: the list (paginated) with the on-demand form and each person's mail subscriptions; a report's
page with its findings, the recommendations of a draft, publishing, its timeline and the downloads
(permission-checked: a draft only for those who may generate reports). The work is in reports/services.py.
The SLA report: a contact's own organisation (staff name one); the page and its export (CSV, XLSX).
"""

from __future__ import annotations

import csv
import tempfile

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from serviceloop.core.errors import NotFound, ServiceError
from serviceloop.reports import customer_sla as sla_report
from serviceloop.reports import figures
from serviceloop.reports.models import Report, ReportKind, ReportStatus, ReportSubscription
from serviceloop.reports.services import (
    report_path,
    report_publish,
    report_recommend,
    report_request,
    subscription_set,
)
from serviceloop.web.report_forms import CustomerSlaForm, RecommendationsForm, ReportRequestForm

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 20


def _may_read(user) -> bool:
    return not user.is_customer and user.has_perm("reports.view_report")


def _visible(user):
    """Published reports for readers; drafts (and failures) too for those who make them."""
    reports = Report.objects.all()
    if not user.has_perm("reports.generate_report"):
        reports = reports.filter(status=ReportStatus.PUBLISHED)
    return reports


def _report_or_404(user, report_id: int) -> Report:
    if not _may_read(user):
        raise Http404
    report = _visible(user).filter(pk=report_id).first()
    if report is None:
        raise Http404
    return report


def _list_context(request, form=None, error=None) -> dict:
    user = request.user
    page = Paginator(_visible(user).select_related("published_by"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    mine = set(ReportSubscription.objects.filter(user=user).values_list("kind", flat=True))
    return {
        "page": page,
        "form": form or ReportRequestForm(),
        "error": error,
        "kinds": [(k, label, k in mine) for k, label in ReportKind.choices],
        "may_generate": user.has_perm("reports.generate_report"),
    }


@login_required
@require_GET
def reports_page(request):
    """The reports, newest period first; the form to make one now; the person's subscriptions."""
    if not _may_read(request.user):
        raise Http404
    return render(request, "web/reports.html", _list_context(request))


@login_required
@require_POST
def report_request_view(request):
    """On demand: the report of one period, made by the worker (a draft), then its page."""
    if not _may_read(request.user):
        raise Http404
    form = ReportRequestForm(request.POST)
    if form.is_valid():
        try:
            report = report_request(
                kind=form.cleaned_data["kind"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                actor=request.user,
            )
        except ServiceError as exc:
            field = exc.errors[0]["field"] if exc.errors else None
            form.add_error(field if field in form.fields else None, exc.message)
            status = exc.status_code
        else:
            return redirect("web:report", report_id=report.pk)
    else:
        status = 422
    return render(request, "web/reports.html", _list_context(request, form=form), status=status)


@login_required
@require_POST
def report_subscriptions(request):
    """The kinds of report the person gets by mail when published (one checkbox per kind)."""
    if not _may_read(request.user):
        raise Http404
    chosen = set(request.POST.getlist("kind"))
    for kind in ReportKind.values:
        subscription_set(user=request.user, kind=kind, subscribed=kind in chosen)
    return redirect("web:reports")


@login_required
@require_GET
def report_detail(request, report_id: int):
    """One report: its state, summary, findings, recommendations (editable while a draft), timeline, files."""
    report = _report_or_404(request.user, report_id)
    return _detail(request, report)


def _detail(request, report: Report, form=None, error=None, status=200):
    language = request.LANGUAGE_CODE if request.LANGUAGE_CODE in figures.LANGUAGES else "zh-hans"
    document = report.figures or {}
    context = {
        "report": report,
        "title": _title(report, language),
        "headline": figures.headline(document) if document.get("current") else [],
        "findings": document.get("findings", {}).get(language, []),
        "events": report.events.select_related("actor").order_by("id"),
        "form": form or RecommendationsForm(initial={"recommendations": report.recommendations}),
        "error": error,
        "may_generate": request.user.has_perm("reports.generate_report"),
        "may_publish": request.user.has_perm("reports.publish_report"),
        "files": [
            (lang, name, fmt)
            for lang, name in (("zh-hans", "简体中文"), ("en", "English"))
            for fmt in ("pdf", "xlsx")
            if report.files.get(lang, {}).get(fmt)
        ],
        # A report the worker is still making: the page looks again in a few seconds (no script needed).
        "refresh": report.status == ReportStatus.QUEUED,
    }
    return render(request, "web/report.html", context, status=status)


def _title(report: Report, language: str) -> str:
    from serviceloop.reports.pdf import title

    return title(report, language)


@login_required
@require_POST
def report_recommendations(request, report_id: int):
    report = _report_or_404(request.user, report_id)
    form = RecommendationsForm(request.POST)
    if not form.is_valid():
        return _detail(request, report, form=form, status=422)
    try:
        report_recommend(report=report, actor=request.user, text=form.cleaned_data["recommendations"])
    except ServiceError as exc:
        return _detail(request, report, form=form, error=exc.message, status=exc.status_code)
    return redirect("web:report", report_id=report.pk)


@login_required
@require_POST
def report_publish_view(request, report_id: int):
    report = _report_or_404(request.user, report_id)
    try:
        report_publish(report=report, actor=request.user)
    except ServiceError as exc:
        return _detail(request, report, error=exc.message, status=exc.status_code)
    return redirect("web:report", report_id=report.pk)


@login_required
@require_GET
def report_download(request, report_id: int, language: str, fmt: str):
    """A stored file of a report the person may read (drafts: only those who make reports)."""
    report = _report_or_404(request.user, report_id)
    relative = report.files.get(language, {}).get(fmt)
    if not relative:
        raise Http404
    try:
        path = report_path(relative)
    except NotFound:
        raise Http404 from None
    if not path.is_file():
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=path.name,
        content_type=XLSX_TYPE if fmt == "xlsx" else "application/pdf",
    )


# --- the per-customer SLA report (ANA-4) ---------------------------------------------------------------


def _sla_report(request):
    """(form, report or None, error message or None, status)."""
    form = CustomerSlaForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None, None, 422
    data = form.cleaned_data if form.is_bound else {}
    try:
        report = sla_report.customer_sla(
            user=request.user,
            organization_id=data.get("organization"),
            start=data.get("start"),
            end=data.get("end"),
        )
    except NotFound:
        raise Http404 from None
    except ServiceError as exc:
        return form, None, exc.message, exc.status_code
    return form, report, None, 200


@login_required
@require_GET
def customer_sla_page(request):
    """The organisation's SLA for a period (default: this month), its open items, what is owed."""
    form, report, error, status = _sla_report(request)
    items, more, page_no = [], False, 1
    if report is not None:
        try:
            page_no = max(1, int(request.GET.get("page", "1")))
        except ValueError:
            page_no = 1
        items, more = sla_report.open_items(organization=report.organization, page=min(page_no, 10_000))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/customer_sla.html",
        {
            "form": form,
            "report": report,
            "error": error,
            "items": items,
            "more": more,
            "page_no": page_no,
            "query": query.urlencode(),
            "now": timezone.now(),
        },
        status=status,
    )


def _summary_rows(report) -> list[list]:
    def minutes(value):
        return "" if value is None else round(value / 60, 1)

    return [
        [_("Organisation"), report.organization.name],
        [_("From"), report.first.isoformat()],
        [_("To"), report.last.isoformat()],
        [_("Tickets created"), report.created],
        [_("Tickets resolved"), report.resolved],
        [_("SLA measured"), report.sla_measured],
        [_("SLA met"), report.sla_met],
        [_("SLA compliance"), figures.percent(report.sla_rate)],
        [_("Mean first response (h)"), minutes(report.mean_response_minutes)],
        [_("Mean resolution time (h)"), minutes(report.mean_resolution_minutes)],
        [_("SLA breaches"), sum(report.breaches.values())],
        [_("Compensation owed (¥)"), f"{report.compensation_cash:.2f}"],
        [_("Service vouchers owed"), report.compensation_vouchers],
        [_("Open items"), report.open_count],
    ]


def _ticket_header() -> list[str]:
    return [
        _("Number"),
        _("Title"),
        _("Priority"),
        _("Created at"),
        _("First response at"),
        _("Resolved at"),
        _("First response (min)"),
        _("Resolution (min)"),
        _("SLA"),
    ]


@login_required
@require_GET
def customer_sla_export(request, fmt: str):
    """The SLA report as a file: CSV (UTF-8 with BOM; the summary, then the tickets resolved in the period)
    or XLSX (a summary sheet and a tickets sheet), rows read in chunks."""
    form, report, error, status = _sla_report(request)
    if report is None:
        return customer_sla_page(request)
    tz = timezone.get_current_timezone()

    def local(value):
        return value.astimezone(tz).replace(tzinfo=None) if hasattr(value, "astimezone") else value

    filename = f"sla-{report.organization.pk}-{report.first:%Y%m%d}-{report.last:%Y%m%d}.{fmt}"
    if fmt == "csv":
        from serviceloop.reports.export import _text

        class Line:
            def write(self, value):
                return value

        writer = csv.writer(Line())

        language = translation.get_language()

        def lines():
            # Read after the view has returned, when the request's language may no longer be active.
            with translation.override(language):
                yield "\ufeff"
                for row in _summary_rows(report):
                    yield writer.writerow([_text(v) for v in row])
                yield writer.writerow([])
                yield writer.writerow(_ticket_header())
                for row in sla_report.resolved_rows(report):
                    yield writer.writerow([_text(local(v)) for v in row])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        summary = book.create_sheet(_("Summary")[:31])
        for row in _summary_rows(report):
            summary.append(row)
        sheet = book.create_sheet(_("Tickets resolved")[:31])
        sheet.append(_ticket_header())
        for row in sla_report.resolved_rows(report):
            sheet.append([local(v) for v in row])
        out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the response, which closes it
        book.save(out)
        out.seek(0)
        response = FileResponse(out, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
