"""The sweep (ASN-3, ASN-4, SLA-5): every due deadline claimed once, escalated, breached or reminded.

The sweeper claims each due deadline with a conditional UPDATE and does the escalation in the same
transaction: a worker killed half-way rolls back its claim and the next sweep does the work, so
nothing is lost and nothing is done twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from serviceloop.accounts.models import User
from serviceloop.accounts.roles import Role

from ..alerts import SlaAlert, alerted
from ..models import EscalationKind, Metric, TicketSLA
from .breaches import record_breach
from .calendars import working_calendar
from .clock import deadline_after
from .escalation import escalation_record
from .memo import remembered, shared_lookups
from .policies import targets_for

logger = logging.getLogger(__name__)


def _first_with_role(role: Role) -> User | None:
    return remembered(role, lambda: (User.objects.filter(groups__name=role, is_active=True)
                                     .order_by("id").first()))


def _supervisor(ticket) -> User | None:
    """The ticket's group supervisor; without a group, the first active service supervisor."""
    if ticket.group_id and ticket.group.supervisor_id:
        return ticket.group.supervisor
    return _first_with_role(Role.SUPERVISOR)


def _director() -> User | None:
    return _first_with_role(Role.DIRECTOR)


def _label(kind) -> str:
    return str(EscalationKind(kind).label)


@dataclass
class SweepResult:
    acknowledge_escalations: int = 0
    response_breaches: int = 0
    update_reminders: int = 0
    resolution_breaches: int = 0
    director_escalations: int = 0

    @property
    def total(self) -> int:
        return (self.acknowledge_escalations + self.response_breaches + self.update_reminders
                + self.resolution_breaches + self.director_escalations)


SWEEP_BATCH = 1000
CLAIM_CHUNK = 100


def _claim(column: str, now: datetime, limit: int, handle) -> int:
    """Select due rows through `column`'s index, claim them with a conditional UPDATE, act on each.

    Rows go in chunks: one transaction claims a chunk (UPDATE … WHERE the deadline is still set and
    due … RETURNING the rows it changed) and does their escalations, so the claim and the work commit
    together or not at all. A second sweeper's UPDATE finds the deadlines already emptied and claims
    nothing. If a chunk fails, its rows are retried one per transaction, so one bad row cannot hold
    back its neighbours; the bad row's claim rolls back and the next sweep tries it again.
    """
    due = list(TicketSLA.objects.filter(**{f"{column}__lte": now}).order_by(column)
               .values_list("ticket_id", column)[:limit])
    done = 0
    for i in range(0, len(due), CLAIM_CHUNK):
        chunk = due[i:i + CLAIM_CHUNK]
        try:
            with transaction.atomic():
                done += _claim_chunk(column, now, chunk, handle)
        except Exception:  # noqa: BLE001 - isolate the failing row below
            if len(chunk) == 1:
                logger.exception("SLA sweep: %s of ticket %s failed; retried next sweep", column, chunk[0][0])
                continue
            for row in chunk:
                try:
                    with transaction.atomic():
                        done += _claim_chunk(column, now, [row], handle)
                except Exception:  # noqa: BLE001 - logged; the rolled-back claim is retried next sweep
                    logger.exception("SLA sweep: %s of ticket %s failed; retried next sweep", column, row[0])
    return done


def _claim_chunk(column: str, now: datetime, rows: list[tuple[int, datetime]], handle) -> int:
    seen = dict(rows)
    values = handle.claim_values(None, now)
    table = connection.ops.quote_name(TicketSLA._meta.db_table)
    col = connection.ops.quote_name(column)
    sets = ", ".join(f"{connection.ops.quote_name(k)} = %s" for k in values)
    marks = ", ".join(["%s"] * len(seen))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} WHERE ticket_id IN ({marks}) "  # noqa: S608 - names from the model
            f"AND {col} IS NOT NULL AND {col} <= %s RETURNING ticket_id",
            [*values.values(), *seen, now],
        )
        claimed = [r[0] for r in cursor.fetchall()]
    slas = TicketSLA.objects.select_related(
        "version", "ticket__organization", "ticket__owner", "ticket__group__supervisor").filter(
        ticket_id__in=claimed)
    for sla in slas:
        handle(sla, seen[sla.ticket_id], now)
    return len(claimed)


class _AckOverdue:
    """ASN-3: not acknowledged in time → escalate to the group's supervisor."""

    @staticmethod
    def claim_values(seen, now):
        return {"acknowledge_due": None, "breached": True}

    def __call__(self, sla, seen, now):
        ticket = sla.ticket
        record_breach(ticket=ticket, metric=Metric.ACKNOWLEDGE, due_at=seen, now=now, met=False, new=True)
        supervisor = _supervisor(ticket)
        escalation = escalation_record(ticket=ticket, kind=EscalationKind.ACKNOWLEDGE_OVERDUE, to=supervisor,
                                       reason=_label(EscalationKind.ACKNOWLEDGE_OVERDUE))
        alerted(kind=SlaAlert.ACKNOWLEDGE_OVERDUE, ticket=ticket, recipients=[supervisor, ticket.owner],
                escalation=escalation, breach=None, metric=Metric.ACKNOWLEDGE, due_at=seen)


class _MissedTarget:
    """A first-response or resolution deadline passed: record the breach (its size grows until the
    target is met) and tell the owner and the supervisor."""

    def __init__(self, column: str, metric: str, alert: str):
        self.column, self.metric, self.alert = column, metric, alert

    def claim_values(self, seen, now):
        return {self.column: None, "breached": True}

    def __call__(self, sla, seen, now):
        ticket = sla.ticket
        breach = record_breach(ticket=ticket, metric=self.metric, due_at=seen, now=now, met=False, new=True)
        alerted(kind=self.alert, ticket=ticket, recipients=[ticket.owner, _supervisor(ticket)],
                escalation=None, breach=breach, metric=self.metric, due_at=seen)


class _UpdateOverdue:
    """ASN-4: no update within the cadence → remind the assignee and the supervisor; next cycle starts."""

    @staticmethod
    def claim_values(seen, now):
        return {"next_update_due": None}

    def __call__(self, sla, seen, now):
        ticket = sla.ticket
        org = ticket.organization
        update = targets_for(sla.version, priority=ticket.priority, tier=org.tier,
                             contract_level=org.contract_level).get(Metric.UPDATE)
        if update is not None:
            sla.next_update_due = deadline_after(now, update, working_calendar(sla.version.calendar_id), [])
            sla.save(update_fields=["next_update_due"])
        escalation = escalation_record(ticket=ticket, kind=EscalationKind.UPDATE_OVERDUE, to=ticket.owner,
                                       reason=_label(EscalationKind.UPDATE_OVERDUE))
        alerted(kind=SlaAlert.UPDATE_OVERDUE, ticket=ticket, recipients=[ticket.owner, _supervisor(ticket)],
                escalation=escalation, breach=None, metric=Metric.UPDATE, due_at=seen)
        return escalation


class _DirectorEscalation:
    """ASN-4: 24 hours past the resolution deadline → escalate to the service director."""

    @staticmethod
    def claim_values(seen, now):
        return {"director_due": None}

    def __call__(self, sla, seen, now):
        ticket = sla.ticket
        if sla.resolution_deadline:
            record_breach(ticket=ticket, metric=Metric.RESOLUTION, due_at=sla.resolution_deadline, now=now,
                          met=False)
        director = _director()
        escalation = escalation_record(ticket=ticket, kind=EscalationKind.RESOLUTION_OVERDUE, to=director,
                                       reason=_label(EscalationKind.RESOLUTION_OVERDUE))
        alerted(kind=SlaAlert.DIRECTOR, ticket=ticket, recipients=[director, _supervisor(ticket)],
                escalation=escalation, breach=None, metric=Metric.RESOLUTION, due_at=seen)


RULES = (
    ("acknowledge_due", _AckOverdue(), "acknowledge_escalations"),
    (
        "first_response_due",
        _MissedTarget("first_response_due", Metric.FIRST_RESPONSE, SlaAlert.RESPONSE_MISSED),
        "response_breaches",
    ),
    ("next_update_due", _UpdateOverdue(), "update_reminders"),
    (
        "resolution_due",
        _MissedTarget("resolution_due", Metric.RESOLUTION, SlaAlert.RESOLUTION_MISSED),
        "resolution_breaches",
    ),
    ("director_due", _DirectorEscalation(), "director_escalations"),
)


def sla_sweep(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> SweepResult:
    """One pass over every due deadline (ASN-3, ASN-4); safe to run in several workers at once."""
    now = now or timezone.now()
    result = SweepResult()
    with shared_lookups():
        for column, handler, counter in RULES:
            setattr(result, counter, _claim(column, now, batch, handler))
    return result
