"""Our outgoing mail and the customer's answer form one thread (COM-2): the acknowledgement goes out from the
mailbox the customer wrote to, with a Message-ID naming the ticket; the answer to it threads into that ticket;
a forged id names no ticket; a permanently bounced address is not mailed again."""

from __future__ import annotations

from email import message_from_bytes

from serviceloop.channels.models import InboundMessage
from serviceloop.channels.services import inbound_message_process, inbound_message_store
from serviceloop.channels.threads import outgoing_message_id, ticket_id_of
from serviceloop.customers.services import email_bounce_record
from serviceloop.notifications import outbox
from serviceloop.notifications.models import Delivery
from serviceloop.tickets.models import TicketEvent

from .mails import gbk_mail, message_id


def receive(box, raw: bytes, uid: int) -> InboundMessage:
    message, _created = inbound_message_store(mailbox=box, uidvalidity=1, uid=uid, raw=raw)
    return inbound_message_process(message=message)


def test_the_answer_to_our_acknowledgement_threads_into_its_ticket(world, offline_mailbox, smtp):
    first = receive(offline_mailbox, gbk_mail(subject="设备无法开机"), uid=1)
    ticket = first.ticket
    outbox.send_due()
    [ack] = smtp.to("wang@example.cn")
    sent = message_from_bytes(ack.raw)
    assert sent["From"] == "support@service.example.cn"  # the mailbox the customer wrote to
    assert ticket_id_of(sent["Message-ID"]) == ticket.pk
    assert sent["In-Reply-To"] == first.message_id  # our answer refers to the customer's mail

    # The customer answers in a new subject, without the number: In-Reply-To alone finds the ticket.
    answer = receive(offline_mailbox, gbk_mail(subject="回复", body="指示灯也不亮",
                                                extra=[("In-Reply-To", sent["Message-ID"])]), uid=2)
    assert answer.ticket == ticket
    assert TicketEvent.objects.filter(ticket=ticket, kind="customer_reply").count() == 1


def test_answers_go_out_from_the_mailbox_the_customer_wrote_to_with_its_reply_to(world, offline_mailbox, smtp,
                                                                                 settings):
    from email import policy

    from serviceloop.channels.models import Mailbox, Security

    settings.NOTIFY_EMAIL_FROM = "noreply@service.example.cn"
    # A second mailbox (the first active one stays the default for tickets that came in otherwise).
    after_sales = Mailbox.objects.create(
        name="售后邮箱",
        address="after-sales@service.example.cn",
        host="127.0.0.1",
        port=1,
        security=Security.PLAIN,
        username="after-sales",
        reply_to="helpdesk@service.example.cn",
    )
    first = receive(after_sales, gbk_mail(subject="打印机卡纸"), uid=4)

    outbox.send_due()

    [ack] = smtp.to("wang@example.cn")
    sent = message_from_bytes(ack.raw, policy=policy.default)
    assert (sent["From"], sent["Reply-To"]) == (
        "after-sales@service.example.cn",
        "helpdesk@service.example.cn",
    )
    assert sent["Subject"].startswith(f"[#{first.ticket.number}]")


def test_a_forged_message_id_names_no_ticket(world, offline_mailbox):
    ticket = world.ticket(contact=world.contact_a)
    genuine = outgoing_message_id(ticket_id=ticket.pk, token="abcdef0123456789", domain="service.example.cn")
    forged = genuine.replace(genuine.split(".")[2], "0" * 20)
    assert ticket_id_of(genuine) == ticket.pk and ticket_id_of(forged) is None
    stranger = b"=?utf-8?B?5p2O?= <li@elsewhere.example>"
    message = receive(offline_mailbox, gbk_mail(sender=stranger, subject="hello", mid=message_id(),
                                                extra=[("In-Reply-To", forged)]), uid=3)
    assert message.ticket != ticket  # a new ticket (or held), never someone else's


def test_a_permanently_bounced_address_is_not_mailed_again(world, smtp):
    email_bounce_record(address="wang@example.cn", status="5.1.1", diagnostic="user unknown")
    ticket = world.ticket(contact=world.contact_a)
    outbox.send_due()
    assert smtp.to("wang@example.cn") == []
    delivery = Delivery.objects.get(ticket=ticket, channel="email")
    assert delivery.status == "dead" and "bounced" in delivery.last_error
