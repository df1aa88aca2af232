"""The agent's (and the customer's) ticket page: a readable timeline, previews, uploads, escalation."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.formats import date_format
from django.utils.timezone import localtime

from serviceloop.accounts.models import Team
from serviceloop.sla.models import Escalation, EscalationKind
from serviceloop.sla.services.escalation import ticket_escalate
from serviceloop.tickets import services
from serviceloop.tickets.choices import Priority, Status, SubStatus
from serviceloop.tickets.models import Attachment
from tests.personas import PASSWORD, db_snapshot

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 100
STAFF = ("alice", "eric", "sam", "dora", "adam", "pete", "rita", "tom")


def login(username: str, *, language: str | None = None, csrf: bool = False) -> Client:
    if language:
        from serviceloop.accounts.models import User

        User.objects.filter(username=username).update(language=language)
    client = Client(enforce_csrf_checks=csrf)
    assert client.login(username=username, password=PASSWORD)
    return client


def page_of(client: Client, ticket) -> str:
    response = client.get(f"/tickets/{ticket.number}/")
    assert response.status_code == 200
    return response.content.decode()


def timeline_of(page: str) -> str:
    return page[page.index('<ol class="timeline">'):page.index("</ol>", page.index('<ol class="timeline">'))]


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def stored_files(settings) -> list:
    media = settings.MEDIA_ROOT
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def busy_ticket(world, rounds: int = 1):
    """A ticket with every kind of event, `rounds` times over, and an image and a text file per round."""
    team = Team.objects.get_or_create(name="硬件组")[0]
    ticket = world.ticket(contact=world.contact_a, product=world.product_a, by="carol")
    services.ticket_accept(ticket=ticket, actor=world.alice)
    services.ticket_transition(
        ticket=ticket, actor=world.alice, to_status="in_progress", sub_status="waiting_parts", note="等备件"
    )
    for i in range(rounds):
        owner = (world.eric, world.alice)[i % 2]
        services.ticket_assign(ticket=ticket, actor=world.sam, owner=owner, group=team)
        services.ticket_set_co_handlers(
            ticket=ticket, actor=world.sam, users=[world.tom, world.rita][: 1 + i % 2]
        )
        services.ticket_set_priority(ticket=ticket, actor=world.sam,
                                     priority=(Priority.URGENT, Priority.LOW)[i % 2], reason="客户停产")
        services.ticket_update(ticket=ticket, actor=world.alice, changes={
            "category": (world.power, world.hardware)[i % 2], "urgency": ("urgent", "normal")[i % 2],
            "business_interrupted": not i % 2})
        services.ticket_add_reply(ticket=ticket, actor=world.alice, body=f"您好，第 {i} 次答复")
        services.ticket_add_reply(ticket=ticket, actor=world.carol, body=f"收到 {i}")
        services.ticket_add_internal_note(
            ticket=ticket, actor=world.eric, body=f"内部判断 {i}", note_type="diagnosis"
        )
        services.ticket_log_communication(ticket=ticket, actor=world.alice, channel="phone", happened_at=None,
                                          customer_feedback=f"同意寄回 {i}", next_step="安排取件")
        services.attachment_add(ticket=ticket, actor=world.carol, upload=upload(f"现场{i}.png", PNG))
        services.attachment_add(ticket=ticket, actor=world.eric, upload=upload(f"诊断{i}.txt", b"log line\n"),
                                internal=True)
        ticket_escalate(ticket=ticket, actor=world.alice, reason=f"需要研发支持 {i}", to=world.tom)
    return ticket


# --- the timeline ---------------------------------------------------------------------------------

def test_the_timeline_shows_labels_and_names_never_codes_or_ids(world):
    ticket = busy_ticket(world)
    timeline = timeline_of(page_of(login("sam", language="en"), ticket))
    for label in (
        "In progress",
        "Accepted",
        "Waiting for spare parts",
        "Urgent",
        "Owner changed",
        "Eric",
        "Co-handlers changed",
        "Tom",
        "硬件组",
        "Category",
        "电源模块",
        "Business interrupted",
        "Yes",
        "Diagnosis",
        "Phone",
        "同意寄回 0",
        "安排取件",
        "Manual escalation",
        "需要研发支持 0",
        "等备件",
    ):
        assert label in timeline, label
    visible = re.sub(r"<[^>]+>", " ", timeline)  # codes may stay in class names, never in the text
    for code in ("in_progress", "waiting_parts", "diagnosis", "manual", "urgent", "business_interrupted"):
        assert not re.search(rf"\b{code}\b", visible), code


def test_the_timeline_speaks_the_readers_language_with_its_date_format(world):
    ticket = world.ticket()
    services.ticket_transition(
        ticket=ticket, actor=world.alice, to_status="in_progress", sub_status="repairing"
    )
    created = localtime(ticket.created_at)
    for language in ("zh-hans", "en"):
        timeline = timeline_of(page_of(login("alice", language=language), ticket))
        with translation.override(language):
            assert str(Status.IN_PROGRESS.label) in timeline and str(SubStatus.REPAIRING.label) in timeline
            assert date_format(created, "SHORT_DATETIME_FORMAT") in timeline


def test_internal_entries_are_marked_and_hidden_from_the_customer(world):
    ticket = busy_ticket(world)
    staff = timeline_of(page_of(login("alice"), ticket))
    note = staff[staff.rindex("<li", 0, staff.index("内部判断 0")):staff.index("内部判断 0")]
    assert "internal" in note and "internal-badge" in note
    customer = timeline_of(page_of(login("carol"), ticket))
    for secret in ("内部判断", "同意寄回", "需要研发支持", "等备件", "诊断0.txt", "internal-badge", "Tom"):
        assert secret not in customer, secret
    assert "第 0 次答复" in customer and "收到 0" in customer


def test_markup_in_a_note_is_shown_as_text(world):
    ticket = world.ticket()
    services.ticket_add_internal_note(
        ticket=ticket, actor=world.alice, body="<script>alert(1)</script><b>粗</b>"
    )
    services.ticket_log_communication(ticket=ticket, actor=world.alice, channel="phone", happened_at=None,
                                      customer_feedback='<img src=x onerror="alert(2)">', next_step="")
    timeline = timeline_of(page_of(login("alice"), ticket))
    assert "<script>" not in timeline and "<b>" not in timeline and "<img src=x" not in timeline
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;粗&lt;/b&gt;" in timeline
    assert "&lt;img src=x" in timeline


# --- attachments ----------------------------------------------------------------------------------

def test_an_image_is_previewed_and_an_internal_file_is_hidden_from_the_customer(world):
    ticket = world.ticket(by="carol")
    photo = services.attachment_add(ticket=ticket, actor=world.carol, upload=upload("现场.png", PNG))
    log = services.attachment_add(
        ticket=ticket, actor=world.alice, upload=upload("诊断.txt", b"E500\n"), internal=True
    )
    photo_url = f"/api/v1/tickets/{ticket.number}/attachments/{photo.pk}/download"
    log_url = f"/api/v1/tickets/{ticket.number}/attachments/{log.pk}/download"

    agent = login("alice")
    page = page_of(agent, ticket)
    assert f'<img src="{photo_url}" alt="现场.png"' in page
    assert f'href="{log_url}"' in page and f'<img src="{log_url}"' not in page  # not an image: a link
    with translation.override("zh-hans"):
        assert (
            "诊断.txt" in page and filesizeformat(log.size) in page
        )  # a file that is not an image: name, size

    carol = login("carol")
    page = page_of(carol, ticket)
    assert f'<img src="{photo_url}" alt="现场.png"' in page
    assert "诊断.txt" not in page and log_url not in page

    # The preview's source is the permission-checked download, which the session opens inline, unsniffed.
    image = carol.get(photo_url)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image["Content-Disposition"].startswith("inline")
    assert image["X-Content-Type-Options"] == "nosniff"
    assert b"".join(image.streaming_content) == PNG
    assert carol.get(log_url).status_code == 404
    assert login("bob").get(photo_url).status_code == 404


def test_an_agent_uploads_several_files_at_once_and_may_keep_them_internal(world, settings):
    ticket = world.ticket()
    client = login("alice", language="en")
    response = client.post(f"/tickets/{ticket.number}/attachments/", {
        "attach-files": [upload("现场.png", PNG), upload("日志.txt", b"line 1\n")], "attach-internal": "on"},
        follow=True)
    assert "2 files added." in response.content.decode()
    files = list(Attachment.objects.filter(ticket=ticket).order_by("id"))
    assert [(a.original_name, a.is_internal, a.content_type) for a in files] == [
        ("现场.png", True, "image/png"), ("日志.txt", True, "text/plain")]
    assert list(ticket.events.filter(kind="attachment").values_list("is_public", flat=True)) == [False, False]
    assert len(stored_files(settings)) == 2


def test_one_refused_file_refuses_the_whole_upload_and_leaves_no_file_on_disk(world, settings):
    ticket = world.ticket()
    client = login("alice", language="en")
    before = db_snapshot()
    response = client.post(f"/tickets/{ticket.number}/attachments/", {
        "attach-files": [upload("现场.png", PNG), upload("日志.txt", b"ok\n"), upload("photo.png", EXE)]},
        follow=True)
    page = response.content.decode()
    assert "msg-error" in page and "“photo.png” was refused, so no file was saved" in page
    assert db_snapshot() == before and stored_files(settings) == []


def test_a_disguised_file_is_refused_in_the_users_language(world, settings):
    ticket = world.ticket()
    before = db_snapshot()
    page = login("alice", language="en").post(f"/tickets/{ticket.number}/attachments/", {
        "attach-files": [upload("截图.png", EXE)]}, follow=True).content.decode()
    assert "This type of file is not accepted" in page
    page = login("eric").post(f"/tickets/{ticket.number}/attachments/", {
        "attach-files": [upload("报告.pdf", PNG)]}, follow=True).content.decode()
    with translation.override("zh-hans"):
        expected = translation.gettext(
            "The file's content (%(real)s) does not match its name (%(name)s)."
        ) % {"real": "PNG", "name": "报告.pdf"}
    assert expected in page.replace("&#x27;", "'")
    assert db_snapshot() == before and stored_files(settings) == []


@pytest.mark.parametrize("size", [2048, 200 * 1024], ids=["stopped-while-arriving", "refused-by-its-length"])
def test_an_oversized_upload_is_refused_with_a_message_not_a_server_error(size, world, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    ticket = world.ticket()
    client = login("alice", language="en", csrf=True)  # like a browser: the CSRF middleware reads the body
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page_of(client, ticket)).group(1)
    before = db_snapshot()
    response = client.post(f"/tickets/{ticket.number}/attachments/", {
        "csrfmiddlewaretoken": token, "attach-files": [upload("大图.png", PNG + b"\x00" * size)]})
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.number}/"
    page = page_of(client, ticket)
    assert "The file is larger than the limit of 1.0\xa0KB." in page and "msg-error" in page
    assert db_snapshot() == before and stored_files(settings) == []


def test_an_upload_still_needs_the_csrf_token(world, settings):
    ticket = world.ticket()
    client = login("alice", csrf=True)
    response = client.post(f"/tickets/{ticket.number}/attachments/", {"attach-files": [upload("a.png", PNG)]})
    assert response.status_code == 403
    assert not Attachment.objects.exists() and stored_files(settings) == []


def test_an_upload_without_files_says_so(world):
    ticket = world.ticket()
    page = login("alice", language="en").post(f"/tickets/{ticket.number}/attachments/", {},
                                               follow=True).content.decode()
    assert "Add files: This field is required." in page and not Attachment.objects.exists()


def test_a_customer_uploads_to_her_own_ticket_but_never_an_internal_file(world, settings):
    ticket = world.ticket(by="carol")
    carol = login("carol")
    page = page_of(carol, ticket)
    assert "attachments/" in page and 'name="attach-internal"' not in page
    carol.post(f"/tickets/{ticket.number}/attachments/", {"attach-files": [upload("现场.png", PNG)]})
    assert Attachment.objects.get().is_internal is False
    before = db_snapshot()
    carol.post(f"/tickets/{ticket.number}/attachments/", {"attach-files": [upload("b.png", PNG)],
                                                          "attach-internal": "on"})
    assert db_snapshot() == before
    assert login("bob").post(f"/tickets/{ticket.number}/attachments/",
                             {"attach-files": [upload("c.png", PNG)]}).status_code == 404
    assert db_snapshot() == before


def test_a_customer_is_not_offered_uploads_on_a_closed_ticket(world):
    ticket = world.ticket(by="carol")
    services.ticket_transition(ticket=ticket, actor=world.alice, to_status="closed")
    assert "data-dropzone" not in page_of(login("carol"), ticket)
    assert "data-dropzone" in page_of(login("alice"), ticket)


# --- escalation -----------------------------------------------------------------------------------

@pytest.mark.parametrize("username", STAFF)
def test_staff_escalate_from_the_page_and_see_it_in_the_timeline(username, world):
    ticket = world.ticket()
    client = login(username, language="en")
    assert f"/tickets/{ticket.number}/escalate/" in page_of(client, ticket)
    response = client.post(
        f"/tickets/{ticket.number}/escalate/",
        {
            "escalate-reason": "需要研发确认固件问题",
            "escalate-to": world.tom.pk,
            "escalate-department": "研发部",
            "escalate-expected_feedback_at": "2099-01-02T10:00",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "The ticket was escalated." in page
    escalation = Escalation.objects.get(ticket=ticket)
    assert (
        escalation.kind,
        escalation.escalated_to,
        escalation.department,
        escalation.created_by.username,
    ) == (EscalationKind.MANUAL, world.tom, "研发部", username)
    timeline = timeline_of(page)
    for shown in ("Manual escalation", "需要研发确认固件问题", "Tom", "研发部",
                  date_format(localtime(escalation.expected_feedback_at), "SHORT_DATETIME_FORMAT")):
        assert shown in timeline, shown


def test_a_customer_is_neither_offered_escalation_nor_able_to_post_it(world):
    ticket = world.ticket(by="carol")
    carol = login("carol", language="en")
    assert "escalate/" not in page_of(carol, ticket)
    page = carol.post(
        f"/tickets/{ticket.number}/escalate/",
        {"escalate-reason": "快点", "escalate-department": "x"},
        follow=True,
    ).content.decode()
    assert "Only service staff can escalate a ticket." in page
    assert not Escalation.objects.exists()


def test_an_escalation_needs_a_person_or_a_department_and_a_reason(world):
    ticket = world.ticket()
    client = login("alice", language="en")
    page = client.post(
        f"/tickets/{ticket.number}/escalate/", {"escalate-reason": "急"}, follow=True
    ).content.decode()
    assert "Name a person or a department to escalate to." in page
    page = client.post(f"/tickets/{ticket.number}/escalate/", {"escalate-department": "研发部"},
                       follow=True).content.decode()
    assert "Reason: This field is required." in page
    assert not Escalation.objects.exists()


def test_a_closed_ticket_offers_no_escalation(world):
    ticket = world.ticket()
    services.ticket_transition(ticket=ticket, actor=world.alice, to_status="closed")
    assert "escalate/" not in page_of(login("alice"), ticket)


# --- assignment -----------------------------------------------------------------------------------

def test_an_agent_sets_owner_and_co_handlers_in_one_form(world):
    ticket = world.ticket()
    client = login("alice")
    base = f"/tickets/{ticket.number}/"
    client.post(base + "assign/", {"assign-owner": world.eric.pk, "assign-group": "",
                                   "assign-co_handlers": [world.tom.pk, world.rita.pk]})
    ticket.refresh_from_db()
    assert ticket.owner == world.eric and set(ticket.co_handlers.all()) == {world.tom, world.rita}
    page = page_of(client, ticket)
    assert re.search(rf'<option value="{world.tom.pk}" selected>', page)  # the form shows what is set
    client.post(base + "assign/", {"assign-owner": world.eric.pk, "assign-co_handlers": [world.tom.pk]})
    assert list(ticket.co_handlers.all()) == [world.tom]
    assert list(ticket.events.values_list("kind", flat=True)) == [
        "created",
        "assigned",
        "co_handlers",
        "co_handlers",
    ]


def test_an_engineer_cannot_assign_and_nothing_is_written(world):
    ticket = world.ticket()
    eric = login("eric")
    assert "assign/" not in page_of(eric, ticket)
    before = db_snapshot()
    eric.post(f"/tickets/{ticket.number}/assign/", {"assign-owner": world.eric.pk,
                                                    "assign-co_handlers": [world.tom.pk]})
    assert db_snapshot() == before


def test_after_assigning_the_message_says_to_whom(world):
    ticket = world.ticket()
    response = login("alice").post(f"/tickets/{ticket.number}/assign/", {"assign-owner": world.eric.pk},
                                   follow=True)
    assert f"已指派给 {world.eric}。" in response.content.decode()


def test_a_customer_cannot_be_made_a_co_handler(world):
    ticket = world.ticket()
    before = db_snapshot()
    login("alice").post(f"/tickets/{ticket.number}/assign/", {"assign-owner": world.eric.pk,
                                                              "assign-co_handlers": [world.carol.pk]})
    assert db_snapshot() == before  # the owner change is refused with the bad co-handler


# --- cost -----------------------------------------------------------------------------------------

# session, user, roles+permissions, ticket with its joins, co-handlers, events, attachments; for staff also
# the people, group, escalations and categories the events name, and the option lists of the assign and
# escalate forms (owner, group, co-handlers, escalate to), the execution record's operator and the resolve
# form's root causes, and the answered surveys with their follow-up tasks (web/templatetags/loop.py).
AGENT_QUERIES = 18
CUSTOMER_QUERIES = 7


def _count(client, ticket) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/tickets/{ticket.number}/").status_code == 200
    return len(queries)


@pytest.mark.parametrize(("username", "expected"), [("sam", AGENT_QUERIES), ("carol", CUSTOMER_QUERIES)])
def test_the_ticket_page_costs_a_fixed_number_of_queries(username, expected, world):
    one, three = busy_ticket(world, rounds=1), busy_ticket(world, rounds=3)
    client = login(username)
    client.get(f"/tickets/{one.number}/")  # warm up per-process caches
    assert three.events.count() > one.events.count() + 20
    assert _count(client, one) == _count(client, three) == expected


@pytest.mark.parametrize("size", [2048, 200 * 1024], ids=["stopped-while-arriving", "refused-by-its-length"])
def test_an_oversized_file_on_the_portal_form_is_answered_in_the_form(size, world, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    client = login("carol", language="en", csrf=True)  # like a browser: the CSRF middleware reads the body
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get("/submit/").content.decode()
    ).group(1)
    before = db_snapshot()
    response = client.post(
        "/submit/",
        {
            "csrfmiddlewaretoken": token,
            "title": "设备无法开机",
            "description": "上电后无显示",
            "attachments": [upload("大图.png", PNG + b"\x00" * size)],
        },
    )
    assert response.status_code == 413
    assert "The file is larger than the limit of 1.0\xa0KB." in response.content.decode()
    assert db_snapshot() == before and stored_files(settings) == []


def test_the_portal_form_still_needs_the_csrf_token(world, settings):
    client = login("carol", csrf=True)
    response = client.post("/submit/", {"title": "设备无法开机", "description": "上电后无显示"})
    assert response.status_code == 403 and db_snapshot()["tickets"] == []


def test_the_sla_timers_count_down_and_refresh_themselves(world):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    import time_machine

    monday = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(monday, tick=False) as clock:
        ticket = world.ticket()  # acknowledge by 10:00, first response by 18:00
        client = login("alice", language="en")
        clock.shift(timedelta(minutes=20))
        calm = page_of(client, ticket)
        clock.shift(timedelta(hours=1))  # 10:20: the acknowledgement is 20 minutes late
        late = page_of(client, ticket)
    timers = calm[calm.index('id="sla-timers"'):calm.index("</dl>", calm.index('id="sla-timers"'))]
    assert "40 min left" in timers and "8 h 40 min left" in timers  # issue #16.8: "8 h 40 min"
    assert 'hx-trigger="every 60s"' in timers and 'hx-select="#sla-timers"' in timers
    late_timers = late[late.index('id="sla-timers"'):late.index("</dl>", late.index('id="sla-timers"'))]
    assert 'class="small overdue">20 min overdue' in late_timers


def test_a_customer_sees_only_the_timers_promised_to_them_and_a_reply_box_in_their_words(world):
    ticket = world.ticket(by="carol")
    staff = page_of(login("alice", language="en"), ticket)
    customer = page_of(login("carol", language="en"), ticket)

    def timers(page):
        start = page.index('id="sla-timers"')
        return page[start:page.index("</dl>", start)]

    assert "Acknowledge by" in timers(staff) and "First response by" in timers(staff)
    assert "Acknowledge by" not in timers(customer) and "First response by" in timers(customer)
    assert "Resolve by" in timers(customer)
    assert "<summary>Add information or reply</summary>" in customer
    assert "Reply to the customer" not in customer
    assert "<summary>Reply to the customer</summary>" in staff
