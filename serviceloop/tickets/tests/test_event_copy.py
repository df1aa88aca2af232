"""tickets/events.py knows what each reader may see of an event (COM-4): the customer-facing copy,
the internal text for staff, the data another system may learn; the API, /track/ and the outbox use it."""

from __future__ import annotations

from serviceloop.tickets import events
from serviceloop.tickets.choices import EventKind, Status
from serviceloop.tickets.models import TicketEvent
from serviceloop.tickets.services import ticket_add_internal_note, ticket_transition


def _status_event(ticket):
    return TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS).latest("id")


def test_a_staff_note_on_a_status_change_is_internal_text_never_in_the_customer_copy(world):
    ticket = world.ticket()
    ticket_transition(
        ticket=ticket, actor=world.alice, to_status=Status.IN_PROGRESS, note="备件库存不足，内部协调"
    )
    event = _status_event(ticket)
    copy = events.customer_copy(event)
    assert copy is not None and copy.kind == EventKind.STATUS and copy.body == ""
    assert copy.data == {"from": Status.NEW, "to": Status.IN_PROGRESS}
    assert events.internal_text(event) == "备件库存不足，内部协调"
    assert events.INTERNAL_NOTE not in events.shareable_data(event)
    assert events.shareable_data(event)["to"] == Status.IN_PROGRESS


def test_an_internal_event_has_no_customer_copy(world):
    ticket = world.ticket()
    note = ticket_add_internal_note(ticket=ticket, actor=world.alice, body="内部诊断")
    assert events.customer_copy(note) is None
    assert events.internal_text(note) == ""


def test_the_api_gives_a_customer_the_copy_and_staff_the_whole_event(world, api_as):
    ticket = world.ticket()
    ticket_transition(ticket=ticket, actor=world.alice, to_status=Status.IN_PROGRESS, note="仅内部可见")
    path = f"/api/v1/tickets/{ticket.number}/timeline"
    customer = [e for e in api_as("carol").get(path).json()["items"] if e["kind"] == EventKind.STATUS]
    staff = [e for e in api_as("alice").get(path).json()["items"] if e["kind"] == EventKind.STATUS]
    assert customer[-1]["data"] == {"from": Status.NEW, "to": Status.IN_PROGRESS}
    assert staff[-1]["data"][events.INTERNAL_NOTE] == "仅内部可见"
