"""ASN-3..6 and SLA-6: the sweep that escalates on time and exactly once, manual escalation, and what a
breach costs under a compensation rule.

Deadlines as worked out in test_ticket_sla.py: a medium ticket opened Monday 2 March 2026 09:00 must
be acknowledged by 10:00, answered by 18:00, updated by Tuesday 09:00 and resolved by Thursday 5 March
09:00; the director hears of it 24 hours later, Friday 09:00. Every rule is driven by travelling in
time and calling `sla_sweep`, as the each-minute job does.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from serviceloop.accounts.models import Team
from serviceloop.accounts.roles import Role
from serviceloop.accounts.services import user_create
from serviceloop.core.errors import Conflict, Forbidden, InvalidInput
from serviceloop.notifications.models import Delivery
from serviceloop.sla.models import Breach, Compensation, CompensationRule, Escalation, TicketSLA
from serviceloop.sla.services import sweep as sweeper
from serviceloop.sla.services.escalation import ticket_escalate
from serviceloop.tickets import services as tickets
from serviceloop.tickets.models import TicketEvent
from tests.personas import resolve_ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")


def told(kind: str, **filters) -> list[str]:
    """Whom the sweep's alerts reach in their notification centre (the outbox's in-app rows, one per person
    and cause: what each message says is the notifications app's business, tested there)."""
    rows = Delivery.objects.filter(channel="inapp", kind=kind, **filters)
    return sorted(rows.values_list("user__username", flat=True))


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


MONDAY = sh(2026, 3, 2, 9, 0)
ACK_DUE = sh(2026, 3, 2, 10, 0)
RESOLUTION_DUE = sh(2026, 3, 5, 9, 0)
DIRECTOR_DUE = sh(2026, 3, 6, 9, 0)


@pytest.fixture
def team(world):
    return Team.objects.create(name="硬件组", supervisor=world.sam)


def assigned_ticket(world, team, **kwargs):
    """A medium ticket for 华东精密制造 opened at 09:00 and given to eric in the hardware group at once."""
    ticket = world.ticket(**kwargs)
    return tickets.ticket_assign(ticket=ticket, actor=world.alice, owner=world.eric, group=team)


def sla_of(ticket) -> TicketSLA:
    return TicketSLA.objects.get(ticket=ticket)


def kinds_of(ticket) -> list[str]:
    return list(Escalation.objects.filter(ticket=ticket).order_by("id").values_list("kind", flat=True))


def sweep(at: datetime):
    with time_machine.travel(at, tick=False):
        return sweeper.sla_sweep()


# --- acknowledgement (ASN-3) ------------------------------------------------------------------------

def test_it_escalates_to_the_group_supervisor_one_hour_after_an_unacknowledged_ticket(world, team):
    with time_machine.travel(MONDAY, tick=False):
        ticket = assigned_ticket(world, team)
    assert sweep(sh(2026, 3, 2, 9, 59)).total == 0  # not before the hour is up

    result = sweep(sh(2026, 3, 2, 10, 1))
    assert result.acknowledge_escalations == 1 and result.total == 1
    escalation = Escalation.objects.get(ticket=ticket)
    assert escalation.kind == "acknowledge_overdue"
    assert escalation.escalated_to == world.sam and escalation.created_by is None
    assert escalation.created_at == sh(2026, 3, 2, 10, 1)
    event = TicketEvent.objects.get(ticket=ticket, kind="escalated")
    assert event.actor is None and not event.is_public
    assert event.data == {"escalation": escalation.pk, "kind": "acknowledge_overdue", "to": world.sam.pk,
                          "department": ""}
    assert told("escalated", ticket=ticket) == ["eric", "sam"]  # the supervisor, and the owner who missed it
    breach = Breach.objects.get(ticket=ticket)
    assert (breach.metric, breach.due_at, breach.minutes_late, breach.met_at) == (
        "acknowledge",
        ACK_DUE,
        1,
        None,
    )
    sla = sla_of(ticket)
    assert sla.acknowledge_due is None and sla.breached


def test_the_acknowledgement_escalation_happens_exactly_once(world, team):
    with time_machine.travel(MONDAY, tick=False):
        ticket = assigned_ticket(world, team)
    sweep(sh(2026, 3, 2, 10, 1))
    for minute in (2, 3, 30):
        assert sweep(sh(2026, 3, 2, 10, minute)).acknowledge_escalations == 0
    assert kinds_of(ticket) == ["acknowledge_overdue"]
    assert TicketEvent.objects.filter(ticket=ticket, kind="escalated").count() == 1
    assert told("escalated", ticket=ticket).count("sam") == 1
    assert Breach.objects.filter(ticket=ticket).count() == 1


def test_a_ticket_acknowledged_in_time_is_never_escalated(world, team):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = assigned_ticket(world, team)
        clock.shift(timedelta(minutes=59))
        tickets.ticket_accept(ticket=ticket, actor=world.eric)
    assert sweep(sh(2026, 3, 2, 10, 1)).total == 0
    assert not Escalation.objects.exists() and not Breach.objects.exists()


def test_the_escalation_goes_to_the_supervisor_of_the_ticket_s_own_group(world):
    sue = user_create(username="sue", password="correct-horse-battery-9", role=Role.SUPERVISOR)
    software = Team.objects.create(name="软件组", supervisor=sue)
    with time_machine.travel(MONDAY, tick=False):
        ticket = assigned_ticket(world, software)
    sweep(sh(2026, 3, 2, 10, 1))
    assert Escalation.objects.get(ticket=ticket).escalated_to == sue
    assert "sam" not in told("escalated", ticket=ticket) and "sue" in told("escalated", ticket=ticket)


def test_without_a_group_the_first_service_supervisor_is_told(world):
    with time_machine.travel(MONDAY, tick=False):
        ticket = world.ticket()
    sweep(sh(2026, 3, 2, 10, 1))
    assert Escalation.objects.get(ticket=ticket).escalated_to == world.sam


def test_one_sweep_escalates_every_ticket_that_is_due(world, team):
    with time_machine.travel(MONDAY, tick=False):
        due = [assigned_ticket(world, team) for _ in range(5)]
    with time_machine.travel(sh(2026, 3, 2, 9, 30), tick=False):
        later = assigned_ticket(world, team)
    assert sweep(sh(2026, 3, 2, 10, 1)).acknowledge_escalations == 5
    assert all(kinds_of(t) == ["acknowledge_overdue"] for t in due)
    assert kinds_of(later) == []
    assert sweep(sh(2026, 3, 2, 10, 31)).acknowledge_escalations == 1


def test_a_priority_override_after_the_escalation_does_not_escalate_again(world, team):
    with time_machine.travel(MONDAY, tick=False):
        ticket = assigned_ticket(world, team)
    sweep(sh(2026, 3, 2, 10, 1))
    with time_machine.travel(sh(2026, 3, 2, 10, 5), tick=False):
        tickets.ticket_set_priority(ticket=ticket, actor=world.sam, priority="high", reason="产线停工")
    sweep(sh(2026, 3, 2, 10, 6))
    assert kinds_of(ticket) == ["acknowledge_overdue"]


# --- first response, update cadence (ASN-4, COM-3) -------------------------------------------------------

def test_a_missed_first_response_is_recorded_and_the_owner_and_supervisor_are_told(world, team):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = assigned_ticket(world, team)
        clock.shift(timedelta(minutes=10))
        tickets.ticket_accept(ticket=ticket, actor=world.eric)
    result = sweep(sh(2026, 3, 2, 18, 1))
    assert result.response_breaches == 1 and result.total == 1
    breach = Breach.objects.get(ticket=ticket)
    assert (breach.metric, breach.due_at, breach.minutes_late) == ("first_response", sh(2026, 3, 2, 18, 0), 1)
    assert told("breach_warning", ticket=ticket) == ["eric", "sam"]
    assert sweep(sh(2026, 3, 2, 18, 2)).total == 0


def test_no_update_within_the_cadence_reminds_the_assignee_and_the_supervisor(world, team):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = assigned_ticket(world, team)
        clock.shift(timedelta(minutes=10))
        tickets.ticket_accept(ticket=ticket, actor=world.eric)
        clock.shift(timedelta(minutes=20))
        tickets.ticket_add_reply(ticket=ticket, actor=world.eric, body="已收到，正在安排工程师")  # 09:30
    assert sweep(sh(2026, 3, 3, 9, 29)).total == 0

    result = sweep(sh(2026, 3, 3, 9, 31))
    assert result.update_reminders == 1 and result.total == 1
    escalation = Escalation.objects.get(ticket=ticket)
    assert escalation.kind == "update_overdue" and escalation.escalated_to == world.eric
    assert told("breach_warning", ticket=ticket) == ["eric", "sam"]
    # The next cycle is scheduled one cadence after the reminder.
    assert sla_of(ticket).next_update_due == sh(2026, 3, 4, 9, 31)
    assert sweep(sh(2026, 3, 3, 9, 32)).update_reminders == 0

    assert sweep(sh(2026, 3, 4, 9, 32)).update_reminders == 1
    assert kinds_of(ticket) == ["update_overdue", "update_overdue"]
    assert sla_of(ticket).next_update_due == sh(2026, 3, 5, 9, 32)


def test_an_update_to_the_customer_postpones_the_reminder(world, team):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = assigned_ticket(world, team)
        tickets.ticket_accept(ticket=ticket, actor=world.eric)
        clock.move_to(sh(2026, 3, 3, 8, 0))
        tickets.ticket_log_communication(ticket=ticket, actor=world.eric, channel="phone", happened_at=None,
                                         customer_feedback="客户同意周三上门", next_step="上门更换电源")
    assert sweep(sh(2026, 3, 3, 9, 1)).update_reminders == 0
    assert sweep(sh(2026, 3, 4, 8, 1)).update_reminders == 1


# --- resolution and the director (ASN-4) ------------------------------------------------------------------

def in_progress_ticket(world, team):
    with time_machine.travel(MONDAY, tick=False):
        ticket = assigned_ticket(world, team)
        tickets.ticket_transition(ticket=ticket, actor=world.eric, to_status="in_progress")
        tickets.ticket_add_reply(ticket=ticket, actor=world.eric, body="正在处理")
    return ticket


def test_a_missed_resolution_deadline_is_recorded_as_a_breach_when_it_passes(world, team):
    ticket = in_progress_ticket(world, team)
    result = sweep(sh(2026, 3, 5, 9, 1))
    assert result.resolution_breaches == 1 and result.director_escalations == 0
    breach = Breach.objects.get(ticket=ticket, metric="resolution")
    assert (breach.due_at, breach.minutes_late, breach.met_at) == (RESOLUTION_DUE, 1, None)
    # The breach, not the update-cadence reminder the same sweep sends (another cause, another message).
    assert told("breach_warning", ticket=ticket, event_key=f"breach:{breach.pk}") == ["eric", "sam"]
    assert "resolution_overdue" not in kinds_of(ticket)


def test_it_escalates_to_the_director_24_hours_past_the_resolution_deadline_exactly_once(world, team):
    ticket = in_progress_ticket(world, team)
    sweep(sh(2026, 3, 5, 9, 1))
    assert sweep(sh(2026, 3, 6, 8, 59)).director_escalations == 0

    assert sweep(sh(2026, 3, 6, 9, 1)).director_escalations == 1
    escalation = Escalation.objects.get(ticket=ticket, kind="resolution_overdue")
    assert escalation.escalated_to == world.dora
    assert told("escalated", ticket=ticket).count("dora") == 1
    breach = Breach.objects.get(ticket=ticket, metric="resolution")  # the same breach, grown
    assert breach.minutes_late == 24 * 60 + 1

    for at in (sh(2026, 3, 6, 9, 2), sh(2026, 3, 7, 9, 2), sh(2026, 3, 9, 12, 0)):
        assert sweep(at).director_escalations == 0
    assert Escalation.objects.filter(ticket=ticket, kind="resolution_overdue").count() == 1
    assert told("escalated", ticket=ticket).count("dora") == 1


def test_a_ticket_resolved_before_the_director_delay_is_not_escalated(world, team):
    ticket = in_progress_ticket(world, team)
    sweep(sh(2026, 3, 5, 9, 1))
    with time_machine.travel(sh(2026, 3, 5, 15, 0), tick=False):
        resolve_ticket(ticket, world.eric)
    assert sweep(sh(2026, 3, 6, 9, 1)).director_escalations == 0
    assert Breach.objects.get(ticket=ticket, metric="resolution").minutes_late == 6 * 60


def test_pausing_and_resuming_after_the_director_escalation_does_not_escalate_again(world, team):
    ticket = in_progress_ticket(world, team)
    sweep(sh(2026, 3, 6, 9, 1))
    with time_machine.travel(sh(2026, 3, 6, 10, 0), tick=False) as clock:
        tickets.ticket_transition(ticket=ticket, actor=world.eric, to_status="in_progress",
                                  sub_status="waiting_parts")
        clock.shift(timedelta(hours=1))
        tickets.ticket_transition(
            ticket=ticket, actor=world.eric, to_status="in_progress", sub_status="repairing"
        )
    sweep(sh(2026, 3, 6, 11, 1))
    assert Escalation.objects.filter(ticket=ticket, kind="resolution_overdue").count() == 1


# --- cost of a sweep --------------------------------------------------------------------------------------

def test_a_sweep_with_nothing_due_does_nothing_in_a_handful_of_queries(world, team):
    with time_machine.travel(MONDAY, tick=False):
        for _ in range(5):
            assigned_ticket(world, team)
    with time_machine.travel(sh(2026, 3, 2, 9, 1), tick=False), CaptureQueriesContext(connection) as queries:
        result = sweeper.sla_sweep()
    assert result.total == 0
    assert len(queries) <= 6, [q["sql"] for q in queries]
    assert not Escalation.objects.exists() and not Delivery.objects.exclude(kind="assigned").exists()


# --- manual escalation (上报, ASN-5) ----------------------------------------------------------------------


def test_an_engineer_escalates_by_hand_with_reason_department_and_expected_feedback(world, team):
    with time_machine.travel(MONDAY, tick=False):
        ticket = assigned_ticket(world, team)
        escalation = ticket_escalate(
            ticket=ticket, actor=world.eric, reason="疑似固件缺陷，需要研发分析日志", to=world.tom,
            department="研发部", expected_feedback_at=sh(2026, 3, 3, 12, 0))
    escalation.refresh_from_db()
    assert escalation.kind == "manual" and escalation.escalated_to == world.tom
    assert escalation.created_by == world.eric and escalation.department == "研发部"
    assert escalation.reason == "疑似固件缺陷，需要研发分析日志"
    assert escalation.expected_feedback_at == sh(2026, 3, 3, 12, 0)
    event = TicketEvent.objects.get(ticket=ticket, kind="escalated")
    assert event.actor == world.eric and event.body == escalation.reason and not event.is_public
    assert event.data == {
        "escalation": escalation.pk,
        "kind": "manual",
        "to": world.tom.pk,
        "department": "研发部",
    }
    assert told("escalated", ticket=ticket) == ["tom"]


def test_an_escalation_to_a_department_needs_no_person(world):
    ticket = world.ticket()
    escalation = ticket_escalate(
        ticket=ticket, actor=world.alice, reason="需要质量部判定", department="质量部"
    )
    assert escalation.escalated_to is None and escalation.department == "质量部"
    assert told("escalated") == []


@pytest.mark.parametrize(("changes", "field"), [
    ({"reason": ""}, "reason"),
    ({"reason": "   "}, "reason"),
    ({"to": None, "department": ""}, "to"),
    ({"to": "carol"}, "to"),
    ({"expected_feedback_at": sh(2026, 3, 2, 8, 0)}, "expected_feedback_at"),
])
def test_a_manual_escalation_without_what_it_needs_is_refused(world, changes, field):
    with time_machine.travel(MONDAY, tick=False):
        ticket = world.ticket()
        args = {"reason": "需要研发支持", "to": world.tom, "department": "", **changes}
        if isinstance(args["to"], str):
            args["to"] = world.users[args["to"]]
        with pytest.raises(InvalidInput) as exc:
            ticket_escalate(ticket=ticket, actor=world.eric, **args)
    assert [e["field"] for e in exc.value.errors] == [field]
    assert not Escalation.objects.exists()


def test_a_customer_cannot_escalate(world):
    ticket = world.ticket(by="carol")
    with pytest.raises(Forbidden):
        ticket_escalate(ticket=ticket, actor=world.carol, reason="太慢了", to=world.tom)
    assert not Escalation.objects.exists()


def test_a_closed_ticket_cannot_be_escalated(world):
    ticket = world.ticket()
    tickets.ticket_transition(ticket=ticket, actor=world.alice, to_status="closed")
    with pytest.raises(Conflict):
        ticket_escalate(ticket=ticket, actor=world.eric, reason="再看看", to=world.tom)


# --- compensation (SLA-6) ----------------------------------------------------------------------------------

def resolve_at(world, at: datetime):
    """A medium 华东精密制造 ticket (deadline Thursday 09:00) resolved at `at`."""
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        tickets.ticket_transition(ticket=ticket, actor=world.eric, to_status="in_progress")
        clock.move_to(at)
        resolve_ticket(ticket, world.eric)
    return ticket


def test_a_resolution_breach_150_minutes_late_owes_three_started_hours(world):
    rule = CompensationRule.objects.create(
        organization=world.org_a, kind="cash_per_hour", amount=100, cap=500
    )
    ticket = resolve_at(world, sh(2026, 3, 5, 11, 30))
    compensation = Compensation.objects.get()
    assert compensation.breach == Breach.objects.get(ticket=ticket, metric="resolution")
    assert compensation.breach.minutes_late == 150
    assert (compensation.rule, compensation.organization) == (rule, world.org_a)
    assert compensation.cash == Decimal("300.00")  # ceil(150 / 60) = 3 started hours × ¥100
    assert compensation.vouchers == 0


def test_the_cash_owed_is_capped(world):
    CompensationRule.objects.create(organization=world.org_a, kind="cash_per_hour", amount=100, cap=500)
    resolve_at(world, sh(2026, 3, 5, 19, 0))  # 10 hours late
    assert Compensation.objects.get().cash == Decimal("500.00")


def test_a_voucher_rule_gives_vouchers_per_breach(world):
    CompensationRule.objects.create(contract_level="金牌", kind="voucher_per_breach", amount=2)
    resolve_at(world, sh(2026, 3, 5, 9, 30))
    compensation = Compensation.objects.get()
    assert (compensation.vouchers, compensation.cash, compensation.organization) == (
        2,
        Decimal("0"),
        world.org_a,
    )


def test_the_compensation_grows_with_the_breach_until_it_is_resolved(world):
    CompensationRule.objects.create(organization=world.org_a, kind="cash_per_hour", amount=100, cap=500)
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        tickets.ticket_transition(ticket=ticket, actor=world.eric, to_status="in_progress")
        clock.move_to(sh(2026, 3, 5, 9, 1))
        sweeper.sla_sweep()
        assert Compensation.objects.get().cash == Decimal("100.00")  # the first started hour
        clock.move_to(sh(2026, 3, 5, 11, 30))
        resolve_ticket(ticket, world.eric)
    compensation = Compensation.objects.get()
    assert compensation.cash == Decimal("300.00")
    assert compensation.breach.met_at == sh(2026, 3, 5, 11, 30)


def test_rules_of_other_customers_and_other_metrics_do_not_apply(world):
    CompensationRule.objects.create(organization=world.org_b, kind="cash_per_hour", amount=100)
    CompensationRule.objects.create(contract_level="银牌", kind="cash_per_hour", amount=100)
    CompensationRule.objects.create(organization=world.org_a, metric="acknowledge", kind="voucher_per_breach",
                                    amount=1)
    resolve_at(world, sh(2026, 3, 5, 11, 30))
    assert not Compensation.objects.exists()
    # 南方电网 has no contract level: a breach of theirs is recorded (and owes what their own rule says).
    with time_machine.travel(MONDAY, tick=False):
        theirs = world.ticket(org=world.org_b)
    sweep(sh(2026, 3, 2, 10, 1))
    assert Breach.objects.get(ticket=theirs).metric == "acknowledge"


# --- concurrency and crashes -----------------------------------------------------------------------------


class WorkerKilled(BaseException):
    """Stands for a worker killed by the system: not an Exception, so nothing in the sweep can catch it."""


def _overdue_tickets(world, count: int):
    with time_machine.travel(MONDAY, tick=False):
        made = [world.ticket() for _ in range(count)]
    return made, {t.pk: sla_of(t).acknowledge_due for t in made}


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_sweep_loses_no_escalation_and_repeats_none(monkeypatch):
    from tests.personas import build_world

    world = build_world()
    made, due = _overdue_tickets(world, 8)
    real_alert = sweeper.alerted
    calls: list[int] = []

    def alert_then_die(**kwargs):
        calls.append(kwargs["ticket"].pk)
        if len(calls) == 3:
            raise WorkerKilled
        return real_alert(**kwargs)

    monkeypatch.setattr(sweeper, "alerted", alert_then_die)
    with pytest.raises(WorkerKilled):
        sweeper.sla_sweep(now=sh(2026, 3, 2, 10, 1))
    killed_on = calls[2]
    monkeypatch.setattr(sweeper, "alerted", real_alert)

    # Whatever committed before the kill is complete; the rest is untouched, claim included.
    escalated = set()
    for ticket in made:
        count = Escalation.objects.filter(ticket=ticket).count()
        ack_due = sla_of(ticket).acknowledge_due
        assert (count, ack_due) in ((1, None), (0, due[ticket.pk])), ticket.pk
        assert Breach.objects.filter(ticket=ticket).count() == count
        if count:
            escalated.add(ticket.pk)
    assert killed_on not in escalated
    assert TicketSLA.objects.get(ticket_id=killed_on).acknowledge_due == ACK_DUE

    result = sweeper.sla_sweep(now=sh(2026, 3, 2, 10, 2))
    assert result.acknowledge_escalations == len(made) - len(escalated)
    for ticket in made:
        assert kinds_of(ticket) == ["acknowledge_overdue"], ticket.pk
        assert Breach.objects.filter(ticket=ticket).count() == 1
        assert TicketEvent.objects.filter(ticket=ticket, kind="escalated").count() == 1
        assert sla_of(ticket).acknowledge_due is None
    assert told("escalated").count("sam") == len(made)
    assert sweeper.sla_sweep(now=sh(2026, 3, 2, 10, 3)).total == 0


def test_a_row_that_keeps_failing_does_not_hold_back_the_others_and_is_retried_next_sweep(world, monkeypatch):
    made, due = _overdue_tickets(world, 5)
    broken = made[2]
    real_escalate = sweeper.escalation_record

    def escalate_or_fail(**kwargs):
        if kwargs["ticket"].pk == broken.pk:
            raise RuntimeError("mail server on fire")
        return real_escalate(**kwargs)

    monkeypatch.setattr(sweeper, "escalation_record", escalate_or_fail)
    result = sweeper.sla_sweep(now=sh(2026, 3, 2, 10, 1))
    assert result.acknowledge_escalations == 4
    assert kinds_of(broken) == [] and sla_of(broken).acknowledge_due == due[broken.pk]
    assert not Breach.objects.filter(ticket=broken).exists()  # its breach rolled back with the claim

    monkeypatch.setattr(sweeper, "escalation_record", real_escalate)
    assert sweeper.sla_sweep(now=sh(2026, 3, 2, 10, 2)).acknowledge_escalations == 1
    assert all(kinds_of(t) == ["acknowledge_overdue"] for t in made)



def test_a_one_off_error_neither_loses_nor_repeats_the_rows_handled_with_it(world, monkeypatch):
    made, _due = _overdue_tickets(world, 6)
    real_alert = sweeper.alerted
    calls: list[int] = []

    def flaky_alert(**kwargs):
        calls.append(kwargs["ticket"].pk)
        if len(calls) == 3:
            raise RuntimeError("SMTP hiccup")
        return real_alert(**kwargs)

    monkeypatch.setattr(sweeper, "alerted", flaky_alert)
    result = sweeper.sla_sweep(now=sh(2026, 3, 2, 10, 1))
    assert result.acknowledge_escalations == 6  # the failed row was tried again on its own
    for ticket in made:
        assert kinds_of(ticket) == ["acknowledge_overdue"], ticket.pk
        assert TicketEvent.objects.filter(ticket=ticket, kind="escalated").count() == 1
        assert Breach.objects.filter(ticket=ticket).count() == 1
    assert told("escalated").count("sam") == 6
    assert sweeper.sla_sweep(now=sh(2026, 3, 2, 10, 2)).total == 0

@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_escalate_each_ticket_exactly_once():
    from tests.personas import build_world

    world = build_world()
    made, _due = _overdue_tickets(world, 30)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep_in_a_thread():
        try:
            barrier.wait(timeout=30)
            results.append(sweeper.sla_sweep(now=sh(2026, 3, 2, 10, 1)))
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=sweep_in_a_thread) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not errors, errors
    assert sum(r.acknowledge_escalations for r in results) == 30
    for ticket in made:
        assert kinds_of(ticket) == ["acknowledge_overdue"], ticket.pk
    assert Breach.objects.count() == 30
    assert TicketEvent.objects.filter(kind="escalated").count() == 30
    assert told("escalated").count("sam") == 30
    assert connection.vendor == "postgresql"
