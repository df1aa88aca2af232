"""Stored KPI facts (CSAT-4, ANA-5): one row per ticket that has been resolved at least once, and their
daily roll-up.

The fact is kept current by hook receivers (analytics/receivers.py) when the ticket is resolved, closed
or reopened and when its survey is sent or answered, and filled in bulk for existing tickets by
`facts_backfill` (the `kpi_backfill` command, the demo loader). Every change to a fact moves its
contribution in the roll-up (KpiDay, KpiMinutes; analytics/rollup.py) in the same transaction, so the
KPI selectors read one row per day and person instead of one per ticket (issue #13.6: ~90,000 resolutions
a month at 1,000,000 tickets); only the p90 reads facts, those of one histogram bucket per person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketFact(models.Model):
    """What the KPIs need of one ticket, as of its latest resolution (analytics/facts.py has each rule)."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, primary_key=True,
                                  related_name="fact", verbose_name=_("ticket"))
    # The owner and group at the latest resolution: whose result it is.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", db_index=False, db_constraint=False, verbose_name=_("owner"))
    group = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("group"),
    )
    organization_id = models.BigIntegerField(_("organisation"))
    ticket_type = models.CharField(_("type"), max_length=32)
    created_at = models.DateTimeField(_("created at"))
    resolved_at = models.DateTimeField(_("resolved at"))
    first_response_minutes = models.PositiveIntegerField(_("first response, minutes"), null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(_("resolution time, minutes"))
    sla_met = models.BooleanField(_("SLA met"), null=True, blank=True)
    reopen_count = models.PositiveIntegerField(_("times reopened"), default=0)
    first_contact = models.BooleanField(_("first-contact resolution"), default=False)
    surveys_sent = models.PositiveSmallIntegerField(_("surveys sent"), default=0)
    csat = models.PositiveSmallIntegerField(_("latest survey score"), null=True, blank=True)
    # The local date (settings.TIME_ZONE) of resolved_at and the p90 histogram bucket of resolution_minutes
    # (rollup.minutes_bucket): where the fact counts in the roll-up. None only on facts written before the
    # roll-up existed, which count nowhere until `kpi_backfill` recomputes them.
    resolved_day = models.DateField(_("resolved on"), null=True, blank=True)
    resolution_bucket = models.PositiveSmallIntegerField(_("resolution time bucket"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("ticket KPI fact")
        verbose_name_plural = _("ticket KPI facts")
        permissions = [("view_kpis", _("Can see staff and group KPIs"))]
        # The p90 reads, per engineer or group, the facts of the one histogram bucket that holds the rank
        # (a few hundred of a month's ~90,000 at 1,000,000 tickets): key, bucket, day, then the value, so
        # that read is one short range of one index and never touches the table.
        indexes = [
            models.Index(fields=["owner", "resolution_bucket", "resolved_day", "resolution_minutes"],
                         name="fact_owner_p90"),
            models.Index(fields=["group", "resolution_bucket", "resolved_day", "resolution_minutes"],
                         name="fact_group_p90"),
        ]

    def __str__(self):
        return f"fact {self.ticket_id}"


# The roll-up's keys are plain integers with 0 for "nobody" / "no group", not nullable foreign keys: the
# upkeep's upsert needs (day, owner, group) unique, and SQLite's unique index treats NULLs as distinct.
# No foreign key either: a deleted account's rows stay under its id until the next `kpi_backfill`, as do
# those of a ticket deleted past the services (no service deletes tickets; the fact cascades, the roll-up
# does not).


class KpiDay(models.Model):
    """The additive KPI figures of the facts resolved on one local day by one owner in one group.

    Each column is a count or a sum over those facts (TicketFact), so any period of whole days is a SUM over
    its days; the upkeep adds and subtracts one fact's contribution with an upsert (rollup.rollup_change).
    """

    day = models.DateField(_("day"))
    owner_id = models.BigIntegerField(_("owner"), default=0)
    group_id = models.BigIntegerField(_("group"), default=0)
    resolved = models.IntegerField(_("resolved"), default=0)
    first_contact = models.IntegerField(_("first-contact resolutions"), default=0)
    minutes_sum = models.BigIntegerField(_("resolution minutes, sum"), default=0)
    sla_measured = models.IntegerField(_("with an SLA"), default=0)
    sla_met = models.IntegerField(_("SLA met"), default=0)
    csat_sum = models.IntegerField(_("survey scores, sum"), default=0)
    csat_answered = models.IntegerField(_("surveys answered"), default=0)
    surveyed = models.IntegerField(_("surveyed"), default=0)
    reopened = models.IntegerField(_("reopened"), default=0)

    class Meta:
        verbose_name = _("KPI day")
        verbose_name_plural = _("KPI days")
        constraints = [models.UniqueConstraint(fields=["day", "owner_id", "group_id"], name="kpiday_key")]

    def __str__(self):
        return f"{self.day} {self.owner_id}/{self.group_id}"


class KpiMinutes(models.Model):
    """How many of those facts fall in each resolution-time bucket: the histogram that finds the p90's bucket.

    Kept at two grains in one table: per day (month=False, day = the day) and per local calendar month
    (month=True, day = its first day), so a period reads the months it covers whole and the days of the
    months it covers in part (at 1,000,000 tickets a month has ~1,000 month rows against ~20,000 day rows).
    """

    month = models.BooleanField(_("whole month"), default=False)
    day = models.DateField(_("day"))
    owner_id = models.BigIntegerField(_("owner"), default=0)
    group_id = models.BigIntegerField(_("group"), default=0)
    bucket = models.PositiveSmallIntegerField(_("bucket"))
    count = models.IntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("KPI resolution-time histogram")
        verbose_name_plural = _("KPI resolution-time histograms")
        constraints = [models.UniqueConstraint(fields=["month", "day", "owner_id", "group_id", "bucket"],
                                               name="kpiminutes_key")]

    def __str__(self):
        return f"{self.day} {self.owner_id}/{self.group_id} #{self.bucket}"


class TicketDims(models.Model):
    """One ticket's values of every dashboard dimension as last counted (ANA-1, ANA-2; analytics/dims.py).

    The upkeep compares these with the ticket after each change and moves the difference in DimensionDay,
    so it never has to reconstruct what a ticket was from its timeline. Keys are plain integers with 0 for
    "none" (no foreign keys: a deleted row's counts stay until `dashboard_backfill`).
    """

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, primary_key=True,
                                  related_name="dims", verbose_name=_("ticket"))
    created_day = models.DateField(_("created on"))
    ticket_type = models.CharField(_("type"), max_length=32)
    channel = models.CharField(_("channel"), max_length=16)
    status = models.CharField(_("status"), max_length=16)
    priority = models.CharField(_("priority"), max_length=16)
    category_id = models.BigIntegerField(_("category"), default=0)
    product_id = models.BigIntegerField(_("product"), default=0)
    product_model_id = models.BigIntegerField(_("product model"), default=0)
    root_cause_id = models.BigIntegerField(_("root cause"), default=0)
    organization_id = models.BigIntegerField(_("organisation"), default=0)
    owner_id = models.BigIntegerField(_("owner"), default=0)
    group_id = models.BigIntegerField(_("group"), default=0)
    first_response_minutes = models.PositiveIntegerField(_("first response, minutes"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket dimensions")
        verbose_name_plural = _("ticket dimensions")

    def __str__(self):
        return f"dims {self.ticket_id}"


class DimensionDay(models.Model):
    """How many tickets created on one local day have one value of one dimension (analytics/dims.py has
    the dimensions): a period's distribution is a SUM over its days; the open-backlog dimensions
    (open_status, open_priority, open_group) count only tickets still open, so their SUM over every day
    is the current backlog. `total` is a sum of minutes where a dimension has one (first_response)."""

    day = models.DateField(_("day"))
    dimension = models.CharField(_("dimension"), max_length=16)
    key = models.CharField(_("value"), max_length=32)
    count = models.IntegerField(_("count"), default=0)
    total = models.BigIntegerField(_("sum"), default=0)

    class Meta:
        verbose_name = _("dimension day")
        verbose_name_plural = _("dimension days")
        constraints = [models.UniqueConstraint(fields=["dimension", "day", "key"], name="dimday_key")]

    def __str__(self):
        return f"{self.day} {self.dimension}={self.key}"
