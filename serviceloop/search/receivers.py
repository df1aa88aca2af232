"""What search does when an app below it announces a change (core/hooks.py); connected in apps.py.

Each receiver runs inside the announcing service's transaction, so the index changes exactly when
the ticket does: a new ticket or reply is findable the moment it commits, a rolled-back one never was.
"""

from __future__ import annotations

from serviceloop.tickets.choices import EventKind
from serviceloop.tickets.models import Ticket

from . import engine

# The events that change what is indexed: a new ticket, its texts or references, a reply, a note.
# Owner, priority, acknowledgement, co-handlers, attachments and escalations change no indexed text.
TEXT_EVENTS = frozenset({EventKind.REPLY, EventKind.CUSTOMER_REPLY, EventKind.NOTE, EventKind.COMMUNICATION,
                         EventKind.STATUS, EventKind.FIELDS})
RENAME_CHUNK = 2000


def ticket_creating(*, ticket) -> None:
    """tickets/services.py `creating`: the new ticket's search text, before its number lock is taken."""
    engine.prepare_new_ticket(ticket)


def ticket_event_recorded(*, event, ticket) -> None:
    """tickets/events.py `recorded`: index a new ticket, re-index one whose text changed."""
    if event.kind == EventKind.CREATED:
        engine.index_new_ticket(ticket)
    elif event.kind in TEXT_EVENTS:
        if event.kind == EventKind.STATUS and not (event.body or event.data.get("internal_note")):
            return  # a status change without a note adds no text
        engine.index_ticket(ticket.pk)


def organization_saved(*, organization) -> None:
    """customers/services.py `organization_renamed`: the name is indexed on each of its tickets."""
    ids = Ticket.objects.filter(organization_id=organization.pk).order_by("pk").values_list("pk", flat=True)
    last = 0
    while True:
        chunk = list(ids.filter(pk__gt=last)[:RENAME_CHUNK])
        if not chunk:
            return
        engine.index_tickets(chunk)
        last = chunk[-1]
