"""The mail thread of a ticket (COM-2): the Message-IDs our outgoing mails carry, and the mailbox a ticket
talks through.

Our outgoing Message-IDs name their ticket and are signed: `<sl.t<ticket id>.<token>.<signature>@domain>`.
A customer's answer carries one in In-Reply-To / References, so it finds its ticket without any table
lookup; the signature (an HMAC under SECRET_KEY) means a forged id names no ticket — without it, anybody
could write into any ticket by guessing its id. The outbox (notifications, above this app) gives each
email delivery its id here and asks here which mailbox to send from and which customer mails to answer.
"""

from __future__ import annotations

import re

from django.utils.crypto import constant_time_compare, salted_hmac

from .models import InboundMessage, Mailbox

_OURS = re.compile(r"^<?sl\.t(\d{1,19})\.([0-9A-Za-z-]{8,40})\.([0-9a-f]{20})@", re.IGNORECASE)


def _signature(ticket_id: int, token: str) -> str:
    return salted_hmac(
        "serviceloop.channels.threads", f"{ticket_id}.{token}", algorithm="sha256"
    ).hexdigest()[:20]


def outgoing_message_id(*, ticket_id: int, token: str, domain: str) -> str:
    """The Message-ID of one outgoing mail on ticket `ticket_id`; `token` makes it unique (a delivery id)."""
    return f"<sl.t{ticket_id}.{token}.{_signature(ticket_id, token)}@{domain}>"


def ticket_id_of(message_id: str) -> int | None:
    """The ticket one of our outgoing Message-IDs names, or None (not ours, or not signed by us)."""
    match = _OURS.match((message_id or "").strip())
    if match is None:
        return None
    ticket_id, token, signature = int(match.group(1)), match.group(2), match.group(3).lower()
    return ticket_id if constant_time_compare(signature, _signature(ticket_id, token)) else None


def mailbox_for_ticket(ticket_id: int | None) -> Mailbox | None:
    """The mailbox a ticket's mail goes out from: the one it came in by, else the first active mailbox."""
    return mailboxes_for_tickets([ticket_id])[ticket_id]


def mailboxes_for_tickets(ticket_ids) -> dict[int | None, Mailbox | None]:
    """mailbox_for_ticket for several tickets in at most three queries (the outbox's batch)."""
    ids = {t for t in ticket_ids if t is not None}
    came_in: dict[int, int] = {}
    if ids:
        rows = (InboundMessage.objects.filter(ticket_id__in=ids, mailbox__is_active=True)
                .order_by("id").values_list("ticket_id", "mailbox_id"))
        for ticket_id, mailbox_id in rows:
            came_in.setdefault(ticket_id, mailbox_id)
    boxes = Mailbox.objects.in_bulk(set(came_in.values())) if came_in else {}
    default = None
    if len(came_in) < len(ids) or None in set(ticket_ids):
        default = Mailbox.objects.filter(is_active=True).order_by("id").first()
    return {t: boxes.get(came_in.get(t), default) if t in came_in else default for t in ticket_ids}


def customer_message_ids(ticket_id: int) -> list[str]:
    """Message-IDs of the mails we received on this ticket, oldest first (what our answers refer to)."""
    return customer_message_ids_by_ticket([ticket_id])[ticket_id]


def customer_message_ids_by_ticket(ticket_ids) -> dict[int, list[str]]:
    """customer_message_ids for several tickets in one query."""
    found: dict[int, list[str]] = {t: [] for t in ticket_ids}
    rows = (InboundMessage.objects.filter(ticket_id__in=list(found), duplicate_of__isnull=True)
            .exclude(message_id="").order_by("id").values_list("ticket_id", "message_id"))
    for ticket_id, message_id in rows:
        found[ticket_id].append(message_id)
    return found
