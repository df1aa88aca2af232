"""Business calendars (SLA-3): business-hours windows, days entered by hand, the default calendar,
and the per-process cache of each calendar as a pure WorkingCalendar.
"""

from __future__ import annotations

import time as _time
from datetime import date, time
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import gettext as _

from serviceloop.core.errors import InvalidInput

from ..calendar import BusinessWindow, WorkingCalendar, validate_windows
from ..models import BusinessCalendar, BusinessHours, CalendarDay, DaySource

_calendar_cache: dict[int, tuple[float, WorkingCalendar]] = {}
CALENDAR_CACHE_SECONDS = 60


def working_calendar(calendar_id: int) -> WorkingCalendar:
    """The calendar as a pure WorkingCalendar, cached per process for a minute.

    Day overrides change a few times a year; rebuilding on every ticket would cost two queries each
    time. Edits through the services below clear the cache at once in this process.
    """
    cached = _calendar_cache.get(calendar_id)
    if cached and _time.monotonic() - cached[0] < CALENDAR_CACHE_SECONDS:
        return cached[1]
    row = BusinessCalendar.objects.get(pk=calendar_id)
    windows = [BusinessWindow(w.start, w.end) for w in row.windows.all()]
    overrides = dict(CalendarDay.objects.filter(calendar=row).values_list("date", "is_working"))
    cal = WorkingCalendar(tz=ZoneInfo(row.timezone), windows=tuple(windows) or WorkingCalendar().windows,
                          overrides=overrides, use_official=row.use_official)
    _calendar_cache[calendar_id] = (_time.monotonic(), cal)
    return cal


def clear_calendar_cache() -> None:
    _calendar_cache.clear()


@transaction.atomic
def calendar_set_windows(*, calendar: BusinessCalendar, windows: list[tuple]) -> BusinessCalendar:
    """Replace a calendar's business-hours windows; overlapping or empty windows are refused."""
    if not windows:
        raise InvalidInput.field("windows", _("Give at least one business-hours window."))
    ordered = sorted(windows)
    for start, end in ordered:
        if start >= end:
            raise InvalidInput.field("windows", _("The window %(start)s–%(end)s must start before it ends.")
                                     % {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"})
    for (s1, e1), (s2, e2) in zip(ordered, ordered[1:], strict=False):
        if s2 < e1:
            raise InvalidInput.field("windows", _("The windows %(first)s and %(second)s overlap.")
                                     % {"first": f"{s1:%H:%M}–{e1:%H:%M}",
                                        "second": f"{s2:%H:%M}–{e2:%H:%M}"})
    validate_windows([BusinessWindow(start, end) for start, end in windows])  # the calendar's own rules
    calendar.windows.all().delete()
    BusinessHours.objects.bulk_create([BusinessHours(calendar=calendar, start=s, end=e) for s, e in windows])
    clear_calendar_cache()
    return calendar


@transaction.atomic
def calendar_day_set(*, calendar: BusinessCalendar, day: date, is_working: bool, name: str = "",
                     source: str = DaySource.COMPANY) -> CalendarDay:
    """Enter or correct one day (a company holiday, a makeup day, a day of a year the package lacks)."""
    if not 1900 <= day.year <= 2100:
        raise InvalidInput.field("date", _("Only dates from 1900 to 2100 can be entered."))
    if source not in DaySource.values:
        raise InvalidInput.field("source", _("Unknown source."))
    row, _created = CalendarDay.objects.update_or_create(
        calendar=calendar, date=day,
        defaults={"is_working": is_working, "name": name[:100], "source": source})
    clear_calendar_cache()
    return row


# The default calendar's name and hours; sla/migrations/0006_seed_presets.py writes the same (frozen there).
DEFAULT_CALENDAR_NAME = "中国大陆工作日历"
DEFAULT_WINDOWS = [(time(9), time(12)), (time(13), time(18))]


def default_calendar() -> BusinessCalendar:
    """The default calendar, created with 09:00–12:00 and 13:00–18:00 the first time it is needed.

    A data migration writes it with the presets; this is the fallback for a database emptied since.
    """
    cal = BusinessCalendar.objects.filter(is_default=True).first()
    if cal is None:
        cal, created = BusinessCalendar.objects.get_or_create(
            name=DEFAULT_CALENDAR_NAME, defaults={"is_default": True, "timezone": "Asia/Shanghai"})
        if created or not cal.windows.exists():
            calendar_set_windows(calendar=cal, windows=DEFAULT_WINDOWS)
    return cal
