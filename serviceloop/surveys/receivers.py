"""What surveys do when tickets announce a change (connected in apps.py ready())."""

from __future__ import annotations

from serviceloop.tickets.choices import EventKind, Status

from .services import survey_schedule


def ticket_event_recorded(*, event, ticket) -> None:
    """A status change to resolved schedules the cycle's survey (CSAT-1); every other event costs nothing."""
    if event.kind == EventKind.STATUS and event.data.get("to") == Status.RESOLVED:
        survey_schedule(ticket=ticket, at=event.created_at)
