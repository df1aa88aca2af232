"""Periodic reports' writes (ANA-3): request, generate, recommend, publish, subscribe — one service each.

Every change writes a ReportEvent (the report's timeline) in its transaction. Generation runs in the
worker (tasks.py), outside any long transaction: the figures are read first (figures.py, a few GROUP BY
statements per period), then the four files are written (XLSX and PDF, zh-Hans and English) under
settings.REPORTS_DIR, and only then is the row updated, so a failed generation leaves the previous files
in place and says why. Publishing makes the files again as the final version (recommendations included,
the draft mark gone) and, after commit, mails the subscribers through the notification outbox.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.accounts.models import User
from serviceloop.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from serviceloop.notifications.receivers import report_published

from . import pdf, workbook
from .figures import LANGUAGES, report_figures
from .models import Report, ReportEvent, ReportEventKind, ReportKind, ReportStatus, ReportSubscription
from .periods import checked_period, last_finished

logger = logging.getLogger(__name__)
RECOMMENDATIONS_MAX = 10_000


def _event(report: Report, kind: str, actor: User | None, **data) -> ReportEvent:
    return ReportEvent.objects.create(report=report, kind=kind, actor=actor, at=timezone.now(), data=data)


def _require(user: User, perm: str) -> None:
    if user.is_customer or not user.has_perm(perm):
        raise Forbidden(_("You do not have permission to do this."))


def report_path(relative: str) -> Path:
    """The absolute path of a stored report file (relative to REPORTS_DIR); never outside it."""
    root = Path(settings.REPORTS_DIR).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise NotFound(_("Not found."))
    return path


@transaction.atomic
def report_request(*, kind: str, start: date | None, end: date | None = None, actor: User | None) -> Report:
    """Ask for a report of one period (on demand: a person; on schedule: actor None); the worker makes it
    after commit. A published report is final and is not made again; a draft is made again (its
    recommendations kept)."""
    if actor is not None:
        _require(actor, "reports.generate_report")
    first, last = checked_period(kind, start, end)
    if first > timezone.localdate():
        raise InvalidInput.field("start", _("This period has not started yet."))
    report, _created = Report.objects.select_for_update().get_or_create(
        kind=kind, period_start=first, defaults={"period_end": last, "requested_by": actor}
    )
    if report.status == ReportStatus.PUBLISHED:
        raise Conflict(_("This report is published already; it is final."))
    report.status, report.error, report.requested_by = ReportStatus.QUEUED, "", actor
    report.save(update_fields=["status", "error", "requested_by"])
    _event(report, ReportEventKind.REQUESTED, actor)
    from .tasks import report_generate_task

    transaction.on_commit(lambda: report_generate_task(report.pk))
    return report


def _write_files(report: Report, final: bool) -> dict:
    folder = f"{report.pk}"
    (Path(settings.REPORTS_DIR) / folder).mkdir(parents=True, exist_ok=True)
    stem = f"{report.kind}-{report.period_start:%Y%m%d}-{'final' if final else 'draft'}"
    files = {}
    for language in LANGUAGES:
        names = {"xlsx": f"{folder}/{stem}-{language}.xlsx", "pdf": f"{folder}/{stem}-{language}.pdf"}
        workbook.render(report, language, str(report_path(names["xlsx"])))
        pdf.render(report, language, str(report_path(names["pdf"])))
        files[language] = names
    return files


def report_generate(*, report_id: int) -> Report:
    """The worker's step: figures, then files, then the row (see the module's docstring)."""
    report = Report.objects.filter(pk=report_id).first()
    if report is None or report.status == ReportStatus.PUBLISHED:
        return report
    started = time.monotonic()
    try:
        report.figures = report_figures(report.kind, report.period_start, report.period_end)
        report.status = ReportStatus.DRAFT
        report.generated_at = timezone.now()
        files = _write_files(report, final=False)
    except Exception as exc:
        logger.exception("report %s could not be generated", report_id)
        with transaction.atomic():
            Report.objects.filter(pk=report_id).update(
                status=ReportStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
            )
            _event(report, ReportEventKind.FAILED, None, error=f"{type(exc).__name__}: {exc}"[:500])
        raise
    seconds = round(time.monotonic() - started, 2)
    with transaction.atomic():
        Report.objects.filter(pk=report_id).update(
            figures=report.figures,
            status=ReportStatus.DRAFT,
            generated_at=report.generated_at,
            files=files,
            generation_seconds=seconds,
            error="",
        )
        _event(report, ReportEventKind.GENERATED, None, seconds=seconds)
    report.refresh_from_db()
    return report


@transaction.atomic
def report_recommend(*, report: Report, actor: User, text: str) -> Report:
    """The supervisor's recommendations on a draft (shown in the files once it is published)."""
    _require(actor, "reports.generate_report")
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status == ReportStatus.PUBLISHED:
        raise Conflict(_("This report is published already; it is final."))
    text = (text or "").replace("\x00", "").strip()
    if len(text) > RECOMMENDATIONS_MAX:
        raise InvalidInput.field(
            "recommendations", _("At most %(n)d characters.") % {"n": RECOMMENDATIONS_MAX}
        )
    if text != report.recommendations:
        report.recommendations = text
        report.save(update_fields=["recommendations"])
        _event(report, ReportEventKind.RECOMMENDATIONS, actor, length=len(text))
    return report


def report_publish(*, report: Report, actor: User) -> Report:
    """Draft → published: the final files (with the recommendations), then the row, its event and the mail
    to the subscribers of its kind, in one transaction (the mail is sent after commit by the outbox)."""
    _require(actor, "reports.publish_report")
    if report.status != ReportStatus.DRAFT:
        raise Conflict(_("Only a generated draft can be published."))
    report.status = ReportStatus.PUBLISHED
    report.published_at, report.published_by = timezone.now(), actor
    files = _write_files(report, final=True)
    with transaction.atomic():
        changed = Report.objects.filter(pk=report.pk, status=ReportStatus.DRAFT).update(
            status=ReportStatus.PUBLISHED,
            published_at=report.published_at,
            published_by=actor,
            files=files,
            recommendations=report.recommendations,
        )
        if not changed:
            raise Conflict(_("Only a generated draft can be published."))
        subscribers = list(
            User.objects.filter(
                pk__in=ReportSubscription.objects.filter(kind=report.kind).values("user_id"), is_active=True
            )
        )
        _event(report, ReportEventKind.PUBLISHED, actor, subscribers=len(subscribers))
        report_published(report_key=f"report:{report.pk}", users=subscribers, detail=_mail_detail(report))
    report.refresh_from_db()
    return report


def _mail_detail(report: Report) -> dict:
    return {
        "report_title": {language: pdf.title(report, language) for language in LANGUAGES},
        "report_link": f"{settings.PUBLIC_URL}/reports/{report.pk}/",
        "findings": {
            language: "\n".join(f"• {s}" for s in report.figures.get("findings", {}).get(language, []))
            for language in LANGUAGES
        },
    }


@transaction.atomic
def subscription_set(*, user: User, kind: str, subscribed: bool) -> bool:
    """Whether `user` gets the published reports of `kind` by mail (staff who may read reports)."""
    _require(user, "reports.view_report")
    if kind not in ReportKind.values:
        raise InvalidInput.field("kind", _("Unknown report kind: %(kind)s") % {"kind": kind})
    if subscribed:
        ReportSubscription.objects.get_or_create(user=user, kind=kind)
    else:
        ReportSubscription.objects.filter(user=user, kind=kind).delete()
    return subscribed


def reports_schedule(*, today: date | None = None) -> list[Report]:
    """The schedule's step (daily): a draft of each kind's latest finished period that has none yet."""
    today = today or timezone.localdate()
    made = []
    for kind in ReportKind.values:
        first, last = last_finished(kind, today)
        if not Report.objects.filter(kind=kind, period_start=first).exists():
            made.append(report_request(kind=kind, start=first, end=last, actor=None))
    return made
