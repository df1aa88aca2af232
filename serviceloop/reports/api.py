"""Periodic reports under /api/v1 (ANA-3): ask for one on demand, read one (its state, findings, files).

POST /reports {kind, start, end?} answers 202 with the report while the worker makes it; GET
/reports/{id} says when it is a draft or published and where its files are (the web's permission-checked
downloads). Readers of reports see published ones; those who make reports see drafts too.
"""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Router, Status

from serviceloop.core.bounds import Date, Id
from serviceloop.core.errors import Forbidden, NotFound
from serviceloop.core.schemas import ERRORS, Schema, Strict

from .models import Report, ReportStatus
from .services import report_request

router = Router(tags=["reports"])


class ReportIn(Strict):
    kind: Literal["weekly", "monthly", "quarterly"]
    start: Date
    end: Date | None = None


class ReportOut(Schema):
    id: int
    kind: str
    period_start: str
    period_end: str
    status: str
    findings: dict[str, list[str]]
    recommendations: str
    files: dict[str, dict[str, str]]


def _out(report: Report) -> dict:
    return {
        "id": report.pk,
        "kind": report.kind,
        "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        "status": report.status,
        "findings": (report.figures or {}).get("findings", {}),
        "recommendations": report.recommendations,
        "files": {
            lang: {fmt: f"{settings.PUBLIC_URL}/reports/{report.pk}/{lang}.{fmt}" for fmt in files}
            for lang, files in report.files.items()
        },
    }


@router.post("", response={202: ReportOut, **ERRORS}, url_name="report-request")
def report_create(request, payload: ReportIn):
    """Make the report of one period (exactly one week from a Monday, one month or one quarter); a draft is
    made again, a published one is final (409)."""
    report = report_request(kind=payload.kind, start=payload.start, end=payload.end, actor=request.auth)
    return Status(202, _out(report))


@router.get("/{report_id}", response={200: ReportOut, **ERRORS}, url_name="report")
def report_get(request, report_id: Id):
    user = request.auth
    if user.is_customer or not user.has_perm("reports.view_report"):
        raise Forbidden(_("You do not have permission to do this."))
    reports = Report.objects.all()
    if not user.has_perm("reports.generate_report"):
        reports = reports.filter(status=ReportStatus.PUBLISHED)
    report = reports.filter(pk=report_id).first()
    if report is None:
        raise NotFound(_("Not found."))
    return _out(report)
