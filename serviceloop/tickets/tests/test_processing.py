"""Processing records, sub-status, resolution and the customer's answer (issue #13 points 1-3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing
from django.utils import translation

from serviceloop.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from serviceloop.sla.models import PauseInterval, TicketSLA
from serviceloop.tickets import processing, services
from serviceloop.tickets.choices import EventKind, Status
from serviceloop.tickets.models import RootCause, TicketEvent
from tests.personas import db_snapshot, resolve_ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")


def working(world, **kwargs):
    ticket = world.ticket(contact=world.contact_a, **kwargs)
    services.ticket_transition(ticket=ticket, actor=world.eric, to_status=Status.IN_PROGRESS)
    return ticket


# --- PRG-2 records and sub-status ----------------------------------------------------------------

def test_diagnosis_solution_and_execution_are_typed_internal_events(world):
    ticket = working(world)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        d = processing.ticket_record_diagnosis(ticket=ticket, actor=world.eric, result="电源模块输出电压为0",
                                               started_at=start, ended_at=start + timedelta(minutes=45))
        s = processing.ticket_record_solution(ticket=ticket, actor=world.eric, text="更换电源模块",
                                              steps=["断电", "  ", "更换模块", "上电测试"])
        e = processing.ticket_record_execution(ticket=ticket, actor=world.eric, text="现场更换完成",
                                               operator=world.tom, customer_feedback="设备已可开机")
    assert [x.kind for x in (d, s, e)] == [EventKind.DIAGNOSIS, EventKind.SOLUTION, EventKind.EXECUTION]
    assert not any(x.is_public for x in (d, s, e))
    assert d.body == "电源模块输出电压为0" and d.data["minutes"] == 45
    assert s.data == {"steps": ["断电", "更换模块", "上电测试"]}
    assert e.data["operator"] == world.tom.pk and e.data["customer_feedback"] == "设备已可开机"
    assert datetime.fromisoformat(e.data["performed_at"]) == start + timedelta(hours=2)


@pytest.mark.parametrize("call", ["diagnosis_backwards", "future_execution", "customer", "empty"])
def test_a_bad_processing_record_is_refused_and_writes_nothing(world, call):
    ticket = working(world)
    now = datetime.now(tz=SHANGHAI)
    calls = {
        "diagnosis_backwards": lambda: processing.ticket_record_diagnosis(
            ticket=ticket, actor=world.eric, result="x", started_at=now, ended_at=now - timedelta(hours=1)),
        "future_execution": lambda: processing.ticket_record_execution(
            ticket=ticket, actor=world.eric, text="x", performed_at=now + timedelta(days=1)),
        "customer": lambda: processing.ticket_record_solution(ticket=ticket, actor=world.carol, text="x"),
        "empty": lambda: processing.ticket_record_solution(ticket=ticket, actor=world.eric, text="  "),
    }
    before = db_snapshot()
    with pytest.raises(Forbidden if call == "customer" else InvalidInput):
        calls[call]()
    assert db_snapshot() == before


def test_a_sub_status_change_within_a_status_is_an_event_and_pauses_the_sla_clock(world):
    ticket = working(world)
    processing.ticket_set_sub_status(ticket=ticket, actor=world.eric, sub_status="waiting_parts")
    assert (
        TicketSLA.objects.get(ticket=ticket).paused_since is not None
    )  # 等待备件 pauses (the policy says so)
    processing.ticket_set_sub_status(ticket=ticket, actor=world.eric, sub_status="repairing")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.sub_status) == (Status.IN_PROGRESS, "repairing")
    assert TicketSLA.objects.get(ticket=ticket).paused_since is None  # 维修中 runs again
    changes = [e.data for e in ticket.events.filter(kind=EventKind.SUB_STATUS).order_by("id")]
    assert changes == [{"status": "in_progress", "from": "", "to": "waiting_parts"},
                       {"status": "in_progress", "from": "waiting_parts", "to": "repairing"}]
    assert list(PauseInterval.objects.filter(ticket=ticket).values_list("reason", flat=True)) == [
        "waiting_parts"
    ]


def test_a_sub_status_needs_a_status_that_has_them(world):
    ticket = world.ticket()
    with pytest.raises(Conflict):
        processing.ticket_set_sub_status(ticket=ticket, actor=world.eric, sub_status="repairing")


# --- PRG-7 resolution -----------------------------------------------------------------------------

def test_resolving_records_the_root_cause_the_result_and_the_warranty(world):
    ticket = working(world)
    processing.ticket_resolve(
        ticket=ticket,
        actor=world.eric,
        root_cause=world.power_fault,
        customer_result="已为您更换电源模块，设备恢复正常。",
        resolution_note="批次 B23 电源缺陷",
        warranty_months=6,
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.resolved_at is not None
    assert ticket.root_cause == world.power_fault and ticket.warranty_months == 6
    status, resolution = ticket.events.order_by("-id")[:2][::-1]
    assert (status.kind, status.data["to"]) == (EventKind.STATUS, "resolved")
    assert resolution.kind == EventKind.RESOLUTION and resolution.is_public
    assert resolution.body == "已为您更换电源模块，设备恢复正常。"
    assert resolution.data["root_cause_path"] == "硬件故障 › 电源模块"
    assert resolution.data["internal_note"] == "批次 B23 电源缺陷"


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("no_root_cause", "root_cause_id"),
        ("a_branch_not_a_leaf", "root_cause_id"),
        ("retired_cause", "root_cause_id"),
        ("no_result", "customer_result"),
        ("warranty_on_a_consultation", "warranty_months"),
    ],
)
def test_resolving_without_what_it_needs_is_refused_and_writes_nothing(world, case, field):
    ticket = working(world, ticket_type="consultation" if case == "warranty_on_a_consultation" else "problem")
    cause = world.power_fault
    kwargs = {"root_cause": cause, "customer_result": "已答复", "warranty_months": None}
    if case == "no_root_cause":
        kwargs["root_cause"] = None
    elif case == "a_branch_not_a_leaf":
        kwargs["root_cause"] = cause.parent
    elif case == "retired_cause":
        RootCause.objects.filter(pk=cause.pk).update(is_active=False)
        cause.refresh_from_db()
    elif case == "no_result":
        kwargs["customer_result"] = "   "
    else:
        kwargs["warranty_months"] = 6
    before = db_snapshot()
    with pytest.raises(InvalidInput) as refused:
        processing.ticket_resolve(ticket=ticket, actor=world.eric, **kwargs)
    assert refused.value.errors[0]["field"] == field
    assert db_snapshot() == before


def test_the_result_prompt_depends_on_the_ticket_type(world):
    ticket = working(world, ticket_type="complaint")
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        processing.ticket_resolve(
            ticket=ticket, actor=world.eric, root_cause=world.power_fault, customer_result=""
        )
    assert "apology" in refused.value.errors[0]["message"]
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as refused:
        processing.ticket_resolve(
            ticket=ticket, actor=world.eric, root_cause=world.power_fault, customer_result=""
        )
    assert "致歉" in refused.value.errors[0]["message"]
    assert processing.result_prompt("problem") != processing.result_prompt("suggestion")


def test_the_plain_transition_cannot_resolve(world):
    ticket = working(world)
    before = db_snapshot()
    with pytest.raises(InvalidInput) as refused:
        services.ticket_transition(ticket=ticket, actor=world.eric, to_status=Status.RESOLVED)
    assert refused.value.errors[0]["field"] == "root_cause_id"
    assert db_snapshot() == before


def test_the_seeded_tree_has_the_issue_s_causes(db):
    tops = set(RootCause.objects.filter(parent=None).values_list("name", flat=True))
    assert {"硬件故障", "软件缺陷", "配置错误", "用户操作", "网络环境", "第三方"} <= tops
    assert RootCause.objects.get(code="hardware-power").path("en") == "Hardware fault › Power module"
    leaves = [c.code for c in processing.root_cause_choices()]
    assert "hardware-power" in leaves and "hardware" not in leaves


# --- CSAT-3 the customer's answer ----------------------------------------------------------------

def test_the_customer_confirms_and_the_ticket_closes_with_resolution_time_and_summary(world):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False) as clock:
        ticket = working(world)
        clock.shift(timedelta(hours=5))
        resolve_ticket(ticket, world.eric, result="已更换电源模块")
        clock.shift(timedelta(hours=1))
        processing.ticket_customer_answer(ticket=ticket, actor=world.carol, fixed=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at == start + timedelta(hours=6)
    assert ticket.auto_close_at is None and ticket.confirm_remind_at is None
    event = ticket.events.last()
    assert event.kind == EventKind.CONFIRMATION and event.actor == world.carol
    assert event.data["method"] == "portal" and event.data["outcome"] == "confirmed"
    assert event.data["resolution_minutes"] == 300
    assert event.data["summary"] == "硬件故障 › 电源模块：已更换电源模块"


def test_not_fixed_needs_a_reason_and_reopens_with_it(world):
    ticket = working(world)
    resolve_ticket(ticket, world.eric)
    before = db_snapshot()
    with pytest.raises(InvalidInput) as refused:
        processing.ticket_customer_answer(ticket=ticket, actor=world.carol, fixed=False, reason=" ")
    assert refused.value.errors[0]["field"] == "reason"
    assert db_snapshot() == before
    # The portal's plain "reopen" (ticket_transition) is the same answer and needs the same reason.
    with pytest.raises(InvalidInput):
        services.ticket_transition(ticket=ticket, actor=world.carol, to_status=Status.REOPENED)
    processing.ticket_customer_answer(ticket=ticket, actor=world.carol, fixed=False, reason="还是无法开机")
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED and ticket.resolved_at is None and ticket.auto_close_at is None
    event = ticket.events.last()
    assert (event.kind, event.body, event.data["outcome"]) == (
        EventKind.CONFIRMATION,
        "还是无法开机",
        "not_fixed",
    )


def test_another_organisations_customer_cannot_answer(world):
    ticket = working(world)
    resolve_ticket(ticket, world.eric)
    with pytest.raises(Forbidden):
        processing.ticket_customer_answer(ticket=ticket, actor=world.bob, fixed=True)


def test_staff_record_an_answer_given_by_phone(world):
    ticket = working(world)
    resolve_ticket(ticket, world.eric)
    with pytest.raises(InvalidInput):
        processing.ticket_record_phone_confirmation(ticket=ticket, actor=world.alice, fixed=True, note="")
    processing.ticket_record_phone_confirmation(ticket=ticket, actor=world.alice, fixed=True,
                                                note="王女士来电确认已恢复")
    ticket.refresh_from_db()
    event = ticket.events.last()
    assert ticket.status == Status.CLOSED
    assert (event.actor, event.data["method"], event.body) == (world.alice, "phone", "王女士来电确认已恢复")


def test_an_answer_to_a_ticket_not_waiting_for_one_is_a_conflict(world):
    ticket = working(world)
    with pytest.raises(Conflict):
        processing.ticket_customer_answer(ticket=ticket, actor=world.carol, fixed=True)


# --- the signed link --------------------------------------------------------------------------------

def test_the_link_answers_once_for_its_own_resolution(world):
    ticket = resolve_ticket(working(world), world.eric)
    token = processing.confirmation_token(ticket)
    processing.ticket_answer_by_link(token=token, fixed=False, reason="打印仍然卡纸")
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED
    event = ticket.events.last()
    assert event.data["method"] == "link" and event.actor == world.carol  # the contact's login
    with pytest.raises(Conflict):  # reused
        processing.ticket_answer_by_link(token=token, fixed=True)
    with time_machine.travel(datetime.now(tz=SHANGHAI) + timedelta(minutes=1), tick=False):
        ticket = resolve_ticket(ticket, world.eric)
    with pytest.raises(Conflict):  # the first resolution's link cannot answer the second
        processing.ticket_answer_by_link(token=token, fixed=True)
    processing.ticket_answer_by_link(token=processing.confirmation_token(ticket), fixed=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_a_forged_or_expired_link_is_refused_and_writes_nothing(world, settings):
    ticket = resolve_ticket(working(world), world.eric)
    forged = signing.dumps({"t": ticket.pk, "r": int(ticket.resolved_at.timestamp())}, salt="another salt")
    before = db_snapshot()
    with pytest.raises(NotFound):
        processing.ticket_answer_by_link(token=forged, fixed=True)
    with pytest.raises(NotFound):
        processing.ticket_answer_by_link(token=processing.confirmation_token(ticket) + "x", fixed=True)
    settings.CONFIRMATION_LINK_DAYS = 14
    token = processing.confirmation_token(ticket)
    with time_machine.travel(datetime.now(tz=SHANGHAI) + timedelta(days=15)), pytest.raises(Forbidden):
        processing.ticket_answer_by_link(token=token, fixed=True)
    assert db_snapshot() == before


def test_the_resolution_message_carries_the_result_and_the_confirmation_link(
        world, mailoutbox, django_capture_on_commit_callbacks):
    # One block: the outbox asks for one send job per transaction, and the test's transaction is one.
    with django_capture_on_commit_callbacks(execute=True):
        ticket = working(world)
        resolve_ticket(ticket, world.eric, result="已为您更换电源模块。", warranty_months=6,
                       resolution_note="内部：批次缺陷")
    mail = mailoutbox[-1]
    assert mail.to == ["wang@example.cn"] and "请确认" in mail.subject
    assert "已为您更换电源模块。" in mail.body and "6" in mail.body
    assert "/confirm/" in mail.body and "内部：批次缺陷" not in mail.body and "电源模块 ›" not in mail.body
    token = mail.body.split("/confirm/")[1].split("/")[0]
    assert processing.ticket_for_confirmation_token(token).pk == ticket.pk


def test_no_event_of_the_loop_is_written_as_public_when_internal(world):
    ticket = working(world)
    resolve_ticket(ticket, world.eric, resolution_note="内部说明")
    public = set(TicketEvent.objects.filter(ticket=ticket, is_public=True).values_list("kind", flat=True))
    assert EventKind.RESOLUTION in public
    assert not public & {EventKind.DIAGNOSIS, EventKind.SOLUTION, EventKind.EXECUTION}
