"""The per-customer SLA report (ANA-4): one organisation's service for a period, as its contacts see it.

Who: a customer contact sees only their own organisation (customer_scope); asking for another one is a
404, the same as a report that does not exist. Staff who see every organisation's tickets may choose one.

What, for the period [first, last] (local days, at most a year: analytics.periods.period):

| figure | definition |
|---|---|
| created | the organisation's tickets created in the period |
| resolved | its tickets whose latest resolution falls in the period (analytics TicketFact) |
| SLA compliance | of those with an SLA, the share that met it (no breach, resolved by the deadline) |
| response / resolution time | mean calendar minutes from creation to first response / to resolution |
| breaches | SLA breaches recorded in the period, per metric |
| compensation owed | SLA-6: cash and vouchers for those breaches (sla Compensation) |
| open items | its tickets not resolved or closed now, oldest first (paginated) |

The facts are read through the ticket table's organisation index (ticket_org_id), so the cost grows with
the organisation's tickets, not with everyone's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Avg, Count, Q, Sum
from django.utils.translation import gettext as _

from serviceloop.analytics.periods import period
from serviceloop.core.errors import NotFound
from serviceloop.customers.models import EVERY_ORGANIZATION, Organization, customer_scope
from serviceloop.sla.models import Breach, Compensation, Metric
from serviceloop.tickets.choices import OPEN_STATUSES, Priority, Status
from serviceloop.tickets.models import Ticket

OPEN_PAGE = 25


@dataclass
class CustomerSla:
    """One organisation's SLA figures for one period (see the module's table)."""

    organization: Organization
    first: date
    last: date
    created: int
    resolved: int
    sla_measured: int
    sla_met: int
    mean_response_minutes: float | None
    mean_resolution_minutes: float | None
    breaches: dict[str, int]
    compensation_cash: Decimal
    compensation_vouchers: int
    compensated_breaches: int
    open_count: int

    @property
    def sla_rate(self) -> float | None:
        return self.sla_met / self.sla_measured if self.sla_measured else None

    @property
    def mean_response_hours(self) -> float | None:
        return None if self.mean_response_minutes is None else self.mean_response_minutes / 60

    @property
    def mean_resolution_hours(self) -> float | None:
        return None if self.mean_resolution_minutes is None else self.mean_resolution_minutes / 60


def organization_for(*, user, organization_id: int | None) -> Organization:
    """The organisation whose report `user` asks for: a contact's own (another one is a 404), or, for staff
    who see every organisation, the one named."""
    scope = customer_scope(user)
    if scope is EVERY_ORGANIZATION:
        if not user.has_perm("tickets.view_all_tickets") or organization_id is None:
            raise NotFound(_("Not found."))
        org = Organization.objects.filter(pk=organization_id).first()
    else:
        if not scope or (organization_id is not None and organization_id != scope[0]):
            raise NotFound(_("Not found."))
        org = Organization.objects.filter(pk=scope[0]).first()
    if org is None:
        raise NotFound(_("Not found."))
    return org


def customer_sla(*, user, organization_id: int | None, start: date | None, end: date | None) -> CustomerSla:
    """The report (InvalidInput for a bad period, NotFound for an organisation that is not the user's)."""
    org = organization_for(user=user, organization_id=organization_id)
    since, until, first, last = period(start, end)
    tickets = Ticket.objects.filter(organization_id=org.pk)
    # From the organisation's tickets (index ticket_org_id) to their facts by primary key, so the cost
    # follows the organisation's tickets, not every fact.
    facts = tickets.filter(fact__resolved_at__gte=since, fact__resolved_at__lt=until).aggregate(
        resolved=Count("fact"),
        measured=Count("fact", filter=Q(fact__sla_met__isnull=False)),
        met=Count("fact", filter=Q(fact__sla_met=True)),
        response=Avg("fact__first_response_minutes"),
        resolution=Avg("fact__resolution_minutes"),
    )
    breaches = Breach.objects.filter(organization_id=org.pk, recorded_at__gte=since, recorded_at__lt=until)
    by_metric = {
        row["metric"]: row["n"] for row in breaches.values("metric").annotate(n=Count("id")).order_by()
    }
    owed = Compensation.objects.filter(
        organization_id=org.pk, breach__recorded_at__gte=since, breach__recorded_at__lt=until
    ).aggregate(cash=Sum("cash"), vouchers=Sum("vouchers"), n=Count("breach", distinct=True))
    return CustomerSla(
        organization=org,
        first=first,
        last=last,
        created=tickets.filter(created_at__gte=since, created_at__lt=until).count(),
        resolved=facts["resolved"],
        sla_measured=facts["measured"],
        sla_met=facts["met"],
        mean_response_minutes=facts["response"],
        mean_resolution_minutes=facts["resolution"],
        breaches={m: by_metric.get(m, 0) for m in Metric.values},
        compensation_cash=owed["cash"] or Decimal("0"),
        compensation_vouchers=owed["vouchers"] or 0,
        compensated_breaches=owed["n"] or 0,
        open_count=tickets.filter(status__in=OPEN_STATUSES).count(),
    )


def open_items(
    *, organization: Organization, page: int = 1, size: int = OPEN_PAGE
) -> tuple[list[dict], bool]:
    """One page of the organisation's open tickets, oldest first, and whether there is another page."""
    page = max(1, page)
    rows = list(
        Ticket.objects.filter(organization_id=organization.pk, status__in=OPEN_STATUSES)
        .order_by("id")
        .values("number", "title", "status", "priority", "created_at", "sla__next_deadline", "sla__breached")[
            (page - 1) * size : page * size + 1
        ]
    )
    labels, priorities = dict(Status.choices), dict(Priority.choices)
    for row in rows:
        row["status_label"] = labels.get(row["status"], row["status"])
        row["priority_label"] = priorities.get(row["priority"], row["priority"])
    return rows[:size], len(rows) > size


EXPORT_FIELDS = (
    "id",
    "number",
    "title",
    "priority",
    "created_at",
    "first_response_at",
    "resolved_at",
    "fact__first_response_minutes",
    "fact__resolution_minutes",
    "fact__sla_met",
)


def resolved_rows(report: CustomerSla, chunk: int = 1000):
    """The organisation's tickets resolved in the period, for the export: plain rows, read in chunks by id."""
    since, until, _first, _last = period(report.first, report.last)
    matching = Ticket.objects.filter(
        organization_id=report.organization.pk, fact__resolved_at__gte=since, fact__resolved_at__lt=until
    ).order_by("id")
    last = 0
    priorities = dict(Priority.choices)
    while True:
        rows = list(matching.filter(id__gt=last).values_list(*EXPORT_FIELDS)[:chunk])
        for pk, number, title, priority, created, responded, resolved, response, resolution, met in rows:
            yield [
                number,
                title,
                str(priorities.get(priority, priority)),
                created,
                responded,
                resolved,
                response,
                resolution,
                "" if met is None else (_("Met") if met else _("Missed")),
            ]
            last = pk
        if len(rows) < chunk:
            return
