"""The ticket REST API: create, read, filter, page, act, and the customer's view of it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from serviceloop.accounts.models import APIToken, hash_token
from serviceloop.tickets import services
from serviceloop.tickets.models import Attachment, Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_an_agent_registers_a_phone_ticket_with_the_whole_problem_record(world, api_as):
    api = api_as("alice")
    response = api.post(
        "tickets",
        {
            "title": "X-3000 无法开机",
            "description": "客户说按电源键没反应",
            "organization_id": world.org_a.pk,
            "contact_id": world.contact_a.pk,
            "product_id": world.product_a.pk,
            "category_id": world.power.pk,
            "channel": "phone",
            "ticket_type": "problem",
            "urgency": "urgent",
            "impact_scope": "single",
            "occurred_at": "2026-11-24T14:00:00+08:00",
            "error_code": "提示错误代码500",
            "reproduction_steps": "上电 → 自检 → 黑屏",
            "environment": "固件 v2.3.1",
            "business_interrupted": True,
            "affected_users": 40,
            "business_impact": "产线停工",
            "tried_steps": "已重启两次",
            "expedite": True,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] and body["status"] == "new" and body["channel"] == "phone"
    assert body["product"]["serial_number"] == "SN-A-0001" and body["product"]["model_code"] == "X-3000"
    assert body["category_path"] == "硬件类 / 电源模块"
    assert body["affected_users"] == 40 and body["tried_steps"] == "已重启两次"
    assert body["allowed_transitions"] == ["accepted", "in_progress", "escalated", "closed"]


def test_a_customer_creates_tickets_for_their_own_organisation_only(world, api_as):
    response = api_as("carol").post("tickets", {"title": "无法登录", "description": "授权过期",
                                                "organization_id": world.org_b.pk})
    assert response.status_code == 201
    assert response.json()["organization"]["id"] == world.org_a.pk  # the org a customer sends is ignored


def test_get_by_number_and_update(world, api_as):
    ticket = world.ticket()
    api = api_as("alice")
    assert api.get(f"tickets/{ticket.number}").json()["title"] == ticket.title
    response = api.patch(f"tickets/{ticket.number}", {"objective_description": "电源模块输出电压偏低",
                                                      "product_id": world.product_a.pk})
    assert response.status_code == 200
    assert response.json()["objective_description"] == "电源模块输出电压偏低"
    assert response.json()["product"]["id"] == world.product_a.pk


def test_a_product_of_another_organisation_is_refused_on_update(world, api_as):
    ticket = world.ticket()
    response = api_as("alice").patch(f"tickets/{ticket.number}", {"product_id": world.product_b.pk})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "product_id"


def test_the_list_filters_by_each_field(world, api_as):
    with time_machine.travel(datetime(2026, 1, 10, 10, tzinfo=SHANGHAI), tick=False):
        old = world.ticket(ticket_type="consultation")
    urgent = world.ticket(urgency="critical", impact_scope="global", category=world.power)
    other_org = world.ticket(org=world.org_b)
    services.ticket_assign(ticket=urgent, actor=world.alice, owner=world.eric)
    api = api_as("alice")

    def numbers(**params):
        response = api.get("tickets", params)
        assert response.status_code == 200, response.json()
        return {t["number"] for t in response.json()["items"]}

    assert numbers() == {old.number, urgent.number, other_org.number}
    assert numbers(priority="urgent") == {urgent.number}
    assert numbers(status="new", priority="urgent") == {urgent.number}
    assert numbers(ticket_type="consultation") == {old.number}
    assert numbers(category_id=world.hardware.pk) == {urgent.number}  # includes sub-categories
    assert numbers(owner_id=world.eric.pk) == {urgent.number}
    assert numbers(unassigned="true") == {old.number, other_org.number}
    assert numbers(organization_id=world.org_b.pk) == {other_org.number}
    assert numbers(created_before="2026-02-01T00:00:00+08:00") == {old.number}
    assert numbers(created_after="2026-02-01T00:00:00+08:00") == {urgent.number, other_org.number}


def test_the_list_pages_with_a_cursor_newest_first(world, api_as):
    created = [world.ticket(title=f"工单 {i}").number for i in range(7)]
    api = api_as("alice")
    seen, cursor = [], None
    for _ in range(5):
        page = api.get("tickets", {"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [t["number"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(created))


def test_the_list_costs_a_fixed_number_of_queries(world, api_as):
    for i in range(30):
        ticket = world.ticket(title=f"工单 {i}", category=world.power)
        services.ticket_assign(ticket=ticket, actor=world.alice, owner=world.eric)
    api = api_as("alice")
    api.get("tickets")  # warm up: content types, permissions cache per user are loaded once
    with CaptureQueriesContext(connection) as queries:
        response = api.get("tickets", {"limit": 25})
    assert response.status_code == 200 and len(response.json()["items"]) == 25
    # token lookup, last_used check is throttled, roles, permissions (user + group), the page itself
    assert len(queries) <= 5, [q["sql"] for q in queries]


def test_the_detail_costs_a_fixed_number_of_queries(world, api_as):
    ticket = world.ticket(product=world.product_a, category=world.power, contact=world.contact_a)
    services.ticket_set_co_handlers(ticket=ticket, actor=world.alice, users=[world.eric, world.tom])
    api = api_as("alice")
    api.get(f"tickets/{ticket.number}")
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"tickets/{ticket.number}").status_code == 200
    # token, roles, user and group permissions, the ticket with its joins, co-handlers
    assert len(queries) <= 6, [q["sql"] for q in queries]


def test_a_customer_sees_only_public_events_in_the_timeline(world, api_as):
    ticket = world.ticket(by="carol")
    services.ticket_add_internal_note(ticket=ticket, actor=world.eric, body="内部：疑似批次问题")
    services.ticket_log_communication(ticket=ticket, actor=world.alice, channel="phone", happened_at=None,
                                      customer_feedback="客户很着急", next_step="今天回电")
    services.ticket_add_reply(ticket=ticket, actor=world.alice, body="已安排工程师处理")
    staff_kinds = [
        e["kind"] for e in api_as("alice").get(f"tickets/{ticket.number}/timeline").json()["items"]
    ]
    customer = api_as("carol").get(f"tickets/{ticket.number}/timeline").json()["items"]
    assert staff_kinds == ["created", "note", "communication", "reply"]
    assert [e["kind"] for e in customer] == ["created", "reply"]
    assert "疑似" not in str(customer) and "着急" not in str(customer)


def test_replies_notes_and_communications_through_the_api(world, api_as):
    ticket = world.ticket()
    api = api_as("alice")
    assert api.post(f"tickets/{ticket.number}/replies", {"body": "您好"}).json()["kind"] == "reply"
    note = api.post(f"tickets/{ticket.number}/notes", {"body": "诊断：电源故障", "note_type": "diagnosis"})
    assert note.status_code == 201 and note.json()["data"]["note_type"] == "diagnosis"
    comm = api.post(f"tickets/{ticket.number}/communications",
                    {"channel": "sms", "customer_feedback": "已收到短信", "next_step": "等待寄回"})
    assert comm.status_code == 201 and comm.json()["data"]["channel"] == "sms"
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None


def test_assign_accept_and_transition_through_the_api(world, api_as):
    ticket = world.ticket()
    assigned = api_as("alice").post(f"tickets/{ticket.number}/assign",
                                    {"owner_id": world.eric.pk, "co_handler_ids": [world.tom.pk]})
    assert assigned.status_code == 200, assigned.json()
    assert assigned.json()["owner"]["id"] == world.eric.pk
    assert [u["id"] for u in assigned.json()["co_handlers"]] == [world.tom.pk]
    eric = api_as("eric")
    assert eric.post(f"tickets/{ticket.number}/accept").json()["status"] == "accepted"
    assert eric.post(f"tickets/{ticket.number}/accept").status_code == 409
    moved = eric.post(
        f"tickets/{ticket.number}/transition", {"status": "in_progress", "sub_status": "diagnosed"}
    )
    assert moved.json()["sub_status"] == "diagnosed"


def test_an_attachment_round_trips_and_internal_ones_stay_internal(world, api_as):
    ticket = world.ticket(by="carol")
    carol = api_as("carol")
    uploaded = carol.upload(f"tickets/{ticket.number}/attachments",
                            SimpleUploadedFile("../../etc/故障照片.png", PNG, content_type="image/png"))
    assert uploaded.status_code == 201, uploaded.json()
    assert uploaded.json()["name"] == "故障照片.png" and uploaded.json()["content_type"] == "image/png"
    download = carol.get(uploaded.json()["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    internal = api_as("eric").upload(f"tickets/{ticket.number}/attachments",
                                     SimpleUploadedFile("diag.log", b"voltage=3.1V\n"), internal="true")
    assert internal.status_code == 201 and internal.json()["content_type"] == "text/plain"
    assert [a["name"] for a in carol.get(f"tickets/{ticket.number}/attachments").json()] == ["故障照片.png"]
    assert carol.get(internal.json()["download_url"]).status_code == 404
    assert api_as("bob").get(uploaded.json()["download_url"]).status_code == 404


def test_an_upload_that_repeats_a_single_valued_field_is_refused_and_stores_nothing(world, api_as):
    ticket = world.ticket(by="carol")
    carol = api_as("carol", "zh-hans")
    photo = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    twice = carol.upload(f"tickets/{ticket.number}/attachments", photo, internal=["true", "false"])
    assert twice.status_code == 422
    assert twice.json()["errors"] == [{"field": "internal", "message": "此项只能提交一次。"}]
    two_files = carol.upload(f"tickets/{ticket.number}/attachments",
                             [SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.png", PNG)])
    assert two_files.status_code == 422 and two_files.json()["errors"][0]["field"] == "file"
    assert not Attachment.objects.filter(ticket=ticket).exists()


def test_tokens_are_stored_hashed_and_revocable(world, api_as):
    raw = world.token("alice")
    row = APIToken.objects.get(user=world.alice)
    assert row.key_hash == hash_token(raw) and raw not in (row.key_hash, row.hint)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/users/me").json()["username"] == "alice"
    row.revoked_at = row.created_at
    row.save()
    assert client.get("/api/v1/users/me").status_code == 401


def test_the_web_session_authenticates_and_needs_csrf_for_writes(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    assert client.get("/api/v1/users/me").json()["roles"] == ["agent"]
    refused = client.post("/api/v1/tickets", {"title": "x"}, content_type="application/json")
    assert refused.status_code == 403


def test_the_openapi_document_and_docs_are_served(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/tickets" in spec["paths"] and "/api/v1/tickets/{number}/transition" in spec["paths"]
    assert client.get("/api/v1/docs").status_code == 200


@pytest.mark.parametrize("language,expected", [("zh-hans", "工单"), ("en", "Ticket")])
def test_not_found_speaks_the_request_language(world, api_as, language, expected):
    response = api_as("alice", language).get("tickets/209901-9999")
    assert response.status_code == 404 and expected in response.json()["message"]


def test_a_ticket_created_in_one_transaction_leaves_nothing_when_refused(world, api_as):
    before = Ticket.objects.count()
    response = api_as("alice").post(
        "tickets",
        {
            "title": "x",
            "description": "y",
            "organization_id": world.org_a.pk,
            "contact_id": world.contact_b.pk,
        },
    )
    assert response.status_code == 422
    assert Ticket.objects.count() == before


def test_time_filters_accept_shanghai_local_dates(world, api_as):
    with time_machine.travel(datetime(2026, 6, 1, 0, 30, tzinfo=SHANGHAI), tick=False):
        ticket = world.ticket()
    since = (datetime(2026, 6, 1, tzinfo=SHANGHAI)).isoformat()
    until = (datetime(2026, 6, 1, tzinfo=SHANGHAI) + timedelta(days=1)).isoformat()
    items = api_as("alice").get("tickets", {"created_after": since, "created_before": until}).json()["items"]
    assert [t["number"] for t in items] == [ticket.number]


def test_a_category_filter_pages_through_its_sub_categories_newest_first(world, api_as):
    made = [world.ticket(title=f"分类 {i}", category=world.power if i % 2 else world.hardware).number
            for i in range(7)]
    world.ticket(title="无分类")
    api = api_as("alice")
    seen, cursor = [], None
    for _ in range(5):
        page = api.get("tickets", {"category_id": world.hardware.pk, "limit": 3,
                                   **({"cursor": cursor} if cursor else {})}).json()
        seen += [t["number"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made))
