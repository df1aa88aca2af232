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


BANNER_CACHE_KEY = "sla:calendars-missing-next-year"
BANNER_CACHE_SECONDS = 300


def calendars_missing_next_year_cached() -> tuple[int, list[tuple[int | None, str]]]:
    """(next year, [(calendar id, name)]) for the workspace banner, kept five minutes in the cache so a
    page costs no query; calendar_changed forgets it at once when a calendar changes."""
    from django.core.cache import cache

    today = timezone.localdate()
    if today.month < 11:
        return today.year + 1, []  # no query for ten months of the year
    key = f"{BANNER_CACHE_KEY}:{today.isoformat()}"
    found = cache.get(key)
    if found is None:
        year, missing = calendars_missing_next_year()
        found = (year, [(c.pk, c.name) if c is not None else (None, "(default)") for c in missing])
        cache.set(key, found, BANNER_CACHE_SECONDS)
    return found


def forget_banner() -> None:
    """Called by every calendar change (services/calendars.py calendar_changed)."""
    from django.core.cache import cache

    cache.delete(f"{BANNER_CACHE_KEY}:{timezone.localdate().isoformat()}")
