"""From 1 November, warn administrators when next year's working days are not known yet (issue #11).

Not a registered system check: Django runs those before every management command, which printed
this warning on the stderr of each one. It is shown where administrators act on it instead: the
workspace banner (web, `calendars_missing_next_year`), `serviceloop check` (sla/management/commands/
check.py) and `serviceloop run`.
"""

from __future__ import annotations

from django.core.checks import Warning
from django.db import DatabaseError
from django.utils import timezone


def calendars_missing_next_year() -> tuple[int, list]:
    """(next year, the calendars that do not know it) from 1 November; (next year, []) before then
    or when every calendar knows it. A calendar that does not follow the official calendar never
    waits for the notice. An empty table means the default calendar will be created without it."""
    from .calendar import package_knows
    from .models import BusinessCalendar, CalendarYear

    today = timezone.localdate()
    year = today.year + 1
    if today.month < 11 or package_knows(year):
        return year, []
    try:
        calendars = list(BusinessCalendar.objects.filter(use_official=True))
        known = set(CalendarYear.objects.filter(year=year).values_list("calendar_id", flat=True))
        if not calendars and not BusinessCalendar.objects.exists():
            return year, [None]
    except DatabaseError:
        return year, []  # not migrated yet
    return year, [c for c in calendars if c.pk not in known]


def next_year_calendar_known(app_configs=None, **kwargs) -> list[Warning]:
    """The warning as a Django check message (sla.W001), for `serviceloop check` and `serviceloop run`."""
    year, missing = calendars_missing_next_year()
    if not missing:
        return []
    names = ", ".join(c.name if c is not None else "(default)" for c in missing)
    return [Warning(
        f"The official holidays of {year} are not known yet (chinesecalendar has no data for {year}); "
        f"SLA deadlines reaching into {year} fall back to Monday–Friday and are marked estimated.",
        hint=f"Paste the State Council notice 国务院办公厅关于{year}年部分节假日安排的通知 in the admin "
             f"(SLA → business calendars → read the notice), or `serviceloop calendar notice FILE`; "
             f"or upgrade chinesecalendar, then `serviceloop calendar import {year}`. Calendars: {names}.",
        id="sla.W001",
    )]
