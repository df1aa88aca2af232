"""The ticket page, the portal, /track/ and the confirmation link for issue #13 points 1-3."""

from __future__ import annotations

from django.test import Client

from serviceloop.tickets import processing, services
from serviceloop.tickets.choices import EventKind, Status
from serviceloop.tickets.models import Ticket
from tests.personas import PASSWORD, db_snapshot, resolve_ticket


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def working(world, **kwargs):
    ticket = world.ticket(contact=world.contact_a, **kwargs)
    services.ticket_transition(ticket=ticket, actor=world.eric, to_status=Status.IN_PROGRESS)
    return ticket


def post(client, ticket, action, data):
    return client.post(f"/tickets/{ticket.number}/{action}/", data, follow=True).content.decode()


def test_the_engineer_resolves_from_the_page_with_a_root_cause_and_the_customer_reads_the_result(world):
    ticket = working(world)
    eric = login("eric")
    page = eric.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'name="resolve-root_cause"' in page and "硬件故障 › 电源模块" in page
    # The change-status form no longer offers 已解决: it would bypass the resolution.
    status_form = page[
        page.index('name="status-status"') : page.index("</select>", page.index('name="status-status"'))
    ]
    assert 'value="resolved"' not in status_form
    before = db_snapshot()
    answer = post(eric, ticket, "resolve", {"resolve-customer_result": "已处理"})  # no root cause
    assert "根本原因" in answer and db_snapshot() == before
    post(
        eric,
        ticket,
        "resolve",
        {
            "resolve-root_cause": world.power_fault.pk,
            "resolve-customer_result": "已更换电源模块，设备恢复正常。",
            "resolve-warranty_months": "6",
            "resolve-resolution_note": "批次缺陷（内部）",
        },
    )
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED
    portal = login("carol").get(f"/tickets/{ticket.number}/").content.decode()
    assert "已更换电源模块，设备恢复正常。" in portal and "6 个月" in portal
    assert "批次缺陷（内部）" not in portal and "硬件故障 › 电源模块" not in portal
    tracked = Client().post("/track/", {"number": ticket.number, "phone": "13812345678"}).content.decode()
    assert (
        "已更换电源模块，设备恢复正常。" in tracked
        and "批次缺陷" not in tracked
        and "电源模块 ›" not in tracked
    )


def test_processing_records_and_the_sub_status_from_the_page(world):
    ticket = working(world)
    eric = login("eric")
    post(
        eric,
        ticket,
        "diagnosis",
        {
            "diag-started_at": "2026-03-02T09:00",
            "diag-ended_at": "2026-03-02T09:30",
            "diag-result": "电源输出为零",
        },
    )
    post(eric, ticket, "solution", {"sol-text": "更换电源", "sol-steps": "断电\n更换\n\n上电测试"})
    post(eric, ticket, "execution", {"exec-text": "已更换", "exec-customer_feedback": "可以开机"})
    page = post(eric, ticket, "sub-status", {"sub-sub_status": "waiting_parts"})
    kinds = list(ticket.events.order_by("id").values_list("kind", flat=True))[-4:]
    assert kinds == [EventKind.DIAGNOSIS, EventKind.SOLUTION, EventKind.EXECUTION, EventKind.SUB_STATUS]
    assert ticket.events.get(kind=EventKind.SOLUTION).data["steps"] == ["断电", "更换", "上电测试"]
    assert "上电测试" in page and "等待备件" in page
    assert Ticket.objects.get(pk=ticket.pk).sub_status == "waiting_parts"


def test_the_customer_says_not_fixed_only_with_a_reason(world):
    ticket = working(world)
    resolve_ticket(ticket, world.eric)
    carol = login("carol")
    before = db_snapshot()
    post(carol, ticket, "not-fixed", {"answer-reason": ""})
    assert db_snapshot() == before
    post(carol, ticket, "not-fixed", {"answer-reason": "打印仍然卡纸"})
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED and ticket.events.last().body == "打印仍然卡纸"


def test_staff_record_a_phone_answer_on_the_page(world):
    ticket = working(world)
    resolve_ticket(ticket, world.eric)
    alice = login("alice")
    assert 'name="phone-fixed"' in alice.get(f"/tickets/{ticket.number}/").content.decode()
    post(alice, ticket, "phone-confirmation", {"phone-fixed": "yes", "phone-note": "王女士来电确认"})
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.events.last().data["method"] == "phone"


def test_the_link_in_the_message_works_without_a_login_and_only_once(world):
    ticket = resolve_ticket(working(world), world.eric, result="已远程修复配置。")
    url = f"/confirm/{processing.confirmation_token(ticket)}/"
    visitor = Client()
    page = visitor.get(url)
    assert page.status_code == 200 and "已远程修复配置。" in page.content.decode()
    assert visitor.post(url, {"answer": "not_fixed", "answer-reason": ""}).status_code == 422
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED
    assert visitor.post(url, {"answer": "fixed"}).status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED
    assert visitor.post(url, {"answer": "fixed"}).status_code == 409  # used
    assert visitor.get("/confirm/not-a-token/").status_code == 404  # forged
