"""The web workspace through Django's test client: login and lockout, language, lists, ticket pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from serviceloop.accounts.models import LoginThrottle
from serviceloop.tickets import services
from tests.personas import PASSWORD, resolve_ticket


def login(username: str, password: str = PASSWORD, client: Client | None = None):
    client = client or Client()
    return client, client.post("/login/", {"username": username, "password": password})


def test_it_logs_in_and_out(world):
    client, response = login("alice")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/")["Location"].startswith("/login/")


def test_it_locks_a_username_after_five_failures(world, settings):
    settings.LOGIN_MAX_FAILURES = 5
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(4):
        assert "wrong" in client.post("/login/", {"username": "alice", "password": "nope"}).content.decode()
    locked = client.post("/login/", {"username": "alice", "password": "nope"}).content.decode()
    assert "Too many failed attempts" in locked
    # Even the right password is refused while locked, and nothing tells whether the user exists.
    assert (
        "Too many failed attempts"
        in client.post("/login/", {"username": "alice", "password": PASSWORD}).content.decode()
    )
    assert LoginThrottle.objects.get(username="alice").locked_until is not None


def test_the_next_parameter_never_leaves_the_site(world):
    client = Client()
    response = client.post(
        "/login/?next=https://evil.example.com/", {"username": "alice", "password": PASSWORD}
    )
    assert response["Location"] == "/"


def test_the_language_switch_is_remembered_on_the_user(world):
    client, _ = login("alice")
    assert "我的工单" in client.get("/").content.decode()
    client.post("/language/", {"language": "en", "next": "/"})
    world.alice.refresh_from_db()
    assert world.alice.language == "en"
    other = Client()  # a new browser: the saved choice follows the user
    login("alice", client=other)
    assert "My tickets" in other.get("/").content.decode()


def test_an_agent_sees_their_open_tickets_with_masked_phones(world):
    mine = world.ticket(contact=world.contact_a)
    services.ticket_assign(ticket=mine, actor=world.sam, owner=world.alice)
    world.ticket(title="别人的工单")
    client, _ = login("alice")
    page = client.get("/").content.decode()
    assert mine.number in page and "别人的工单" not in page
    assert "138****5678" in page and "13812345678" not in page


def test_the_list_costs_a_fixed_number_of_queries(world):
    for i in range(30):
        ticket = world.ticket(title=f"工单 {i}", contact=world.contact_a)
        services.ticket_assign(ticket=ticket, actor=world.sam, owner=world.alice)
    client, _ = login("alice")
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    # session, user, roles+permissions; the page (its order, then its rows with their joins); the six
    # views' capped counts; the saved filters; the filter form's categories, organisations and agents;
    # the bulk bar's groups (issue #16.2). Not one more per row.
    assert len(queries) == 16, [q["sql"][:80] for q in queries]


def test_a_customer_sees_the_timeline_without_internal_notes(world):
    ticket = world.ticket(by="carol")
    services.ticket_add_internal_note(ticket=ticket, actor=world.eric, body="内部：怀疑批次问题")
    services.ticket_add_reply(ticket=ticket, actor=world.alice, body="您好，已安排工程师")
    client, _ = login("carol")
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "已安排工程师" in page and "怀疑批次问题" not in page
    staff, _ = login("eric")
    assert "怀疑批次问题" in staff.get(f"/tickets/{ticket.number}/").content.decode()


def test_another_organisations_ticket_is_not_found(world):
    ticket = world.ticket(by="carol")
    client, _ = login("bob")
    assert client.get(f"/tickets/{ticket.number}/").status_code == 404


@pytest.mark.parametrize("path", ["/", "/tickets/202611-0001/"])
def test_pages_need_a_login(world, path):
    assert Client().get(path)["Location"].startswith("/login/")


def test_text_is_shown_as_text_never_run(world):
    ticket = world.ticket(title="<script>alert(1)</script>", description="<img src=x onerror=alert(1)>")
    client, _ = login("alice")
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_an_agent_assigns_acknowledges_replies_and_moves_a_ticket_from_its_page(world):
    ticket = world.ticket(contact=world.contact_a)
    client, _ = login("alice")
    base = f"/tickets/{ticket.number}/"
    assert (
        client.post(base + "assign/", {"assign-owner": world.eric.pk, "assign-group": ""}).status_code == 302
    )
    eric, _ = login("eric")
    eric.post(base + "accept/")
    eric.post(base + "reply/", {"reply-body": "您好，工程师已在处理"})
    eric.post(base + "note/", {"note-note_type": "diagnosis", "note-body": "电源模块损坏"})
    eric.post(
        base + "communication/",
        {"comm-channel": "phone", "comm-customer_feedback": "同意寄回", "comm-next_step": "取件"},
    )
    page = eric.post(
        base + "transition/",
        {"status-status": "in_progress", "status-sub_status": "waiting_parts"},
        follow=True,
    )
    ticket.refresh_from_db()
    assert (ticket.owner, ticket.status, ticket.sub_status) == (world.eric, "in_progress", "waiting_parts")
    assert ticket.accepted_at and ticket.first_response_at
    assert list(ticket.events.values_list("kind", flat=True)) == [
        "created", "assigned", "accepted", "status", "reply", "note", "communication", "status"]
    assert "msg-success" in page.content.decode()


def test_a_refused_action_says_why_and_writes_nothing(world):
    ticket = world.ticket()
    client, _ = login("alice")
    before = ticket.events.count()
    page = client.post(
        f"/tickets/{ticket.number}/transition/", {"status-status": "resolved"}, follow=True
    ).content.decode()
    assert "msg-error" in page and ticket.events.count() == before
    page = client.post(f"/tickets/{ticket.number}/reply/", {"reply-body": ""}, follow=True).content.decode()
    assert "msg-error" in page and ticket.events.count() == before


def test_a_customer_confirms_the_fix_or_reopens_from_the_page(world):
    ticket = world.ticket(by="carol")
    services.ticket_transition(ticket=ticket, actor=world.alice, to_status="in_progress")
    resolve_ticket(ticket, world.alice)
    client, _ = login("carol")
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert f"/tickets/{ticket.number}/confirm/" in page and f"/tickets/{ticket.number}/not-fixed/" in page
    assert "note/" not in page
    client.post(f"/tickets/{ticket.number}/confirm/")
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    # Staff-only actions are refused for customers even when posted by hand.
    client.post(f"/tickets/{ticket.number}/note/", {"note-note_type": "progress", "note-body": "x"})
    assert not ticket.events.filter(kind="note").exists()


def test_actions_on_another_organisations_ticket_are_not_found(world):
    ticket = world.ticket(by="carol")
    client, _ = login("bob")
    assert client.post(f"/tickets/{ticket.number}/reply/", {"reply-body": "hi"}).status_code == 404
    assert not ticket.events.filter(kind="customer_reply").exists()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
# The portal's three impact questions, answered for a problem that holds up some work.
IMPACT = {"problem-business_stop": "partly", "problem-reach": "one", "problem-core": "no"}


@pytest.mark.parametrize("stop,reach,core,urgency", [
    ("stopped", "one", "yes", "critical"), ("stopped", "all", "no", "critical"),
    ("stopped", "one", "no", "urgent"),
    ("partly", "one", "yes", "urgent"), ("partly", "some", "unsure", "important"),
    ("running", "all", "no", "important"), ("running", "one", "unsure", "normal"),
])
def test_the_urgency_follows_the_customers_answers_to_the_impact_questions(stop, reach, core, urgency):
    from serviceloop.tickets.priority import urgency_from_answers

    assert urgency_from_answers(stop=stop, reach=reach, core=core) == urgency


def test_a_stopped_core_device_reported_in_the_portal_is_never_low(world):
    from serviceloop.tickets.models import Ticket

    client, _ = login("carol")  # in Chinese, the default
    response = client.post("/submit/", {
        "problem-title": "设备无法开机", "problem-description": "按电源键无反应，生产线停了",
        "problem-business_stop": "stopped", "problem-reach": "some", "problem-core": "yes",
    })
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.urgency, ticket.business_interrupted) == ("critical", True)
    assert ticket.priority == "urgent"
    assert ticket.business_impact == ("业务是否中断？ 是，业务已中断 · 影响多少用户？ 多人或一个部门 · "
                                      "是否为核心设备？ 是，业务依赖该设备")


def test_the_impact_questions_must_be_answered_and_an_unknown_answer_is_refused(world):
    from serviceloop.tickets.models import Ticket

    client, _ = login("carol")
    page = client.get("/submit/").content.decode()
    assert page.count('<fieldset class="choices">') == 3 and "<legend>业务是否中断？" in page
    response = client.post("/submit/", {"problem-title": "设备无法开机", "problem-description": "黑屏",
                                        "problem-business_stop": "everything-burns", "problem-reach": "one"})
    page = response.content.decode()
    assert response.status_code == 422 and not Ticket.objects.exists()
    assert "everything-burns" in page and page.count('class="field-error"') == 2  # not a choice; not answered


def test_a_customer_submits_a_problem_with_a_photo_and_gets_the_number_and_times(world, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from serviceloop.tickets.models import Attachment, Ticket

    client, _ = login("carol")
    response = client.post("/submit/", {
        "problem-title": "设备无法开机", "problem-product": world.product_a.pk,
        "problem-occurred_at": "2026-11-24T14:00", "problem-description": "按电源键无反应，指示灯不亮",
        "problem-error_code": "E500", **IMPACT,
        "problem-attachments": [SimpleUploadedFile("现场.png", PNG, content_type="image/png")],
    })
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/submitted/{ticket.number}/"
    assert (ticket.organization, ticket.contact, ticket.product, ticket.channel) == (
        world.org_a, world.contact_a, world.product_a, "portal")
    assert Attachment.objects.get(ticket=ticket).original_name == "现场.png"
    page = client.get(response["Location"]).content.decode()
    assert ticket.number in page and "2026" in page


def test_a_disguised_file_refuses_the_whole_submission_next_to_the_field(world, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from serviceloop.tickets.models import Attachment, Ticket

    client, _ = login("carol")
    response = client.post("/submit/", {
        "problem-title": "设备无法开机", "problem-description": "见附件",
        "problem-attachments": [SimpleUploadedFile("ok.png", PNG),
                                SimpleUploadedFile("photo.png", b"MZ\x90\x00" + b"\x00" * 100)],
    })
    assert response.status_code == 422
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    media = settings.MEDIA_ROOT
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True
    assert 'class="field-error"' in response.content.decode()


def test_required_fields_and_bad_dates_are_answered_next_to_the_field(world):
    client, _ = login("carol")
    response = client.post("/submit/", {"problem-title": "", "problem-description": "",
                                        "problem-occurred_at": "昨天下午"})
    page = response.content.decode()
    assert response.status_code == 422 and page.count('class="field-error"') >= 3


def test_staff_do_not_use_the_customer_form(world):
    client, _ = login("alice")
    assert client.get("/submit/").status_code == 404


def test_an_agent_registers_a_phone_call_and_sees_the_number_and_response_time(world):
    from serviceloop.tickets.models import Ticket

    client, _ = login("alice")
    found = client.get("/intake/organizations/", {"q": "1381234"}).content.decode()
    assert world.org_a.name in found and "王女士" in found
    response = client.post("/intake/", {
        "intake-organization": world.org_a.pk, "intake-contact": world.contact_a.pk,
        "intake-serial_number": "SN-A-0001", "intake-title": "电话报修：X-3000 无法开机",
        "intake-description": "客户说按电源键没反应", "intake-error_code": "E500",
        "intake-ticket_type": "problem", "intake-urgency": "urgent", "intake-impact_scope": "single",
        "intake-business_interrupted": "on", "intake-affected_users": "40",
    })
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/submitted/{ticket.number}/"
    assert (ticket.channel, ticket.product, ticket.contact, ticket.affected_users) == (
        "phone", world.product_a, world.contact_a, 40)
    page = client.get(response["Location"]).content.decode()
    assert f"工单 {ticket.number} 已登记" in page and "首次响应期限" in page  # written for the agent
    assert "来电咨询时请提供" not in page and 'href="/intake/"' in page


def test_phone_intake_refuses_a_serial_of_another_organisation_next_to_the_field(world):
    from serviceloop.tickets.models import Ticket

    client, _ = login("alice")
    response = client.post("/intake/", {
        "intake-organization": world.org_a.pk, "intake-serial_number": "SN-B-0001", "intake-title": "x",
        "intake-description": "y", "intake-ticket_type": "problem", "intake-urgency": "normal",
        "intake-impact_scope": "single",
    })
    assert response.status_code == 422 and 'class="field-error"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_customers_have_no_phone_intake(world):
    client, _ = login("carol")
    assert client.get("/intake/").status_code == 404
    assert client.get("/intake/organizations/", {"q": "南方"}).status_code == 404
