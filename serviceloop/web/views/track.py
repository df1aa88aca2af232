"""Tracking a ticket without logging in: number + contact phone → status and public replies, rate-limited."""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from serviceloop.core.ratelimit import rate_blocked_until, rate_hit
from serviceloop.tickets.tracking import ticket_track
from serviceloop.web.forms import TrackForm

TEMPLATE = "web/track.html"


def _too_many(request, retry_at):
    """429 with a fresh form: the refusal says when to come back and nothing about the ticket or the input."""
    seconds = max(1, math.ceil((retry_at - timezone.now()).total_seconds()))
    minutes = math.ceil(seconds / 60)
    error = ngettext(
        "Too many lookups. Please try again in %(minutes)d minute.",
        "Too many lookups. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    response = render(request, TEMPLATE, {"form": TrackForm(), "error": error}, status=429)
    response["Retry-After"] = str(seconds)
    return response


@require_http_methods(["GET", "POST"])
def track(request):
    """No login needed. Every POST counts against the client address (TRACK_MAX_PER_IP per window);
    a number with TRACK_MAX_FAILURES_PER_NUMBER failed lookups is refused until its window ends, even
    with the right phone, so nobody can try phone numbers one after another."""
    if request.method == "GET":
        return render(request, TEMPLATE, {"form": TrackForm()})
    per_ip = rate_hit(
        scope="track-ip",
        key=request.META.get("REMOTE_ADDR") or "unknown",
        limit=settings.TRACK_MAX_PER_IP,
        window=timedelta(minutes=settings.TRACK_WINDOW_MINUTES),
    )
    if not per_ip.allowed:
        return _too_many(request, per_ip.retry_at)
    form = TrackForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form}, status=422)
    number = form.cleaned_data["number"]
    per_number = {
        "scope": "track-number",
        "key": number.upper(),
        "limit": settings.TRACK_MAX_FAILURES_PER_NUMBER,
        "window": timedelta(minutes=settings.TRACK_NUMBER_WINDOW_MINUTES),
    }
    blocked_until = rate_blocked_until(**per_number)
    if blocked_until:
        return _too_many(request, blocked_until)
    ticket = ticket_track(number=number, phone=form.cleaned_data["phone"])
    if ticket is None:
        rate_hit(**per_number)
        # One message for a wrong number and a wrong phone alike: it must not tell which one was wrong.
        return render(
            request,
            TEMPLATE,
            {"form": form, "error": _("No ticket matches this number and phone.")},
            status=404,
        )
    return render(request, TEMPLATE, {"form": TrackForm(), "ticket": ticket})
