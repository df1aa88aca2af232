"""tickets/events.py with record=False: the row a bulk loader writes is the row the service would."""

from __future__ import annotations

import pytest

from serviceloop.tickets import events
from serviceloop.tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def test_unsaved_rows_are_built_in_the_models_field_order():
    assert tuple(f.attname for f in TicketEvent._meta.concrete_fields) == events.BULK_FIELDS


def test_an_unsaved_event_has_the_columns_of_the_recorded_one(world):
    ticket = world.ticket()
    recorded = events.status_changed(ticket, world.alice, old="new", new="accepted", note="内部说明",
                                     public_note=False)
    unsaved = events.status_changed(ticket, world.alice, old="new", new="accepted", note="内部说明",
                                    public_note=False, at=recorded.created_at, record=False)

    assert unsaved.pk is None
    columns = [f for f in events.BULK_FIELDS if f != "id"]
    assert [getattr(unsaved, f) for f in columns] == [getattr(recorded, f) for f in columns]


def test_an_unsaved_event_is_a_plain_row_in_field_order_that_makes_the_model_instance(world):
    ticket = world.ticket()
    row = events.reply(ticket, world.alice, body="已处理", from_customer=False, first_response=True,
                       record=False)

    assert isinstance(row, events.EventRow) and row.pk is None
    assert row._fields == events.BULK_FIELDS
    event = TicketEvent(*row)
    assert (event.ticket_id, event.actor_id, event.kind, event.data) == (
        ticket.pk, world.alice.pk, "reply", {"first_response": True})
