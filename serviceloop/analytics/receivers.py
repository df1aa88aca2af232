"""What analytics does when tickets or surveys announce a change (connected in apps.py ready()).

Only the changes a KPI depends on cost anything: a status change to resolved, closed or reopened, a
survey sent or answered. The dashboard's counts (dims.py) move on the events that can change a ticket's
dimensions: creation, status, owner or group, priority, fields, resolution, the first staff reply.
Everything else (notes, sub-states, later replies) returns at once.
"""

from __future__ import annotations

from serviceloop.tickets.choices import EventKind, Status

from .dims import dims_changed
from .facts import fact_refresh, fact_reopened, fact_resolved

_STATUSES = (Status.RESOLVED, Status.CLOSED, Status.REOPENED)
_DIMS_KINDS = frozenset({EventKind.CREATED, EventKind.STATUS, EventKind.ASSIGNED, EventKind.PRIORITY,
                         EventKind.FIELDS, EventKind.RESOLUTION})


def ticket_dims_event(*, event, ticket) -> None:
    if event.kind in _DIMS_KINDS or (event.kind == EventKind.REPLY and event.data.get("first_response")):
        dims_changed(ticket=ticket)


def ticket_event_recorded(*, event, ticket) -> None:
    if event.kind != EventKind.STATUS:
        return
    to, old = event.data.get("to"), event.data.get("from")
    if to == Status.REOPENED:
        fact_reopened(ticket_id=ticket.pk)
    # resolved → closed changes no figure (the resolution is the same); closing unresolved work does.
    elif to in _STATUSES and not (to == Status.CLOSED and old == Status.RESOLVED) and ticket.resolved_at:
        fact_resolved(ticket=ticket)


def survey_invitation(*, survey_key: str, ticket, link: str) -> None:
    if ":" not in survey_key:  # the invitation itself, not its reminder
        fact_refresh(ticket_id=ticket.pk)


def survey_answered(*, survey, ticket) -> None:
    fact_refresh(ticket_id=ticket.pk)
