"""Every read of SLA state for display: a list row's colour and a ticket's deadlines (SLA-5).

Tickets reach these without importing sla: `ticket.sla.summary()` (TicketSLA.summary) calls
`sla_summary` here, through the relation `select_related("sla")` already joined.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from serviceloop.tickets.choices import EventKind
from serviceloop.tickets.models import TicketEvent

from .models import PauseInterval, TicketSLA


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
    """What a ticket shows (SLA-5): each deadline with time left, paused, at risk, breached.

    While the clock is paused (issue #11.4) no deadline is shown: it no longer holds and is computed
    again on resume. Each target shows instead the time it had left when the clock stopped, frozen
    (`frozen` true, `due` None, `minutes_left` from TicketSLA.paused_left).
    """
    if sla is None:
        return None
    now = now or timezone.now()
    paused = sla.paused_since is not None
    frozen = sla.paused_left or {}

    def entry(metric, due, met_at):
        if paused and met_at is None:
            left = frozen.get(metric)
            if left is None:
                return None
            return {"due": None, "met_at": None, "minutes_left": round(left / 60), "overdue": left < 0,
                    "frozen": True}
        if due is None and met_at is None:
            return None
        left = round((due - now).total_seconds() / 60) if due else None
        return {"due": due, "met_at": met_at, "minutes_left": left, "overdue": bool(due and due < now),
                "frozen": False}

    resolution = entry("resolution", sla.resolution_due, ticket.resolved_at)
    if resolution is None and sla.resolution_deadline and not paused:
        resolution = {"due": sla.resolution_deadline, "met_at": ticket.resolved_at, "minutes_left": None,
                      "overdue": False, "frozen": False}
    return {
        "policy": str(sla.version.policy), "version": sla.version.number,
        "acknowledge": entry("acknowledge", sla.acknowledge_due, ticket.accepted_at),
        "first_response": entry("first_response", sla.first_response_due, ticket.first_response_at),
        "resolution": resolution,
        "next_update": entry("update", sla.next_update_due, None),
        "paused": paused, "paused_since": sla.paused_since,
        "at_risk": bool(sla.at_risk_at and sla.at_risk_at <= now and not sla.breached),
        "breached": sla.breached, "estimated": sla.estimated,
    }


def sla_history(ticket) -> dict:
    """A ticket's SLA history (issue #11.6): its pauses and every deadline change with its reason, oldest
    first. Calendar changes give each moved deadline's old and new time; a priority change or another
    policy recomputes every deadline and is listed with metric "all". Three queries."""
    pauses = [{"started_at": p.started_at, "ended_at": p.ended_at, "reason": p.reason}
              for p in PauseInterval.objects.filter(ticket=ticket).order_by("started_at")]
    changes = []
    events = (TicketEvent.objects.filter(ticket=ticket, kind__in=[EventKind.FIELDS, EventKind.PRIORITY])
              .select_related("actor").order_by("created_at", "id"))
    for e in events:
        data, by = e.data or {}, str(e.actor) if e.actor else None
        if e.kind == EventKind.PRIORITY:
            changes.append(
                {
                    "at": e.created_at,
                    "metric": "all",
                    "old": None,
                    "new": None,
                    "by": by,
                    "reason": f"priority {data.get('from')} → {data.get('to')}: {e.body}".rstrip(": "),
                }
            )
            continue
        moved = data.get("changes") or {}
        if data.get("sla_deadline_moved"):
            for key, (old, new) in moved.items():
                changes.append({"at": e.created_at, "metric": key.removeprefix("sla_").removesuffix("_due"),
                                "old": parse_datetime(old), "new": parse_datetime(new), "by": by,
                                "reason": data["sla_deadline_moved"]})
        elif "sla_policy" in moved:
            old, new = moved["sla_policy"]
            why = (moved.get("reason") or [None, ""])[1]
            changes.append({"at": e.created_at, "metric": "all", "old": None, "new": None, "by": by,
                            "reason": f"policy {old} → {new}: {why}"})
        elif "priority" in moved:
            old, new = moved["priority"]
            changes.append({"at": e.created_at, "metric": "all", "old": None, "new": None, "by": by,
                            "reason": f"priority {old} → {new}"})
    sla = TicketSLA.objects.filter(ticket=ticket).only("paused_since").first()
    return {"ticket_number": ticket.number, "paused": bool(sla and sla.paused_since), "pauses": pauses,
            "deadline_changes": changes}
