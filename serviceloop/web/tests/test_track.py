"""Tracking a ticket without logging in (/track/): number + contact phone, rate-limited, public parts only."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from serviceloop.core.models import RateCounter
from serviceloop.tickets import services
from serviceloop.tickets.choices import PUBLIC_EVENT_KINDS
from serviceloop.tickets.tracking import TRACKED_EVENT_KINDS, phone_digits
from tests.personas import db_snapshot

SHANGHAI = ZoneInfo("Asia/Shanghai")
# On the hour: the start of a 10-minute and of a 60-minute window alike, so the tests know when each ends.
NINE_AM = datetime(2026, 5, 1, 9, 0, tzinfo=SHANGHAI)
NOT_FOUND = "No ticket matches this number and phone."
TOO_MANY = "Too many lookups."
REPLY = "您好，工程师已在排查，今天 18:00 前答复。"
NOTE = "内部：怀疑是批次问题，先别告诉客户"


def visitor(ip: str = "203.0.113.7") -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=ip)


def track(client: Client, number: str, phone: str):
    return client.post("/track/", {"number": number, "phone": phone})


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.TRACK_MAX_PER_IP = 10
    settings.TRACK_WINDOW_MINUTES = 10
    settings.TRACK_MAX_FAILURES_PER_NUMBER = 5
    settings.TRACK_NUMBER_WINDOW_MINUTES = 60


@pytest.fixture
def ticket(world):
    """carol's fault, contact 王女士 (13812345678), with a public reply and an internal note."""
    ticket = world.ticket(by="carol", title="X-3000 上电无显示", contact=world.contact_a)
    services.ticket_assign(ticket=ticket, actor=world.sam, owner=world.eric)
    services.ticket_add_internal_note(ticket=ticket, actor=world.eric, body=NOTE)
    services.ticket_add_reply(ticket=ticket, actor=world.eric, body=REPLY)
    return ticket


@pytest.mark.parametrize("phone", ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678",
                                   "+86-13812345678", "0086 138 1234 5678", "8613812345678", " 13812345678 "])
def test_it_finds_the_ticket_with_the_contact_phone_in_any_format(ticket, phone):
    response = track(visitor(), ticket.number, phone)
    page = response.content.decode()
    assert response.status_code == 200
    assert ticket.number in page and "X-3000 上电无显示" in page and REPLY in page
    ticket.refresh_from_db()
    assert (
        f'<span class="badge status">{ticket.get_status_display()}</span>' in page
    )  # the label, not the value


def test_it_finds_the_ticket_whatever_the_case_of_the_number(world, settings):
    settings.TICKET_NUMBER_PATTERN = "FBYYYYMMDDNNN"
    ticket = world.ticket(contact=world.contact_a)
    assert track(visitor(), ticket.number.lower(), "13812345678").status_code == 200


def test_it_shows_status_dates_and_public_replies_but_never_internal_or_personal_data(ticket, world):
    services.ticket_transition(
        ticket=ticket,
        actor=world.eric,
        to_status="in_progress",
        sub_status="waiting_parts",
        note="内部：备件还没到，供应商拖延",
    )
    services.ticket_log_communication(ticket=ticket, actor=world.eric, channel="phone", happened_at=None,
                                      customer_feedback="客户同意寄回", next_step="安排取件")
    services.ticket_add_reply(ticket=ticket, actor=world.carol, body="客户补充：地址是浦东新区某路 88 号")
    services.attachment_add(
        ticket=ticket,
        actor=world.eric,
        internal=True,
        upload=SimpleUploadedFile("内部诊断.txt", b"secret diagnosis", content_type="text/plain"),
    )
    services.attachment_add(ticket=ticket, actor=world.carol,
                            upload=SimpleUploadedFile("现场照片.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64))

    page = track(visitor(), ticket.number, "13812345678").content.decode()

    assert REPLY in page
    assert "In progress · Waiting for spare parts" in page  # current status with sub-status, as labels
    assert "Status changed to In progress" in page
    assert timezone.localtime(ticket.created_at).strftime("%Y-%m-%d") in page
    # Waiting for spare parts pauses the clock: no stale promise of a date while paused (issue #11.4).
    assert "We will respond by" not in page and "We aim to resolve it by" not in page
    for secret in (NOTE, "备件还没到", "客户同意寄回", "安排取件", "内部诊断.txt", "现场照片.png", "浦东新区",
                   world.contact_a.name, "13812345678", world.contact_a.email, world.org_a.name, "金牌",
                   world.eric.display_name, world.sam.display_name, "carol", "eric", "SN-A-0001"):
        assert secret not in page, secret


def test_the_timeline_shown_is_never_wider_than_what_customers_may_see():
    assert set(TRACKED_EVENT_KINDS) <= set(PUBLIC_EVENT_KINDS)
    assert "note" not in TRACKED_EVENT_KINDS and "attachment" not in TRACKED_EVENT_KINDS


def test_a_wrong_phone_and_a_wrong_number_get_the_same_neutral_answer(ticket, world):
    no_contact = world.ticket(title="无联系人的工单")
    answers = [track(visitor(), ticket.number, "13900000000"),   # right number, wrong phone
               track(visitor(), "209901-9999", "13812345678"),  # unknown number, a real contact's phone
               track(visitor(), ticket.number, "13998765432"),  # another customer's contact phone
               track(visitor(), no_contact.number, "13812345678")]
    for response in answers:
        page = response.content.decode()
        assert response.status_code == 404
        assert NOT_FOUND in page
        assert "X-3000" not in page and REPLY not in page and "无联系人的工单" not in page
    # The message itself is the same word for word, whichever part was wrong.
    assert len({r.context["error"] for r in answers}) == 1


def test_an_empty_contact_phone_never_matches(world):
    world.contact_a.phone = ""
    world.contact_a.save()
    ticket = world.ticket(contact=world.contact_a)
    assert track(visitor(), ticket.number, "00000").status_code == 404


def test_it_answers_429_after_the_limit_per_address_and_reveals_nothing(ticket, settings):
    settings.TRACK_MAX_PER_IP = 3
    client = visitor("198.51.100.1")
    for _ in range(3):
        assert track(client, "209901-0001", "13900000000").status_code == 404
    refused = track(client, ticket.number, "13812345678")  # the right phone, too late
    page = refused.content.decode()
    assert refused.status_code == 429
    assert TOO_MANY in page and "try again in" in page
    assert 1 <= int(refused["Retry-After"]) <= 600
    assert ticket.number not in page and "X-3000" not in page and REPLY not in page
    assert "13812345678" not in page  # not even the visitor's own input is echoed
    # Bad input is refused as well once over the limit: no hint about what would have been valid.
    assert track(client, "", "").status_code == 429
    # Another address is counted on its own.
    assert track(visitor("198.51.100.2"), ticket.number, "13812345678").status_code == 200


def test_it_refuses_a_number_after_too_many_failed_lookups_even_with_the_right_phone(ticket, settings):
    settings.TRACK_MAX_FAILURES_PER_NUMBER = 3
    for i in range(3):  # each from another address: the per-number limit holds across addresses
        assert track(visitor(f"192.0.2.{i}"), ticket.number, f"1390000000{i}").status_code == 404
    refused = track(visitor("192.0.2.50"), ticket.number, "13812345678")
    page = refused.content.decode()
    assert refused.status_code == 429 and TOO_MANY in page
    assert "X-3000" not in page and REPLY not in page
    # A number that does not exist is refused the same way: the limit does not tell which numbers exist.
    for i in range(3):
        track(visitor(f"192.0.2.{10 + i}"), "209901-0404", "13900000000")
    assert track(visitor("192.0.2.51"), "209901-0404", "13900000000").status_code == 429
    # Successful lookups do not count as failures.
    assert RateCounter.objects.get(scope="track-number", key=ticket.number.upper()).count == 3


def test_the_visitor_may_try_again_once_the_window_has_passed(ticket, settings):
    settings.TRACK_MAX_PER_IP = 2
    settings.TRACK_MAX_FAILURES_PER_NUMBER = 2
    client = visitor()
    with time_machine.travel(NINE_AM, tick=False) as clock:
        track(client, ticket.number, "13900000000")
        track(client, ticket.number, "13900000001")
        refused = track(client, ticket.number, "13812345678")
        assert refused.status_code == 429 and "10 minutes" in refused.context["error"]
        clock.shift(60 * 9 + 30)
        refused = track(client, ticket.number, "13812345678")
        assert refused.status_code == 429 and "1 minute." in refused.context["error"]
        clock.shift(30)  # 09:10: a new window for the address, but the number is still locked until 10:00
        refused = track(client, ticket.number, "13812345678")
        assert refused.status_code == 429 and "50 minutes" in refused.context["error"]
        clock.move_to(datetime(2026, 5, 1, 10, 0, tzinfo=SHANGHAI))
        assert track(client, ticket.number, "13812345678").status_code == 200


@pytest.mark.parametrize(("number", "phone", "field"), [
    ("", "13812345678", "number"),
    ("202605-0001", "", "phone"),
    ("2" * 41, "13812345678", "number"),
    ("202605-0001", "1" * 33, "phone"),
    ("<script>alert(1)</script>", "13812345678", "number"),
    ("202605-0001", "<img src=x onerror=alert(1)>", "phone"),
    ("202605-0001", "1234", "phone"),  # too few digits to be anyone's phone
    ("202605-0001 OR 1=1", "13812345678", "number"),
])
def test_bad_input_is_answered_next_to_the_field_with_422(world, number, phone, field):
    response = track(visitor(), number, phone)
    page = response.content.decode()
    assert response.status_code == 422
    assert response.context["form"].errors.keys() == {field}
    assert f'id="id_{field}_error"' in page and 'aria-invalid="true"' in page
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert NOT_FOUND not in page


def test_markup_in_a_title_or_reply_is_shown_as_text(world):
    ticket = world.ticket(title="<script>alert(1)</script>", contact=world.contact_a)
    services.ticket_add_reply(ticket=ticket, actor=world.alice, body="<img src=x onerror=alert(2)>")
    page = track(visitor(), ticket.number, "13812345678").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page


def test_a_lookup_writes_nothing_to_tickets(ticket, settings):
    settings.TRACK_MAX_PER_IP = 2
    before = db_snapshot()
    client = visitor()
    assert track(client, ticket.number, "13812345678").status_code == 200
    assert track(client, ticket.number, "13900000000").status_code == 404
    assert track(client, ticket.number, "13812345678").status_code == 429
    assert track(visitor("192.0.2.9"), "<b>", "").status_code == 422
    assert db_snapshot() == before


def test_a_lookup_costs_a_fixed_number_of_queries(ticket, world):
    for i in range(10):
        services.ticket_add_reply(ticket=ticket, actor=world.eric, body=f"回复 {i}")
    with CaptureQueriesContext(connection) as queries:
        assert track(visitor(), ticket.number, "13812345678").status_code == 200
    # count this address, is the number locked, the ticket with contact and SLA, its public events
    assert len(queries) <= 4, [q["sql"][:80] for q in queries]


def test_the_page_needs_no_login_and_labels_every_field(db):
    page = visitor().get("/track/").content.decode()
    assert '<label for="id_number">' in page and '<label for="id_phone">' in page
    assert 'type="tel"' in page


def test_the_login_and_confirmation_pages_point_to_tracking(ticket, world):
    assert 'href="/track/"' in visitor().get("/login/").content.decode()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.carol)
    assert 'href="/track/"' in client.get(f"/submitted/{ticket.number}/").content.decode()


@pytest.mark.parametrize(("written", "digits"), [
    ("13812345678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("0086-138-1234-5678", "13812345678"),
    ("8613812345678", "13812345678"),
    ("021-55501234", "02155501234"),
    ("+86 21 5550 1234", "02155501234"),
    ("+86 (0)21 5550 1234", "02155501234"),
    ("86123456", "86123456"),  # a local number that merely starts with 86
    ("", ""),
])
def test_phone_numbers_compare_as_national_digits(written, digits):
    assert phone_digits(written) == digits
