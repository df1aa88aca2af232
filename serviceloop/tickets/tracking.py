"""Tracking a ticket without logging in: the ticket number and the contact's phone open a public summary.

A read only: nothing about the lookup is written to the ticket. What it returns is built here field by
field (never the Ticket itself), so a template cannot reach an internal note, an attachment, an owner's
name or another customer's data by accident. Rate limits are the caller's job (web/views/track.py).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from .choices import (
    FINISHED_STATUSES,
    PUBLIC_EVENT_KINDS,
    ConfirmationMethod,
    ConfirmationOutcome,
    EventKind,
    Status,
    SubStatus,
)
from .events import customer_copy
from .models import Ticket, TicketEvent

# What a visitor sees of the timeline: the service team's public replies and the status changes.
# Not customer replies nor attachment events (the customer's own words and files stay behind a login).
# Always a subset of PUBLIC_EVENT_KINDS (COM-4), and the query asks for is_public too.
TRACKED_EVENT_KINDS = tuple(k for k in (EventKind.STATUS, EventKind.REPLY, EventKind.SUB_STATUS,
                                        EventKind.RESOLUTION, EventKind.CONFIRMATION)
                            if k in PUBLIC_EVENT_KINDS)

_NON_DIGITS = re.compile(r"[^0-9]")


def phone_digits(phone: str) -> str:
    """A phone number as national digits: '+86 138-1234-5678', '0086 13812345678' → '13812345678'.

    The country code 86 goes when it is written as such (+86, 0086) or when it obviously precedes an
    11-digit mobile number; a landline written internationally gets its trunk 0 back
    ('+86 21 5550 1234' → '02155501234', as it is written at home: 021-5550 1234).
    """
    digits = _NON_DIGITS.sub("", phone)
    had_country_code = False
    if digits.startswith("0086"):
        digits, had_country_code = digits[4:], True
    elif digits.startswith("86") and (
        phone.lstrip().startswith("+") or (len(digits) == 13 and digits[2] == "1")
    ):
        digits, had_country_code = digits[2:], True
    if had_country_code and digits and digits[0] not in "01":
        digits = "0" + digits
    return digits


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@dataclass(frozen=True)
class TrackedEvent:
    """One public timeline entry: what happened, when, and its public text."""

    kind: str
    label: str
    at: datetime
    text: str = ""


@dataclass(frozen=True)
class TrackedTicket:
    """What a visitor who knows the number and the contact phone may see of a ticket."""

    number: str
    title: str
    status: str
    status_label: str
    sub_status_label: str
    created_at: datetime
    respond_by: datetime | None
    resolve_by: datetime | None
    events: list[TrackedEvent] = field(default_factory=list)
    # COM-5: the result the customer reads, while the ticket is resolved or closed (never the root cause).
    result: str = ""
    warranty_months: int | None = None


def _event(event: TicketEvent) -> TrackedEvent:
    if event.kind == EventKind.SUB_STATUS:
        label = _("Progress: %(sub_status)s") % {"sub_status": _label(SubStatus, event.data.get("to") or "")}
        return TrackedEvent(kind=event.kind, label=label, at=event.created_at)
    if event.kind == EventKind.RESOLUTION:
        return TrackedEvent(kind=event.kind, label=_("Resolution"), at=event.created_at, text=event.body)
    if event.kind == EventKind.CONFIRMATION:
        outcome = event.data.get("outcome")
        label = (
            _("Not fixed: reopened")
            if outcome == ConfirmationOutcome.NOT_FIXED
            else _("Closed automatically without an answer")
            if event.data.get("method") == ConfirmationMethod.AUTO
            else _("Confirmed as fixed")
        )
        # The "not fixed" reason is the customer's own words: they stay behind a login, like their replies.
        return TrackedEvent(kind=event.kind, label=label, at=event.created_at)
    # The customer-facing copy (tickets/events.py): the public text, never an internal note. The
    # sub-status is read from the event itself: the copy's data is the API's, and the label is ours.
    copy = customer_copy(event)
    if event.kind == EventKind.STATUS:
        label = _("Status changed to %(status)s") % {"status": _label(Status, copy.data.get("to", ""))}
        sub_status = event.data.get("sub_status") or ""
        if sub_status:
            label = f"{label} · {_label(SubStatus, sub_status)}"
        return TrackedEvent(kind=copy.kind, label=label, at=copy.at, text=copy.body)
    return TrackedEvent(kind=copy.kind, label=_("Reply from our service team"), at=copy.at, text=copy.body)


def ticket_track(*, number: str, phone: str) -> TrackedTicket | None:
    """The public summary of the ticket with this number whose contact has this phone; None otherwise.

    None whether the number does not exist, the ticket has no contact phone or the phone differs:
    the caller must not be able to tell which.
    """
    number = number.strip()
    wanted = phone_digits(phone)
    # The exact spelling, and upper case for a visitor who typed 'fb20260501001': both hit the unique index.
    # No ORDER BY (unlike .first()), so PostgreSQL reads the unique index rather than walking the primary key.
    ticket = next(iter(Ticket.objects.filter(number__in={number, number.upper()})
                       .select_related("contact", "sla__version__policy").order_by()[:1]), None)
    on_file = phone_digits(ticket.contact.phone) if ticket is not None and ticket.contact is not None else ""
    # Compared in constant time, so response times do not hint at how much of a phone was right.
    if not (wanted and on_file and hmac.compare_digest(wanted, on_file)):
        return None
    events = (TicketEvent.objects.filter(ticket=ticket, is_public=True, kind__in=TRACKED_EVENT_KINDS)
              .only("kind", "is_public", "created_at", "body", "data").order_by("created_at", "id"))
    clock = getattr(ticket, "sla", None)  # joined above; TicketSLA.summary is the SLA app's own read
    sla = clock.summary() if clock is not None else None
    respond_by = resolve_by = None
    if sla:
        response = sla["first_response"] or sla["acknowledge"]
        if response and response["due"] and not response["met_at"]:
            respond_by = response["due"]
        if sla["resolution"] and sla["resolution"]["due"] and not sla["resolution"]["met_at"]:
            resolve_by = sla["resolution"]["due"]
    return TrackedTicket(
        number=ticket.number,
        title=ticket.title,
        status=ticket.status,
        status_label=ticket.get_status_display(),
        sub_status_label=ticket.get_sub_status_display() if ticket.sub_status else "",
        created_at=ticket.created_at,
        respond_by=respond_by,
        resolve_by=resolve_by,
        events=[_event(e) for e in events],
        **(
            {"result": ticket.customer_result, "warranty_months": ticket.warranty_months}
            if ticket.status in FINISHED_STATUSES
            else {}
        ),
    )
