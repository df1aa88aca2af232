"""Timeline events (PRG-2): one function per event kind, each writing one TicketEvent row.

Services call these inside their transaction, so an event exists exactly when its change does.
This module is the one place that knows the shape of each kind (its `data`, `body`, visibility):
a bulk loader (the demo) passes `record=False` and gets the same row unsaved, with `at` as its time,
to write many at once.

Every recorded event is announced on `recorded` (core/hooks.py) with the in-memory ticket, inside
the service's transaction: that is how the apps above tickets follow a ticket's changes without
tickets importing them (the SLA clock: sla/receivers.py). A row built with `record=False` is not
announced: a bulk loader writes the state those reactions would have produced itself.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from serviceloop.core import rows
from serviceloop.core.hooks import Hook

from .choices import PUBLIC_EVENT_KINDS, EventKind
from .models import Ticket, TicketEvent

# Called as recorded(event=…, ticket=…) after each event row is written; receivers connect in ready().
recorded = Hook("tickets.events.recorded")


def _write(ticket: Ticket, kind: str, actor, *, public: bool, body: str = "", data: dict | None = None,
           at: datetime | None = None, record: bool = True) -> TicketEvent:
    if public and kind not in PUBLIC_EVENT_KINDS:
        raise ValueError(f"event kind {kind} is internal and cannot be written as public")
    event = TicketEvent(
        ticket=ticket,
        kind=kind,
        actor=actor,
        created_at=at or timezone.now(),
        is_public=public,
        body=body,
        data=data or {},
    )
    if not record:
        return event
    # rows.insert: the timeline grows by at least one row on every write, so its INSERT is composed once.
    rows.insert(event)
    recorded(event=event, ticket=ticket)
    return event


# Every function below takes `at` (the event's time; default now) and `record` (False: return the row
# unsaved, for bulk loaders). They are keyword-only so a call reads like the timeline entry it makes.

def created(ticket: Ticket, actor, *, record: bool = True) -> TicketEvent:
    return _write(ticket, EventKind.CREATED, actor, public=True, data={"channel": ticket.channel},
                  at=ticket.created_at, record=record)


def status_changed(ticket: Ticket, actor, *, old: str, new: str, sub_status: str = "", note: str = "",
                   public_note: bool = True, acknowledged: bool = False, at: datetime | None = None,
                   record: bool = True) -> TicketEvent:
    """`acknowledged`: this change also confirmed receipt (ASN-3), e.g. new → in progress without 确认接收."""
    # The status itself is public (customers follow progress); a note given with it may be internal.
    return _write(ticket, EventKind.STATUS, actor, public=True, body=note if public_note else "",
                  data={"from": old, "to": new, "sub_status": sub_status,
                        **({"internal_note": note} if note and not public_note else {}),
                        **({"acknowledged": True} if acknowledged else {})},
                  at=at, record=record)


def accepted(ticket: Ticket, actor, *, at: datetime | None = None, record: bool = True) -> TicketEvent:
    return _write(ticket, EventKind.ACCEPTED, actor, public=False, at=at, record=record)


def assigned(ticket: Ticket, actor, *, old_owner_id, new_owner_id, group_id=None, note: str = "",
             at: datetime | None = None, record: bool = True) -> TicketEvent:
    return _write(ticket, EventKind.ASSIGNED, actor, public=False, body=note,
                  data={"from": old_owner_id, "to": new_owner_id, "group": group_id}, at=at, record=record)


def co_handlers_changed(ticket: Ticket, actor, *, old: list[int], new: list[int], at: datetime | None = None,
                        record: bool = True) -> TicketEvent:
    return _write(ticket, EventKind.CO_HANDLERS, actor, public=False, data={"from": old, "to": new},
                  at=at, record=record)


def priority_changed(ticket: Ticket, actor, *, old: str, new: str, reason: str, at: datetime | None = None,
                     record: bool = True) -> TicketEvent:
    return _write(ticket, EventKind.PRIORITY, actor, public=False, body=reason, data={"from": old, "to": new},
                  at=at, record=record)


def fields_changed(ticket: Ticket, actor, *, changes: dict[str, list], at: datetime | None = None,
                   record: bool = True) -> TicketEvent:
    """`changes` maps each field name to [old, new], both JSON-ready."""
    return _write(ticket, EventKind.FIELDS, actor, public=False, data={"changes": changes}, at=at, record=record)


def sla_deadline_moved(ticket: Ticket, actor, *, moved: dict[str, list], reason: str,
                       at: datetime | None = None, record: bool = True) -> TicketEvent:
    """The SLA app moved pending deadlines without a ticket change (issue #11: the working calendar
    changed). `moved` maps a metric (resolution, first_response, …) to [old, new] datetimes; `reason`
    is a word ("calendar"). A `fields` event, so no new kind (and no tickets migration) is needed;
    its changes name no ticket field, so the clock's own receiver leaves it alone."""
    changes = {f"sla_{metric}_due": [timezone.localtime(old).isoformat(), timezone.localtime(new).isoformat()]
               for metric, (old, new) in moved.items()}
    return _write(ticket, EventKind.FIELDS, actor, public=False,
                  data={"changes": changes, "sla_deadline_moved": reason}, at=at, record=record)


def reply(ticket: Ticket, actor, *, body: str, from_customer: bool, first_response: bool = False,
          at: datetime | None = None, record: bool = True) -> TicketEvent:
    """`first_response`: the service team's first reply on this ticket (it meets the SLA target)."""
    kind = EventKind.CUSTOMER_REPLY if from_customer else EventKind.REPLY
    return _write(ticket, kind, actor, public=True, body=body,
                  data={"first_response": True} if first_response and not from_customer else None,
                  at=at, record=record)


def customer_reply(ticket: Ticket, actor, *, body: str, channel: str, contact_id: int | None, sender: str = "",
                   data: dict | None = None, at: datetime | None = None, record: bool = True) -> TicketEvent:
    """COM-2: the customer's answer that came by a channel (an email), not typed in after logging in.

    `actor` is the contact's login when they have one, else None; `contact` and `from` (the sender's
    address) say who wrote it. `data` adds the channel's own references (the inbound message's id).
    """
    return _write(ticket, EventKind.CUSTOMER_REPLY, actor, public=True, body=body,
                  data={"channel": channel, "contact": contact_id, "from": sender, **(data or {})},
                  at=at, record=record)


def internal_note(ticket: Ticket, actor, *, body: str, note_type: str = "progress", at: datetime | None = None,
                  record: bool = True) -> TicketEvent:
    return _write(ticket, EventKind.NOTE, actor, public=False, body=body, data={"note_type": note_type},
                  at=at, record=record)


def communication(ticket: Ticket, actor, *, channel: str, happened_at: datetime, customer_feedback: str,
                  next_step: str, summary: str = "", at: datetime | None = None,
                  record: bool = True) -> TicketEvent:
    return _write(ticket, EventKind.COMMUNICATION, actor, public=False, body=summary,
                  data={"channel": channel, "happened_at": happened_at.isoformat(),
                        "customer_feedback": customer_feedback, "next_step": next_step},
                  at=at, record=record)


def attachment_added(ticket: Ticket, actor, *, attachment_id: int, name: str, public: bool,
                     at: datetime | None = None, record: bool = True) -> TicketEvent:
    return _write(ticket, EventKind.ATTACHMENT, actor, public=public,
                  data={"attachment": attachment_id, "name": name}, at=at, record=record)


def escalated(ticket: Ticket, actor, *, escalation_id: int, kind: str, to_user_id: int | None, department: str,
              reason: str, at: datetime | None = None, record: bool = True) -> TicketEvent:
    """ASN-6: an escalation, automatic (actor None) or manual, on the timeline. Internal."""
    return _write(ticket, EventKind.ESCALATED, actor, public=False, body=reason,
                  data={"escalation": escalation_id, "kind": kind, "to": to_user_id, "department": department},
                  at=at, record=record)
