"""Email (NTF-1, COM-2): through Django's mail backend (SMTP in production), threaded like a conversation.

Every message carries our own Message-ID (naming its ticket, signed: channels/threads.py; given when the
delivery is enqueued), References to our earlier messages to the same person about the same ticket, and
In-Reply-To the customer's last message to us when there is one (the inbound side, channels, provides those
ids), else our previous one — so the customer's mail client shows one thread and their answer comes back
into the ticket. The subject always carries `[#<number>]`, the other way replies find their ticket. Subjects
and addresses are single lines: a CR or LF from a ticket title or a template can never start a new header.
"""

from __future__ import annotations

import contextlib
import smtplib
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from serviceloop.channels.threads import (
    customer_message_ids_by_ticket,
    mailboxes_for_tickets,
    outgoing_message_id,
)
from serviceloop.customers.selectors import bounced_addresses

from ..models import Channel, Delivery, DeliveryStatus, MessageKind, TemplateFormat
from ..templates import TemplateProblem, single_line, ticket_context
from . import Result

# Sent because a person wrote it (a reply, a milestone or resolution note): not marked automatic, so the
# customer's own auto-responder may answer it as it answers any mail. Everything else is automatic
# (RFC 3834 Auto-Submitted), which well-behaved auto-responders leave alone: no mail loops.
WRITTEN_BY_A_PERSON = {MessageKind.REPLIED, MessageKind.MILESTONE, MessageKind.RESOLVED}
REFERENCES_KEPT = 20


def message_id(public_id, ticket_id: int | None = None) -> str:
    """Our Message-ID for one email delivery; about a ticket, it names the ticket, signed
    (channels/threads.py), so the customer's answer finds its ticket."""
    if ticket_id is not None:
        return outgoing_message_id(ticket_id=ticket_id, token=str(public_id), domain=message_id_domain())
    return f"<sl.{public_id}@{message_id_domain()}>"


def message_id_domain() -> str:
    domain = settings.NOTIFY_MESSAGE_ID_DOMAIN or parseaddr(settings.NOTIFY_EMAIL_FROM)[1].rpartition("@")[2]
    return single_line(domain or "serviceloop.localhost").replace(" ", "")


@dataclass
class BatchFacts:
    """What the emails of one outbox batch need from the database, read for the whole batch at once: the
    bounced addresses, each ticket's mailbox, the customer's Message-IDs and our earlier ones (at most six
    queries per batch, where each message used to make five)."""

    ids: set
    bounced: set
    mailboxes: dict
    theirs: dict
    ours: dict

    @classmethod
    def read(cls, deliveries) -> BatchFacts:
        tickets = {d.ticket_id for d in deliveries if d.ticket_id is not None}
        ours: dict[tuple[int, str], list[tuple[int, str]]] = {}
        if tickets:
            # Our earlier mails to the same person about the same ticket, as thread_headers reads them:
            # sent before this batch (a mail sent in this batch is not "sent" until it is recorded).
            rows = (
                Delivery.objects.filter(
                    ticket_id__in=tickets, channel=Channel.EMAIL, status=DeliveryStatus.SENT
                )
                .exclude(message_id="")
                .order_by("id")
                .values_list("ticket_id", "recipient", "id", "message_id")
            )
            for ticket_id, recipient, pk, mid in rows:
                ours.setdefault((ticket_id, recipient), []).append((pk, mid))
        return cls(
            ids={d.pk for d in deliveries},
            bounced=bounced_addresses({d.recipient for d in deliveries}),
            mailboxes=mailboxes_for_tickets({d.ticket_id for d in deliveries}),
            theirs=customer_message_ids_by_ticket(tickets),
            ours=ours,
        )


def prepare(deliveries, session) -> None:
    """Before a batch is sent (outbox.send_due): read what its emails need in a few queries."""
    session.email = BatchFacts.read(deliveries)


def _facts(delivery, session) -> BatchFacts:
    facts = getattr(session, "email", None)
    if facts is None or delivery.pk not in facts.ids:
        facts = BatchFacts.read([delivery])  # sent on its own, without prepare()
    return facts


def sender_for(delivery, facts: BatchFacts) -> tuple[str, list[str]]:
    """From and Reply-To of one message: the mailbox the ticket came in by (or the first active one), so the
    answer lands where it is fetched; without any mailbox, NOTIFY_EMAIL_FROM / NOTIFY_EMAIL_REPLY_TO."""
    box = facts.mailboxes.get(delivery.ticket_id)
    if box is not None:
        return single_line(box.address), [single_line(box.reply_to or box.address)]
    reply_to = [single_line(a) for a in settings.NOTIFY_EMAIL_REPLY_TO.split(",") if a.strip()]
    return single_line(settings.NOTIFY_EMAIL_FROM), reply_to


def thread_headers(delivery, facts: BatchFacts) -> dict[str, str]:
    if delivery.ticket_id is None:
        return {}
    earlier = facts.ours.get((delivery.ticket_id, delivery.recipient), [])
    ours = [mid for pk, mid in earlier if pk < delivery.pk][-REFERENCES_KEPT:]
    theirs = facts.theirs.get(delivery.ticket_id, [])[-REFERENCES_KEPT:]
    references = [*theirs, *ours]
    if not references:
        return {}
    # In-Reply-To names the message this one answers: the customer's last one if they wrote, else ours.
    return {"In-Reply-To": theirs[-1] if theirs else ours[-1], "References": " ".join(references)}


def build(delivery, session, facts: BatchFacts | None = None) -> EmailMultiAlternatives:
    facts = facts or _facts(delivery, session)
    context = ticket_context(delivery.ticket, delivery.language, delivery.context)
    rendered = session.templates.render(delivery.kind, TemplateFormat.EMAIL, delivery.language, context)
    subject = rendered.subject
    tag = f"[#{delivery.ticket.number}]" if delivery.ticket_id else ""
    if tag and tag not in subject:
        subject = f"{tag} {subject}"
    subject = single_line(subject)
    from_email, reply_to = sender_for(delivery, facts)
    headers = {"Message-ID": delivery.message_id, **thread_headers(delivery, facts)}
    if delivery.ticket_id:
        headers["X-ServiceLoop-Ticket"] = delivery.ticket.number
    if delivery.kind not in WRITTEN_BY_A_PERSON:
        headers["Auto-Submitted"] = "auto-generated"
        headers["X-Auto-Response-Suppress"] = "All"
    message = EmailMultiAlternatives(subject=subject, body=rendered.text, from_email=from_email,
                                     to=[single_line(delivery.recipient)], reply_to=reply_to, headers=headers)
    if rendered.html:
        message.attach_alternative(rendered.html, "text/html")
    return message


def send(delivery, session) -> Result:
    facts = _facts(delivery, session)
    if delivery.recipient in facts.bounced:
        # A permanent bounce came back for this address (channels records them): sending again only
        # repeats the bounce, and piles up against our sending reputation.
        return Result(ok=False, permanent=True, error="the address bounced permanently earlier")
    try:
        message = build(delivery, session, facts)
    except TemplateProblem as problem:
        return Result(ok=False, permanent=True, error=f"template: {problem}")
    try:
        if session.smtp is None:
            session.smtp = get_connection(fail_silently=False)
            session.smtp.open()
        session.smtp.send_messages([message])
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _msg in exc.recipients.values()]
        return Result(
            ok=False,
            status_code=codes[0] if codes else None,
            error=f"recipient refused: {exc.recipients}",
            permanent=all(500 <= code < 600 for code in codes),
            subject=message.subject,
        )
    except smtplib.SMTPResponseException as exc:
        _reset(session)
        return Result(ok=False, status_code=exc.smtp_code, error=f"SMTP {exc.smtp_code}: {exc.smtp_error!r}",
                      permanent=500 <= exc.smtp_code < 600 and exc.smtp_code not in (521, 554),
                      subject=message.subject)
    except (OSError, smtplib.SMTPException) as exc:
        _reset(session)
        return Result(ok=False, error=f"{type(exc).__name__}: {exc}", subject=message.subject)
    return Result(ok=True, status_code=250, subject=message.subject, body=message.body)


def _reset(session) -> None:
    """A broken SMTP conversation is closed; the next message opens a fresh one."""
    if session.smtp is not None:
        with contextlib.suppress(Exception):  # closing a broken connection may fail again
            session.smtp.close()
        session.smtp = None
