"""Who may do what through /api/v1: every role × every endpoint, as one table.

EXPECTED below is the permission table of SPEC's role list as roles.py and the services implement
it, one row per action and one column per caller: the eight staff personas, carol (a customer
contact of org_a), an anonymous client and a client with a token that does not exist. Each cell is
its own test (test_matrix[carol-add_note]); every refused cell also checks that nothing was written.

Every ticket the actions name belongs to carol's organisation, so the customer column is "her own
ticket". Separate tests check that bob (org_b) gets 404 — never 403 — for each of those
endpoints, that nothing internal reaches carol, and that the OpenAPI document lists no endpoint
this table lacks (a new endpoint without a row fails here).

The clients enforce CSRF like a real HTTP client would: Django's test client skips the CSRF check
unless asked, which would hide what an API client without a valid token actually receives.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from serviceloop.notifications import outbox
from serviceloop.notifications.models import Notification
from serviceloop.sla.services.calendars import default_calendar
from serviceloop.sla.services.policies import policy_install_presets
from serviceloop.tickets import services
from serviceloop.tickets.choices import PUBLIC_EVENT_KINDS
from serviceloop.tickets.models import Ticket
from tests.personas import db_snapshot, resolve_ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
STAFF = ("alice", "eric", "sam", "dora", "adam", "pete", "rita", "tom")
WHO = (*STAFF, "carol", "anonymous", "bad_token")

# --- the table ------------------------------------------------------------------------------------
# Columns follow WHO:  alice=agent eric=engineer sam=supervisor dora=director adam=admin
#                      pete=product manager rita=customer relations tom=tech lead, carol=customer
ALL_200 = (200,) * 9 + (401, 401)
ALL_201 = (201,) * 9 + (401, 401)
STAFF_200 = (200,) * 8 + (403, 401, 401)
ADMIN_200 = (403, 403, 403, 403, 200, 403, 403, 403, 403, 401, 401)
ADMIN_201 = (403, 403, 403, 403, 201, 403, 403, 403, 403, 401, 401)

EXPECTED: dict[str, tuple[int, ...]] = {
    #                                ali  eri  sam  dor  ada  pet  rit  tom  car  ano  bad
    "create_ticket":                ALL_201,  # a customer's ticket is always for her own organisation
    "list_tickets":                 ALL_200,
    "get_ticket":                   ALL_200,
    "update_ticket":                (200, 200, 200, 200, 200, 200, 200, 200, 403, 401, 401),
    # new → in_progress: a customer may move only a resolved ticket, so the flow refuses her (409)
    "transition":                   (200, 200, 200, 200, 200, 200, 200, 200, 409, 401, 401),
    "confirm_resolution":           ALL_200,  # resolved → closed, the customer's own right
    "accept":                       (200, 200, 200, 200, 200, 200, 200, 200, 403, 401, 401),
    "assign":                       (200, 403, 200, 200, 200, 403, 200, 200, 403, 401, 401),
    "set_priority":                 (403, 403, 200, 200, 200, 403, 403, 200, 403, 401, 401),
    "bulk_assign":                  (200, 403, 200, 200, 200, 403, 200, 200, 403, 401, 401),  # as assign
    "reply":                        ALL_201,
    "add_note":                     (201, 201, 201, 201, 201, 201, 201, 201, 403, 401, 401),
    "log_communication":            (201, 201, 201, 201, 201, 201, 201, 201, 403, 401, 401),
    "timeline":                     ALL_200,
    "list_attachments":             ALL_200,
    "upload_attachment":            ALL_201,
    "upload_internal_attachment":   (201, 201, 201, 201, 201, 201, 201, 201, 403, 401, 401),
    "download_attachment":          ALL_200,
    "download_internal_attachment": (200, 200, 200, 200, 200, 200, 200, 200, 404, 401, 401),
    "list_categories":              ALL_200,
    # Issue #13: processing records, sub-status and resolution are staff work; the answer is everybody's
    # (the customer's own, or staff recording one given by phone).
    "record_diagnosis":             (201, 201, 201, 201, 201, 201, 201, 201, 403, 401, 401),
    "record_solution":              (201, 201, 201, 201, 201, 201, 201, 201, 403, 401, 401),
    "record_execution":             (201, 201, 201, 201, 201, 201, 201, 201, 403, 401, 401),
    "set_sub_status":               (200, 200, 200, 200, 200, 200, 200, 200, 403, 401, 401),
    "resolve":                      (200, 200, 200, 200, 200, 200, 200, 200, 403, 401, 401),
    "answer_resolution":            ALL_200,
    "list_root_causes":             ALL_200,
    "list_organizations":           ALL_200,  # a customer's list holds only her organisation
    "create_organization":          (201, 403, 201, 201, 201, 403, 201, 403, 403, 401, 401),
    "get_organization":             ALL_200,  # her own
    "update_organization":          (200, 403, 200, 200, 200, 403, 200, 403, 403, 401, 401),  # her own
    "get_other_organization":       (200, 200, 200, 200, 200, 200, 200, 200, 404, 401, 401),
    "list_contacts":                ALL_200,
    "create_contact":               (201, 403, 201, 201, 201, 403, 201, 403, 403, 401, 401),
    "list_products":                ALL_200,
    "create_product":               (201, 201, 201, 201, 201, 403, 201, 403, 403, 401, 401),
    "list_product_models":          ALL_200,
    "search":                       ALL_200,  # a customer finds only her organisation's tickets
    "me":                           ALL_200,
    "escalate":                     (201, 201, 201, 201, 201, 201, 201, 201, 403, 401, 401),
    "list_sla_policies":            STAFF_200,
    "create_policy_version":        (403, 403, 403, 403, 201, 403, 403, 403, 403, 401, 401),
    "list_calendars":               STAFF_200,
    "set_calendar_windows":         (403, 403, 403, 403, 200, 403, 403, 403, 403, 401, 401),
    "list_calendar_days":           STAFF_200,
    "set_calendar_day":             (403, 403, 403, 403, 201, 403, 403, 403, 403, 401, 401),
    "delete_calendar_day":          (403, 403, 403, 403, 204, 403, 403, 403, 403, 401, 401),
    "get_calendar_year":            STAFF_200,
    "mark_calendar_year":           ADMIN_201,
    "read_notice":                  ADMIN_200,  # a preview: nothing saved
    "sla_history":                  (200, 200, 200, 200, 200, 200, 200, 200, 403, 401, 401),
    "list_escalations":             STAFF_200,
    "compensation":                 (403, 403, 200, 200, 200, 403, 403, 200, 403, 401, 401),
    "list_notifications":           ALL_200,
    # alice's own notification: everybody else is told it does not exist
    "mark_notification_read":       (200, 404, 404, 404, 404, 404, 404, 404, 404, 401, 401),
    "mark_all_notifications_read":  ALL_200,
    "set_sla_policy":               (403, 403, 200, 200, 200, 403, 403, 200, 403, 401, 401),
    "get_notification_preferences": ALL_200,
    "set_notification_preferences": ALL_200,  # each person's own choices
    # The outbox, robots and webhooks: administrators only (NTF-3: failures for administrators).
    "list_deliveries":              ADMIN_200,
    "get_delivery":                 ADMIN_200,
    "resend_delivery":              ADMIN_200,
    "list_robots":                  ADMIN_200,
    "create_robot":                 ADMIN_201,
    "update_robot":                 ADMIN_200,
    "list_webhooks":                ADMIN_200,
    "create_webhook":               ADMIN_201,
    "update_webhook":               ADMIN_200,
    # The original of an email that made carol's ticket: staff only, never the customer, not even hers.
    "download_original_email":      (200, 200, 200, 200, 200, 200, 200, 200, 404, 401, 401),
    # CSAT-1, CSAT-2: a ticket's surveys (her own ticket's for the customer, without the internal follow-ups);
    # the follow-up's outcome by its assignee (sam) or whoever may complete follow-ups; KPIs for supervisors.
    "ticket_surveys":               ALL_200,
    "complete_follow_up":           (403, 403, 200, 200, 200, 403, 200, 200, 404, 401, 401),
    "kpis":                         (403, 403, 200, 200, 200, 403, 403, 200, 403, 401, 401),
    "dashboard":                    (403, 403, 200, 200, 200, 403, 403, 200, 403, 401, 401),
    "dashboard_distributions":      (403, 403, 200, 200, 200, 403, 403, 200, 403, 401, 401),
    # Periodic reports (ANA-3): made and read by supervisors, directors, technical leads, administrators.
    "request_report":               (403, 403, 202, 202, 202, 403, 403, 202, 403, 401, 401),
    "get_report":                   (403, 403, 200, 200, 200, 403, 403, 200, 403, 401, 401),
    # The knowledge base (KB-1..5): staff write, the technical lead (and the administrator) reviews;
    # customers read published public articles only, and never a draft, an internal one or the history.
    "list_articles":                ALL_200,
    "create_article":               (201, 201, 201, 201, 201, 201, 201, 201, 403, 401, 401),
    "get_article":                  ALL_200,  # published and public
    "get_internal_article":         (200, 200, 200, 200, 200, 200, 200, 200, 404, 401, 401),
    # alice's draft: its author or a reviewer
    "update_article":               (200, 403, 403, 403, 200, 403, 403, 200, 404, 401, 401),
    "submit_article":               (200, 403, 403, 403, 200, 403, 403, 200, 404, 401, 401),
    "publish_article":              (403, 403, 403, 403, 200, 403, 403, 200, 404, 401, 401),
    "reject_article":               (403, 403, 403, 403, 200, 403, 403, 200, 404, 401, 401),
    "list_article_versions":        (200, 200, 200, 200, 200, 200, 200, 200, 404, 401, 401),
    "diff_article_versions":        (200, 200, 200, 200, 200, 200, 200, 200, 404, 401, 401),
    "article_feedback":             ALL_200,
    "send_article":                 (201, 201, 201, 201, 201, 201, 201, 201, 403, 401, 401),
    "article_from_ticket":          (201, 201, 201, 201, 201, 201, 201, 201, 403, 401, 401),
    "upload_article_image":         (201, 201, 201, 201, 201, 201, 201, 201, 403, 401, 401),
    "download_article_image":       ALL_200,
    "article_suggestions":          ALL_200,
    # Canned replies (issue #16.3): every staff member lists, writes their own and renders; the shared ones
    # are the administrators' to change; customers are refused all of it (403), even on their own ticket.
    "list_canned_replies":          STAFF_200,
    "create_canned_reply":          (201, 201, 201, 201, 201, 201, 201, 201, 403, 401, 401),
    "get_canned_reply":             STAFF_200,  # a shared one
    "update_canned_reply":          ADMIN_200,  # a shared one
    "delete_canned_reply":          (403, 403, 403, 403, 204, 403, 403, 403, 403, 401, 401),  # a shared one
    "render_canned_reply":          STAFF_200,  # a shared one for carol's ticket
}

ERROR_CODES = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 409: "conflict"}

# --- the actions ----------------------------------------------------------------------------------

@dataclass
class Request:
    params: dict = field(default_factory=dict)  # fills the path's {placeholders}
    body: dict | None = None
    query: dict | None = None
    file: SimpleUploadedFile | None = None
    internal: bool = False


@dataclass(frozen=True)
class Action:
    method: str  # get / post / patch; an upload is a multipart post
    path: str  # exactly as the OpenAPI document spells it
    prepare: Callable[
        ..., Request
    ]  # builds what the request needs; runs before the "nothing written" snapshot
    upload: bool = False

    @property
    def names_ticket(self) -> bool:
        return "{number}" in self.path


def _published_report(world) -> Request:
    from serviceloop.reports.models import Report

    report = Report.objects.create(
        kind="monthly", period_start=date(2026, 10, 1), period_end=date(2026, 10, 31), status="published"
    )
    return Request(params={"report_id": report.pk})


def _ticket(world) -> Ticket:
    """A new ticket of carol's organisation, registered by the agent."""
    return world.ticket(org=world.org_a, contact=world.contact_a)


def _working(world) -> Ticket:
    ticket = _ticket(world)
    services.ticket_transition(ticket=ticket, actor=world.alice, to_status="in_progress")
    return ticket


def _resolved(world) -> Ticket:
    ticket = _ticket(world)
    services.ticket_transition(ticket=ticket, actor=world.alice, to_status="in_progress")
    resolve_ticket(ticket, world.alice)
    return ticket


def _with_attachment(world, *, internal: bool) -> Request:
    ticket = _ticket(world)
    upload = SimpleUploadedFile("现场照片.png", PNG, content_type="image/png")
    attachment = services.attachment_add(ticket=ticket, actor=world.alice, upload=upload, internal=internal)
    return Request(params={"number": ticket.number, "attachment_id": attachment.pk})


def _number(world) -> Request:
    return Request(params={"number": _ticket(world).number})


def _priority(world) -> Request:
    ticket = _ticket(world)
    target = "low" if ticket.priority != "low" else "high"
    return Request(params={"number": ticket.number}, body={"priority": target, "reason": "客户产线停工"})


def _calendar_day(world) -> Request:
    from serviceloop.sla.services.calendars import calendar_day_set

    calendar = default_calendar()
    calendar_day_set(calendar=calendar, day=date(2026, 12, 31), is_working=False, name="公司年终盘点")
    return Request(params={"calendar_id": calendar.pk, "day": "2026-12-31"})


def _policy_version(world) -> Request:
    policy = policy_install_presets()[0]
    return Request(params={"policy_id": policy.pk}, body={
        "reason": "合同调整：高优先级 8 个工作小时内解决",
        "targets": [{"priority": "high", "metric": "resolution", "amount": 480, "unit": "business_minutes"}]})


def _alice_notification(world) -> Request:
    ticket = _ticket(world)
    services.ticket_assign(ticket=ticket, actor=world.sam, owner=world.alice)
    outbox.send_due()  # the in-app row is written when the outbox sends (after commit in production)
    return Request(params={"notification_id": Notification.objects.filter(user=world.alice).latest("id").pk})


def _dead_delivery(world) -> Request:
    from serviceloop.notifications.models import Delivery

    delivery = Delivery.objects.create(event_key="ticket_event:0", kind="replied", channel="email",
                                       recipient="wang@example.cn", ticket=_ticket(world), status="dead",
                                       attempts=8, last_error="SMTP 550")
    return Request(params={"delivery_id": delivery.pk})


def _robot(world) -> Request:
    from serviceloop.notifications.models import Robot

    robot = Robot(name="硬件组钉钉群", kind="dingtalk")
    robot.url, robot.secret = "https://oapi.dingtalk.com/robot/send?access_token=abc", "SEC0123456789"
    robot.save()
    return Request(params={"robot_id": robot.pk}, body={"is_active": False})


def _webhook(world) -> Request:
    from serviceloop.notifications.models import Webhook

    hook = Webhook(name="ERP")
    hook.url, hook.secret = "https://erp.example.cn/hooks/serviceloop", "whsec-0123456789"
    hook.save()
    return Request(params={"webhook_id": hook.pk}, body={"events": ["created", "status_changed"]})
def _inbound_email(world) -> Request:
    """carol's organisation's contact writes to the support mailbox; the message makes a ticket."""
    from serviceloop.channels.models import Mailbox
    from serviceloop.channels.services import inbound_message_process, inbound_message_store

    box = Mailbox.objects.create(name="客服邮箱", address="support@service.example.cn", host="127.0.0.1",
                                 username="support")
    raw = ("From: wang@example.cn\r\nTo: support@service.example.cn\r\nSubject: 设备无法开机\r\n"
           "Message-ID: <matrix-1@example.cn>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "上电后无显示\r\n").encode()
    message, _created = inbound_message_store(mailbox=box, uidvalidity=1, uid=1, raw=raw)
    message = inbound_message_process(message=message)
    assert message.ticket.organization == world.org_a
    return Request(params={"message_id": message.pk})


def _follow_up(world) -> Request:
    """carol's ticket scored 2 in its survey: reopened, with a follow-up task for the supervisor (sam)."""
    from datetime import timedelta

    from django.utils import timezone

    from serviceloop.surveys import services as surveys
    from serviceloop.surveys.models import FollowUpTask, Survey

    ticket = _resolved(world)
    surveys.surveys_send_due(now=timezone.now() + timedelta(days=2))
    survey = Survey.objects.get(ticket=ticket)
    surveys.survey_answer(survey=survey, overall=2, satisfaction=2)
    task = FollowUpTask.objects.get(survey=survey)
    assert task.assignee == world.sam
    return Request(params={"task_id": task.pk}, body={"outcome": "explained", "note": "已电话沟通，客户接受"})
def _article(world, *, visibility: str = "public", status: str = "published", versions: int = 1,
             image: bool = False) -> Request:
    """An article by alice in the given state; a published one was reviewed by tom."""
    from serviceloop.knowledge import services as kb

    steps = []
    if image:
        picture = kb.article_image_add(actor=world.alice, upload=SimpleUploadedFile("接线图.png", PNG))
        steps = [{"text": "按图接线", "image_id": picture.pk}]
    article = kb.article_create(
        actor=world.alice, title="X-3000 上电无显示", visibility=visibility, steps=steps
    )
    for n in range(2, versions + 1):
        kb.article_update(article=article, actor=world.alice, changes={"notes": f"第 {n} 版"})
    if status in ("submitted", "published"):
        kb.article_submit(article=article, actor=world.alice)
    if status == "published":
        kb.article_publish(article=article, actor=world.tom)
    return Request(params={"article_id": article.pk, **({"image_id": steps[0]["image_id"]} if image else {})})


def _with_body(prepare, body=None, query=None):
    def make(world) -> Request:
        request = prepare(world)
        request.body, request.query = body, query
        return request
    return make


def _send_article(world) -> Request:
    request = _article(world)
    request.body = {"ticket_number": _ticket(world).number}
    return request


def _shared_reply(world, *, ticket: bool = False, body: dict | None = None) -> Request:
    from serviceloop.canned import services as canned

    reply = canned.canned_reply_create(actor=world.adam, title="结束语", body="{客户名}您好，工单 {工单号}",
                                       scope="shared")
    params = {"reply_id": reply.pk, **({"number": _ticket(world).number} if ticket else {})}
    return Request(params=params, body=body)


T = "/api/v1/tickets/{number}"
KA = "/api/v1/knowledge/articles/{article_id}"
ACTIONS: dict[str, Action] = {
    "create_ticket": Action(
        "post",
        "/api/v1/tickets",
        lambda w: Request(
            body={"title": "设备无法开机", "description": "上电后无显示", "organization_id": w.org_a.pk}
        ),
    ),
    "list_tickets": Action("get", "/api/v1/tickets", lambda w: Request()),
    "search": Action("get", "/api/v1/search", lambda w: Request(query={"q": "开机"})),
    "get_ticket": Action("get", T, _number),
    "update_ticket": Action(
        "patch",
        T,
        lambda w: Request(
            params={"number": _ticket(w).number}, body={"objective_description": "电源输出电压偏低"}
        ),
    ),
    "transition": Action(
        "post",
        T + "/transition",
        lambda w: Request(params={"number": _ticket(w).number}, body={"status": "in_progress"}),
    ),
    "confirm_resolution": Action(
        "post",
        T + "/transition",
        lambda w: Request(params={"number": _resolved(w).number}, body={"status": "closed"}),
    ),
    "accept": Action("post", T + "/accept", _number),
    "assign": Action(
        "post",
        T + "/assign",
        lambda w: Request(params={"number": _ticket(w).number}, body={"owner_id": w.eric.pk}),
    ),
    "set_priority": Action("post", T + "/priority", _priority),
    "bulk_assign": Action(
        "post",
        "/api/v1/tickets/bulk",
        lambda w: Request(body={"numbers": [_ticket(w).number], "action": "assign", "owner_id": w.eric.pk}),
    ),
    "reply": Action(
        "post",
        T + "/replies",
        lambda w: Request(params={"number": _ticket(w).number}, body={"body": "已安排工程师上门"}),
    ),
    "add_note": Action(
        "post",
        T + "/notes",
        lambda w: Request(params={"number": _ticket(w).number}, body={"body": "诊断：电源模块故障"}),
    ),
    "log_communication": Action(
        "post",
        T + "/communications",
        lambda w: Request(
            params={"number": _ticket(w).number},
            body={"channel": "phone", "customer_feedback": "客户同意明天上门", "next_step": "派工"},
        ),
    ),
    "timeline": Action("get", T + "/timeline", _number),
    "list_attachments": Action("get", T + "/attachments", _number),
    "upload_attachment": Action(
        "post",
        T + "/attachments",
        lambda w: Request(params={"number": _ticket(w).number}, file=SimpleUploadedFile("照片.png", PNG)),
        upload=True,
    ),
    "upload_internal_attachment": Action(
        "post",
        T + "/attachments",
        lambda w: Request(
            params={"number": _ticket(w).number}, file=SimpleUploadedFile("诊断.png", PNG), internal=True
        ),
        upload=True,
    ),
    "download_attachment": Action(
        "get", T + "/attachments/{attachment_id}/download", lambda w: _with_attachment(w, internal=False)
    ),
    "download_internal_attachment": Action(
        "get", T + "/attachments/{attachment_id}/download", lambda w: _with_attachment(w, internal=True)
    ),
    "list_categories": Action("get", "/api/v1/categories", lambda w: Request()),
    "record_diagnosis": Action(
        "post",
        T + "/diagnoses",
        lambda w: Request(
            params={"number": _working(w).number},
            body={"result": "电源模块无输出", "started_at": "2026-03-02T09:00:00+08:00"},
        ),
    ),
    "record_solution": Action(
        "post",
        T + "/solutions",
        lambda w: Request(
            params={"number": _working(w).number}, body={"text": "更换电源模块", "steps": ["断电", "更换"]}
        ),
    ),
    "record_execution": Action(
        "post",
        T + "/executions",
        lambda w: Request(
            params={"number": _working(w).number}, body={"text": "已更换", "customer_feedback": "可以开机"}
        ),
    ),
    "set_sub_status": Action(
        "post",
        T + "/sub-status",
        lambda w: Request(params={"number": _working(w).number}, body={"sub_status": "waiting_parts"}),
    ),
    "resolve": Action(
        "post",
        T + "/resolve",
        lambda w: Request(
            params={"number": _working(w).number},
            body={"root_cause_id": w.power_fault.pk, "customer_result": "已更换电源模块"},
        ),
    ),
    "answer_resolution": Action(
        "post",
        T + "/confirmation",
        lambda w: Request(
            params={"number": _resolved(w).number}, body={"fixed": True, "reason": "王女士确认已恢复"}
        ),
    ),
    "list_root_causes": Action("get", "/api/v1/root-causes", lambda w: Request()),
    "list_organizations": Action("get", "/api/v1/organizations", lambda w: Request()),
    "create_organization": Action(
        "post",
        "/api/v1/organizations",
        lambda w: Request(body={"name": "新客户科技有限公司", "industry": "manufacturing"}),
    ),
    "get_organization": Action(
        "get", "/api/v1/organizations/{org_id}", lambda w: Request(params={"org_id": w.org_a.pk})
    ),
    "get_other_organization": Action(
        "get", "/api/v1/organizations/{org_id}", lambda w: Request(params={"org_id": w.org_b.pk})
    ),
    "update_organization": Action(
        "patch",
        "/api/v1/organizations/{org_id}",
        lambda w: Request(params={"org_id": w.org_a.pk}, body={"tier": "vip", "contract_level": "金牌"}),
    ),
    "list_contacts": Action("get", "/api/v1/contacts", lambda w: Request()),
    "create_contact": Action(
        "post",
        "/api/v1/contacts",
        lambda w: Request(body={"organization_id": w.org_a.pk, "name": "张工", "phone": "13700001111"}),
    ),
    "list_products": Action("get", "/api/v1/products", lambda w: Request()),
    "create_product": Action(
        "post",
        "/api/v1/products",
        lambda w: Request(
            body={
                "organization_id": w.org_a.pk,
                "product_model_id": w.product_a.product_model_id,
                "serial_number": "SN-A-0099",
            }
        ),
    ),
    "list_product_models": Action("get", "/api/v1/product-models", lambda w: Request()),
    "me": Action("get", "/api/v1/users/me", lambda w: Request()),
    "escalate": Action(
        "post",
        T + "/escalate",
        lambda w: Request(
            params={"number": _ticket(w).number},
            body={"reason": "需研发部评估固件缺陷", "department": "研发部"},
        ),
    ),
    "list_sla_policies": Action("get", "/api/v1/sla/policies", lambda w: Request()),
    "create_policy_version": Action("post", "/api/v1/sla/policies/{policy_id}/versions", _policy_version),
    "list_calendars": Action("get", "/api/v1/sla/calendars", lambda w: Request()),
    "set_calendar_windows": Action(
        "put",
        "/api/v1/sla/calendars/{calendar_id}/windows",
        lambda w: Request(
            params={"calendar_id": default_calendar().pk},
            body=[{"start": "08:30", "end": "12:00"}, {"start": "13:00", "end": "17:30"}],
        ),
    ),
    "list_calendar_days": Action(
        "get",
        "/api/v1/sla/calendars/{calendar_id}/days",
        lambda w: Request(params={"calendar_id": default_calendar().pk}, query={"year": 2026}),
    ),
    "set_calendar_day": Action(
        "post",
        "/api/v1/sla/calendars/{calendar_id}/days",
        lambda w: Request(
            params={"calendar_id": default_calendar().pk},
            body={"date": "2026-12-31", "is_working": False, "name": "公司年终盘点"},
        ),
    ),
    "delete_calendar_day": Action("delete", "/api/v1/sla/calendars/{calendar_id}/days/{day}", _calendar_day),
    "get_calendar_year": Action(
        "get",
        "/api/v1/sla/calendars/{calendar_id}/years/{year}",
        lambda w: Request(params={"calendar_id": default_calendar().pk, "year": 2027}),
    ),
    "mark_calendar_year": Action(
        "post",
        "/api/v1/sla/calendars/{calendar_id}/years",
        lambda w: Request(params={"calendar_id": default_calendar().pk}, body={"year": 2027}),
    ),
    "read_notice": Action(
        "post",
        "/api/v1/sla/calendars/{calendar_id}/notice",
        lambda w: Request(
            params={"calendar_id": default_calendar().pk},
            body={
                "text": "国务院办公厅关于2027年部分节假日安排的通知\n"
                "一、元旦：1月1日（周五）至3日（周日）放假，共3天。"
            },
        ),
    ),
    "sla_history": Action("get", T + "/sla-history", _number),
    "list_escalations": Action("get", "/api/v1/sla/escalations", lambda w: Request()),
    "compensation": Action(
        "get",
        "/api/v1/sla/compensation",
        lambda w: Request(query={"since": "2026-01-01", "until": "2026-12-31"}),
    ),
    "list_notifications": Action("get", "/api/v1/notifications", lambda w: Request()),
    "mark_notification_read": Action(
        "post", "/api/v1/notifications/{notification_id}/read", _alice_notification
    ),
    "mark_all_notifications_read": Action("post", "/api/v1/notifications/read-all", lambda w: Request()),
    "get_notification_preferences": Action("get", "/api/v1/notifications/preferences", lambda w: Request()),
    "set_notification_preferences": Action(
        "put", "/api/v1/notifications/preferences", lambda w: Request(body={"choices": {}})
    ),
    "list_deliveries": Action("get", "/api/v1/notifications/deliveries", lambda w: Request()),
    "get_delivery": Action("get", "/api/v1/notifications/deliveries/{delivery_id}", _dead_delivery),
    "resend_delivery": Action(
        "post", "/api/v1/notifications/deliveries/{delivery_id}/resend", _dead_delivery
    ),
    "list_robots": Action("get", "/api/v1/notifications/robots", lambda w: Request()),
    "create_robot": Action(
        "post",
        "/api/v1/notifications/robots",
        lambda w: Request(
            body={
                "name": "售后飞书群",
                "kind": "feishu",
                "url": "https://open.feishu.cn/open-apis/bot/v2/hook/abc",
                "secret": "feishu-secret",
            }
        ),
    ),
    "update_robot": Action("patch", "/api/v1/notifications/robots/{robot_id}", _robot),
    "list_webhooks": Action("get", "/api/v1/notifications/webhooks", lambda w: Request()),
    "create_webhook": Action(
        "post",
        "/api/v1/notifications/webhooks",
        lambda w: Request(
            body={
                "name": "CRM",
                "url": "https://crm.example.cn/in",
                "secret": "s3cret",
                "events": ["breached"],
            }
        ),
    ),
    "update_webhook": Action("patch", "/api/v1/notifications/webhooks/{webhook_id}", _webhook),
    "download_original_email": Action("get", "/api/v1/email/messages/{message_id}/original", _inbound_email),
    "ticket_surveys": Action("get", T + "/surveys", _number),
    "complete_follow_up": Action("post", "/api/v1/follow-ups/{task_id}/complete", _follow_up),
    "kpis": Action(
        "get",
        "/api/v1/kpis",
        lambda w: Request(query={"from": "2026-01-01", "to": "2026-12-31", "by": "group"}),
    ),
    "dashboard": Action("get", "/api/v1/dashboard",
                        lambda w: Request(query={"start": "2026-01-01", "end": "2026-12-31"})),
    "dashboard_distributions": Action(
        "get",
        "/api/v1/dashboard/distributions",
        lambda w: Request(query={"start": "2026-01-01", "end": "2026-12-31", "dimension": "engineer"}),
    ),
    "request_report": Action(
        "post", "/api/v1/reports", lambda w: Request(body={"kind": "monthly", "start": "2026-11-01"})
    ),
    "get_report": Action("get", "/api/v1/reports/{report_id}", _published_report),
    "list_articles": Action("get", "/api/v1/knowledge/articles", lambda w: Request()),
    "create_article": Action(
        "post",
        "/api/v1/knowledge/articles",
        lambda w: Request(body={"title": "E101 电源故障处理", "steps": [{"text": "断电后更换电源模块"}]}),
    ),
    "get_article": Action("get", KA, _article),
    "get_internal_article": Action("get", KA, lambda w: _article(w, visibility="internal")),
    "update_article": Action(
        "patch", KA, _with_body(lambda w: _article(w, status="draft"), {"notes": "补充说明"})
    ),
    "submit_article": Action("post", KA + "/submit", lambda w: _article(w, status="draft")),
    "publish_article": Action(
        "post", KA + "/publish", _with_body(lambda w: _article(w, status="submitted"), {})
    ),
    "reject_article": Action(
        "post",
        KA + "/reject",
        _with_body(lambda w: _article(w, status="submitted"), {"comment": "请补充步骤截图"}),
    ),
    "list_article_versions": Action("get", KA + "/versions", _article),
    "diff_article_versions": Action(
        "get", KA + "/diff", _with_body(lambda w: _article(w, versions=2), query={"old": 1, "new": 2})
    ),
    "article_feedback": Action("post", KA + "/feedback", _with_body(_article, {"helpful": True})),
    "send_article": Action("post", KA + "/send", _send_article),
    "article_from_ticket": Action(
        "post",
        "/api/v1/knowledge/from-ticket/{number}",
        lambda w: Request(params={"number": _resolved(w).number}),
    ),
    "upload_article_image": Action(
        "post",
        "/api/v1/knowledge/images",
        lambda w: Request(file=SimpleUploadedFile("接线图.png", PNG)),
        upload=True,
    ),
    "download_article_image": Action(
        "get", "/api/v1/knowledge/images/{image_id}", lambda w: _article(w, image=True)
    ),
    "article_suggestions": Action(
        "get", "/api/v1/knowledge/suggestions", lambda w: Request(query={"q": "上电无显示"})
    ),
    "list_canned_replies": Action("get", "/api/v1/canned-replies", lambda w: Request()),
    "create_canned_reply": Action(
        "post", "/api/v1/canned-replies", lambda w: Request(body={"title": "问候", "body": "{客户名}您好，"})
    ),
    "get_canned_reply": Action("get", "/api/v1/canned-replies/{reply_id}", _shared_reply),
    "update_canned_reply": Action(
        "patch", "/api/v1/canned-replies/{reply_id}", lambda w: _shared_reply(w, body={"body": "祝好"})
    ),
    "delete_canned_reply": Action("delete", "/api/v1/canned-replies/{reply_id}", _shared_reply),
    "render_canned_reply": Action(
        "post", T + "/canned-replies/{reply_id}/render", lambda w: _shared_reply(w, ticket=True)
    ),
    "set_sla_policy": Action(
        "post",
        T + "/sla-policy",
        lambda w: Request(
            params={"number": _ticket(w).number},
            body={"policy_id": policy_install_presets()[1].pk, "reason": "客户签订了技术支持合同"},
        ),
    ),
}


# --- helpers --------------------------------------------------------------------------------------

def client_for(who: str, api_as):
    """An ApiClient for a persona, nobody, or a made-up token; CSRF is enforced as for a real client."""
    if who == "anonymous":
        api = api_as(None)
    elif who == "bad_token":
        api = api_as(None)
        api.headers["HTTP_AUTHORIZATION"] = "Bearer sl_this-token-was-never-issued-0123456789abcdef"
    else:
        api = api_as(who)
    api.client = Client(enforce_csrf_checks=True)
    return api


def perform(api, action: Action, request: Request):
    url = action.path.format(**request.params)
    if action.upload:
        return api.upload(url, request.file, internal="true" if request.internal else "false")
    if action.method == "get":
        response = api.get(url, request.query)
        if response.streaming:  # a download: read it so the file is closed
            response.content_bytes = b"".join(response.streaming_content)
            response.close()
        return response
    if action.method == "delete":
        return api.delete(url)
    return getattr(api, action.method)(url, request.body)




def _cells():
    for action, row in EXPECTED.items():
        for who, status in zip(WHO, row, strict=True):
            yield pytest.param(who, action, status, id=f"{who}-{action}")


# --- the matrix -----------------------------------------------------------------------------------

def test_the_table_has_one_cell_per_caller_and_one_row_per_action():
    assert set(EXPECTED) == set(ACTIONS)
    assert all(len(row) == len(WHO) for row in EXPECTED.values())


@pytest.mark.parametrize(("who", "action", "expected"), list(_cells()))
def test_matrix(who, action, expected, world, api_as):
    api = client_for(who, api_as)
    request = ACTIONS[action].prepare(world)
    before = db_snapshot()
    response = perform(api, ACTIONS[action], request)
    assert response.status_code == expected, (response.status_code, response.content[:500])
    if expected >= 400:
        body = response.json()
        assert body["code"] == ERROR_CODES[expected] and body["message"]
        assert db_snapshot() == before, "a refused request wrote something"


def test_the_openapi_document_lists_no_endpoint_the_matrix_does_not_cover(world, api_as):
    response = api_as(None).get("/api/v1/openapi.json")
    assert response.status_code == 200
    documented = {(method.lower(), path) for path, ops in response.json()["paths"].items() for method in ops}
    covered = {(a.method, a.path) for a in ACTIONS.values()}
    assert documented - covered == set(), "endpoints without a row in EXPECTED"
    assert covered - documented == set(), "rows in EXPECTED for endpoints that no longer exist"


# --- organisations never see each other -----------------------------------------------------------

@pytest.mark.parametrize("action", [name for name, a in ACTIONS.items() if a.names_ticket])
def test_another_organisation_gets_404_never_403_for_carols_ticket(action, world, api_as):
    request = ACTIONS[action].prepare(world)
    ticket = Ticket.objects.get(number=request.params["number"])
    before = db_snapshot()
    response = perform(client_for("bob", api_as), ACTIONS[action], request)
    assert response.status_code == 404, (response.status_code, response.content[:500])
    body = response.json()
    assert body["code"] == "not_found"
    assert ticket.title not in json.dumps(body, ensure_ascii=False)
    assert db_snapshot() == before


def test_another_organisations_lists_hold_nothing_of_carols(world, api_as):
    ticket = world.ticket(by="carol")
    bob = client_for("bob", api_as)
    assert ticket.number not in {t["number"] for t in bob.get("tickets", {"limit": 100}).json()["items"]}
    assert [o["id"] for o in bob.get("organizations").json()["items"]] == [world.org_b.pk]
    assert {c["organization_id"] for c in bob.get("contacts").json()["items"]} == {world.org_b.pk}
    assert {p["organization_id"] for p in bob.get("products").json()["items"]} == {world.org_b.pk}
    # Asking for carol's organisation by id, as a filter, finds nothing either.
    assert bob.get("contacts", {"organization_id": world.org_a.pk}).json()["items"] == []
    assert bob.get("products", {"organization_id": world.org_a.pk}).json()["items"] == []
    assert bob.get("tickets", {"organization_id": world.org_a.pk}).json()["items"] == []


# --- nothing internal reaches the customer --------------------------------------------------------

SECRET = "内部机密"


def test_internal_notes_communications_and_internal_attachments_never_reach_the_customer(world, api_as):
    ticket = world.ticket(by="carol", title="产线设备黑屏")
    alice, eric, sam = world.alice, world.eric, world.sam
    services.ticket_add_internal_note(
        ticket=ticket, actor=eric, body=f"{SECRET}：批次缺陷", note_type="diagnosis"
    )
    services.ticket_log_communication(
        ticket=ticket,
        actor=alice,
        channel="phone",
        happened_at=None,
        customer_feedback=f"{SECRET}：客户情绪激动",
        next_step=f"{SECRET}：回电",
        summary=f"{SECRET}：通话摘要",
    )
    services.ticket_assign(ticket=ticket, actor=alice, owner=eric, note=f"{SECRET}：指派说明")
    services.ticket_set_priority(ticket=ticket, actor=sam, priority="urgent", reason=f"{SECRET}：VIP 投诉")
    services.ticket_transition(ticket=ticket, actor=eric, to_status="in_progress", note=f"{SECRET}：开始排查")
    internal = services.attachment_add(ticket=ticket, actor=eric, internal=True,
                                       upload=SimpleUploadedFile(f"{SECRET}-诊断.png", PNG))
    public = services.attachment_add(ticket=ticket, actor=alice,
                                     upload=SimpleUploadedFile("维修报告.png", PNG))
    services.ticket_add_reply(ticket=ticket, actor=alice, body="您好，工程师已开始处理")
    staff, carol = client_for("alice", api_as), client_for("carol", api_as)
    base = f"tickets/{ticket.number}"

    def everything(api) -> str:
        reads = [api.get(base), api.get(f"{base}/timeline", {"limit": 100}), api.get(f"{base}/attachments"),
                 api.get("tickets", {"limit": 100})]
        assert [r.status_code for r in reads] == [200, 200, 200, 200]
        return json.dumps([r.json() for r in reads], ensure_ascii=False)

    assert SECRET in everything(staff)  # the secrets are there for staff: the check below is not vacuous
    seen = everything(carol)
    assert SECRET not in seen
    assert "您好，工程师已开始处理" in seen and "维修报告.png" in seen
    kinds = {e["kind"] for e in carol.get(f"{base}/timeline", {"limit": 100}).json()["items"]}
    # A public attachment's event is public too (events.attachment_added); everything internal is absent.
    assert kinds <= set(PUBLIC_EVENT_KINDS)
    assert not kinds & {"note", "communication", "assigned", "priority", "accepted", "fields", "co_handlers"}
    assert [a["id"] for a in carol.get(f"{base}/attachments").json()] == [public.pk]
    hidden = perform(carol, ACTIONS["download_internal_attachment"],
                     Request(params={"number": ticket.number, "attachment_id": internal.pk}))
    assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    shown = perform(carol, ACTIONS["download_attachment"],
                    Request(params={"number": ticket.number, "attachment_id": public.pk}))
    assert shown.status_code == 200 and shown.content_bytes == PNG
