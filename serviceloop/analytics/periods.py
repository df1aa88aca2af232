"""A KPI period from local dates: [from 00:00, to + 1 day 00:00) in the service's time zone, ≤ 1 year."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.errors import InvalidInput

MAX_DAYS = 366


def month_of(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    return first, next_first - timedelta(days=1)


def period(start: date | None, end: date | None, *, max_days: int = MAX_DAYS
           ) -> tuple[datetime, datetime, date, date]:
    """Both dates inclusive, at most `max_days` days; missing ones default to the current month. Returns the
    instants and the dates."""
    today = timezone.localdate()
    first, last = month_of(today)
    start, end = start or first, end or last
    if end < start:
        raise InvalidInput.field("to", _("The end date is before the start date."))
    if (end - start).days + 1 > max_days:
        raise InvalidInput.field("to", _("A period is at most %(days)d days.") % {"days": max_days})
    tz = timezone.get_current_timezone()
    return (datetime.combine(start, time.min, tz), datetime.combine(end + timedelta(days=1), time.min, tz),
            start, end)
