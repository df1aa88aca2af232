"""Email through the outbox to a real SMTP server (aiosmtpd on loopback): what the customer's mail server
receives, byte for byte — threading headers, the Chinese subject's encoding, no header injection — and
what happens when the server refuses or is gone (INT-7, COM-2, NTF-1, NTF-3)."""

from __future__ import annotations

import pytest

from serviceloop.notifications import outbox, receivers
from serviceloop.notifications.models import Delivery, DeliveryAttempt
from serviceloop.tickets import services
from serviceloop.tickets.models import TicketEvent
from tests.recorders import free_port


def created(world, **kwargs):
    ticket = world.ticket(contact=world.contact_a, **kwargs)
    receivers.ticket_event_recorded(TicketEvent.objects.get(ticket=ticket, kind="created"), ticket)
    return ticket


def reply(ticket, actor, text):
    event = services.ticket_add_reply(ticket=ticket, actor=actor, body=text)
    receivers.ticket_event_recorded(event, ticket)
    return event


def subject_of(mail) -> str:
    """The Subject as the customer's mail client shows it: RFC 2047 decoded, and stripped (Python's email
    package folds a long encoded subject onto the next line and then reads the fold as a leading space)."""
    return str(mail.message["Subject"]).strip()


def test_the_acknowledgement_reaches_the_contact_with_a_correctly_encoded_chinese_subject(world, smtp):
    ticket = created(world, title="X-3000 上电无显示")
    report = outbox.send_due()
    assert report.sent == 2  # the email and carol's in-app notification
    [mail] = smtp.to("wang@example.cn")
    headers = mail.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")  # every header is 7-bit on the wire …
    assert "Subject: =?utf-8?" in headers
    assert (
        subject_of(mail) == f"[#{ticket.number}] 我们已收到您的问题"
    )  # … and decodes to the Chinese subject
    message = mail.message
    assert message["From"].addresses[0].addr_spec == "service@serviceloop.example.cn"
    assert message["From"].addresses[0].display_name == "服务闭环"
    assert message["Reply-To"] == "support@serviceloop.example.cn"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-ServiceLoop-Ticket"] == ticket.number
    delivery = Delivery.objects.get(channel="email")
    # A long Message-ID may be folded onto its own header line (RFC 5322 allows it; readers unfold it).
    assert message["Message-ID"].strip() == delivery.message_id
    assert delivery.message_id.startswith("<sl.") and delivery.message_id.endswith("@serviceloop.example.cn>")
    text = message.get_body(("plain",)).get_content()
    assert ticket.number in text and "X-3000 上电无显示" in text and "/track/" in text
    assert (
        delivery.status == "sent" and delivery.subject == subject_of(mail) and ticket.number in delivery.body
    )


def test_replies_thread_onto_the_earlier_messages_of_the_same_ticket(world, smtp):
    ticket = created(world)
    outbox.send_due()
    first = Delivery.objects.get(channel="email").message_id
    reply(ticket, world.alice, "您好，工程师已开始排查。")
    outbox.send_due()
    reply(ticket, world.alice, "备件已寄出，请查收。")
    outbox.send_due()
    mails = smtp.to("wang@example.cn")
    assert len(mails) == 3
    second, third = mails[1].message, mails[2].message
    assert second["In-Reply-To"].strip() == first and second["References"].strip() == first
    assert third["In-Reply-To"].strip() == second["Message-ID"].strip()
    assert third["References"].split() == [first, second["Message-ID"].strip()]
    assert "Auto-Submitted" not in third  # a person wrote it: not marked automatic
    assert subject_of(mails[2]) == f"[#{ticket.number}] {ticket.title}"
    assert "备件已寄出，请查收。" in third.get_body(("plain",)).get_content()
    assert third.get_body(("html",)) is not None  # the HTML alternative


def test_a_title_with_cr_lf_cannot_inject_a_header(world, smtp):
    ticket = created(world, title="设备故障")
    # A title as an API client could send it once stored: CR/LF and a header behind them.
    type(ticket).objects.filter(pk=ticket.pk).update(
        title="设备故障\r\nBcc: thief@evil.example\r\nX-Injected: 1"
    )
    ticket.refresh_from_db()
    reply(ticket, world.alice, "您好")
    outbox.send_due()
    mail = smtp.to("wang@example.cn")[-1]
    headers = mail.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert "\nBcc:" not in headers and "\nX-Injected:" not in headers
    assert mail.rcpt_tos == ["wang@example.cn"]
    assert subject_of(mail) == f"[#{ticket.number}] 设备故障 Bcc: thief@evil.example X-Injected: 1"


def test_a_template_with_cr_lf_in_its_subject_is_one_line_too(world, smtp):
    from serviceloop.notifications.models import MessageTemplate

    MessageTemplate.objects.create(kind="acknowledged", format="email", language="zh-hans",
                                   subject="已受理\nCc: someone@evil.example", body="工单 {{ number }}")
    ticket = created(world)
    outbox.send_due()
    [mail] = smtp.to("wang@example.cn")
    assert mail.rcpt_tos == ["wang@example.cn"] and "Cc" not in mail.message
    assert subject_of(mail) == f"[#{ticket.number}] 已受理 Cc: someone@evil.example"  # the tag added back


def test_a_refused_recipient_is_given_up_at_once_and_recorded(world, smtp):
    smtp.refuse["wang@example.cn"] = "550 5.1.1 mailbox unavailable"
    created(world)
    report = outbox.send_due()
    assert report.dead == 1
    delivery = Delivery.objects.get(channel="email")
    assert delivery.status == "dead" and "550" in delivery.last_error
    [attempt] = DeliveryAttempt.objects.filter(delivery=delivery)
    assert attempt.status_code == 550 and not attempt.ok


def test_a_temporary_refusal_is_retried_later(world, smtp, settings):
    settings.NOTIFY_RETRY_BASE_SECONDS = 60
    smtp.refuse["wang@example.cn"] = "450 4.2.1 try again later"
    created(world)
    outbox.send_due()
    delivery = Delivery.objects.get(channel="email")
    assert delivery.status == "failed" and delivery.attempts == 1
    assert 55 <= (delivery.next_attempt_at - delivery.created_at).total_seconds() <= 120
    smtp.refuse.clear()
    assert outbox.send_due().claimed == 0  # not due yet
    outbox.send_due(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2
    assert len(smtp.to("wang@example.cn")) == 1


def test_no_mail_server_at_all_is_a_failure_with_backoff_not_an_exception(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    created(world)
    report = outbox.send_due()
    assert report.failed == 1
    delivery = Delivery.objects.get(channel="email")
    assert delivery.status == "failed" and "ConnectionRefused" in delivery.last_error
    assert delivery.attempt_log.get().error == delivery.last_error


@pytest.mark.parametrize("language,subject", [("en", "We have received your request"),
                                              ("zh-hans", "我们已收到您的问题")])
def test_the_contact_is_written_to_in_their_own_language(world, smtp, language, subject):
    world.carol.language = language
    world.carol.save(update_fields=["language"])
    ticket = created(world)
    outbox.send_due()
    assert subject_of(smtp.to("wang@example.cn")[0]) == f"[#{ticket.number}] {subject}"
