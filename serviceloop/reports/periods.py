"""The period of a weekly (Monday–Sunday), monthly or quarterly report, in local dates, and its checks."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.translation import gettext as _

from serviceloop.analytics.periods import MAX_DAYS, month_of
from serviceloop.core.errors import InvalidInput

from .models import ReportKind


def period_of(kind: str, day: date) -> tuple[date, date]:
    """The period of `kind` that holds `day`: (first day, last day)."""
    if kind == ReportKind.WEEKLY:
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6)
    if kind == ReportKind.MONTHLY:
        return month_of(day)
    if kind == ReportKind.QUARTERLY:
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return first, month_of(date(first.year, first.month + 2, 1))[1]
    raise InvalidInput.field("kind", _("Unknown report kind: %(kind)s") % {"kind": kind})


def previous(kind: str, first: date) -> tuple[date, date]:
    """The period before the one starting on `first`."""
    return period_of(kind, first - timedelta(days=1))


def last_finished(kind: str, today: date) -> tuple[date, date]:
    """The latest period of `kind` that has ended before `today` (what the schedule reports on)."""
    return previous(kind, period_of(kind, today)[0])


def checked_period(kind: str, start: date | None, end: date | None) -> tuple[date, date]:
    """A period asked for on demand: `start` (and `end`, if given) must be exactly one period of `kind`.

    Refused with a message in the user's language: an end before the start, a span longer than a year (the
    roll-up's limit, analytics.periods), a span that is not the kind's calendar period, a missing start.
    """
    if kind not in ReportKind.values:
        raise InvalidInput.field("kind", _("Unknown report kind: %(kind)s") % {"kind": kind})
    if start is None:
        raise InvalidInput.field("start", _("This field is required."))
    if end is not None and end < start:
        raise InvalidInput.field("end", _("The end date is before the start date."))
    if end is not None and (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput.field("end", _("A period is at most %(days)d days.") % {"days": MAX_DAYS})
    first, last = period_of(kind, start)
    if first != start or (end is not None and end != last):
        raise InvalidInput.field(
            "start",
            _("A %(kind)s covers %(first)s to %(last)s, not the dates given.")
            % {"kind": ReportKind(kind).label, "first": first.isoformat(), "last": last.isoformat()},
        )
    return first, last
