"""Satisfaction surveys (CSAT-1) and the follow-up tasks of second processing (CSAT-2).

One Survey per resolution cycle of a ticket: the ticket's first resolution is cycle 1, the resolution
after a reopening cycle 2, and so on. A survey is scheduled when the ticket becomes resolved and sent
SURVEY_DELAY_HOURS later by the periodic job; its link carries a signed token of which only the SHA-256
is stored (surveys/tokens.py). A low answer reopens the ticket and creates a FollowUpTask.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

SCORE = [MinValueValidator(1), MaxValueValidator(5)]


class Satisfaction(models.IntegerChoices):
    """The five-level scale, 5 best."""

    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    NEUTRAL = 3, _("Neutral")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


# The four dimensions rated besides the overall score: (field, label).
DIMENSIONS = (
    ("response_speed", _("Response speed")),
    ("solution_quality", _("Solution quality")),
    ("attitude", _("Service attitude")),
    ("communication", _("Communication efficiency")),
)


class Survey(models.Model):
    """One resolution cycle's satisfaction survey of a ticket: its schedule, link and answer."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="surveys",
                               verbose_name=_("ticket"))
    cycle = models.PositiveSmallIntegerField(_("resolution cycle"))
    created_at = models.DateTimeField(_("scheduled at"))
    send_after = models.DateTimeField(_("send after"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    # SHA-256 of the signed token in the link; the token itself is never stored.
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("answered by"),
    )
    overall = models.PositiveSmallIntegerField(_("overall score"), null=True, blank=True, validators=SCORE)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True,
                                                    choices=Satisfaction.choices)
    response_speed = models.PositiveSmallIntegerField(
        _("response speed"), null=True, blank=True, validators=SCORE
    )
    solution_quality = models.PositiveSmallIntegerField(_("solution quality"), null=True, blank=True,
                                                        validators=SCORE)
    attitude = models.PositiveSmallIntegerField(
        _("service attitude"), null=True, blank=True, validators=SCORE
    )
    communication = models.PositiveSmallIntegerField(_("communication efficiency"), null=True, blank=True,
                                                     validators=SCORE)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["ticket_id", "cycle"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "cycle"], name="survey_once_per_cycle"),
            models.CheckConstraint(
                condition=models.Q(overall__isnull=True) | models.Q(overall__gte=1, overall__lte=5),
                name="survey_overall_1_5",
            ),
        ]
        indexes = [
            # What the periodic job looks for: scheduled, not sent yet (partial, so it stays small).
            models.Index(
                fields=["send_after"], name="survey_to_send", condition=models.Q(sent_at__isnull=True)
            ),
            models.Index(
                fields=["sent_at"],
                name="survey_to_remind",
                condition=models.Q(reminded_at__isnull=True, answered_at__isnull=True, sent_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.ticket_id} #{self.cycle}"

    @property
    def is_low(self) -> bool:
        """The answer asks for second processing (CSAT-2): a score at or below SURVEY_LOW_SCORE, or 不满意 /
        非常不满意 on the scale."""
        return self.answered_at is not None and (
            (self.overall is not None and self.overall <= settings.SURVEY_LOW_SCORE)
            or (self.satisfaction is not None and self.satisfaction <= Satisfaction.DISSATISFIED))


class FollowUpOutcome(models.TextChoices):
    RESOLVED = "resolved", _("Customer satisfied after follow-up")
    EXPLAINED = "explained", _("Explained, customer accepts")
    COMPENSATED = "compensated", _("Compensated")
    UNRESOLVED = "unresolved", _("Could not be settled")


class FollowUpTask(models.Model):
    """Second processing (二次处理, CSAT-2): a low survey answer's task for the group's supervisor (customer
    relations for complaints), with its own deadline from the ticket's SLA policy and its outcome."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="follow_ups",
                               verbose_name=_("ticket"))
    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="follow_up",
                                  verbose_name=_("survey"))
    # The status event that reopened the ticket for second processing (None when it was already open).
    reopen_event = models.ForeignKey("tickets.TicketEvent", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("reopening event"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="follow_ups", verbose_name=_("assignee"))
    created_at = models.DateTimeField(_("created at"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=FollowUpOutcome.choices, blank=True)
    outcome_note = models.TextField(_("what was done"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("done by"))

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["-id"]
        permissions = [("complete_followuptask", _("Can complete any follow-up task"))]
        indexes = [models.Index(fields=["assignee", "done_at", "id"], name="followup_assignee_open")]

    def __str__(self):
        return f"{self.ticket_id} follow-up {self.pk}"
