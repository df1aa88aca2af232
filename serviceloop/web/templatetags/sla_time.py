"""Durations in words, the one home for them (issue #16.8): "6 天 11 小时" in Chinese, "6 d 11 h" in
English — the two largest units (days and hours, hours and minutes, or minutes), as people in a service
desk say them, instead of Django's timeuntil ("6 日，11 小时").

Filters: {{ minutes|minutes_span }}, {{ seconds|minutes_span_seconds }} (TicketSLA.paused_left holds
seconds) and {{ instant|span_from_now }} (a deadline ahead or past, for "… left" / "… overdue"). Views
call `duration_words` (the ticket timeline's resolution time, for example).
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


def duration_words(minutes: int) -> str:
    """A number of minutes (its absolute value; the caller says left or overdue) in the person's language."""
    days, rest = divmod(abs(int(minutes)), 24 * 60)
    hours, mins = divmod(rest, 60)
    if days and hours:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if days:
        return _("%(d)d d") % {"d": days}
    if hours and mins:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": mins}
    if hours:
        return _("%(h)d h") % {"h": hours}
    return _("%(m)d min") % {"m": mins}


@register.filter
def minutes_span(minutes) -> str:
    try:
        return duration_words(int(minutes))
    except (TypeError, ValueError):
        return ""


@register.filter
def minutes_span_seconds(seconds) -> str:
    try:
        return duration_words(int(seconds) // 60)
    except (TypeError, ValueError):
        return ""


@register.filter
def span_from_now(instant) -> str:
    """The time between now and `instant`, either way round."""
    if not isinstance(instant, datetime):
        return ""
    return duration_words(int((instant - timezone.now()).total_seconds()) // 60)
