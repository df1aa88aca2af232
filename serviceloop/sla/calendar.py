"""Working days and business hours (SLA-3) as plain data: no models, no database.

A `WorkingCalendar` answers "is this date a working day?" in three steps, first answer wins:

1. an override entered for the date (a company holiday, a company working Saturday, or a day of a
   year the package does not know yet);
2. China's official calendar from the `chinesecalendar` package (statutory holidays and the
   makeup working days, 调休上班), when `use_official` is on and the package knows the year;
3. Monday–Friday. When this step answers although `use_official` is on, the answer is a guess and
   `is_estimated` says so, unless the year is *known* (`year_known`): its official schedule was read
   into the day table (from the package, the State Council notice, or by hand and marked complete),
   so a day without a row is an ordinary day. With `use_official` off Monday–Friday is the
   configuration, not a guess.

The services build one `WorkingCalendar` from the database rows and hand it to `deadlines`. A
calendar is immutable, so it caches its answer for every date it is asked about; deadline maths
asks about the same few hundred dates over and over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")

# The package has no "which years do you know" call; its own check (utils._validate_date) accepts
# the years between the first and the last entry of this table, so the same bounds are used here.
_PACKAGE_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)

# get_holiday_detail names days in English; the import writes the names people here use.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
MAKEUP_SUFFIX = "调休上班"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class BusinessWindow:
    """One stretch of business hours in a working day, local time, e.g. 09:00–12:00 (start < end)."""

    start: time
    end: time


DEFAULT_WINDOWS = (BusinessWindow(time(9), time(12)), BusinessWindow(time(13), time(18)))


def validate_windows(windows: Iterable[BusinessWindow]) -> tuple[BusinessWindow, ...]:
    """Check a day's windows and return them sorted by start; raise ValueError when they are unusable.

    Windows may touch (12:00–13:00 then 13:00–18:00) but not overlap. Times carry no time zone:
    they are read in the calendar's zone.
    """
    ordered = tuple(sorted(windows, key=lambda w: w.start))
    if not ordered:
        raise ValueError("A calendar needs at least one business-hours window.")
    for window in ordered:
        if window.start.tzinfo is not None or window.end.tzinfo is not None:
            raise ValueError(
                f"Business-hours window {_label(window)} must be a local time without a time zone."
            )
        if window.start >= window.end:
            raise ValueError(f"Business-hours window {_label(window)} must start before it ends.")
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.start < before.end:
            raise ValueError(f"Business-hours windows {_label(before)} and {_label(after)} overlap.")
    return ordered


def _label(window: BusinessWindow) -> str:
    """A window as people write it, for error messages: 09:00–12:00."""
    return f"{window.start:%H:%M}–{window.end:%H:%M}"


def known_years() -> range:
    """The years the installed chinesecalendar package has official data for (2004–2026 in 1.11)."""
    return _PACKAGE_YEARS


def package_knows(year: int) -> bool:
    """True when the installed chinesecalendar package has official data for `year`."""
    return year in _PACKAGE_YEARS


def year_known(year: int, marked: Iterable[int] = ()) -> bool:
    """The one definition of a known year (issue #11): the package has its official data, or the
    calendar's day table holds its official schedule (`marked`: the calendar's CalendarYear rows)."""
    return package_knows(year) or year in marked


def official_days(year: int) -> list[tuple[date, bool, str]]:
    """Every holiday and makeup working day the package lists for `year`, as (date, is_working, name).

    Holidays include the weekend days inside a break (2026-10-03, a Saturday of 国庆节), since the
    package lists them too and an administrator reading the imported list expects the whole break.
    Makeup days are named after their holiday: 春节调休上班. Raises ValueError for a year the package
    does not know, so the caller can tell the administrator to enter the days by hand.
    """
    if not package_knows(year):
        raise ValueError(
            f"chinesecalendar {_package_version()} has no data for {year} "
            f"(it knows {_PACKAGE_YEARS.start}–{_PACKAGE_YEARS.stop - 1})."
        )
    days = []
    day = date(year, 1, 1)
    while day.year == year:
        _holiday, name = chinese_calendar.get_holiday_detail(day)
        if name is not None:
            working = chinese_calendar.is_workday(day)
            zh = HOLIDAY_NAMES_ZH.get(str(name), str(name))  # a name newer than this table stays in English
            days.append((day, working, zh + MAKEUP_SUFFIX if working else zh))
        day += timedelta(days=1)
    return days


def _package_version() -> str:
    """The installed package's version, for messages."""
    return getattr(chinese_calendar, "__version__", "")


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days and which hours of them count, in one time zone.

    `overrides` maps a date to True (working) or False (not working) and wins over everything else.
    The per-date caches are filled lazily; the calendar's settings never change after creation, so
    a cached answer never goes stale. Build a new calendar when the settings change.
    """

    tz: tzinfo = SHANGHAI
    windows: tuple[BusinessWindow, ...] = DEFAULT_WINDOWS
    overrides: Mapping[date, bool] = field(default_factory=dict, hash=False)
    use_official: bool = True
    # Years whose official schedule is in the day table (CalendarYear rows): not estimated.
    marked_years: frozenset[int] = frozenset()
    # ordinal → (is_working, is_estimated), and ordinal → the day's windows as epoch microseconds.
    _day_kind: dict[int, tuple[bool, bool]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _spans: dict[int, tuple[tuple[int, int], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Frozen: object.__setattr__ is the documented way to normalise fields in __post_init__.
        object.__setattr__(self, "windows", validate_windows(self.windows))
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))
        object.__setattr__(self, "marked_years", frozenset(self.marked_years))

    def year_known(self, year: int) -> bool:
        """True when `year`'s official schedule is known to this calendar (module function `year_known`)."""
        return year_known(year, self.marked_years)

    def _kind(self, day: date) -> tuple[bool, bool]:
        """(is_working, is_estimated) for `day`, computed once."""
        key = day.toordinal()
        kind = self._day_kind.get(key)
        if kind is None:
            if day in self.overrides:
                kind = (bool(self.overrides[day]), False)
            elif not self.use_official:
                kind = (day.weekday() < 5, False)
            elif package_knows(day.year):
                kind = (chinese_calendar.is_workday(day), False)
            elif day.year in self.marked_years:
                kind = (day.weekday() < 5, False)  # a known year: a day without a row is an ordinary day
            else:
                kind = (day.weekday() < 5, True)
            self._day_kind[key] = kind
        return kind

    def is_working_day(self, day: date) -> bool:
        """True when `day` is a working day: override, then the official calendar, then Monday–Friday."""
        return self._kind(day)[0]

    def is_estimated(self, day: date) -> bool:
        """True when `day`'s answer is the Monday–Friday guess for a year the package does not know."""
        return self._kind(day)[1]

    def spans(self, ordinal: int) -> tuple[tuple[int, int], ...]:
        """The business windows of the day with this proleptic ordinal, as [open, close) epoch microseconds.

        Empty on a non-working day. Epoch microseconds keep the deadline maths in exact integers
        and measure real elapsed time, also across a daylight-saving change in zones that have one.
        """
        spans = self._spans.get(ordinal)
        if spans is None:
            day = date.fromordinal(ordinal)
            if self.is_working_day(day):
                spans = tuple(
                    (
                        (datetime.combine(day, w.start, tzinfo=self.tz) - _EPOCH) // _MICROSECOND,
                        (datetime.combine(day, w.end, tzinfo=self.tz) - _EPOCH) // _MICROSECOND,
                    )
                    for w in self.windows
                )
            else:
                spans = ()
            self._spans[ordinal] = spans
        return spans
