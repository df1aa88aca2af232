"""ticket_add_customer_reply: a customer's answer that came by a channel (email), from a contact who
may have no login."""

from __future__ import annotations

import pytest

from serviceloop.core.errors import InvalidInput
from serviceloop.customers.models import Contact
from serviceloop.tickets import services
from serviceloop.tickets.choices import EventKind


def test_a_contact_without_a_login_replies_and_the_event_names_the_contact(world):
    ticket = world.ticket(contact=world.contact_a)
    colleague = Contact.objects.create(organization=world.org_a, name="周工", email="zhou@example.cn")

    event = services.ticket_add_customer_reply(
        ticket=ticket,
        contact=colleague,
        body="已更换电源，恢复正常。",
        channel="email",
        sender="zhou@example.cn",
        data={"inbound_message": 7},
    )

    assert (event.kind, event.is_public, event.actor) == (EventKind.CUSTOMER_REPLY, True, None)
    assert event.data == {"channel": "email", "contact": colleague.pk, "from": "zhou@example.cn",
                          "inbound_message": 7}


def test_a_closed_ticket_still_takes_the_customers_words(world):
    ticket = world.ticket(contact=world.contact_a)
    services.ticket_transition(ticket=ticket, actor=world.alice, to_status="closed")

    event = services.ticket_add_customer_reply(
        ticket=ticket, contact=world.contact_a, body="谢谢", channel="email"
    )

    assert event.actor == world.carol and event.ticket_id == ticket.pk


def test_a_contact_of_another_organisation_is_refused(world):
    ticket = world.ticket(contact=world.contact_a)

    with pytest.raises(InvalidInput):
        services.ticket_add_customer_reply(ticket=ticket, contact=world.contact_b, body="x", channel="email")
    with pytest.raises(InvalidInput):
        services.ticket_add_customer_reply(ticket=ticket, contact=None, body="   ", channel="email")
