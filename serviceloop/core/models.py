"""Abstract bases shared by every domain app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """A row that knows when it was created and last changed (stored UTC)."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class JobFailure(models.Model):
    """A background job that raised: kept so administrators see failures (the job itself is retried)."""

    task = models.CharField(_("job"), max_length=200)
    task_id = models.CharField(_("job id"), max_length=64)
    arguments = models.TextField(_("arguments"), blank=True)
    error = models.TextField(_("error"))
    retries_left = models.IntegerField(_("retries left"), default=0)
    created_at = models.DateTimeField(_("failed at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("failed job")
        verbose_name_plural = _("failed jobs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.task} {self.created_at:%Y-%m-%d %H:%M}"


class RateCounter(models.Model):
    """How often one key (a client address, a ticket number …) did something in one fixed time window.

    Kept in the database, not in process memory, so that every web process on every machine counts
    together; see core/ratelimit.py. Rows of past windows are deleted by a periodic job (core/tasks.py).
    """

    scope = models.CharField(_("scope"), max_length=40)
    key = models.CharField(_("key"), max_length=100)
    window_start = models.DateTimeField(_("window start"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key", "window_start"], name="ratecounter_unique_window"
            ),
        ]

    def __str__(self):
        return f"{self.scope} {self.key} {self.window_start:%Y-%m-%d %H:%M}: {self.count}"
