"""Stored KPI facts (CSAT-4, ANA-5): one row per ticket that has been resolved at least once.

The row is kept current by hook receivers (analytics/receivers.py) when the ticket is resolved, closed
or reopened and when its survey is sent or answered, and filled in bulk for existing tickets by
`facts_backfill` (the `kpi_backfill` command, the demo loader). The KPI selectors read only this table,
by its (resolved_at, …) index, so a month's figures never touch the tickets themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketFact(models.Model):
    """What the KPIs need of one ticket, as of its latest resolution (see analytics/facts.py for each rule)."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, primary_key=True,
                                  related_name="fact", verbose_name=_("ticket"))
    # The owner and group at the latest resolution: whose result it is.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", db_index=False, db_constraint=False, verbose_name=_("owner"))
    group = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              db_index=False, db_constraint=False, verbose_name=_("group"))
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
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("ticket KPI fact")
        verbose_name_plural = _("ticket KPI facts")
        permissions = [("view_kpis", _("Can see staff and group KPIs"))]
        # A period's figures read this index alone, per engineer or per group (every column the selectors use
        # is in it), so a month of 1,000,000 tickets is one range scan of the index, never a table read.
        indexes = [
            models.Index(fields=["resolved_at", "owner", "group", "resolution_minutes", "sla_met", "first_contact",
                                 "reopen_count", "csat", "surveys_sent"], name="fact_period"),
        ]

    def __str__(self):
        return f"fact {self.ticket_id}"
