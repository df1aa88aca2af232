"""SLA-3: working days from China's official calendar, company overrides, and the Monday–Friday fallback.

The 2026 cases come from the installed chinesecalendar 1.11 data (checked by printing 2026):
元旦 1–3 Jan, makeup Sun 4 Jan; 春节 15–23 Feb, makeup Sat 14 and Sat 28 Feb; 清明节 4–6 Apr;
劳动节 1–5 May, makeup Sat 9 May; 端午节 19–21 Jun; 中秋节 25–27 Sep; 国庆节 1–7 Oct,
makeup Sun 20 Sep and Sat 10 Oct.
"""

from __future__ import annotations

import dataclasses
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from serviceloop.sla.calendar import (
    DEFAULT_WINDOWS,
    BusinessWindow,
    WorkingCalendar,
    known_years,
    official_days,
    package_knows,
    validate_windows,
)

MAKEUP_DAYS_2026 = [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
                    date(2026, 9, 20), date(2026, 10, 10)]


def test_it_follows_the_2026_spring_festival_break():
    cal = WorkingCalendar()
    assert cal.is_working_day(date(2026, 2, 13))  # Friday before the break
    assert not any(cal.is_working_day(date(2026, 2, 15) + timedelta(days=i)) for i in range(9))  # 15–23 Feb
    assert cal.is_working_day(date(2026, 2, 24))


def test_it_skips_the_national_day_and_mid_autumn_holidays_of_2026():
    cal = WorkingCalendar()
    assert not cal.is_working_day(date(2026, 9, 25))  # 中秋节, a Friday
    assert all(not cal.is_working_day(date(2026, 10, day)) for day in range(1, 8))
    assert cal.is_working_day(date(2026, 10, 8))


def test_makeup_saturdays_and_sundays_of_2026_are_working_days():
    cal = WorkingCalendar()
    for day in MAKEUP_DAYS_2026:
        assert day.weekday() >= 5
        assert cal.is_working_day(day), day
        assert not cal.is_estimated(day)


def test_an_ordinary_weekend_is_not_a_working_day():
    cal = WorkingCalendar()
    assert not cal.is_working_day(date(2026, 3, 7))
    assert not cal.is_working_day(date(2026, 3, 8))
    assert cal.is_working_day(date(2026, 3, 9))


def test_a_company_override_wins_over_the_official_calendar():
    cal = WorkingCalendar(overrides={
        date(2026, 3, 11): False,  # company anniversary, an ordinary Wednesday
        date(2026, 3, 14): True,  # company working Saturday
        date(2026, 10, 8): False,  # the company extends National Day
        date(2026, 2, 14): False,  # and skips the official makeup Saturday
    })
    assert not cal.is_working_day(date(2026, 3, 11))
    assert cal.is_working_day(date(2026, 3, 14))
    assert not cal.is_working_day(date(2026, 10, 8))
    assert not cal.is_working_day(date(2026, 2, 14))
    assert not cal.is_estimated(date(2026, 3, 14))


def test_an_unknown_year_falls_back_to_monday_to_friday_and_is_estimated():
    cal = WorkingCalendar()
    assert cal.is_working_day(date(2027, 1, 1))  # a Friday; really 元旦, but nobody told us yet
    assert cal.is_estimated(date(2027, 1, 1))
    assert not cal.is_working_day(date(2027, 1, 2))
    assert cal.is_estimated(date(2027, 1, 2))
    assert cal.is_working_day(date(2003, 6, 2)) and cal.is_estimated(date(2003, 6, 2))
    assert not cal.is_estimated(date(2026, 12, 31))


def test_overrides_entered_for_an_unknown_year_win_and_are_not_estimated():
    cal = WorkingCalendar(overrides={date(2027, 1, 1): False, date(2027, 2, 6): True})
    assert not cal.is_working_day(date(2027, 1, 1)) and not cal.is_estimated(date(2027, 1, 1))
    assert cal.is_working_day(date(2027, 2, 6)) and not cal.is_estimated(date(2027, 2, 6))  # a Saturday
    assert cal.is_estimated(date(2027, 1, 4))  # the days nobody entered are still a guess


def test_without_the_official_calendar_it_is_monday_to_friday_by_choice():
    cal = WorkingCalendar(use_official=False, overrides={date(2026, 10, 1): False})
    assert cal.is_working_day(date(2026, 10, 2))  # a holiday officially, a Friday here
    assert cal.is_working_day(date(2026, 2, 16))
    assert not cal.is_working_day(date(2026, 2, 14))  # the makeup Saturday does not apply
    assert not cal.is_working_day(date(2026, 10, 1))
    assert not cal.is_estimated(date(2027, 1, 1))


def test_the_installed_package_knows_2004_to_2026_and_raises_outside():
    assert known_years() == range(2004, 2027)
    assert package_knows(2004) and package_knows(2026)
    assert not package_knows(2003) and not package_knows(2027)
    for year in (2003, 2027):
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(date(year, 3, 3))


def test_official_days_of_2026_list_holidays_and_makeup_days_in_chinese():
    days = official_days(2026)
    by_date = {day: (working, name) for day, working, name in days}
    assert len(days) == 39
    assert [day for day, working, _name in days if working] == MAKEUP_DAYS_2026
    assert by_date[date(2026, 1, 1)] == (False, "元旦")
    assert by_date[date(2026, 1, 4)] == (True, "元旦调休上班")
    assert by_date[date(2026, 2, 14)] == (True, "春节调休上班")
    assert by_date[date(2026, 2, 17)] == (False, "春节")
    assert by_date[date(2026, 4, 6)] == (False, "清明节")
    assert by_date[date(2026, 5, 9)] == (True, "劳动节调休上班")
    assert by_date[date(2026, 6, 19)] == (False, "端午节")
    assert by_date[date(2026, 9, 25)] == (False, "中秋节")
    assert by_date[date(2026, 9, 20)] == (True, "国庆节调休上班")
    assert by_date[date(2026, 10, 3)] == (False, "国庆节")  # the weekend inside the break is listed too
    assert date(2026, 3, 7) not in by_date  # an ordinary Saturday is not
    assert days == sorted(days)


def test_official_days_agree_with_the_calendar():
    cal = WorkingCalendar()
    for day, working, _name in official_days(2026):
        assert cal.is_working_day(day) is working


def test_official_days_refuse_a_year_the_package_does_not_know():
    with pytest.raises(ValueError, match="2027"):
        official_days(2027)


def test_windows_may_touch_and_come_back_sorted():
    windows = validate_windows([BusinessWindow(time(13), time(18)), BusinessWindow(time(9), time(13))])
    assert windows == (BusinessWindow(time(9), time(13)), BusinessWindow(time(13), time(18)))


@pytest.mark.parametrize(("windows", "message"), [
    ([], "at least one"),
    ([BusinessWindow(time(18), time(9))], "start before it ends"),
    ([BusinessWindow(time(9), time(9))], "start before it ends"),
    ([BusinessWindow(time(9), time(12)), BusinessWindow(time(11, 30), time(18))], "overlap"),
    ([BusinessWindow(time(9), time(18)), BusinessWindow(time(13), time(14))], "overlap"),
    ([BusinessWindow(time(9, tzinfo=ZoneInfo("UTC")), time(12))], "without a time zone"),
])
def test_unusable_windows_are_refused_with_a_clear_message(windows, message):
    with pytest.raises(ValueError, match=message):
        validate_windows(windows)
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(windows=tuple(windows))


def test_the_default_calendar_is_shanghai_nine_to_six_with_a_lunch_break():
    cal = WorkingCalendar()
    assert cal.tz == ZoneInfo("Asia/Shanghai")
    assert (
        cal.windows
        == DEFAULT_WINDOWS
        == (BusinessWindow(time(9), time(12)), BusinessWindow(time(13), time(18)))
    )
    assert cal.use_official


def test_the_calendar_is_immutable_and_keeps_its_own_copy_of_the_overrides():
    overrides = {date(2026, 3, 11): False}
    cal = WorkingCalendar(overrides=overrides)
    overrides[date(2026, 3, 11)] = True
    assert not cal.is_working_day(date(2026, 3, 11))
    with pytest.raises(dataclasses.FrozenInstanceError):
        cal.use_official = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        cal.overrides[date(2026, 3, 12)] = False  # type: ignore[index]
    assert cal == WorkingCalendar(overrides={date(2026, 3, 11): False})
    assert hash(cal) == hash(WorkingCalendar(overrides={date(2026, 3, 11): False}))
