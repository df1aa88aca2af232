"""From a stored message to a ticket or a customer reply (INT-1 email, COM-2): contacts, threading,
unknown senders, attachments, bounces, loops, failures. Messages are real MIME bytes (mails.py),
stored as the fetch job stores them; test_fetch.py runs the same through a real IMAP server."""

from __future__ import annotations

import itertools

import pytest
from django.core import mail as outbox
from django.utils import timezone

from serviceloop.channels import services
from serviceloop.channels.models import InboundMessage, LoopReason, MessageStatus, UnknownSenders
from serviceloop.core.errors import Forbidden
from serviceloop.customers.models import Contact, EmailBounce
from serviceloop.customers.selectors import email_address_bounced
from serviceloop.tickets.choices import EventKind
from serviceloop.tickets.models import Attachment, Ticket, TicketEvent

from . import mails

_uids = itertools.count(1)


def receive(mailbox, raw: bytes) -> InboundMessage:
    """Store and process one message, as the fetch job does for each UID."""
    message, _created = services.inbound_message_store(
        mailbox=mailbox, uidvalidity=1, uid=next(_uids), raw=raw
    )
    return services.inbound_message_process(message=message)


@pytest.fixture
def box(offline_mailbox):
    return offline_mailbox


# --- a new message -------------------------------------------------------------------------------

def test_it_opens_an_email_ticket_for_a_known_contact_matched_by_address_in_any_case(
        world, box, django_capture_on_commit_callbacks):
    raw = mails.gbk_mail(sender=mails.b_word("王女士") + b" <WANG@Example.CN>", subject="设备无法开机",
                         body="您好：\r\n设备 X-3000 上电后无显示，错误代码 500。\r\n\r\n发自我的iPhone")

    with django_capture_on_commit_callbacks(execute=True):
        message = receive(box, raw)

    assert message.status == MessageStatus.PROCESSED, message.error
    ticket = message.ticket
    assert ticket.channel == "email"
    assert ticket.contact == world.contact_a and ticket.organization == world.org_a
    assert ticket.title == "设备无法开机"
    assert ticket.description == "您好：\n设备 X-3000 上电后无显示，错误代码 500。"  # signature gone
    assert ticket.created_by.username == services.INTAKE_USERNAME
    assert message.event.kind == EventKind.CREATED and message.contact == world.contact_a
    # INT-7: the acknowledgement goes back to the sender.
    assert [m.to for m in outbox.outbox] == [["wang@example.cn"]]


def test_an_unknown_sender_becomes_a_contact_of_the_unassigned_organisation(db, box):
    raw = mails.utf8_mail(
        sender="赵工 <zhao@newcustomer.cn>", subject="咨询：如何升级固件", body="请问固件怎么升级？"
    )

    message = receive(box, raw)

    assert message.status == MessageStatus.PROCESSED, message.error
    contact = message.contact
    assert (contact.name, contact.email, contact.email_customer_provided) == (
        "赵工",
        "zhao@newcustomer.cn",
        True,
    )
    assert contact.organization.name == "未分配（邮件）"
    assert message.ticket.organization == contact.organization and message.ticket.contact == contact
    # The next message from that address finds the contact: no second one.
    again = receive(box, mails.utf8_mail(sender="赵工 <Zhao@NewCustomer.cn>", subject="再问一次"))
    assert again.contact == contact
    assert Contact.objects.filter(email__iexact="zhao@newcustomer.cn").count() == 1


def test_an_unknown_sender_waits_for_review_when_the_mailbox_says_hold_and_an_administrator_accepts_it(
    world, box
):
    box.unknown_senders = UnknownSenders.HOLD
    box.save()

    message = receive(box, mails.utf8_mail(sender="钱经理 <qian@unknown.cn>", subject="报价咨询"))

    assert message.status == MessageStatus.HELD
    assert message.ticket is None and not Ticket.objects.exists()
    assert message.text == "设备上电后无显示。"

    accepted = services.inbound_message_accept(message=message, actor=world.adam)
    assert accepted.status == MessageStatus.PROCESSED, accepted.error
    assert accepted.ticket.title == "报价咨询" and accepted.contact.email == "qian@unknown.cn"


def test_a_held_message_can_be_discarded_and_makes_nothing(world, box):
    box.unknown_senders = UnknownSenders.HOLD
    box.save()
    message = receive(box, mails.utf8_mail(sender="spam@unknown.cn", subject="发票"))

    discarded = services.inbound_message_discard(message=message, actor=world.adam)

    assert discarded.status == MessageStatus.DISCARDED
    assert not Ticket.objects.exists()
    with pytest.raises(Forbidden):
        services.inbound_message_accept(message=discarded, actor=world.alice)


# --- replies ---------------------------------------------------------------------------------------

def _first(world, box) -> InboundMessage:
    first = receive(box, mails.gbk_mail(subject="设备无法开机", mid="<first-1@example.cn>"))
    assert first.status == MessageStatus.PROCESSED
    return first


def test_a_reply_threads_by_in_reply_to_and_becomes_a_customer_reply_without_the_quoted_history(world, box):
    first = _first(world, box)

    reply = receive(
        box,
        mails.outlook_reply(
            new_text="重启后还是不行，麻烦尽快安排工程师。",
            quoted_subject="设备无法开机",
            in_reply_to="<first-1@example.cn>",
        ),
    )

    assert reply.status == MessageStatus.PROCESSED, reply.error
    assert reply.ticket == first.ticket and Ticket.objects.count() == 1
    event = reply.event
    assert event.kind == EventKind.CUSTOMER_REPLY and event.is_public
    assert event.body == "重启后还是不行，麻烦尽快安排工程师。"
    assert event.actor == world.carol  # the contact's own login
    assert event.data["channel"] == "email" and event.data["contact"] == world.contact_a.pk
    assert event.data["threaded_by"] == "in-reply-to" and event.data["inbound_message"] == reply.pk
    # Staff read the original mail from the ticket page (the session works for the API's download);
    # the customer's own page has no such link.
    from django.test import Client

    staff, customer = Client(), Client()
    staff.force_login(world.sam)
    customer.force_login(world.carol)
    link = f"/api/v1/email/messages/{reply.pk}/original"
    assert link in staff.get(f"/tickets/{reply.ticket.number}/").content.decode()
    assert staff.get(link).status_code == 200
    assert link not in customer.get(f"/tickets/{reply.ticket.number}/").content.decode()


def test_a_reply_threads_by_references_when_in_reply_to_is_unknown(world, box):
    first = _first(world, box)

    reply = receive(box, mails.outlook_reply(new_text="补充：型号 X-3000", quoted_subject="设备无法开机",
                                             in_reply_to="<not-ours@elsewhere.cn>",
                                             references="<first-1@example.cn> <not-ours@elsewhere.cn>"))

    assert reply.ticket == first.ticket and reply.event.data["threaded_by"] == "references"


def test_a_reply_threads_by_the_number_in_the_subject_for_a_contact_of_the_ticket(world, box):
    ticket = world.ticket(contact=world.contact_a)

    reply = receive(
        box, mails.gbk_mail(subject=f"答复: [#{ticket.number}] 设备无法开机", body="已按要求拍照。")
    )

    assert reply.ticket == ticket and reply.event.kind == EventKind.CUSTOMER_REPLY
    assert reply.event.data["threaded_by"] == "subject"


def test_a_stranger_quoting_a_ticket_number_cannot_write_into_that_ticket(world, box):
    ticket = world.ticket(contact=world.contact_a)

    message = receive(
        box,
        mails.utf8_mail(
            sender="attacker@evil.example",
            subject=f"Re: [#{ticket.number}] 改地址",
            body="请把货寄到另一个地址",
        ),
    )

    assert message.ticket != ticket
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CUSTOMER_REPLY).exists()
    assert message.ticket.organization.name == "未分配（邮件）"


def test_a_reply_to_a_closed_ticket_is_kept_on_that_ticket(world, box):
    first = _first(world, box)
    Ticket.objects.filter(pk=first.ticket_id).update(status="closed")

    reply = receive(box, mails.outlook_reply(new_text="谢谢！", quoted_subject="设备无法开机",
                                             in_reply_to="<first-1@example.cn>"))

    assert reply.status == MessageStatus.PROCESSED and reply.ticket_id == first.ticket_id


# --- the same message twice -------------------------------------------------------------------------

def test_the_same_message_id_in_two_mailboxes_is_one_ticket(world, box):
    from serviceloop.channels.models import Mailbox

    other = Mailbox.objects.create(name="销售邮箱", address="sales@service.example.cn", host="127.0.0.1",
                                   username="sales")
    raw = mails.gbk_mail(mid="<cc-both@example.cn>")

    first = receive(box, raw)
    second = receive(other, raw)

    assert first.status == MessageStatus.PROCESSED
    assert second.status == MessageStatus.DUPLICATE and second.duplicate_of == first
    assert Ticket.objects.count() == 1
    assert first.raw.name == second.raw.name  # one file for identical bytes


def test_storing_the_same_uid_again_gives_back_the_stored_row(world, box):
    raw = mails.gbk_mail()
    message, created = services.inbound_message_store(mailbox=box, uidvalidity=7, uid=42, raw=raw)
    again, created_again = services.inbound_message_store(mailbox=box, uidvalidity=7, uid=42, raw=raw)

    assert (created, created_again) == (True, False) and again == message
    services.inbound_message_process(message=message)
    services.inbound_message_process(message=again)
    assert Ticket.objects.count() == 1


def test_a_header_value_the_database_refuses_still_stores_the_message_and_it_is_processed(
        world, box, monkeypatch):
    from django.db import DataError

    real = InboundMessage.objects.create
    refused = []

    def create(**fields):
        if fields.get("subject") and not refused:  # the first insert, with the decoded headers
            refused.append(fields["subject"])
            raise DataError("value too long for type character varying(500)")
        return real(**fields)

    monkeypatch.setattr(InboundMessage.objects, "create", create)
    message, created = services.inbound_message_store(mailbox=box, uidvalidity=7, uid=43,
                                                      raw=mails.gbk_mail(subject="头部无法保存"))

    assert created and refused == ["头部无法保存"]
    assert message.subject == "" and "DataError" in message.error and message.raw.read().startswith(b"From")
    message = services.inbound_message_process(message=message)
    assert message.status == MessageStatus.PROCESSED and message.ticket.title == "头部无法保存"


# --- attachments -----------------------------------------------------------------------------------

def test_attachments_are_content_checked_and_a_refused_one_is_noted_without_blocking_the_rest(world, box):
    raw = mails.with_attachments([("现场照片志.png", mails.PNG, "image/png"),
                                  ("维修报告.pdf", mails.PDF, "application/pdf"),
                                  ("setup.exe", mails.ELF, "application/octet-stream"),
                                  ("伪装图片.png", mails.ELF, "image/png")])

    message = receive(box, raw)

    assert message.status == MessageStatus.PROCESSED, message.error
    files = list(Attachment.objects.filter(ticket=message.ticket).order_by("id"))
    assert [(a.original_name, a.source, a.content_type) for a in files] == [
        ("现场照片志.png", "email", "image/png"), ("维修报告.pdf", "email", "application/pdf")]
    assert files[0].uploaded_by == world.carol
    note = TicketEvent.objects.get(ticket=message.ticket, kind=EventKind.NOTE)
    assert not note.is_public
    assert "setup.exe" in note.body and "伪装图片.png" in note.body
    assert note.body.count("•") == 2


def test_an_oversized_attachment_is_refused_by_its_size_and_named_on_the_ticket(world, box, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    big = mails.PDF + b"\x00" * (3 * 1024 * 1024)
    message = receive(box, mails.with_attachments([("大文件.pdf", big, "application/pdf"),
                                                   ("照片.png", mails.PNG, "image/png")]))

    assert message.status == MessageStatus.PROCESSED
    assert [a.original_name for a in Attachment.objects.filter(ticket=message.ticket)] == ["照片.png"]
    note = TicketEvent.objects.get(ticket=message.ticket, kind=EventKind.NOTE)
    assert "大文件.pdf" in note.body and "3.0\xa0MB" in note.body and "1.0\xa0MB" in note.body


def test_two_hundred_attachments_take_the_first_fifty_and_name_the_rest(world, box, settings):
    settings.EMAIL_MAX_ATTACHMENTS = 50
    files = [(f"照片{i:03d}.png", mails.PNG + i.to_bytes(4, "big"), "image/png") for i in range(200)]

    message = receive(box, mails.with_attachments(files))

    assert message.status == MessageStatus.PROCESSED, message.error
    assert Attachment.objects.filter(ticket=message.ticket).count() == 50
    note = TicketEvent.objects.get(ticket=message.ticket, kind=EventKind.NOTE)
    assert "照片050.png" in note.body and "照片149.png" in note.body
    assert "50" in note.body and note.body.count("•") == 100  # 100 listed, then "… and 50 more"


def test_a_file_already_on_the_ticket_is_not_added_again(world, box):
    first = receive(
        box, mails.with_attachments([("logo.png", mails.PNG, "image/png")], mid="<logo-1@example.cn>")
    )
    reply = mails.with_attachments([("logo.png", mails.PNG, "image/png")], subject="回复: 附件：故障照片")
    reply = reply.replace(
        b"MIME-Version: 1.0\r\n", b"MIME-Version: 1.0\r\nIn-Reply-To: <logo-1@example.cn>\r\n", 1
    )

    second = receive(box, reply)

    assert second.ticket == first.ticket
    assert Attachment.objects.filter(ticket=first.ticket).count() == 1


# --- loops -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "reason"), [
    ("auto_submitted", LoopReason.AUTO_SUBMITTED),
    ("precedence", LoopReason.PRECEDENCE),
    ("x_autoreply", LoopReason.AUTO_REPLY),
    ("x_autorespond", LoopReason.AUTO_REPLY),
    ("subject", LoopReason.AUTO_REPLY_SUBJECT),
])
def test_an_auto_reply_is_stored_with_its_reason_and_creates_nothing(kind, reason, world, box,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = receive(box, mails.auto_reply(kind))

    assert (message.status, message.loop_reason) == (MessageStatus.IGNORED, reason)
    assert message.ticket is None and not Ticket.objects.exists()
    assert outbox.outbox == []


def test_mail_from_our_own_address_and_from_mailer_daemon_is_a_loop(world, box):
    own = receive(box, mails.utf8_mail(sender=f"客服 <{box.address}>", subject="您的工单已受理"))
    daemon = receive(box, mails.utf8_mail(sender="postmaster@mx.example.cn", subject="Delivery delayed"))

    assert (own.status, own.loop_reason) == (MessageStatus.IGNORED, LoopReason.OWN_ADDRESS)
    assert (daemon.status, daemon.loop_reason) == (MessageStatus.IGNORED, LoopReason.MAILER_DAEMON)
    assert not Ticket.objects.exists()


def test_mail_from_any_address_the_outbox_sends_from_or_asks_answers_to_is_a_loop(world, box, settings):
    settings.NOTIFY_EMAIL_FROM = "服务闭环 <Notice@Service.example.cn>"
    settings.NOTIFY_EMAIL_REPLY_TO = "help@service.example.cn, 客服台 <desk@service.example.cn>"
    settings.SERVER_EMAIL = "ServiceLoop <alerts@service.example.cn>"

    looped = [receive(box, mails.utf8_mail(sender=sender, subject="您的工单已受理"))
              for sender in ("notice@service.example.cn", "服务闭环 <desk@service.example.cn>",
                             "help@service.example.cn", "alerts@service.example.cn")]

    assert {(m.status, m.loop_reason) for m in looped} == {(MessageStatus.IGNORED, LoopReason.OWN_ADDRESS)}
    assert not Ticket.objects.exists()


def test_a_bounce_is_recorded_against_the_address_and_creates_nothing(world, box):
    message = receive(box, mails.dsn_bounce(recipient="Wang@Example.cn", status="5.1.1"))

    assert (message.status, message.loop_reason) == (MessageStatus.IGNORED, LoopReason.BOUNCE)
    assert not Ticket.objects.exists()
    bounce = EmailBounce.objects.get()
    assert (bounce.address, bounce.permanent, bounce.status, bounce.count) == (
        "wang@example.cn",
        True,
        "5.1.1",
        1,
    )
    assert "Recipient address rejected" in bounce.diagnostic
    assert email_address_bounced("WANG@example.cn")
    receive(box, mails.dsn_bounce(recipient="wang@example.cn", status="4.2.2", action="delayed"))
    bounce.refresh_from_db()
    assert (bounce.count, bounce.permanent, bounce.status) == (1, True, "5.1.1")  # a delay records nothing


def test_the_hourly_cap_per_sender_stops_a_chatty_machine_that_sets_no_header(world, box, settings):
    settings.EMAIL_MAX_PER_SENDER_PER_HOUR = 3

    results = [receive(box, mails.auto_reply("plain", sender="robot@factory.cn", n=i)) for i in range(6)]

    assert [m.status for m in results] == [MessageStatus.PROCESSED] * 3 + [MessageStatus.IGNORED] * 3
    assert {m.loop_reason for m in results[3:]} == {LoopReason.RATE_LIMIT}
    assert Ticket.objects.count() == 3
    # An administrator may still accept one that the cap stopped.
    accepted = services.inbound_message_accept(message=results[4], actor=world.adam)
    assert accepted.status == MessageStatus.PROCESSED and Ticket.objects.count() == 4


# --- failures ----------------------------------------------------------------------------------------

def test_a_message_that_fails_is_kept_with_its_error_and_retried_with_backoff(
    world, box, monkeypatch, time_machine
):
    time_machine.move_to("2026-12-01 10:00:00+08:00", tick=False)
    calls = {"n": 0}
    real = services.ticket_create

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(services, "ticket_create", flaky)
    message = receive(box, mails.with_attachments([("照片.png", mails.PNG, "image/png")]))

    assert message.status == MessageStatus.FAILED
    assert message.error == "OSError: disk full" and message.attempts == 1
    assert message.next_attempt_at == timezone.now() + timezone.timedelta(minutes=1)
    assert not Ticket.objects.exists() and not Attachment.objects.exists() and not Contact.objects.filter(
        email="wang@example.cn").exclude(pk=world.contact_a.pk).exists()
    assert services.inbound_messages_retry_due() == 0  # not due yet

    time_machine.shift(61)
    assert services.inbound_messages_retry_due() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.PROCESSED and message.error == ""
    assert Ticket.objects.count() == 1 and Attachment.objects.count() == 1


def test_after_the_last_attempt_only_an_administrator_retries(world, box, monkeypatch, settings):
    settings.EMAIL_MAX_ATTEMPTS = 2
    monkeypatch.setattr(services, "ticket_create", lambda **kw: (_ for _ in ()).throw(RuntimeError("boom")))
    message = receive(box, mails.gbk_mail())
    message = services.inbound_message_process(message=message)

    assert (message.status, message.attempts, message.next_attempt_at) == (MessageStatus.FAILED, 2, None)
    monkeypatch.undo()
    retried = services.inbound_message_retry(message=message, actor=world.adam)
    assert retried.status == MessageStatus.PROCESSED


def test_a_malformed_message_still_becomes_a_ticket_with_what_can_be_read(world, box):
    message = receive(box, mails.malformed())

    assert message.status == MessageStatus.PROCESSED, message.error
    assert message.from_address == "li志@example.cn"
    assert "设备故障，请处理" in message.ticket.description
    assert "\x00" not in message.ticket.description
