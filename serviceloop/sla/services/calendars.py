"""Business calendars (SLA-3): business-hours windows, days entered by hand, the default calendar,
the known years (issue #11: package import, the State Council notice, marked complete by hand), and
the per-process cache of each calendar as a pure WorkingCalendar.

Every change path ends in `calendar_changed`: the caches are cleared now and at commit, and once
committed a background job recomputes the open tickets' deadlines the change can move
(services/clock.py `calendar_sla_recompute`).
"""

from __future__ import annotations

import time as _time
from datetime import date, time
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.errors import InvalidInput

from .. import calendar as pure
from ..calendar import BusinessWindow, WorkingCalendar, validate_windows
from ..checks import forget_banner
from ..models import BusinessCalendar, BusinessHours, CalendarDay, CalendarYear, DaySource, YearSource
from ..notice import NoticeError, NoticeSchedule, parse_notice

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
    marked = CalendarYear.objects.filter(calendar=row).values_list("year", flat=True)
    cal = WorkingCalendar(tz=ZoneInfo(row.timezone), windows=tuple(windows) or WorkingCalendar().windows,
                          overrides=overrides, use_official=row.use_official, marked_years=frozenset(marked))
    _calendar_cache[calendar_id] = (_time.monotonic(), cal)
    return cal


def clear_calendar_cache() -> None:
    _calendar_cache.clear()


def year_known(calendar: BusinessCalendar | int, year: int) -> bool:
    """Whether `year`'s official schedule is known to `calendar` (issue #11), read from the database:
    the package knows it, or a CalendarYear row says it was imported, read from a notice or marked
    complete. The same rule (calendar.year_known) decides the estimated flag of every deadline."""
    calendar_id = calendar if isinstance(calendar, int) else calendar.pk
    return (
        pure.package_knows(year) or CalendarYear.objects.filter(calendar_id=calendar_id, year=year).exists()
    )


def calendar_changed(*, calendar_id: int, start: date, end: date | None = None) -> None:
    """Every calendar write ends here: caches cleared now and at commit (another thread may cache the
    old rows meanwhile), then a background job recomputes the open tickets' deadlines between `start`
    and `end` (inclusive; None: open-ended, e.g. new business hours) once the change is committed."""
    from ..tasks import calendar_sla_recompute_task  # tasks import the clock, which imports this module

    clear_calendar_cache()
    since, until = start.isoformat(), end.isoformat() if end else None

    def enqueue():
        clear_calendar_cache()
        forget_banner()
        calendar_sla_recompute_task(calendar_id, since, until)

    transaction.on_commit(enqueue)


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
    calendar_changed(calendar_id=calendar.pk, start=timezone.localdate())
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
    calendar_changed(calendar_id=calendar.pk, start=day, end=day)
    return row


@transaction.atomic
def calendar_day_delete(*, calendar: BusinessCalendar, day: date) -> bool:
    """Remove a day's own row: it follows the official calendar (or Monday–Friday) again.
    False when there was no row (nothing changed, nothing recomputed)."""
    deleted, _detail = CalendarDay.objects.filter(calendar=calendar, date=day).delete()
    if deleted:
        calendar_changed(calendar_id=calendar.pk, start=day, end=day)
    return bool(deleted)


def _save_official_year(calendar: BusinessCalendar, year: int, days: list[tuple[date, bool, str]], *,
                        source: str, actor=None) -> CalendarYear:
    """The official days of `year` replace the official rows there were (a company's own days stay,
    except on a date the official schedule sets); the year becomes known. Inside the caller's transaction."""
    CalendarDay.objects.filter(calendar=calendar, date__year=year, source=DaySource.OFFICIAL).delete()
    CalendarDay.objects.filter(calendar=calendar, date__in=[d for d, _w, _n in days]).delete()
    CalendarDay.objects.bulk_create([CalendarDay(calendar=calendar, date=d, is_working=w, name=n[:100],
                                                 source=DaySource.OFFICIAL) for d, w, n in days])
    marked, _created = CalendarYear.objects.update_or_create(
        calendar=calendar, year=year,
        defaults={"source": source, "completed_by": actor, "completed_at": timezone.now()})
    calendar_changed(calendar_id=calendar.pk, start=date(year, 1, 1), end=date(year, 12, 31))
    return marked


@transaction.atomic
def calendar_import_year(*, calendar: BusinessCalendar, year: int, actor=None) -> int:
    """Copy a year the chinesecalendar package knows into the day table and mark it known; the
    number of days copied. A year the package does not know is refused (read the notice instead)."""
    try:
        days = pure.official_days(year)
    except ValueError as exc:
        raise InvalidInput.field("year", str(exc)) from exc
    _save_official_year(calendar, year, days, source=YearSource.PACKAGE, actor=actor)
    return len(days)


@transaction.atomic
def calendar_year_mark_complete(*, calendar: BusinessCalendar, year: int, actor) -> CalendarYear:
    """An administrator entered a year's official days by hand and says they are complete: the year
    is known from now on, so its days without a row are ordinary days, not estimated ones."""
    if not 1900 <= year <= 2100:
        raise InvalidInput.field("year", _("Only dates from 1900 to 2100 can be entered."))
    marked, _created = CalendarYear.objects.update_or_create(
        calendar=calendar, year=year,
        defaults={"source": YearSource.MANUAL, "completed_by": actor, "completed_at": timezone.now()})
    calendar_changed(calendar_id=calendar.pk, start=date(year, 1, 1), end=date(year, 12, 31))
    return marked


def calendar_notice_read(*, text: str, year: int | None = None) -> NoticeSchedule:
    """Parse a pasted State Council notice (sla/notice.py) for the preview; nothing is saved.
    A notice that cannot be read is an InvalidInput (422) quoting the offending line."""
    if year is not None and not 1900 <= year <= 2100:
        raise InvalidInput.field("year", _("Only dates from 1900 to 2100 can be entered."))
    try:
        return parse_notice(text, year=year)
    except NoticeError as exc:
        raise InvalidInput(
            str(exc), errors=[{"field": "text", "message": exc.message, "line": exc.line}]
        ) from exc


@transaction.atomic
def calendar_notice_confirm(*, calendar: BusinessCalendar, text: str, actor, year: int | None = None
                            ) -> NoticeSchedule:
    """The administrator confirmed the preview: the notice is read again (the same text gives the
    same days) and its days are saved as the official days of its year, which becomes known; one
    transaction, so a notice refused half-way saves nothing."""
    schedule = calendar_notice_read(text=text, year=year)
    _save_official_year(calendar, schedule.year, schedule.days(), source=YearSource.NOTICE, actor=actor)
    return schedule


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
