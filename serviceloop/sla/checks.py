"""A system check: from 1 November, warn administrators when next year's working days are unknown."""

from __future__ import annotations

from django.core.checks import Warning, register
from django.db import DatabaseError
from django.utils import timezone


@register("sla")
def next_year_calendar_known(app_configs=None, **kwargs):
    from .calendar import package_knows
    from .models import BusinessCalendar, CalendarDay

    today = timezone.localdate()
    if today.month < 11:
        return []
    year = today.year + 1
    if package_knows(year):
        return []
    try:
        calendars = list(BusinessCalendar.objects.all())
        known = {c.pk for c in calendars if CalendarDay.objects.filter(calendar=c, date__year=year).count() >= 5}
    except DatabaseError:
        return []  # not migrated yet
    # No calendar yet means the default one will be created without next year's days: warn too.
    missing = [c.name for c in calendars if c.pk not in known] if calendars else ["(default)"]
    if not missing:
        return []
    return [Warning(
        f"The official holidays of {year} are not known yet (chinesecalendar has no data for {year}); "
        f"SLA deadlines reaching into {year} fall back to Monday–Friday and are marked estimated.",
        hint=f"Enter {year}'s holidays and makeup working days in the admin (SLA → calendar days) or "
             f"upgrade chinesecalendar, then `serviceloop calendar import {year}`. Calendars: {', '.join(missing)}.",
        id="sla.W001",
    )]
