"""Who wrote a message and which ticket it answers (INT-1 email, COM-2).

Threading rules, in order:
1. In-Reply-To, then References (newest first): a Message-ID of a mail we received (InboundMessage)
   or sent (the outbox: `ticket_for_outgoing_message_ids`) names the ticket. Anyone holding such an id
   was in the conversation, so the sender need not be a known contact (their address is recorded).
2. The number in the subject, `[#202612-0001]`: only when the sender is a contact of that ticket's
   organisation. Ticket numbers are sequential and easy to guess; without this check anybody could
   write into any customer's ticket.
Otherwise the message starts a new ticket.
"""

from __future__ import annotations

import re

from serviceloop.customers.models import Contact
from serviceloop.tickets.models import Ticket

from .mime import ParsedMail
from .models import InboundMessage
from .threads import ticket_id_of

SUBJECT_NUMBER = re.compile(r"\[#\s*([A-Za-z0-9][A-Za-z0-9\-_/]{2,38})\s*\]")


def sender_contacts(address: str) -> list[Contact]:
    """The contacts with this email address (case-insensitive), most recently changed first."""
    if not address:
        return []
    return list(Contact.objects.filter(email__iexact=address).select_related("organization")
                .order_by("-updated_at", "-id")[:20])


def pick_contact(contacts: list[Contact], *, organization_id: int | None = None) -> Contact | None:
    """Of several contacts with one address: one of `organization_id` first, then one with a portal
    login, then the most recently changed."""
    if not contacts:
        return None
    return sorted(contacts, key=lambda c: (c.organization_id != organization_id, c.user_id is None))[0]


def ticket_for_outgoing_message_ids(message_ids: list[str]) -> Ticket | None:
    """The ticket one of OUR outgoing mails (the outbox) belonged to: its Message-ID names it, signed
    (threads.py), so a forged id finds nothing."""
    for message_id in message_ids:
        ticket_id = ticket_id_of(message_id)
        if ticket_id is not None:
            ticket = Ticket.objects.filter(pk=ticket_id).first()
            if ticket is not None:
                return ticket
    return None


def _ticket_for_inbound_ids(message_ids: list[str]) -> Ticket | None:
    if not message_ids:
        return None
    found = dict(InboundMessage.objects.filter(message_id__in=message_ids, duplicate_of__isnull=True,
                                               ticket__isnull=False).values_list("message_id", "ticket_id"))
    for message_id in message_ids:
        if message_id in found:
            return Ticket.objects.filter(pk=found[message_id]).first()
    return None


def ticket_for(mail: ParsedMail, *, sender_contacts: list[Contact]) -> tuple[Ticket | None, str]:
    """The ticket this message answers and how it was found ("in-reply-to", "references", "subject"),
    or (None, "")."""
    if mail.in_reply_to:
        ticket = ticket_for_outgoing_message_ids(mail.in_reply_to) or _ticket_for_inbound_ids(
            mail.in_reply_to
        )
        if ticket is not None:
            return ticket, "in-reply-to"
    references = list(reversed(mail.references))
    if references:
        ticket = ticket_for_outgoing_message_ids(references) or _ticket_for_inbound_ids(references)
        if ticket is not None:
            return ticket, "references"
    organizations = {c.organization_id for c in sender_contacts}
    if organizations:
        for number in SUBJECT_NUMBER.findall(mail.subject or ""):
            ticket = Ticket.objects.filter(number=number).first()
            if ticket is not None and ticket.organization_id in organizations:
                return ticket, "subject"
    return None, ""

