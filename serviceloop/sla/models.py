"""SLA (SPEC 4, 5): calendars, versioned policies and targets, each ticket's deadlines, pauses,
breaches, escalations and breach compensation.

Deadlines are stored in indexed columns of TicketSLA; the sweeper (services/sweep.py) selects due
rows through those indexes and claims each one with a conditional UPDATE, so no row is acted on twice.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from serviceloop.tickets.choices import Priority


class Metric(models.TextChoices):
    """What a target measures (SLA-1)."""

    ACKNOWLEDGE = "acknowledge", _("Acknowledgement by the assignee")
    FIRST_RESPONSE = "first_response", _("First response to the customer")
    RESOLUTION = "resolution", _("Resolution")
    UPDATE = "update", _("Update cadence")


class Unit(models.TextChoices):
    """How a target is counted (SLA-2)."""

    CALENDAR_MINUTES = "calendar_minutes", _("Calendar minutes")
    BUSINESS_MINUTES = "business_minutes", _("Business minutes")
    WORKING_DAYS = "working_days", _("Working days")


# The largest target amount per unit (issue #9): a year of minutes, a year of working days. Far more
# than any real policy, and far inside what the deadline maths (sla/deadlines.py MAX_MINUTES,
# MAX_WORKING_DAYS) and a PostgreSQL integer column take; 10^12 once made every ticket create fail.
TARGET_MAX = {Unit.CALENDAR_MINUTES: 525_600, Unit.BUSINESS_MINUTES: 525_600, Unit.WORKING_DAYS: 365}


class BusinessCalendar(models.Model):
    """Business hours and working days (SLA-3): the official Chinese calendar plus overrides."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    use_official = models.BooleanField(
        _("follow the official calendar"), default=True,
        help_text=_("Statutory holidays and makeup working days from the chinesecalendar package."))
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self):
        return self.name


class BusinessHours(models.Model):
    """One business-hours window of a calendar, e.g. 09:00–12:00; windows may not overlap."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="windows",
                                 verbose_name=_("calendar"))
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("business-hours window")
        verbose_name_plural = _("business-hours windows")
        ordering = ["calendar_id", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="window_start_before_end"
            )
        ]

    def __str__(self):
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def _year_in_range(value: date) -> None:
    if not 1900 <= value.year <= 2100:
        raise ValidationError(_("Only dates from 1900 to 2100 can be entered."))


class DaySource(models.TextChoices):
    OFFICIAL = "official", _("Official (State Council)")
    COMPANY = "company", _("Company")


class CalendarDay(models.Model):
    """A day whose working status is set by hand; it wins over the official calendar."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="days",
                                 verbose_name=_("calendar"))
    date = models.DateField(_("date"), validators=[_year_in_range])
    is_working = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=DaySource.choices, default=DaySource.COMPANY
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["calendar_id", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_unique")]

    def __str__(self):
        return f"{self.date} {'✓' if self.is_working else '✗'} {self.name}"


class YearSource(models.TextChoices):
    PACKAGE = "package", _("Imported from chinesecalendar")
    NOTICE = "notice", _("Read from the State Council notice")
    MANUAL = "manual", _("Entered by hand and marked complete")


class CalendarYear(models.Model):
    """A year whose official schedule is in a calendar's day table (issue #11): imported from the
    package, read from the State Council notice, or entered by hand and marked complete.

    In a known year a day without a row follows Monday–Friday and is not estimated;
    sla/services/calendars.py `year_known` is the one definition the check, the flag and the admin use.
    """

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="known_years",
                                 verbose_name=_("calendar"))
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    source = models.CharField(
        _("source"), max_length=16, choices=YearSource.choices, default=YearSource.MANUAL
    )
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("marked complete by"),
    )
    completed_at = models.DateTimeField(_("marked complete at"), default=timezone.now)

    class Meta:
        verbose_name = _("known calendar year")
        verbose_name_plural = _("known calendar years")
        ordering = ["calendar_id", "year"]
        constraints = [models.UniqueConstraint(fields=["calendar", "year"], name="calendar_year_unique")]

    def __str__(self):
        return f"{self.calendar} {self.year}"


class SLAPolicy(models.Model):
    """A named policy; what it says lives in its versions (SLA-7), the newest being current."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def current_version(self) -> SLAPolicyVersion | None:
        return self.versions.order_by("-number").first()


class SLAPolicyVersion(models.Model):
    """One version of a policy: who changed it, when and why. Tickets keep the version they began under."""

    policy = models.ForeignKey(SLAPolicy, on_delete=models.CASCADE, related_name="versions",
                               verbose_name=_("policy"))
    number = models.PositiveIntegerField(_("version"))
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("calendar"))
    pause_statuses = models.JSONField(
        _("statuses that pause the clock"), default=list, blank=True,
        help_text=_("Statuses or sub-statuses, e.g. pending, waiting_customer, waiting_parts."))
    at_risk_ratio = models.DecimalField(_("at risk from"), max_digits=3, decimal_places=2, default=0.8,
                                        validators=[MinValueValidator(0.1), MaxValueValidator(0.99)])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("changed by"))
    created_at = models.DateTimeField(_("changed at"), default=timezone.now)
    reason = models.TextField(_("reason for the change"), blank=True)

    class Meta:
        verbose_name = _("SLA policy version")
        verbose_name_plural = _("SLA policy versions")
        ordering = ["policy_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="policy_version_unique")]

    def __str__(self):
        return f"{self.policy} v{self.number}"


class SLATarget(models.Model):
    """One target of a version: for a priority (and optionally a tier or contract level), a metric's limit."""

    version = models.ForeignKey(SLAPolicyVersion, on_delete=models.CASCADE, related_name="targets",
                                verbose_name=_("version"))
    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices)
    tier = models.CharField(_("customer tier"), max_length=16, blank=True, help_text=_("Empty: any tier."))
    contract_level = models.CharField(_("contract level"), max_length=50, blank=True,
                                      help_text=_("Empty: any contract level."))
    metric = models.CharField(_("metric"), max_length=16, choices=Metric.choices)
    amount = models.PositiveIntegerField(_("amount"), validators=[MinValueValidator(1)])
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["version_id", "priority", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["version", "priority", "tier", "contract_level", "metric"],
                                    name="sla_target_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="sla_target_amount_positive"),
        ]

    def __str__(self):
        return f"{self.priority} {self.metric} {self.amount} {self.unit}"

    def clean(self):
        """The admin's check of the bound services/_validate_targets applies to the API (TARGET_MAX)."""
        limit = TARGET_MAX.get(self.unit)
        if limit is not None and self.amount is not None and self.amount > limit:
            raise ValidationError({"amount": target_max_message(self.unit)})


def target_max_message(unit: str) -> str:
    return _("At most %(limit)s for %(unit)s.") % {"limit": TARGET_MAX[unit], "unit": Unit(unit).label}


class TicketSLA(models.Model):
    """A ticket's SLA state (SLA-5): its policy version and its *pending* deadlines.

    A deadline column holds a time only while that target is still to be met; it is emptied when the
    target is met, when the clock pauses (and recomputed on resume), or when the sweeper claims it.
    So the partial indexes below hold only what may still fall due, and a sweep that finds nothing
    due reads a handful of index entries, whatever the number of tickets.
    """

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, primary_key=True,
                                  related_name="sla", verbose_name=_("ticket"))
    version = models.ForeignKey(SLAPolicyVersion, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("policy version"), db_index=False)
    started_at = models.DateTimeField(_("clock started"))
    # The acknowledgement clock restarts at each reassignment (ASN-3: the new owner confirms receipt).
    acknowledge_from = models.DateTimeField(_("acknowledgement counted from"), null=True, blank=True)
    acknowledge_due = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    first_response_due = models.DateTimeField(_("first response by"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolve by"), null=True, blank=True)
    next_update_due = models.DateTimeField(_("next update by"), null=True, blank=True)
    director_due = models.DateTimeField(_("escalate to the director at"), null=True, blank=True)
    # The resolution deadline as last computed, kept after it is met or claimed, for display and reports.
    resolution_deadline = models.DateTimeField(_("resolution deadline"), null=True, blank=True)
    # The earliest deadline of a target not met yet: what the workspace lists sort open work by. Unlike
    # the pending columns it stays when the sweeper claims a deadline, so an overdue ticket keeps its
    # place at the top; it is empty while the clock is paused and once the ticket is resolved.
    next_deadline = models.DateTimeField(_("next deadline"), null=True, blank=True)
    at_risk_at = models.DateTimeField(_("at risk from"), null=True, blank=True, db_index=True)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    # While paused: each pending target's time left when the clock stopped, in seconds ({"resolution": 3600}),
    # so what is shown stays frozen instead of counting down to a deadline that no longer holds.
    paused_left = models.JSONField(_("time left when paused"), default=dict, blank=True)
    breached = models.BooleanField(_("breached"), default=False)
    estimated = models.BooleanField(
        _("estimated"),
        default=False,
        help_text=_("A deadline reaches into a year without an official calendar."),
    )

    class Meta:
        verbose_name = _("ticket SLA")
        verbose_name_plural = _("ticket SLAs")
        indexes = [
            models.Index(fields=["acknowledge_due"], name="sla_ack_due",
                         condition=models.Q(acknowledge_due__isnull=False)),
            models.Index(fields=["first_response_due"], name="sla_response_due",
                         condition=models.Q(first_response_due__isnull=False)),
            models.Index(fields=["resolution_due"], name="sla_resolution_due",
                         condition=models.Q(resolution_due__isnull=False)),
            models.Index(fields=["next_update_due"], name="sla_update_due",
                         condition=models.Q(next_update_due__isnull=False)),
            models.Index(fields=["director_due"], name="sla_director_due",
                         condition=models.Q(director_due__isnull=False)),
            # Partial: a new ticket is not breached, so creating one writes no entry here.
            models.Index(fields=["breached"], name="sla_breached", condition=models.Q(breached=True)),
            # (next_deadline, ticket) serves "ORDER BY next_deadline, ticket id" with a keyset cursor.
            models.Index(fields=["next_deadline", "ticket"], name="sla_next_deadline",
                         condition=models.Q(next_deadline__isnull=False)),
        ]

    def __str__(self):
        return f"SLA {self.ticket_id}"

    def summary(self, now=None) -> dict:
        """What the ticket shows (SLA-5), for readers that reach this row as `ticket.sla` and may not
        import sla (tickets/api.py, tickets/tracking.py): sla/selectors.py `sla_summary`."""
        from .selectors import sla_summary  # selectors import this module

        return sla_summary(self, self.ticket, now)


class PauseInterval(models.Model):
    """A span during which the ticket's clock stood still (SLA-4); `ended_at` is empty while paused."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="pauses",
                               verbose_name=_("ticket"))
    started_at = models.DateTimeField(_("paused at"))
    ended_at = models.DateTimeField(_("resumed at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["ticket_id", "started_at"]

    def __str__(self):
        return f"{self.ticket_id} {self.started_at:%Y-%m-%d %H:%M}"


class Breach(models.Model):
    """A missed target, with its size in minutes past the deadline (SLA-5)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="breaches",
                               verbose_name=_("ticket"))
    organization = models.ForeignKey("customers.Organization", on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("organisation"))
    metric = models.CharField(_("metric"), max_length=16, choices=Metric.choices)
    due_at = models.DateTimeField(_("was due"))
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    minutes_late = models.PositiveIntegerField(_("minutes late"), default=0)

    class Meta:
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breaches")
        ordering = ["-recorded_at"]
        constraints = [models.UniqueConstraint(fields=["ticket", "metric", "due_at"], name="breach_once")]
        indexes = [models.Index(fields=["organization", "recorded_at"], name="breach_org_time")]

    def __str__(self):
        return f"{self.ticket_id} {self.metric} +{self.minutes_late} min"


class EscalationKind(models.TextChoices):
    ACKNOWLEDGE_OVERDUE = "acknowledge_overdue", _("Not acknowledged in time")
    UPDATE_OVERDUE = "update_overdue", _("No update within the cadence")
    RESOLUTION_OVERDUE = "resolution_overdue", _("24 hours past the resolution deadline")
    MANUAL = "manual", _("Manual escalation")


class Escalation(models.Model):
    """One escalation (ASN-3..6), automatic or manual; reports count these rows."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="escalations",
                               verbose_name=_("ticket"))
    kind = models.CharField(_("kind"), max_length=24, choices=EscalationKind.choices)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("escalated to"),
    )
    department = models.CharField(_("department"), max_length=100, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    expected_feedback_at = models.DateTimeField(_("feedback expected by"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.ticket_id} {self.kind}"


class CompensationKind(models.TextChoices):
    CASH_PER_HOUR = "cash_per_hour", _("Cash per started hour late")
    VOUCHER_PER_BREACH = "voucher_per_breach", _("Service vouchers per breach")


class CompensationRule(models.Model):
    """What a contract owes per breach (SLA-6): for one organisation, or for a contract level."""

    organization = models.ForeignKey(
        "customers.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    contract_level = models.CharField(_("contract level"), max_length=50, blank=True)
    metric = models.CharField(_("metric"), max_length=16, choices=Metric.choices, default=Metric.RESOLUTION)
    kind = models.CharField(_("kind"), max_length=24, choices=CompensationKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2,
                                 validators=[MinValueValidator(0.01)],
                                 help_text=_("Yuan per started hour, or vouchers per breach."))
    cap = models.DecimalField(_("cap per breach"), max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("compensation rule")
        verbose_name_plural = _("compensation rules")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(organization__isnull=True, contract_level=""),
                name="compensation_rule_scoped",
            )
        ]

    def __str__(self):
        return f"{self.organization or self.contract_level}: {self.kind} {self.amount}"


class Compensation(models.Model):
    """What is owed for one breach under one rule, computed when the breach is recorded."""

    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="compensations",
                               verbose_name=_("breach"))
    rule = models.ForeignKey(
        CompensationRule, on_delete=models.PROTECT, related_name="+", verbose_name=_("rule")
    )
    organization = models.ForeignKey("customers.Organization", on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("organisation"))
    cash = models.DecimalField(_("cash (¥)"), max_digits=12, decimal_places=2, default=0)
    vouchers = models.PositiveIntegerField(_("vouchers"), default=0)
    created_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("compensation")
        verbose_name_plural = _("compensations")
        constraints = [models.UniqueConstraint(fields=["breach", "rule"], name="compensation_once")]
        indexes = [models.Index(fields=["organization", "created_at"], name="compensation_org_time")]

    def __str__(self):
        return f"{self.organization_id} ¥{self.cash} / {self.vouchers}"
