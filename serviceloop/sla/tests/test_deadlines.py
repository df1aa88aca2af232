"""SLA-2/SLA-4 deadline maths: business minutes, calendar minutes, working days, pauses.

Hand-checked cases use the 2026 official calendar as the installed chinesecalendar 1.11 lists it
(see test_calendar.py) and the default windows 09:00–12:00 and 13:00–18:00, 480 minutes a day.
Property tests then check the rules on random instants, durations and pauses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from serviceloop.sla.calendar import BusinessWindow, WorkingCalendar
from serviceloop.sla.deadlines import (
    add_business_minutes,
    add_calendar_minutes,
    add_working_days,
    business_minutes_between,
    deadline_is_estimated,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar()
COMPANY = WorkingCalendar(
    windows=(
        BusinessWindow(time(8, 30), time(12)),
        BusinessWindow(time(12), time(17, 30)),
    ),  # touching windows
    overrides={
        date(2026, 3, 11): False,
        date(2026, 3, 14): True,
        date(2026, 10, 8): False,
        date(2027, 1, 1): False,
        date(2027, 1, 9): True,
    },
)
NIGHT_SHIFT = WorkingCalendar(
    windows=(BusinessWindow(time(0), time(2)), BusinessWindow(time(22), time(23, 59)))
)


def sh(*args: int) -> datetime:
    """A Shanghai wall-clock instant."""
    return datetime(*args, tzinfo=SHANGHAI)


# --- business minutes across the 2026 calendar ----------------------------------------------------

def test_it_counts_through_the_makeup_saturday_before_the_2026_spring_festival():
    opened = sh(2026, 2, 13, 16, 0)  # Friday afternoon; Sat 14 Feb is a makeup working day
    assert add_business_minutes(opened, 240, CAL) == sh(2026, 2, 14, 11, 0)
    assert add_business_minutes(opened, 480, CAL) == sh(2026, 2, 14, 16, 0)


def test_it_skips_the_2026_spring_festival_break():
    opened = sh(2026, 2, 13, 16, 0)
    # Fri 120 + Sat 480, then 15–23 Feb off; Tue 24 Feb 480, Wed 25 Feb 09:00–12:00 and 13:00–16:00.
    assert add_business_minutes(opened, 1440, CAL) == sh(2026, 2, 25, 16, 0)
    assert add_business_minutes(sh(2026, 2, 14, 17, 0), 120, CAL) == sh(2026, 2, 24, 10, 0)


def test_it_skips_new_year_2026_and_works_the_makeup_sunday():
    assert add_business_minutes(sh(2025, 12, 31, 17, 0), 120, CAL) == sh(2026, 1, 4, 10, 0)


def test_it_skips_the_mid_autumn_and_national_day_holidays_of_2026():
    assert add_business_minutes(sh(2026, 9, 24, 17, 0), 120, CAL) == sh(2026, 9, 28, 10, 0)
    assert add_business_minutes(sh(2026, 9, 30, 17, 0), 120, CAL) == sh(2026, 10, 8, 10, 0)
    assert add_business_minutes(sh(2026, 9, 18, 17, 0), 120, CAL) == sh(2026, 9, 20, 10, 0)  # makeup Sunday


def test_it_skips_an_ordinary_weekend():
    assert add_business_minutes(sh(2026, 3, 6, 17, 0), 120, CAL) == sh(2026, 3, 9, 10, 0)


def test_it_skips_the_lunch_break_and_stops_at_a_window_end():
    assert add_business_minutes(sh(2026, 3, 3, 11, 0), 60, CAL) == sh(2026, 3, 3, 12, 0)
    assert add_business_minutes(sh(2026, 3, 3, 11, 0), 61, CAL) == sh(2026, 3, 3, 13, 1)
    assert add_business_minutes(sh(2026, 3, 3, 17, 0), 60, CAL) == sh(2026, 3, 3, 18, 0)
    assert add_business_minutes(sh(2026, 3, 3, 17, 0), 61, CAL) == sh(2026, 3, 4, 9, 1)


@pytest.mark.parametrize(("opened", "due"), [
    (sh(2026, 3, 3, 7, 0), sh(2026, 3, 3, 9, 30)),
    (sh(2026, 3, 3, 12, 0), sh(2026, 3, 3, 13, 30)),  # a window's close is outside business time
    (sh(2026, 3, 3, 12, 30), sh(2026, 3, 3, 13, 30)),
    (sh(2026, 3, 3, 18, 0), sh(2026, 3, 4, 9, 30)),
    (sh(2026, 3, 3, 23, 59), sh(2026, 3, 4, 9, 30)),
    (sh(2026, 3, 7, 10, 0), sh(2026, 3, 9, 9, 30)),  # Saturday
])
def test_a_start_outside_business_time_counts_from_the_next_opening(opened, due):
    assert add_business_minutes(opened, 30, CAL) == due


def test_seconds_of_the_start_are_kept():
    assert add_business_minutes(sh(2026, 3, 3, 10, 0, 30), 60, CAL) == sh(2026, 3, 3, 11, 0, 30)
    assert add_business_minutes(sh(2026, 3, 3, 11, 59, 30), 1, CAL) == sh(2026, 3, 3, 13, 0, 30)
    assert add_business_minutes(sh(2026, 3, 3, 10, 0), 0.5, CAL) == sh(2026, 3, 3, 10, 0, 30)
    assert add_business_minutes(sh(2026, 3, 3, 10, 0), Decimal("1.25"), CAL) == sh(2026, 3, 3, 10, 1, 15)


def test_a_company_holiday_and_a_company_working_saturday_are_honoured():
    # COMPANY: 08:30–17:30 without a break, Wed 11 Mar off, Sat 14 Mar working.
    assert add_business_minutes(sh(2026, 3, 10, 17, 0), 60, COMPANY) == sh(2026, 3, 12, 9, 0)
    assert add_business_minutes(sh(2026, 3, 13, 17, 0), 60, COMPANY) == sh(2026, 3, 14, 9, 0)
    assert add_business_minutes(sh(2026, 3, 3, 11, 30), 60, COMPANY) == sh(
        2026, 3, 3, 12, 30
    )  # touching windows
    assert add_business_minutes(sh(2026, 9, 30, 17, 0), 60, COMPANY) == sh(2026, 10, 9, 9, 0)  # 8 Oct off too


def test_an_unknown_year_counts_monday_to_friday_and_is_estimated():
    # 1 Jan 2027 is a Friday; without data for 2027 it is a working day, and the deadline a guess.
    due = add_business_minutes(sh(2026, 12, 31, 17, 0), 120, CAL)
    assert due == sh(2027, 1, 1, 10, 0)
    assert deadline_is_estimated(sh(2026, 12, 31, 17, 0), due, CAL)
    assert not deadline_is_estimated(sh(2026, 2, 13, 16, 0), sh(2026, 2, 25, 16, 0), CAL)


def test_overrides_entered_for_an_unknown_year_win():
    # COMPANY has 1 Jan 2027 off and Sat 9 Jan 2027 working (08:30–17:30).
    assert add_business_minutes(sh(2026, 12, 31, 17, 0), 60, COMPANY) == sh(2027, 1, 4, 9, 0)
    assert add_business_minutes(sh(2027, 1, 8, 17, 0), 60, COMPANY) == sh(2027, 1, 9, 9, 0)
    assert deadline_is_estimated(
        sh(2027, 1, 8, 17, 0), sh(2027, 1, 9, 9, 0), COMPANY
    )  # 8 Jan was not entered
    assert not deadline_is_estimated(sh(2027, 1, 9, 9, 0), sh(2027, 1, 9, 9, 0), COMPANY)


def test_a_start_in_utc_gives_the_same_deadline_in_shanghai_time():
    opened = sh(2026, 2, 13, 16, 0)
    in_utc = opened.astimezone(UTC)
    assert in_utc.hour == 8
    due = add_business_minutes(in_utc, 240, CAL)
    assert due == add_business_minutes(opened, 240, CAL)
    assert due.tzinfo == SHANGHAI and due.hour == 11
    assert add_working_days(in_utc, 3, CAL) == add_working_days(opened, 3, CAL)
    assert business_minutes_between(in_utc, due, CAL) == 240


def test_a_calendar_in_another_zone_counts_its_own_wall_clock():
    berlin = WorkingCalendar(tz=ZoneInfo("Europe/Berlin"), use_official=False)
    opened = datetime(
        2026, 3, 27, 17, 0, tzinfo=ZoneInfo("Europe/Berlin")
    )  # Friday; clocks go forward on Sunday
    due = add_business_minutes(opened, 120, berlin)
    assert due == datetime(2026, 3, 30, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert due.utcoffset() == timedelta(hours=2)


def test_windows_around_midnight_cross_the_day():
    assert add_business_minutes(sh(2026, 3, 3, 23, 0), 120, NIGHT_SHIFT) == sh(2026, 3, 4, 1, 1)


def test_a_naive_start_or_a_duration_of_zero_is_refused():
    with pytest.raises(ValueError, match="aware"):
        add_business_minutes(datetime(2026, 3, 3, 10, 0), 60, CAL)
    for bad in (0, -5, 0.0, True):
        with pytest.raises(ValueError, match="above zero"):
            add_business_minutes(sh(2026, 3, 3, 10, 0), bad, CAL)
    with pytest.raises(ValueError, match="above zero"):
        add_calendar_minutes(sh(2026, 3, 3, 10, 0), 0)


def test_a_calendar_without_working_days_stops_with_an_error():
    nothing = WorkingCalendar(use_official=False, overrides={date(2026, 1, 1) + timedelta(days=i): False
                                                            for i in range(3700)})
    with pytest.raises(ValueError, match="no working day"):
        add_business_minutes(sh(2026, 1, 1, 9, 0), 60, nothing)


# --- pauses ---------------------------------------------------------------------------------------

def test_a_pause_stops_the_business_clock():
    pause = (sh(2026, 3, 3, 11, 0), sh(2026, 3, 3, 14, 0))
    # 10:00–11:00 runs 60, paused until 14:00, 14:00–17:00 runs the other 180.
    assert add_business_minutes(sh(2026, 3, 3, 10, 0), 240, CAL, [pause]) == sh(2026, 3, 3, 17, 0)
    assert business_minutes_between(sh(2026, 3, 3, 10, 0), sh(2026, 3, 3, 17, 0), CAL, [pause]) == 240


def test_a_deadline_reached_at_a_pause_begin_is_that_instant():
    pause = (sh(2026, 3, 3, 11, 0), sh(2026, 3, 3, 14, 0))
    assert add_business_minutes(sh(2026, 3, 3, 10, 0), 60, CAL, [pause]) == sh(2026, 3, 3, 11, 0)


def test_overlapping_pauses_and_pauses_outside_business_time_count_once():
    pauses = [
        (sh(2026, 3, 3, 10, 30), sh(2026, 3, 3, 11, 30)),
        (sh(2026, 3, 3, 11, 0), sh(2026, 3, 3, 11, 45)),
        (sh(2026, 3, 2, 20, 0), sh(2026, 3, 3, 9, 15)),
        (sh(2026, 3, 1, 8, 0), sh(2026, 3, 1, 9, 0)),
    ]
    # 09:15–10:30 runs 75, paused 10:30–11:45, 11:45–12:00 runs 15, lunch, 13:00–13:30 the last 30.
    assert add_business_minutes(sh(2026, 3, 2, 19, 0), 120, CAL, pauses) == sh(2026, 3, 3, 13, 30)


def test_an_open_pause_leaves_the_deadline_unknown():
    still_waiting = (sh(2026, 3, 3, 11, 0), None)
    assert add_business_minutes(sh(2026, 3, 3, 10, 0), 240, CAL, [still_waiting]) is None
    assert add_working_days(sh(2026, 3, 3, 10, 0), 1, CAL, [still_waiting]) is None
    assert add_calendar_minutes(sh(2026, 3, 3, 10, 0), 240, [still_waiting]) is None
    # A pause that begins only after the deadline does not matter.
    assert add_business_minutes(sh(2026, 3, 3, 10, 0), 30, CAL, [still_waiting]) == sh(2026, 3, 3, 10, 30)
    assert business_minutes_between(sh(2026, 3, 3, 10, 0), sh(2026, 3, 5, 10, 0), CAL, [still_waiting]) == 60


def test_a_pause_ending_before_it_begins_is_refused():
    with pytest.raises(ValueError, match="before it begins"):
        add_business_minutes(sh(2026, 3, 3, 10, 0), 60, CAL, [(sh(2026, 3, 3, 12, 0), sh(2026, 3, 3, 11, 0))])


def test_calendar_minutes_count_nights_and_holidays_but_not_pauses():
    assert add_calendar_minutes(sh(2026, 9, 30, 17, 0), 1440) == sh(2026, 10, 1, 17, 0)
    pause = (sh(2026, 3, 3, 10, 30), sh(2026, 3, 3, 11, 0))
    assert add_calendar_minutes(sh(2026, 3, 3, 10, 0), 90, [pause]) == sh(2026, 3, 3, 12, 0)
    assert add_calendar_minutes(sh(2026, 3, 3, 10, 0), 30, [pause]) == sh(2026, 3, 3, 10, 30)
    assert add_calendar_minutes(sh(2026, 3, 3, 10, 40), 10, [pause]) == sh(2026, 3, 3, 11, 10)
    in_utc = add_calendar_minutes(sh(2026, 3, 3, 10, 0).astimezone(UTC), 5)
    assert in_utc.tzinfo == UTC and in_utc == sh(2026, 3, 3, 10, 5)
    assert add_calendar_minutes(sh(2026, 3, 3, 10, 0), 5, tz=SHANGHAI).tzinfo == SHANGHAI


# --- working days -----------------------------------------------------------------------------------

def test_a_working_day_later_is_the_same_position_on_the_next_working_day():
    assert add_working_days(sh(2026, 3, 6, 10, 30), 1, CAL) == sh(2026, 3, 9, 10, 30)  # Friday → Monday
    assert add_working_days(sh(2026, 3, 3, 9, 0), 1, CAL) == sh(2026, 3, 4, 9, 0)
    assert add_working_days(sh(2026, 3, 3, 13, 0), 1, CAL) == sh(2026, 3, 4, 13, 0)  # not 12:00
    assert add_working_days(sh(2026, 3, 3, 10, 0, 30), 1, CAL) == sh(2026, 3, 4, 10, 0, 30)


def test_working_days_skip_the_spring_festival_and_count_its_makeup_saturdays():
    opened = sh(2026, 2, 13, 10, 30)
    assert add_working_days(opened, 1, CAL) == sh(2026, 2, 14, 10, 30)  # makeup Saturday
    assert add_working_days(opened, 2, CAL) == sh(2026, 2, 24, 10, 30)
    assert add_working_days(opened, 3, CAL) == sh(2026, 2, 25, 10, 30)
    assert add_working_days(sh(2026, 2, 27, 15, 0), 1, CAL) == sh(2026, 2, 28, 15, 0)  # Sat 28 Feb works too


def test_working_days_skip_national_day_2026_and_count_the_makeup_saturday():
    opened = sh(2026, 9, 30, 10, 30)
    assert add_working_days(opened, 1, CAL) == sh(2026, 10, 8, 10, 30)
    assert add_working_days(opened, 3, CAL) == sh(2026, 10, 10, 10, 30)  # Sat 10 Oct is a makeup day
    assert add_working_days(sh(2026, 9, 24, 16, 0), 1, CAL) == sh(2026, 9, 28, 16, 0)  # over 中秋节


@pytest.mark.parametrize(("opened", "due"), [
    (sh(2026, 3, 6, 18, 30), sh(2026, 3, 10, 9, 0)),  # Friday evening counts from Monday 09:00
    (sh(2026, 3, 6, 12, 30), sh(2026, 3, 9, 13, 0)),
    (sh(2026, 3, 7, 11, 0), sh(2026, 3, 10, 9, 0)),  # Saturday
    (sh(2026, 3, 6, 7, 0), sh(2026, 3, 9, 9, 0)),
])
def test_working_days_from_outside_business_time_count_from_the_next_opening(opened, due):
    assert add_working_days(opened, 1, CAL) == due


def test_working_days_honour_company_overrides_and_unknown_years():
    assert add_working_days(sh(2026, 3, 10, 10, 0), 1, COMPANY) == sh(2026, 3, 12, 10, 0)
    assert add_working_days(sh(2026, 3, 13, 10, 0), 1, COMPANY) == sh(2026, 3, 14, 10, 0)
    assert add_working_days(sh(2026, 12, 31, 10, 0), 1, CAL) == sh(2027, 1, 1, 10, 0)  # estimated
    assert add_working_days(sh(2026, 12, 31, 10, 0), 1, COMPANY) == sh(2027, 1, 4, 10, 0)


def test_a_pause_pushes_working_days_later_by_the_business_time_it_covers():
    pause = (sh(2026, 3, 4, 10, 0), sh(2026, 3, 4, 12, 0))  # covers 120 business minutes of Wednesday
    assert add_working_days(sh(2026, 3, 3, 10, 30), 1, CAL, [pause]) == sh(2026, 3, 4, 13, 30)
    lunch = (sh(2026, 3, 4, 11, 0), sh(2026, 3, 4, 12, 0))  # one hour of business time, up to the break
    assert add_working_days(sh(2026, 3, 3, 12, 0), 1, CAL, [lunch]) == sh(2026, 3, 4, 14, 0)


def test_working_days_must_be_a_whole_number_above_zero():
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="whole number"):
            add_working_days(sh(2026, 3, 3, 10, 0), bad, CAL)
    assert add_working_days(sh(2026, 3, 3, 10, 0), Decimal(2), CAL) == sh(2026, 3, 5, 10, 0)


# --- measuring ----------------------------------------------------------------------------------------

def test_business_minutes_between_two_instants_across_the_spring_festival():
    # Fri 13 Feb 10:00–18:00 is 420, Sat 14 Feb 480, Tue 24 Feb 09:00–10:00 is 60.
    assert business_minutes_between(sh(2026, 2, 13, 10, 0), sh(2026, 2, 24, 10, 0), CAL) == 960
    assert business_minutes_between(sh(2026, 2, 24, 10, 0), sh(2026, 2, 13, 10, 0), CAL) == 0
    assert business_minutes_between(sh(2026, 3, 3, 10, 0), sh(2026, 3, 3, 10, 0, 30), CAL) == 0.5
    assert business_minutes_between(sh(2026, 3, 7, 10, 0), sh(2026, 3, 8, 10, 0), CAL) == 0


def test_an_estimated_deadline_is_detected_on_any_day_in_between():
    assert deadline_is_estimated(sh(2026, 12, 20, 10, 0), sh(2027, 1, 5, 10, 0), CAL)
    assert deadline_is_estimated(sh(2027, 3, 1, 10, 0), None, CAL)
    assert not deadline_is_estimated(sh(2026, 12, 20, 10, 0), None, CAL)
    assert not deadline_is_estimated(sh(2026, 12, 31, 23, 0), sh(2026, 12, 31, 23, 59), CAL)
    assert deadline_is_estimated(sh(2026, 12, 31, 23, 0), datetime(2026, 12, 31, 16, 30, tzinfo=UTC), CAL)


# --- properties -------------------------------------------------------------------------------------

# No example database: failures are reproduced from the printed example, as pytest keeps no cache either.
PROPERTIES = settings(max_examples=200, deadline=None, database=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])

calendars = st.sampled_from([CAL, COMPANY, NIGHT_SHIFT])
# Starts anywhere from December 2025 to the end of 2026, to the microsecond, in UTC or Shanghai.
instants = st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2026, 12, 31, 23, 59),
                        timezones=st.sampled_from([UTC, SHANGHAI]))
durations = st.integers(min_value=1, max_value=6000)
days_counts = st.integers(min_value=1, max_value=15)
# Pauses near the start: (offset, length) in seconds, some before the start, some overlapping.
pause_shapes = st.lists(st.tuples(st.integers(-200_000, 1_500_000), st.integers(0, 250_000)), max_size=5)


def build_pauses(start: datetime, shapes: list[tuple[int, int]]) -> list[tuple[datetime, datetime]]:
    """Closed pauses at `offset` seconds from `start`, lasting `length` seconds."""
    return [(start + timedelta(seconds=offset), start + timedelta(seconds=offset + length))
            for offset, length in shapes]


def in_business_time(cal: WorkingCalendar, moment: datetime, *, close_included: bool = True) -> bool:
    """Whether `moment` lies in a window of a working day, by the calendar's wall clock."""
    local = moment.astimezone(cal.tz)
    if not cal.is_working_day(local.date()):
        return False
    now = local.time()
    return any(w.start <= now < w.end or (close_included and now == w.end) for w in cal.windows)


def day_minutes(cal: WorkingCalendar) -> int:
    """Business minutes of one working day."""
    return sum((w.end.hour * 60 + w.end.minute) - (w.start.hour * 60 + w.start.minute) for w in cal.windows)


@PROPERTIES
@given(cal=calendars, start=instants, minutes=durations, shapes=pause_shapes)
def test_a_deadline_always_falls_in_business_time_outside_pauses(cal, start, minutes, shapes):
    pauses = build_pauses(start, shapes)
    due = add_business_minutes(start, minutes, cal, pauses)
    assert due.tzinfo is cal.tz
    assert due > start
    assert in_business_time(cal, due)
    assert not any(begin < due < end for begin, end in pauses)


@PROPERTIES
@given(cal=calendars, start=instants, a=durations, b=durations, shapes=pause_shapes)
def test_adding_is_monotonic(cal, start, a, b, shapes):
    pauses = build_pauses(start, shapes)
    assert add_business_minutes(start, a, cal, pauses) <= add_business_minutes(start, a + b, cal, pauses)
    later = start + timedelta(minutes=b)
    assert add_business_minutes(start, a, cal, pauses) <= add_business_minutes(later, a, cal, pauses)


@PROPERTIES
@given(cal=calendars, start=instants, a=durations, b=durations)
def test_adding_is_additive(cal, start, a, b):
    once = add_business_minutes(start, a + b, cal)
    assert add_business_minutes(add_business_minutes(start, a, cal), b, cal) == once


@PROPERTIES
@given(cal=calendars, start=instants, a=durations, b=durations, shapes=pause_shapes)
def test_adding_is_additive_with_pauses(cal, start, a, b, shapes):
    pauses = build_pauses(start, shapes)
    once = add_business_minutes(start, a + b, cal, pauses)
    assert add_business_minutes(add_business_minutes(start, a, cal, pauses), b, cal, pauses) == once


@PROPERTIES
@given(cal=calendars, start=instants, minutes=durations)
def test_measuring_an_added_duration_gives_it_back(cal, start, minutes):
    assert business_minutes_between(start, add_business_minutes(start, minutes, cal), cal) == minutes


@PROPERTIES
@given(cal=calendars, start=instants, minutes=durations, shapes=pause_shapes)
def test_measuring_an_added_duration_gives_it_back_with_pauses(cal, start, minutes, shapes):
    pauses = build_pauses(start, shapes)
    due = add_business_minutes(start, minutes, cal, pauses)
    assert business_minutes_between(start, due, cal, pauses) == minutes
    assert business_minutes_between(start, due, cal) >= minutes


@PROPERTIES
@given(cal=calendars, start=instants, minutes=durations, shapes=pause_shapes)
def test_the_same_instant_in_utc_or_shanghai_gives_the_same_deadline(cal, start, minutes, shapes):
    pauses = build_pauses(start, shapes)
    in_utc, in_shanghai = start.astimezone(UTC), start.astimezone(SHANGHAI)
    assert add_business_minutes(in_utc, minutes, cal, pauses) == add_business_minutes(
        in_shanghai, minutes, cal, pauses
    )
    assert add_working_days(in_utc, 2, cal, pauses) == add_working_days(in_shanghai, 2, cal, pauses)


@PROPERTIES
@given(cal=calendars, start=instants, days=days_counts, more=days_counts)
def test_working_days_keep_the_position_and_add_up(cal, start, days, more):
    due = add_working_days(start, days, cal)
    assert in_business_time(cal, due, close_included=False)
    assert business_minutes_between(start, due, cal) == days * day_minutes(cal)
    assert add_working_days(due, more, cal) == add_working_days(start, days + more, cal)


@PROPERTIES
@given(cal=calendars, start=instants, days=days_counts, shapes=pause_shapes)
def test_working_days_with_pauses_cover_the_same_business_time(cal, start, days, shapes):
    pauses = build_pauses(start, shapes)
    due = add_working_days(start, days, cal, pauses)
    assert in_business_time(cal, due, close_included=False)
    assert due >= add_working_days(start, days, cal)
    assert business_minutes_between(start, due, cal, pauses) == days * day_minutes(cal)


@PROPERTIES
@given(start=instants, minutes=durations, shapes=pause_shapes)
def test_calendar_minutes_run_the_wall_clock_minus_pauses(start, minutes, shapes):
    pauses = build_pauses(start, shapes)
    due = add_calendar_minutes(start, minutes, pauses)
    assert add_calendar_minutes(start, minutes) - start == timedelta(minutes=minutes)
    paused = timedelta()
    cursor = start
    for begin, end in sorted(pauses):  # overlap of the merged pauses with [start, due)
        begin, end = max(begin, cursor), min(end, due)
        if end > begin:
            paused += end - begin
            cursor = end
    assert due - start - paused == timedelta(minutes=minutes)
    assert not any(begin < due < end for begin, end in pauses)
