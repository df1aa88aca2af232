"""Group robots, SMS and webhooks against a real HTTP server on loopback that checks every signature the way
the vendor documents it (tests/vendor_signatures.py, written apart from the sender code): DingTalk's and
Feishu's HMAC-SHA256 signatures, Aliyun's SendSms request signature, our own webhook HMAC. And what a
robot that answers 500 or hangs does to the rest: recorded, retried, never blocking (NTF-1, NTF-3, USR-2)."""

from __future__ import annotations

import pytest

from serviceloop.accounts.models import Team
from serviceloop.notifications import outbox, receivers
from serviceloop.notifications.models import Delivery, Robot, Webhook
from serviceloop.notifications.transports.sms import normalize_phone
from serviceloop.tickets import services
from serviceloop.tickets.models import TicketEvent
from tests.vendor_signatures import verify_aliyun, verify_dingtalk, verify_feishu, verify_serviceloop

from .conftest import ALIYUN_SECRET

DING_SECRET = "SEC3a9b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f"
FEISHU_SECRET = "q1w2e3r4t5y6u7i8o9p0"
HOOK_SECRET = "whsec_7d2c0b4e9a1f"


def robot(recorder, kind: str, *, secret: str = "", name: str = "", **fields) -> Robot:
    paths = {"wecom": "/wecom/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0", "dingtalk":
             "/dingtalk/robot/send?access_token=4e2b1c", "feishu": "/feishu/open-apis/bot/v2/hook/8f1d2c3b"}
    row = Robot(name=name or f"{kind} 售后群", kind=kind, **fields)
    row.url, row.secret = recorder.url + paths[kind], secret
    row.save()
    return row


def webhook(recorder, *, events=(), secret: str = HOOK_SECRET, path: str = "/hook/erp") -> Webhook:
    row = Webhook(name="ERP", events=list(events))
    row.url, row.secret = recorder.url + path, secret
    row.save()
    return row


def created(world, **kwargs):
    ticket = world.ticket(contact=world.contact_a, **kwargs)
    receivers.ticket_event_recorded(TicketEvent.objects.get(ticket=ticket, kind="created"), ticket)
    return ticket


# --- robots -------------------------------------------------------------------------------------------

def test_a_dingtalk_robot_gets_a_signed_markdown_card(world, recorder):
    robot(recorder, "dingtalk", secret=DING_SECRET)
    ticket = created(world, title="X-3000 上电无显示", urgency="critical")
    assert outbox.send_due().by_channel == {"email": 1, "inapp": 1, "dingtalk": 1}
    [request] = recorder.to("/dingtalk")
    assert request.query["access_token"] == "4e2b1c"
    assert verify_dingtalk(request.raw_query, DING_SECRET)
    assert not verify_dingtalk(request.raw_query, DING_SECRET + "x")  # the check is not vacuous
    body = request.json()
    assert body["msgtype"] == "markdown"
    text = body["markdown"]["text"]
    assert body["markdown"]["title"] == f"新工单 {ticket.number}"
    for shown in (ticket.number, "X-3000 上电无显示", "紧急", "SLA 到期", f"/tickets/{ticket.number}/"):
        assert shown in text, shown


def test_a_feishu_bot_gets_a_signed_interactive_card(world, recorder):
    robot(recorder, "feishu", secret=FEISHU_SECRET)
    ticket = created(world)
    outbox.send_due()
    [request] = recorder.to("/feishu")
    body = request.json()
    assert verify_feishu(body, FEISHU_SECRET) and not verify_feishu(body, "wrong")
    assert body["msg_type"] == "interactive"
    card = body["card"]
    assert card["header"]["title"]["content"] == f"新工单 {ticket.number}"
    content = card["elements"][0]["text"]["content"]
    assert (
        card["elements"][0]["text"]["tag"] == "lark_md" and "###" not in content and ticket.title in content
    )
    button = card["elements"][1]["actions"][0]
    assert button["url"].endswith(f"/tickets/{ticket.number}/") and button["text"]["content"] == "查看工单"


def test_a_wecom_robot_gets_markdown_with_its_key_in_the_url(world, recorder):
    robot(recorder, "wecom")
    ticket = created(world)
    outbox.send_due()
    [request] = recorder.to("/wecom")
    assert request.query == {"key": "693a91f6-7xxx-4bc4-97a0"}
    body = request.json()
    assert body["msgtype"] == "markdown" and ticket.number in body["markdown"]["content"]
    assert len(body["markdown"]["content"].encode()) <= 4096


def test_robots_hear_only_their_teams_and_their_kinds(world, recorder):
    hardware = Team.objects.create(name="硬件组")
    robot(recorder, "wecom", name="硬件组群").teams.add(hardware)
    robot(recorder, "dingtalk", name="只听升级", kinds=["escalated"])
    ours = created(world)
    assert not Delivery.objects.filter(channel__in=["wecom", "dingtalk"]).exists()  # no group, no escalation
    services.ticket_assign(ticket=ours, actor=world.sam, owner=world.eric, group=hardware)
    other = created(world)
    type(other).objects.filter(pk=other.pk).update(group=hardware)
    other.refresh_from_db()
    receivers.ticket_event_recorded(TicketEvent.objects.get(ticket=other, kind="created"), other)
    assert list(Delivery.objects.filter(channel="wecom").values_list("ticket_id", flat=True)) == [other.pk]


def test_a_robot_answering_an_error_code_is_a_failure_recorded_with_its_answer(world, recorder):
    robot(recorder, "dingtalk", secret=DING_SECRET)
    recorder.on("/dingtalk", status=200, body={"errcode": 310000, "errmsg": "sign not match"})
    created(world)
    report = outbox.send_due()
    assert report.failed == 1
    delivery = Delivery.objects.get(channel="dingtalk")
    attempt = delivery.attempt_log.get()
    assert attempt.status_code == 200 and "310000" in attempt.response and not attempt.ok
    assert delivery.status == "failed" and "310000" in delivery.last_error


def test_a_robot_that_answers_500_is_retried_with_backoff_until_it_works(world, recorder, settings):
    settings.NOTIFY_RETRY_BASE_SECONDS = 30
    robot(recorder, "wecom")
    recorder.on("/wecom", status=500, body={"error": "internal"}, times=2)
    created(world)
    outbox.send_due()
    delivery = Delivery.objects.get(channel="wecom")
    first_wait = delivery.next_attempt_at
    outbox.send_due(now=first_wait)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 2
    assert (delivery.next_attempt_at - first_wait).total_seconds() >= 59  # 30 s, then 60 s: doubling
    outbox.send_due(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 500, 200]
    assert len(recorder.to("/wecom")) == 3


def test_a_robot_that_hangs_times_out_and_never_holds_back_the_other_deliveries(
    world, recorder, smtp, settings
):
    settings.NOTIFY_HTTP_TIMEOUT = 0.5
    robot(recorder, "wecom")
    robot(recorder, "feishu", secret=FEISHU_SECRET)
    recorder.on("/wecom", hang_seconds=2)
    tickets = [created(world) for _ in range(3)]
    report = outbox.send_due()
    # One timeout, then WeCom's other two wait for the next try instead of costing two more timeouts: one
    # request reached the hanging robot. (Counted, not timed: a wall clock also measures the machine's load.)
    assert len(recorder.to("/wecom")) == 1
    assert report.sent == 3 * 3  # feishu, email and in-app for each ticket
    assert report.failed == 1 and report.deferred == 2
    hung = Delivery.objects.filter(channel="wecom")
    assert {d.status for d in hung} == {"failed"}
    timed_out = [d for d in hung if d.attempt_log.exists()]
    assert len(timed_out) == 1 and "timed out" in timed_out[0].last_error
    assert all(d.attempts == 0 for d in hung if d not in timed_out)  # deferred: not counted as an attempt
    assert len(smtp.to("wang@example.cn")) == len(tickets)
    assert len(recorder.to("/feishu")) == len(tickets)


def test_a_robot_that_keeps_failing_is_given_up_after_the_last_attempt(world, recorder, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    robot(recorder, "wecom")
    recorder.on("/wecom", status=502)
    created(world)
    delivery = None
    for _ in range(3):
        due = Delivery.objects.get(channel="wecom").next_attempt_at
        outbox.send_due(now=due)
    delivery = Delivery.objects.get(channel="wecom")
    assert delivery.status == "dead" and delivery.attempts == 3
    assert outbox.send_due(now=delivery.next_attempt_at).claimed == 0


# --- SMS ----------------------------------------------------------------------------------------------

def test_the_acknowledgement_sms_goes_to_aliyun_signed_as_documented(world, sms_on):
    ticket = created(world)
    report = outbox.send_due()
    assert report.by_channel.get("sms") == 1
    [request] = sms_on.to("/aliyun")
    params = request.form()
    assert verify_aliyun(params, ALIYUN_SECRET, "POST")
    assert not verify_aliyun(params, ALIYUN_SECRET + "x", "POST")
    assert (params["Action"], params["Version"], params["SignatureMethod"], params["SignatureVersion"]) == (
        "SendSms", "2017-05-25", "HMAC-SHA1", "1.0")
    assert params["PhoneNumbers"] == "13812345678" and params["SignName"] == "服务闭环"
    assert params["TemplateCode"] == "SMS_4630001"
    import json

    assert json.loads(params["TemplateParam"])["number"] == ticket.number
    delivery = Delivery.objects.get(channel="sms")
    assert delivery.status == "sent" and delivery.recipient == "+8613812345678"
    assert params["OutId"] == str(delivery.public_id)


def test_aliyun_refusing_a_number_gives_the_sms_up_at_once(world, sms_on):
    sms_on.on("/aliyun", body={"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"})
    created(world)
    outbox.send_due()
    delivery = Delivery.objects.get(channel="sms")
    assert delivery.status == "dead" and "isv.MOBILE_NUMBER_ILLEGAL" in delivery.last_error


def test_without_an_sms_provider_nobody_is_texted(world, recorder):
    created(world)
    assert not Delivery.objects.filter(channel="sms").exists()


def test_a_contact_without_a_mobile_number_gets_no_sms(world, sms_on):
    world.contact_a.phone = "021-55501234"
    world.contact_a.save(update_fields=["phone"])
    created(world)
    assert not Delivery.objects.filter(channel="sms").exists()


@pytest.mark.parametrize(
    "raw,normal",
    [
        ("13812345678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("008613812345678", "+8613812345678"),
        ("86 19912345678", "+8619912345678"),
        ("+85291234567", "+85291234567"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("12812345678", None),
        ("1381234567", None),
        ("021-55501234", None),
        ("+86 21 5550 1234", None),
        ("", None),
        ("abc", None),
        ("+0123456789", None),
    ],
)
def test_phone_numbers_are_china_mobile_or_e164(raw, normal):
    assert normalize_phone(raw) == normal


# --- webhooks -----------------------------------------------------------------------------------------

def test_a_webhook_gets_signed_json_with_a_stable_delivery_id(world, recorder):
    webhook(recorder)
    ticket = created(world)
    outbox.send_due()
    [request] = recorder.to("/hook")
    assert verify_serviceloop(request.headers, request.body, HOOK_SECRET)
    assert not verify_serviceloop(request.headers, request.body, "another-secret")
    assert request.headers["x-serviceloop-event"] == "ticket.created"
    delivery = Delivery.objects.get(channel="webhook")
    assert request.headers["x-serviceloop-delivery"] == str(delivery.public_id)
    body = request.json()
    assert body["id"] == str(delivery.public_id) and body["event"] == "ticket.created"
    assert (
        body["ticket"]["number"] == ticket.number
        and body["ticket"]["organization"]["name"] == world.org_a.name
    )
    assert body["change"]["event_kind"] == "created"


def test_webhooks_hear_the_events_they_subscribed_to(world, recorder):
    webhook(recorder, events=["status_changed", "assigned", "replied"])
    ticket = created(world)
    for event in (
        services.ticket_assign(ticket=ticket, actor=world.sam, owner=world.eric) and
        TicketEvent.objects.filter(ticket=ticket, kind="assigned").latest("id"),
        services.ticket_add_internal_note(ticket=ticket, actor=world.eric, body="内部：怀疑电源"),
        services.ticket_add_reply(ticket=ticket, actor=world.eric, body="您好，已安排备件"),
    ):
        receivers.ticket_event_recorded(event, ticket)
    services.ticket_transition(ticket=ticket, actor=world.eric, to_status="in_progress", note="内部：开始")
    status = TicketEvent.objects.filter(ticket=ticket, kind="status").latest("id")
    receivers.ticket_event_recorded(status, ticket)
    outbox.send_due()
    events = [r.headers["x-serviceloop-event"] for r in recorder.to("/hook")]
    assert sorted(events) == ["ticket.assigned", "ticket.replied", "ticket.status_changed"]
    by_event = {r.headers["x-serviceloop-event"]: r.json() for r in recorder.to("/hook")}
    assert by_event["ticket.replied"]["change"]["reply"] == "您好，已安排备件"
    assert by_event["ticket.status_changed"]["change"]["data"]["to"] == "in_progress"
    everything = b"".join(r.body for r in recorder.to("/hook")).decode()
    assert "内部" not in everything  # internal notes never leave, not even to another system


def test_a_failing_webhook_keeps_every_response_code_in_its_log(world, recorder):
    webhook(recorder)
    recorder.on("/hook", status=503, times=1)
    created(world)
    outbox.send_due()
    delivery = Delivery.objects.get(channel="webhook")
    outbox.send_due(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert [a.status_code for a in delivery.attempt_log.all()] == [503, 200]
    ids = {r.headers["x-serviceloop-delivery"] for r in recorder.to("/hook")}
    assert ids == {str(delivery.public_id)}  # the retry carries the same id: the receiver can deduplicate


def test_a_webhook_answering_410_is_given_up(world, recorder):
    webhook(recorder)
    recorder.on("/hook", status=410)
    created(world)
    outbox.send_due()
    assert Delivery.objects.get(channel="webhook").status == "dead"


def test_endpoint_urls_and_secrets_are_stored_sealed(world, recorder):
    from django.db import connection

    row = robot(recorder, "dingtalk", secret=DING_SECRET)
    with connection.cursor() as cursor:
        cursor.execute("SELECT url_sealed, secret_sealed FROM notifications_robot WHERE id = %s", [row.pk])
        url_sealed, secret_sealed = cursor.fetchone()
    assert "access_token" not in url_sealed and DING_SECRET not in secret_sealed
    fresh = Robot.objects.get(pk=row.pk)
    assert fresh.secret == DING_SECRET and "access_token=4e2b1c" in fresh.url
    assert fresh.secret_masked == "••••6e7f" and "4e2b1c" not in fresh.url_masked
