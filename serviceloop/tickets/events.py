"""Timeline events (PRG-2): one function per event kind, each writing one TicketEvent row.

Services call these inside their transaction, so an event exists exactly when its change does.
This module is the one place that knows the shape of each kind (its `data`, `body`, visibility):
a bulk loader (the demo) passes `record=False` and gets the same row unsaved, as an EventRow (a plain
tuple in the model's field order, with `at` as its time), to write many at once.

Every recorded event is announced on `recorded` (core/hooks.py) with the in-memory ticket, inside
the service's transaction: that is how the apps above tickets follow a ticket's changes without
tickets importing them (the SLA clock: sla/receivers.py). A row built with `record=False` is not
announced: a bulk loader writes the state those reactions would have produced itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.utils import timezone

from serviceloop.core import rows
from serviceloop.core.hooks import Hook

from .choices import PUBLIC_EVENT_KINDS, EventKind
from .models import Ticket, TicketEvent

# The field order the rows are built in (EventRow); a test holds the model to it.
BULK_FIELDS = ("id", "ticket_id", "kind", "actor_id", "created_at", "is_public", "body", "data")


class EventRow(NamedTuple):
    """One timeline row as every event function builds it, in the model's field order (BULK_FIELDS).

    The services make their TicketEvent from it; a bulk loader (record=False) gets it as it is: a
    million-ticket demo builds some ten million of them, and a Django model instance costs about
    twenty times a tuple (its __init__ and the foreign-key descriptors), a third of the demo's time.
    """

    id: int | None
    ticket_id: int
    kind: str
    actor_id: int | None
    created_at: datetime
    is_public: bool
    body: str
    data: dict

    @property
    def pk(self) -> int | None:
        """Like a model instance's: None, the row is not saved."""
        return self.id

# Called as recorded(event=…, ticket=…) after each event row is written; receivers connect in ready().
recorded = Hook("tickets.events.recorded")

# --- what each reader may see of an event (COM-4) ---------------------------------------------------
# The key of a status event's data holding a note given with the change that the customer must not
# see; the event's `body` holds a public note. Staff read it with internal_text().
INTERNAL_NOTE = "internal_note"
# The keys of an event's data a customer may read (the API's timeline for a customer contact).
CUSTOMER_DATA_KEYS = ("from", "to", "name", "attachment", "channel", "status", "warranty_months", "method",
                      "outcome")


@dataclass(frozen=True)
class CustomerCopy:
    """What a customer may know of one public event: its kind, time, public text and shareable facts."""

    kind: str
    at: datetime
    body: str
    data: dict


def customer_copy(event: TicketEvent) -> CustomerCopy | None:
    """The customer-facing copy of `event` (the portal, the API, /track/, messages to the contact);
    None for an internal event. A public event's `body` is public by construction (status_changed
    keeps an internal note in data), so the copy's text is the body and its data the allowed keys."""
    if not event.is_public:
        return None
    data = event.data or {}
    return CustomerCopy(kind=event.kind, at=event.created_at, body=event.body,
                        data={k: v for k, v in data.items() if k in CUSTOMER_DATA_KEYS})


def internal_text(event: TicketEvent) -> str:
    """The internal words an event carries beside its body, for staff only: a status change's
    internal note."""
    return (event.data or {}).get(INTERNAL_NOTE, "")


def shareable_data(event: TicketEvent) -> dict:
    """An event's structured data without its internal text: what another system (a webhook) may learn."""
    return {k: v for k, v in (event.data or {}).items() if k != INTERNAL_NOTE}


def _write(ticket: Ticket, kind: str, actor, *, public: bool, body: str = "", data: dict | None = None,
           at: datetime | None = None, record: bool = True) -> TicketEvent | EventRow:
    if public and kind not in PUBLIC_EVENT_KINDS:
        raise ValueError(f"event kind {kind} is internal and cannot be written as public")
    row = EventRow(
        None,
        ticket.pk,
        kind,
        actor.pk if actor is not None else None,
        at or timezone.now(),
        public,
        body,
        data or {},
    )
    if not record:
        return row
    event = TicketEvent(*row)
    # The objects themselves, as the service has them: the receivers of `recorded` follow them.
    event.ticket, event.actor = ticket, actor
    # rows.insert: the timeline grows by at least one row on every write, so its INSERT is composed once.
    rows.insert(event)
    recorded(event=event, ticket=ticket)
    return event


# Every function below takes `at` (the event's time; default now) and `record` (False: return the row
# unsaved, an EventRow, for bulk loaders). They are keyword-only, so a call reads like the timeline entry
# it makes.


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
                        **({INTERNAL_NOTE: note} if note and not public_note else {}),
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
    return _write(
        ticket, EventKind.FIELDS, actor, public=False, data={"changes": changes}, at=at, record=record
    )


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


def customer_reply(
    ticket: Ticket,
    actor,
    *,
    body: str,
    channel: str,
    contact_id: int | None,
    sender: str = "",
    data: dict | None = None,
    at: datetime | None = None,
    record: bool = True,
) -> TicketEvent:
    """COM-2: the customer's answer that came by a channel (an email), not typed in after logging in.

    `actor` is the contact's login when they have one, else None; `contact` and `from` (the sender's
    address) say who wrote it. `data` adds the channel's own references (the inbound message's id).
    """
    return _write(ticket, EventKind.CUSTOMER_REPLY, actor, public=True, body=body,
                  data={"channel": channel, "contact": contact_id, "from": sender, **(data or {})},
                  at=at, record=record)


def internal_note(
    ticket: Ticket,
    actor,
    *,
    body: str,
    note_type: str = "progress",
    at: datetime | None = None,
    record: bool = True,
) -> TicketEvent:
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


def escalated(
    ticket: Ticket,
    actor,
    *,
    escalation_id: int,
    kind: str,
    to_user_id: int | None,
    department: str,
    reason: str,
    at: datetime | None = None,
    record: bool = True,
) -> TicketEvent:
    """ASN-6: an escalation, automatic (actor None) or manual, on the timeline. Internal."""
    return _write(
        ticket,
        EventKind.ESCALATED,
        actor,
        public=False,
        body=reason,
        data={"escalation": escalation_id, "kind": kind, "to": to_user_id, "department": department},
        at=at,
        record=record,
    )


# --- processing records and the closing of the loop (PRG-2, PRG-7, CSAT-3) ---------------------------
# Shapes (data keys) of the kinds below:
#   diagnosis        internal; body = the result; {"started_at", "ended_at": ISO times, "minutes": int}
#   solution         internal; body = the solution; {"steps": [str, …]}
#   execution        internal; body = what was done; {"performed_at": ISO, "operator": user id,
#                    "customer_feedback": str}
#   sub_status       public; {"status": the unchanged status, "from", "to": sub-status codes ("" = none)}
#   resolution       public; body = the customer-facing result (COM-5); {"root_cause": id,
#                    "root_cause_path": "硬件故障 › 电源模块", "ticket_type", "warranty_months": int|None,
#                    "internal_note": str} — the API and the pages show a customer only the body and warranty
#   confirmation     public; body = the customer's reason (not fixed) or staff's note; {"method":
#                    ConfirmationMethod, "outcome": ConfirmationOutcome, and when closed "resolved_at",
#                    "resolution_minutes": wall-clock minutes from creation to resolution, "summary"}
#   confirm_reminder internal; {"auto_close_at": ISO}: the customer was reminded to answer

def diagnosis(ticket: Ticket, actor, *, result: str, started_at: datetime, ended_at: datetime,
              at: datetime | None = None, record: bool = True) -> TicketEvent:
    minutes = max(0, round((ended_at - started_at).total_seconds() / 60))
    return _write(
        ticket,
        EventKind.DIAGNOSIS,
        actor,
        public=False,
        body=result,
        data={"started_at": started_at.isoformat(), "ended_at": ended_at.isoformat(), "minutes": minutes},
        at=at,
        record=record,
    )


def solution(ticket: Ticket, actor, *, text: str, steps: list[str], at: datetime | None = None,
             record: bool = True) -> TicketEvent:
    return _write(ticket, EventKind.SOLUTION, actor, public=False, body=text, data={"steps": steps},
                  at=at, record=record)


def execution(ticket: Ticket, actor, *, text: str, performed_at: datetime, operator_id: int | None,
              customer_feedback: str, at: datetime | None = None, record: bool = True) -> TicketEvent:
    return _write(ticket, EventKind.EXECUTION, actor, public=False, body=text,
                  data={"performed_at": performed_at.isoformat(), "operator": operator_id,
                        "customer_feedback": customer_feedback}, at=at, record=record)


def sub_status_changed(ticket: Ticket, actor, *, old: str, new: str, at: datetime | None = None,
                       record: bool = True) -> TicketEvent:
    """Within one status (等待备件 → 维修中): the SLA clock pauses or resumes on it as on a status change."""
    return _write(ticket, EventKind.SUB_STATUS, actor, public=True,
                  data={"status": ticket.status, "from": old, "to": new}, at=at, record=record)


def resolution(ticket: Ticket, actor, *, root_cause, result: str, internal_note: str,
               warranty_months: int | None, at: datetime | None = None, record: bool = True) -> TicketEvent:
    return _write(ticket, EventKind.RESOLUTION, actor, public=True, body=result,
                  data={"root_cause": root_cause.pk, "root_cause_path": root_cause.path("zh-hans"),
                        "ticket_type": ticket.ticket_type, "warranty_months": warranty_months,
                        **({INTERNAL_NOTE: internal_note} if internal_note else {})},
                  at=at, record=record)


def confirmation(
    ticket: Ticket,
    actor,
    *,
    method: str,
    outcome: str,
    text: str = "",
    closing: dict | None = None,
    at: datetime | None = None,
    record: bool = True,
) -> TicketEvent:
    """`closing`: resolved_at, resolution_minutes and summary, when the answer closed the ticket."""
    return _write(ticket, EventKind.CONFIRMATION, actor, public=True, body=text,
                  data={"method": method, "outcome": outcome, **(closing or {})}, at=at, record=record)


def confirmation_reminded(ticket: Ticket, *, auto_close_at: datetime | None, at: datetime | None = None,
                          record: bool = True) -> TicketEvent:
    return _write(ticket, EventKind.CONFIRMATION_REMINDER, None, public=False,
                  data={"auto_close_at": auto_close_at.isoformat() if auto_close_at else None},
                  at=at, record=record)
