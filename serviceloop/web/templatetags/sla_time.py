"""A frozen SLA countdown in words (issue #11.4): a paused ticket shows the time it had left when the
clock stopped, as {{ minutes|minutes_span }} → "1 周，2 天", the same words `timeuntil` uses."""

from datetime import datetime, timedelta

from django import template
from django.utils.timesince import timeuntil

register = template.Library()

_ORIGIN = datetime(2000, 1, 1)


@register.filter
def minutes_span(minutes) -> str:
    """A number of minutes as timeuntil words; the absolute value (the template says left or overdue)."""
    try:
        span = abs(int(minutes))
    except (TypeError, ValueError):
        return ""
    return timeuntil(_ORIGIN + timedelta(minutes=span), _ORIGIN)


@register.filter
def minutes_span_seconds(seconds) -> str:
    """The same for a number of seconds (TicketSLA.paused_left holds seconds)."""
    try:
        return minutes_span(int(seconds) // 60)
    except (TypeError, ValueError):
        return ""
