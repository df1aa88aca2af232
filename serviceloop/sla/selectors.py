"""Every read of SLA state for display: a list row's colour and a ticket's deadlines (SLA-5).

Tickets reach these without importing sla: `ticket.sla.summary()` (TicketSLA.summary) calls
`sla_summary` here, through the relation `select_related("sla")` already joined.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from .models import TicketSLA


def sla_state(sla: TicketSLA | None, now: datetime) -> str | None:
    """One word for a list row's colour: paused, breached, at_risk or ok; None when no clock runs."""
    if sla is None:
        return None
    if sla.paused_since is not None:
        return "paused"
    if sla.next_deadline is None:
        return None  # resolved or closed: nothing left to count down
    if sla.breached or sla.next_deadline <= now:
        return "breached"
    if sla.at_risk_at is not None and sla.at_risk_at <= now:
        return "at_risk"
    return "ok"


def sla_summary(sla: TicketSLA | None, ticket, now: datetime | None = None) -> dict | None:
    """What a ticket shows (SLA-5): each deadline with time left, paused, at risk, breached."""
    if sla is None:
        return None
    now = now or timezone.now()

    def entry(due, met_at):
        if due is None and met_at is None:
            return None
        left = round((due - now).total_seconds() / 60) if due else None
        return {"due": due, "met_at": met_at, "minutes_left": left, "overdue": bool(due and due < now)}

    return {
        "policy": str(sla.version.policy), "version": sla.version.number,
        "acknowledge": entry(sla.acknowledge_due, ticket.accepted_at),
        "first_response": entry(sla.first_response_due, ticket.first_response_at),
        "resolution": entry(sla.resolution_due, ticket.resolved_at) or (
            {"due": sla.resolution_deadline, "met_at": ticket.resolved_at, "minutes_left": None,
             "overdue": False} if sla.resolution_deadline else None),
        "next_update": entry(sla.next_update_due, None),
        "paused": sla.paused_since is not None, "paused_since": sla.paused_since,
        "at_risk": bool(sla.at_risk_at and sla.at_risk_at <= now and not sla.breached),
        "breached": sla.breached, "estimated": sla.estimated,
    }
