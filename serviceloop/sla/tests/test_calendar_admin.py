"""The administrator's side of the calendar: importing a known year, and the warning for an unknown one."""

from __future__ import annotations

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from serviceloop.sla.checks import next_year_calendar_known
from serviceloop.sla.models import CalendarDay
from serviceloop.sla.services import calendars

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
def test_calendar_import_copies_the_official_days_of_a_known_year():
    call_command("calendar", "import", "2026", stdout=StringIO())
    days = dict(CalendarDay.objects.values_list("date", "is_working"))
    assert days[date(2026, 10, 1)] is False  # 国庆节
    assert days[date(2026, 10, 10)] is True  # a makeup working Saturday
    assert CalendarDay.objects.get(date=date(2026, 2, 17)).name == "春节"


@pytest.mark.django_db
def test_calendar_import_of_an_unknown_year_says_what_to_do():
    with pytest.raises(CommandError, match="admin"):
        call_command("calendar", "import", "2027", stdout=StringIO())
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
def test_administrators_are_warned_from_november_when_next_year_is_unknown():
    with time_machine.travel(datetime(2026, 10, 20, 9, tzinfo=SHANGHAI), tick=False):
        assert next_year_calendar_known() == []
    with time_machine.travel(datetime(2026, 11, 1, 9, tzinfo=SHANGHAI), tick=False):
        warnings = next_year_calendar_known()
        assert [w.id for w in warnings] == ["sla.W001"] and "2027" in warnings[0].msg
        calendar = calendars.default_calendar()
        for day, name in [(date(2027, 1, 1), "元旦"), (date(2027, 2, 5), "春节"), (date(2027, 2, 8), "春节"),
                          (date(2027, 2, 9), "春节"), (date(2027, 2, 10), "春节")]:
            calendars.calendar_day_set(calendar=calendar, day=day, is_working=False, name=name)
        # Some days entered are not a known year: the administrator has to say the year is complete.
        assert [w.id for w in next_year_calendar_known()] == ["sla.W001"]
        assert not calendars.year_known(calendar, 2027)
        calendars.calendar_year_mark_complete(calendar=calendar, year=2027, actor=None)
        assert calendars.year_known(calendar, 2027)
        assert next_year_calendar_known() == []
