"""Periodic reports (ANA-3): one row per kind and period, its timeline, and who gets it by mail.

A report is made by the worker (reports/tasks.py: on schedule after each period ends, or on demand), as a
draft: its figures (a JSON document, reports/figures.py) and files (XLSX and PDF in both languages, under
the data directory's reports/ folder, never in the database). A supervisor adds recommendations, then
publishes it: the files are made again as the final version and its subscribers are mailed through the
notification outbox. Each step is one service (reports/services.py) that writes a ReportEvent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    WEEKLY = "weekly", _("Weekly report")
    MONTHLY = "monthly", _("Monthly report")
    QUARTERLY = "quarterly", _("Quarterly report")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Being generated")
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Generation failed")


class Report(models.Model):
    """One weekly, monthly or quarterly report: [period_start, period_end], both local dates inclusive."""

    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    # What the files show, worked out once per generation (figures.report_figures): both periods' figures
    # and the findings in both languages. Plain JSON, so a page or a mail reads it without the ticket tables.
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    # language → {"xlsx": path, "pdf": path}, relative to the data directory's reports/ folder.
    files = models.JSONField(_("files"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    generation_seconds = models.FloatField(_("generation time (s)"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("published by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("periodic report")
        verbose_name_plural = _("periodic reports")
        ordering = ["-period_start", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "period_start"], name="report_once")]
        permissions = [
            ("generate_report", _("Can generate periodic reports and edit drafts")),
            ("publish_report", _("Can publish periodic reports")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period_start}–{self.period_end}"


class ReportEventKind(models.TextChoices):
    REQUESTED = "requested", _("Generation requested")
    GENERATED = "generated", _("Generated")
    FAILED = "failed", _("Generation failed")
    RECOMMENDATIONS = "recommendations", _("Recommendations edited")
    PUBLISHED = "published", _("Published")


class ReportEvent(models.Model):
    """One step in a report's life (its timeline), with who took it; `data` holds the step's detail."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="events", verbose_name=_("report")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReportEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))
    data = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["report_id", "id"]

    def __str__(self):
        return f"{self.report_id} {self.kind}"


class ReportSubscription(models.Model):
    """A person who gets one kind of report by mail when it is published."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices)

    class Meta:
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="report_subscription_once")]

    def __str__(self):
        return f"{self.user_id} {self.kind}"
