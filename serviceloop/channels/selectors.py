"""Reads of inbound email, scoped by who asks: the original .eml is for staff only (never customers)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from serviceloop.core.errors import NotFound
from serviceloop.tickets.models import Ticket

from .models import InboundMessage


def inbound_message_original(*, user, message_id: int) -> InboundMessage:
    """The message whose original (.eml) `user` may download, or NotFound.

    Staff who can see the ticket the message made (or was a copy of) may; administrators
    (channels.view_inboundmessage) may see every message, held and failed ones included. A customer
    never may, not even for their own ticket: the original carries our internal addresses and the
    whole quoted history.
    """
    not_found = NotFound(_("This email was not found."))
    if not user.is_authenticated or user.is_customer:
        raise not_found
    message = InboundMessage.objects.select_related("duplicate_of").filter(pk=message_id).first()
    if message is None:
        raise not_found
    if user.has_perm("channels.view_inboundmessage"):
        return message
    ticket_id = message.ticket_id or (message.duplicate_of.ticket_id if message.duplicate_of else None)
    if ticket_id is None or not Ticket.objects.visible_to(user).filter(pk=ticket_id).exists():
        raise not_found
    return message


def eml_filename(message: InboundMessage) -> str:
    """A readable download name: the subject (made safe for a file name) and the row's id."""
    subject = re.sub(r"[\\/:*?\"<>|\r\n\t]+", " ", message.subject or "").strip()[:80]
    return f"{subject or 'email'}-{message.pk}.eml"
