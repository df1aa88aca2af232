"""What the SLA app does when an app below it announces a change (core/hooks.py).

Connected in SlaConfig.ready(). Each receiver runs inside the announcing service's transaction,
so the SLA state changes exactly when the ticket or the customer does; work outside the database
goes in transaction.on_commit.
"""

from __future__ import annotations

from django.db import transaction

from serviceloop.tickets.choices import EventKind

from . import confirmation
from .services import clock
from .tasks import organization_sla_recompute_task


def ticket_creating(*, ticket) -> None:
    """tickets/services.py `creating`: the new ticket's deadlines, computed before it takes its number
    and kept, unsaved, as `ticket.sla` until its `created` event is recorded (below)."""
    ticket.sla = clock.ticket_sla_prepare(ticket=ticket)


def _created(event, ticket) -> None:
    clock.ticket_sla_start(ticket=ticket)


def _accepted(event, ticket) -> None:
    clock.ticket_sla_acknowledged(ticket=ticket)


def _status(event, ticket) -> None:
    # A status change that also acknowledged the ticket (new → in progress): the acknowledgement first,
    # as ticket_accept does, so the target is met before the clock pauses or stops.
    if event.data.get("acknowledged"):
        clock.ticket_sla_acknowledged(ticket=ticket)
    clock.ticket_sla_status_changed(ticket=ticket, old_status=event.data["from"], actor=event.actor)


def _sub_status(event, ticket) -> None:
    # Within one status (等待备件 → 维修中): the same pause rule as a status change, the status unchanged.
    clock.ticket_sla_status_changed(ticket=ticket, old_status=ticket.status, actor=event.actor)


def _resolution(event, ticket) -> None:
    # CSAT-3: when the customer is reminded and when the ticket closes without an answer (working days).
    confirmation.schedule(ticket=ticket)


def _assigned(event, ticket) -> None:
    # ASN-3: a new owner (not nobody) must acknowledge again, counted from now.
    if event.data["to"] is not None and event.data["to"] != event.data["from"]:
        clock.ticket_sla_reassigned(ticket=ticket)


def _priority(event, ticket) -> None:
    clock.ticket_sla_recompute(ticket=ticket)


def _fields(event, ticket) -> None:
    # ticket_update re-runs the priority rule; a `fields` event without "priority" (an edit of texts,
    # or the clock's own policy switch) leaves the deadlines alone.
    if "priority" in event.data["changes"]:
        clock.ticket_sla_recompute(ticket=ticket)


def _reply(event, ticket) -> None:
    # A staff reply restarts the update cadence; the first one also meets the first-response target.
    clock.ticket_sla_customer_updated(ticket=ticket, first_response=bool(event.data.get("first_response")))


def _communication(event, ticket) -> None:
    clock.ticket_sla_customer_updated(ticket=ticket, first_response=False)


# Every other kind (customer replies, notes, attachments, co-handlers, escalations) leaves the clock alone.
_TICKET_CLOCK = {
    EventKind.CREATED: _created,
    EventKind.ACCEPTED: _accepted,
    EventKind.STATUS: _status,
    EventKind.SUB_STATUS: _sub_status,
    EventKind.RESOLUTION: _resolution,
    EventKind.ASSIGNED: _assigned,
    EventKind.PRIORITY: _priority,
    EventKind.FIELDS: _fields,
    EventKind.REPLY: _reply,
    EventKind.COMMUNICATION: _communication,
}


def ticket_event_recorded(*, event, ticket) -> None:
    """tickets/events.py `recorded`: move the ticket's clock as the recorded event says."""
    react = _TICKET_CLOCK.get(event.kind)
    if react is not None:
        react(event, ticket)


def organization_terms_changed(*, organization) -> None:
    """customers/services.py `terms_changed` (tier or contract level): its open tickets follow the new
    targets (SLA-1), recomputed by a background job once the change is committed."""
    organization_id = organization.pk
    transaction.on_commit(lambda: organization_sla_recompute_task(organization_id))
