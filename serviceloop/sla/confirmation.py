"""CSAT-3: a resolved ticket nobody answers — a reminder, then auto-close — counted in working days on
the ticket's own business calendar (its SLA policy version's; the default calendar without one).

Why here: the calendar maths belong to the SLA app, and tickets sits below sla in the import order, so
tickets cannot count working days. The split is: tickets/processing.py owns the writes (the reminder
event, the closing, each claimed by a conditional UPDATE so two workers never both act), this module
owns *when* — `schedule` runs in the resolving transaction (receivers.py, on the `resolution` event)
and stores the two moments on the ticket (Ticket.confirm_remind_at / auto_close_at, partially indexed);
`confirmation_sweep` (tasks.py, every minute) hands the due ones to tickets.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from serviceloop.tickets import processing
from serviceloop.tickets.models import Ticket

from . import deadlines
from .models import TicketSLA
from .services.calendars import default_calendar, working_calendar

logger = logging.getLogger(__name__)


def _calendar_for(ticket):
    calendar_id = (
        TicketSLA.objects.filter(ticket_id=ticket.pk).values_list("version__calendar_id", flat=True).first()
    )
    return working_calendar(calendar_id or default_calendar().pk)


def due_times(ticket, resolved_at: datetime) -> tuple[datetime | None, datetime | None]:
    """(reminder, auto-close) for a ticket resolved at `resolved_at`; None where switched off (0 days)."""
    cal = _calendar_for(ticket)
    close_days = settings.CONFIRMATION_WORKING_DAYS
    remind_days = settings.CONFIRMATION_REMINDER_WORKING_DAYS
    try:
        close_at = deadlines.add_working_days(resolved_at, close_days, cal) if close_days > 0 else None
        remind_at = (deadlines.add_working_days(resolved_at, remind_days, cal)
                     if remind_days > 0 and (close_days <= 0 or remind_days < close_days) else None)
    except deadlines.DeadlineBeyondHorizon:
        logger.warning(
            "No working day ahead on the calendar of ticket %s; it will not close itself.", ticket.pk
        )
        return None, None
    return remind_at, close_at


def schedule(*, ticket) -> None:
    """On resolution: when to remind the customer and when to close, written to the (locked) ticket row."""
    remind_at, close_at = due_times(ticket, ticket.resolved_at or timezone.now())
    ticket.confirm_remind_at, ticket.auto_close_at = remind_at, close_at
    Ticket.objects.filter(pk=ticket.pk).update(confirm_remind_at=remind_at, auto_close_at=close_at)


@dataclass(frozen=True)
class SweepResult:
    closed: int
    reminded: int


def confirmation_sweep(*, now: datetime | None = None, batch: int = 500) -> SweepResult:
    """Close what is due, then remind what is due (a ticket due for both is closed, not reminded first).

    Each ticket is its own transaction and its own claim, so overlapping sweeps on two workers act on
    each ticket once; a failure on one ticket leaves the others to go on.
    """
    now = now or timezone.now()
    closed = reminded = 0
    due = list(Ticket.objects.filter(auto_close_at__lte=now).order_by("auto_close_at")
               .values_list("pk", flat=True)[:batch])
    for pk in due:
        closed += processing.ticket_auto_close(ticket_id=pk, now=now)
    due = list(Ticket.objects.filter(confirm_remind_at__lte=now).order_by("confirm_remind_at")
               .values_list("pk", flat=True)[:batch])
    for pk in due:
        reminded += processing.ticket_confirmation_remind(ticket_id=pk, now=now)
    return SweepResult(closed=closed, reminded=reminded)
