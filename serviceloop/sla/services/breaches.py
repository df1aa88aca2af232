"""Breaches (SLA-5) and what the contract owes for them (SLA-6).

A breach is recorded once per missed deadline, by the sweeper when the deadline passes or by the
ticket clock when a target is met late; its size (minutes late) grows until the target is met, and
its compensation is worked out again each time it grows.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal

from ..models import Breach, Compensation, CompensationKind, CompensationRule, TicketSLA
from .memo import remembered


def meet(sla: TicketSLA, ticket, metric: str, due: datetime | None, now: datetime) -> None:
    """A target met at `now`: if late, record (or complete) its breach with its final size."""
    if due is None or now <= due:
        return
    record_breach(ticket=ticket, metric=metric, due_at=due, now=now, met=True)
    sla.breached = True


def complete_open_breaches(ticket, metric: str, now: datetime) -> None:
    """A target met after the sweeper recorded its breach: give the breach its final size."""
    for breach in Breach.objects.filter(ticket_id=ticket.pk, metric=metric, met_at__isnull=True):
        record_breach(ticket=ticket, metric=metric, due_at=breach.due_at, now=now, met=True)


def record_breach(*, ticket, metric: str, due_at: datetime, now: datetime, met: bool,
                  new: bool = False) -> Breach:
    """Record a missed target, or grow the recorded one; `new` when the caller knows it is the first.

    The sweeper passes `new`: it has just claimed a deadline that was still pending, so no breach of
    that deadline can exist, and one query per row is saved (the unique constraint still guards it).
    """
    minutes = max(0, math.ceil((now - due_at).total_seconds() / 60))
    # Not get_or_create: its savepoint costs two more round trips per row in a sweep; the row lock
    # held by the caller (ticket or claimed SLA row) already keeps two writers apart.
    breach = None if new else Breach.objects.filter(ticket=ticket, metric=metric, due_at=due_at).first()
    if breach is None:
        breach = Breach.objects.create(ticket=ticket, organization_id=ticket.organization_id, metric=metric,
                                       due_at=due_at, minutes_late=minutes, met_at=now if met else None)
    else:
        breach.minutes_late = max(breach.minutes_late, minutes)
        breach.met_at = now if met else breach.met_at
        breach.save(update_fields=["minutes_late", "met_at"])
    _compensate(breach, ticket)
    return breach


def _compensation_rules() -> list[CompensationRule]:
    """Every rule (a short table); read once per sweep, or once per call outside a sweep."""
    return remembered("rules", lambda: list(CompensationRule.objects.all()))


def _compensate(breach: Breach, ticket) -> None:
    """SLA-6: what the contract owes for this breach, per applicable rule; recomputed as the breach grows."""
    org = ticket.organization
    rules = [r for r in _compensation_rules() if r.metric == breach.metric and (
        r.organization_id == org.pk or (r.organization_id is None and org.contract_level
                                        and r.contract_level == org.contract_level))]
    for rule in rules:
        cash, vouchers = Decimal("0"), 0
        if rule.kind == CompensationKind.CASH_PER_HOUR:
            started_hours = max(1, math.ceil(breach.minutes_late / 60))
            cash = rule.amount * started_hours
            if rule.cap is not None:
                cash = min(cash, rule.cap)
        else:
            vouchers = int(rule.amount)
        Compensation.objects.update_or_create(
            breach=breach, rule=rule, defaults={"organization": org, "cash": cash, "vouchers": vouchers})
