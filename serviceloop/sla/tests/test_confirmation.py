"""CSAT-3: no answer to a resolution → reminder, then auto-close, in working days on the ticket's calendar."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from serviceloop.notifications.models import Delivery
from serviceloop.sla.confirmation import SweepResult, confirmation_sweep
from serviceloop.tickets import services
from serviceloop.tickets.choices import EventKind, Status
from serviceloop.tickets.models import Ticket, TicketEvent
from tests.personas import resolve_ticket

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def resolved_before_national_day(world) -> Ticket:
    """Resolved Wednesday 30 September 2026, 10:00: 1-7 October are the holiday, Saturday 10 October a
    makeup working day (调休上班). Three working days later is 10 October 10:00, not 3 October."""
    ticket = world.ticket(contact=world.contact_a)
    services.ticket_transition(ticket=ticket, actor=world.eric, to_status=Status.IN_PROGRESS)
    return resolve_ticket(ticket, world.eric)


def kinds_after_resolution(ticket) -> list[str]:
    resolution = ticket.events.filter(kind=EventKind.RESOLUTION).last()
    return list(ticket.events.filter(id__gt=resolution.pk).order_by("id").values_list("kind", flat=True))


def test_the_reminder_and_the_auto_close_count_working_days_across_the_holiday(world, settings):
    settings.CONFIRMATION_WORKING_DAYS, settings.CONFIRMATION_REMINDER_WORKING_DAYS = 3, 2
    with time_machine.travel(sh(2026, 9, 30, 10, 0), tick=False) as clock:
        ticket = resolved_before_national_day(world)
        ticket.refresh_from_db()
        assert ticket.confirm_remind_at == sh(2026, 10, 9, 10, 0)
        assert ticket.auto_close_at == sh(2026, 10, 10, 10, 0)

        clock.move_to(sh(2026, 10, 7, 23, 0))  # three calendar days are long gone: still nothing
        assert confirmation_sweep() == SweepResult(closed=0, reminded=0)
        assert kinds_after_resolution(ticket) == []

        clock.move_to(sh(2026, 10, 9, 10, 0))
        result = confirmation_sweep()
        assert (result.closed, result.reminded) == (0, 1)
        assert confirmation_sweep().reminded == 0  # once
        assert kinds_after_resolution(ticket) == [EventKind.CONFIRMATION_REMINDER]
        reminder = ticket.events.last()
        # The customer hears it via the outbox: the resolution message again, as a reminder, with the link.
        mail = Delivery.objects.get(event_key=f"ticket_event:{reminder.pk}", channel="email")
        assert (
            mail.kind == "resolved"
            and mail.context["reminder"] is True
            and "/confirm/" in mail.context["confirm_link"]
        )
        assert datetime.fromisoformat(mail.context["auto_close_at"]) == sh(2026, 10, 10, 10, 0)

        clock.move_to(sh(2026, 10, 10, 9, 59))
        assert confirmation_sweep().closed == 0
        clock.move_to(sh(2026, 10, 10, 10, 0))
        assert confirmation_sweep().closed == 1
        assert confirmation_sweep().closed == 0  # idempotent
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at == sh(2026, 10, 10, 10, 0)
    assert kinds_after_resolution(ticket) == [EventKind.CONFIRMATION_REMINDER, EventKind.STATUS,
                                              EventKind.CONFIRMATION]
    closing = ticket.events.last()
    assert (
        closing.actor is None and closing.data["method"] == "auto" and closing.data["outcome"] == "confirmed"
    )
    assert closing.data["summary"].startswith("硬件故障 › 电源模块")


def test_an_answer_before_the_deadline_cancels_the_reminder_and_the_auto_close(world):
    with time_machine.travel(sh(2026, 9, 30, 10, 0), tick=False) as clock:
        ticket = resolved_before_national_day(world)
        clock.move_to(sh(2026, 10, 8, 9, 0))
        services.ticket_transition(
            ticket=ticket, actor=world.carol, to_status=Status.REOPENED, note="还是卡纸"
        )
        clock.move_to(sh(2026, 10, 20, 9, 0))
        assert confirmation_sweep() == SweepResult(closed=0, reminded=0)
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED
    assert (ticket.confirm_remind_at, ticket.auto_close_at) == (None, None)


def test_a_sweep_that_finds_both_due_closes_without_reminding_first(world):
    with time_machine.travel(sh(2026, 9, 30, 10, 0), tick=False) as clock:
        ticket = resolved_before_national_day(world)
        clock.move_to(sh(2026, 10, 12, 9, 0))  # the worker was down for days
        result = confirmation_sweep()
    assert (result.closed, result.reminded) == (1, 0)
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CONFIRMATION_REMINDER).exists()


def test_two_workers_claiming_the_same_ticket_close_it_once(world):
    from serviceloop.tickets import processing

    with time_machine.travel(sh(2026, 9, 30, 10, 0), tick=False) as clock:
        ticket = resolved_before_national_day(world)
        clock.move_to(sh(2026, 10, 12, 9, 0))
        # Both read the due ticket, then each claims it: the conditional UPDATE lets only one through.
        now = sh(2026, 10, 12, 9, 0)
        first = processing.ticket_auto_close(ticket_id=ticket.pk, now=now)
        second = processing.ticket_auto_close(ticket_id=ticket.pk, now=now)
    assert (first, second) == (True, False)
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CONFIRMATION).count() == 1


def test_zero_reminder_days_sends_no_reminder(world, settings):
    settings.CONFIRMATION_REMINDER_WORKING_DAYS = 0
    with time_machine.travel(sh(2026, 9, 30, 10, 0), tick=False):
        ticket = resolved_before_national_day(world)
    ticket.refresh_from_db()
    assert ticket.confirm_remind_at is None and ticket.auto_close_at == sh(2026, 10, 10, 10, 0)


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_four_workers_sweeping_at_once_close_each_ticket_once():
    from tests.concurrency import all_at_once
    from tests.personas import build_world

    world = build_world()
    with time_machine.travel(sh(2026, 9, 30, 10, 0), tick=False):
        tickets = [resolved_before_national_day(world) for _ in range(12)]
    with time_machine.travel(sh(2026, 10, 12, 9, 0), tick=False):
        all_at_once(confirmation_sweep, threads=4, times=2)
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED
        assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CONFIRMATION).count() == 1
        assert (
            TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS, data__to="closed").count() == 1
        )
