"""The SLA clock follows the ticket through the timeline events tickets/events.py records (issue #10):
tickets imports nothing from sla, the receiver runs in the ticket service's transaction, and a row
built unsaved (record=False, the demo's bulk path) announces nothing."""

from __future__ import annotations

import pytest
from django.apps import apps

from serviceloop.sla.models import SLAPolicy, TicketSLA
from serviceloop.sla.receivers import ticket_event_recorded
from serviceloop.sla.services.clock import ticket_sla_set_policy
from serviceloop.sla.services.escalation import ticket_escalate
from serviceloop.tickets import events
from serviceloop.tickets import services as tickets
from serviceloop.tickets.models import Ticket, TicketEvent


@pytest.fixture
def heard():
    """Every announcement of events.recorded while the test runs, after the SLA receiver's."""
    calls = []

    def listen(*, event, ticket):
        calls.append((event, ticket))

    events.recorded.connect(listen)
    yield calls
    events.recorded.disconnect(listen)


def test_the_clock_receiver_is_connected_once_even_if_the_app_starts_again():
    apps.get_app_config("sla").ready()
    assert events.recorded.receivers.count(ticket_event_recorded) == 1


def test_a_new_tickets_deadlines_are_computed_before_it_takes_its_number(world):
    seen = []

    def after_the_clock(*, ticket):
        prepared = ticket.sla  # kept by the SLA receiver, which ran first; no query (pk is None)
        seen.append((ticket.number, ticket.pk, prepared.pk, prepared.resolution_due))

    tickets.creating.connect(after_the_clock)
    try:
        ticket = world.ticket()
    finally:
        tickets.creating.disconnect(after_the_clock)
    [(number, pk, sla_pk, due)] = seen
    assert (number, pk, sla_pk) == ("", None, None) and due is not None
    assert TicketSLA.objects.get(ticket=ticket).resolution_due == due


def test_a_recorded_event_is_announced_with_the_services_own_ticket(world, heard):
    ticket = world.ticket()
    event = tickets.ticket_add_internal_note(ticket=ticket, actor=world.alice, body="已联系工程师")
    [(announced, same)] = heard[-1:]
    assert announced == event and announced.pk is not None
    assert same.pk == ticket.pk


def test_an_unsaved_event_announces_nothing_and_moves_no_clock(world, heard):
    ticket = world.ticket()
    heard.clear()
    before = TicketSLA.objects.values().get(ticket=ticket)
    count = TicketEvent.objects.count()
    unsaved = [events.status_changed(ticket, world.alice, old="new", new="resolved", record=False),
               events.reply(ticket, world.alice, body="已处理", from_customer=False, first_response=True,
                            record=False),
               events.created(ticket, world.alice, record=False)]
    assert all(e.pk is None for e in unsaved)
    assert heard == []
    assert TicketEvent.objects.count() == count
    assert TicketSLA.objects.values().get(ticket=ticket) == before


def test_a_failing_receiver_rolls_back_the_ticket_change_it_reacts_to(world):
    ticket = world.ticket()
    before = TicketSLA.objects.values().get(ticket=ticket)

    def fails(*, event, ticket):
        raise RuntimeError("receiver failed")

    events.recorded.connect(fails)
    try:
        with pytest.raises(RuntimeError):
            tickets.ticket_transition(ticket=ticket, actor=world.alice, to_status="in_progress")
    finally:
        events.recorded.disconnect(fails)
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.status == "new" and fresh.accepted_at is None
    assert not TicketEvent.objects.filter(ticket=ticket, kind="status").exists()
    assert TicketSLA.objects.values().get(ticket=ticket) == before


def test_the_events_carry_the_facts_the_clock_needs(world):
    ticket = world.ticket()
    tickets.ticket_transition(ticket=ticket, actor=world.alice, to_status="in_progress")
    tickets.ticket_transition(ticket=ticket, actor=world.alice, to_status="pending",
                              pending_until=ticket.created_at.date())
    first, second = TicketEvent.objects.filter(ticket=ticket, kind="status").order_by("id")
    assert first.data == {"from": "new", "to": "in_progress", "sub_status": "", "acknowledged": True}
    assert second.data == {"from": "in_progress", "to": "pending", "sub_status": ""}

    tickets.ticket_add_reply(ticket=ticket, actor=world.alice, body="已安排工程师")
    tickets.ticket_add_reply(ticket=ticket, actor=world.alice, body="工程师明天上门")
    tickets.ticket_add_reply(ticket=ticket, actor=world.carol, body="好的")
    replies = TicketEvent.objects.filter(ticket=ticket, kind__in=("reply", "customer_reply")).order_by("id")
    assert [r.data for r in replies] == [{"first_response": True}, {}, {}]


def test_the_slas_own_events_do_not_move_the_clock_again(world, heard):
    ticket = world.ticket()
    heard.clear()
    ticket_sla_set_policy(ticket=ticket, actor=world.sam, policy=SLAPolicy.objects.get(name__contains="004"),
                          reason="技术支持合同")
    after_switch = TicketSLA.objects.values().get(ticket=ticket)
    ticket_escalate(ticket=ticket, actor=world.eric, reason="需研发评估", department="研发部")
    assert [e.kind for e, _t in heard] == ["fields", "escalated"]
    assert TicketSLA.objects.values().get(ticket=ticket) == after_switch
