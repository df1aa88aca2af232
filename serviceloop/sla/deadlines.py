"""Deadline maths (SLA-2, SLA-4): add business time, calendar time or working days to an instant.

Pure functions over a `WorkingCalendar`; no database, no clock. The rules, in one place:

* Instants. Inputs are aware datetimes in any zone (a naive one raises ValueError); results are
  aware datetimes in the calendar's zone (`add_calendar_minutes`: in the start's zone). Time is
  counted in exact integer microseconds of real elapsed time, so seconds and microseconds of the
  start are kept in the result: 10:00:30 + 60 business minutes = 11:00:30.
* Business time is the union of the calendar's windows on working days, each window half-open
  [open, close). Counting starts at the start instant itself; a start outside business time
  starts counting at the next window opening (12:30 → 13:00, 18:30 → next working day 09:00).
* A duration that runs out exactly at a window's close returns the close: 11:00 + 60 minutes is
  12:00, not 13:00. Business-wise the two are the same instant (no business time lies between);
  the earlier one is what people write as the deadline ("by 12:00"), and it keeps
  add(add(s, a), b) == add(s, a + b). So a result lies in a window, close included.
* Pauses are (begin, end) pairs of aware datetimes; the clock does not run inside them. They may
  overlap, extend outside business hours, or lie before the start. A pause ending before it
  begins raises ValueError. An `end` of None is a pause still in progress: when the clock would
  need to run past its begin, the deadline is not known yet and the result is None. An open pause
  beginning after the deadline does not matter and the deadline is returned.
* Durations are minutes (int, or float/Decimal for fractions: 0.5 = 30 seconds) and must be > 0,
  at most MAX_MINUTES (ten years); working days at most MAX_WORKING_DAYS. Beyond them ValueError,
  at once: 10^12 minutes once overflowed datetime (OverflowError) or walked millions of days.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal

from .calendar import WorkingCalendar

Pause = tuple[datetime, datetime | None]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_US_PER_MINUTE = 60_000_000
_OPEN = 1 << 62  # the end of a pause still in progress: later than any real instant
# A calendar with no working day for ten years in a row is misconfigured (every day overridden to
# False); stop instead of walking towards the year 9999.
_MAX_IDLE_DAYS = 3660
# The overflow guard (issue #9): no duration may carry a deadline past the year 9999 that datetime
# ends at, nor make the walk below take more than a blink. Policies stay far below (sla/models.py
# TARGET_MAX); these are the maths' own limits.
MAX_MINUTES = 10 * 366 * 24 * 60
MAX_WORKING_DAYS = 3660
# No walk goes further than this past its start: a calendar with one minute of business time a
# day would otherwise walk 1,440 years for a year of business minutes, holding its transaction (and
# SQLite's write lock) all the while (found by the API fuzzing). A deadline further away than
# this is DeadlineBeyondHorizon, which the SLA services read as "no deadline".
HORIZON_DAYS = 50 * 366


class DeadlineBeyondHorizon(ValueError):
    """The time runs out more than HORIZON_DAYS after the start: as good as never."""


def add_business_minutes(
    start: datetime, minutes: int | float | Decimal, cal: WorkingCalendar, pauses: Iterable[Pause] = ()
) -> datetime | None:
    """The instant at which `minutes` of business time have run after `start`, pauses not counted.

    Ends exactly at a window's close when the time runs out there (see the module rules); None
    when an open pause stops the clock before the time has run out.
    """
    t = _to_us(start)
    result = _advance(cal, t, _duration_us(minutes), _merge(pauses), at_close=True)
    return None if result is None else _from_us(result, cal.tz)


def add_calendar_minutes(
    start: datetime,
    minutes: int | float | Decimal,
    pauses: Iterable[Pause] = (),
    *,
    tz: tzinfo | None = None,
) -> datetime | None:
    """The instant `minutes` of wall-clock time after `start`, the time inside pauses not counted.

    Nights, weekends and holidays count. The result is in `tz`, by default the start's zone; None
    when an open pause stops the clock first.
    """
    t = _to_us(start)
    remaining = _duration_us(minutes)
    for begin, end in _merge(pauses):
        if end <= t:
            continue
        if begin > t:
            if remaining <= begin - t:
                break
            remaining -= begin - t
        if end == _OPEN:
            return None
        t = end
    return _from_us(t + remaining, tz or start.tzinfo)


def add_working_days(
    start: datetime, days: int, cal: WorkingCalendar, pauses: Iterable[Pause] = ()
) -> datetime | None:
    """The same business-time position `days` working days later.

    The position of an instant is the business time that has run on its day before it: with the
    default windows, 10:30 is 90 minutes in, 14:00 is 240 minutes in. The result is the instant at
    the same position on the `days`-th working day after the start's day, so Friday 10:30 + 1 is
    the next working day 10:30 — holidays skipped, makeup working days (调休上班) and company working
    days counted. A start outside business time first moves to the next window opening (Friday
    18:30 + 1 = the second working day after Friday, 09:00; Friday 12:30 + 1 = next working day 13:00).
    A position exactly at a window boundary lands on the opening, never on the close: 13:00 + 1 is
    13:00, not 12:00.

    Pauses push the result later by the business time they cover: the result is where the same
    amount of business time, counted from the start with the clock stopped in pauses, runs out —
    again preferring the next opening to a close. None when an open pause stops the clock first.
    """
    if isinstance(days, bool) or int(days) != days or days <= 0:
        raise ValueError(f"A number of working days must be a whole number above zero, not {days!r}.")
    if days > MAX_WORKING_DAYS:
        raise ValueError(f"At most {MAX_WORKING_DAYS} working days can be added, not {days!r}.")
    days = int(days)
    t0 = _advance(cal, _to_us(start), 0, [], at_close=False)
    assert t0 is not None  # no pauses, so the clock cannot be stopped
    local_day = _local_ordinal(t0, cal.tz)
    position = sum(min(close, t0) - opening for opening, close in cal.spans(local_day) if opening < t0)
    day, idle, found = local_day, 0, 0
    while found < days:
        day += 1
        if day > local_day + HORIZON_DAYS:
            raise DeadlineBeyondHorizon(f"The deadline lies more than {HORIZON_DAYS} days after the start.")
        if cal.spans(day):
            found += 1
            idle = 0
        else:
            idle = _check_idle(idle)
    spans = cal.spans(day)
    target = spans[-1][1]  # only reached when a daylight-saving day is shorter than the start's
    left = position
    for opening, close in spans:
        if left < close - opening:
            target = opening + left
            break
        left -= close - opening
    merged = _merge(pauses)
    if merged:
        business = _between(cal, t0, target, [])
        result = _advance(cal, t0, business, merged, at_close=False)
        return None if result is None else _from_us(result, cal.tz)
    return _from_us(target, cal.tz)


def business_minutes_between(
    a: datetime, b: datetime, cal: WorkingCalendar, pauses: Iterable[Pause] = ()
) -> float:
    """The business time from `a` to `b` in minutes (fractions for seconds), pauses not counted.

    0.0 when `b` is not after `a`. A pause still in progress counts as lasting past `b`.
    The exact inverse of `add_business_minutes`: between(s, add(s, m)) == m.
    """
    start, end = _to_us(a), _to_us(b)
    if end <= start:
        return 0.0
    return _between(cal, start, end, _merge(pauses)) / _US_PER_MINUTE


def deadline_is_estimated(start: datetime, end: datetime | None, cal: WorkingCalendar) -> bool:
    """True when a day from `start`'s date to `end`'s date (both in the calendar's zone, inclusive)
    is the Monday–Friday guess for a year the official calendar does not know.

    The services flag such deadlines so that people know they may move once the year's holidays
    are entered. An `end` of None (deadline not known yet) checks the start's day only.
    """
    first = _local_ordinal(_to_us(start), cal.tz)
    last = first if end is None else _local_ordinal(_to_us(end), cal.tz)
    if last < first:
        first, last = last, first
    return any(cal.is_estimated(date.fromordinal(day)) for day in range(first, last + 1))


# --- the engine: exact integer microseconds since the epoch ---------------------------------------

def _to_us(moment: datetime) -> int:
    """An aware datetime as microseconds since 1970-01-01 UTC; a naive one is refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"Deadline maths needs an aware datetime, got the naive {moment.isoformat()}.")
    return (moment - _EPOCH) // _MICROSECOND


def _from_us(us: int, tz: tzinfo | None) -> datetime:
    """Microseconds since the epoch as an aware datetime in `tz`."""
    return (_EPOCH + timedelta(microseconds=us)).astimezone(tz)


def _local_ordinal(us: int, tz: tzinfo) -> int:
    """The proleptic ordinal of the local date, in `tz`, of the instant `us`."""
    return _from_us(us, tz).toordinal()


def _duration_us(minutes: int | float | Decimal) -> int:
    """A positive number of minutes as whole microseconds."""
    if isinstance(minutes, bool) or not minutes > 0:
        raise ValueError(f"A duration must be above zero minutes, not {minutes!r}.")
    if minutes > MAX_MINUTES:
        raise ValueError(f"A duration can be at most {MAX_MINUTES} minutes, not {minutes!r}.")
    if isinstance(minutes, int):
        return minutes * _US_PER_MINUTE  # exact for any size
    return round(minutes * _US_PER_MINUTE)


def _merge(pauses: Iterable[Pause]) -> list[tuple[int, int]]:
    """Pauses as sorted, non-overlapping [begin, end) microsecond intervals; an open end is _OPEN."""
    intervals = []
    for begin, end in pauses:
        b = _to_us(begin)
        e = _OPEN if end is None else _to_us(end)
        if e < b:
            raise ValueError(f"A pause cannot end ({end}) before it begins ({begin}).")
        if e > b:
            intervals.append((b, e))
    if len(intervals) < 2:
        return intervals
    intervals.sort()
    merged = [intervals[0]]
    for b, e in intervals[1:]:
        last_b, last_e = merged[-1]
        if b <= last_e:
            if e > last_e:
                merged[-1] = (last_b, e)
        else:
            merged.append((b, e))
    return merged


def _check_idle(idle: int) -> int:
    """Count one more day without business time; stop a calendar that has none for years."""
    idle += 1
    if idle > _MAX_IDLE_DAYS:
        raise ValueError(
            f"The calendar has no working day in {_MAX_IDLE_DAYS} days in a row; check its overrides."
        )
    return idle


def _advance(
    cal: WorkingCalendar, t: int, remaining: int, pauses: list[tuple[int, int]], *, at_close: bool
) -> int | None:
    """Walk business time forward from `t` until `remaining` microseconds have run.

    Day by day, window by window, cutting pauses out of each window; no per-minute steps. With
    `at_close` a duration running out exactly at the end of a stretch returns that end (a window's
    close, or a pause's begin); without it, the walk goes on to where the clock runs again.
    None when a pause still in progress is reached first.
    """
    spans_of = cal.spans
    cache = cal._spans  # the hot path reads the calendar's cache directly to save a call per day
    day = _local_ordinal(t, cal.tz)
    last_day = day + HORIZON_DAYS
    n = len(pauses)
    pi = 0
    idle = 0
    while True:
        spans = cache.get(day)
        if spans is None:
            spans = spans_of(day)
        idle = 0 if spans else _check_idle(idle)
        for opening, close in spans:
            if close <= t:
                continue
            s = opening if opening > t else t
            while s < close:
                while pi < n and pauses[pi][1] <= s:
                    pi += 1
                if pi < n and pauses[pi][0] <= s:  # s is inside a pause: jump to its end
                    if pauses[pi][1] == _OPEN:
                        return None
                    s = pauses[pi][1]
                    continue
                stop = close if pi >= n or pauses[pi][0] >= close else pauses[pi][0]
                available = stop - s
                if remaining < available or (at_close and remaining == available):
                    return s + remaining
                remaining -= available
                s = stop
            t = close
        day += 1
        if day > last_day:
            raise DeadlineBeyondHorizon(f"The deadline lies more than {HORIZON_DAYS} days after the start.")


def _between(cal: WorkingCalendar, start: int, end: int, pauses: list[tuple[int, int]]) -> int:
    """Business microseconds in [start, end), the time inside `pauses` taken out."""
    total = 0
    n = len(pauses)
    pi = 0
    last_day = _local_ordinal(end, cal.tz)
    for day in range(_local_ordinal(start, cal.tz), last_day + 1):
        for opening, close in cal.spans(day):
            s = opening if opening > start else start
            e = close if close < end else end
            if s >= e:
                continue
            total += e - s
            # Pauses are sorted and disjoint: skip those already behind this stretch, subtract overlaps.
            while pi < n and pauses[pi][1] <= s:
                pi += 1
            k = pi
            while k < n and pauses[k][0] < e:
                total -= min(e, pauses[k][1]) - max(s, pauses[k][0])
                k += 1
    return total
