"""The notification centre in the web workspace (NTF-1): the bell's count, the list, mark read, and each
person's choice of channels. Thin: one selector or service call each."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from serviceloop.core.errors import NotFound, ServiceError

from . import preferences, selectors, services
from .models import PERSONAL_CHANNELS, Channel

PAGE_SIZE = 20


@login_required
@require_GET
def bell(request):
    """The top bar's bell (htmx: on every page load and every 30 seconds)."""
    unread = selectors.unread_count(request.user)
    return render(request, "notifications/_bell.html",
                  {"unread": unread, "capped": unread > selectors.UNREAD_SHOWN_UP_TO,
                   "cap": selectors.UNREAD_SHOWN_UP_TO})


@login_required
@require_GET
def notification_list(request):
    unread_only = request.GET.get("unread") == "1"
    try:
        page = selectors.notification_page(request.user, cursor=request.GET.get("cursor"), limit=PAGE_SIZE,
                                           unread_only=unread_only)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("notifications:list")
    unread = selectors.unread_count(request.user)
    return render(request, "notifications/list.html", {
        "page": page, "unread_only": unread_only, "unread": unread,
        "capped": unread > selectors.UNREAD_SHOWN_UP_TO, "cap": selectors.UNREAD_SHOWN_UP_TO,
        "first_page": not request.GET.get("cursor")})


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_read(request, notification_id: int):
    try:
        services.notification_mark_read(user=request.user, notification_id=notification_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return _back(request)


@login_required
@require_POST
def mark_all_read(request):
    marked = services.notification_mark_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": marked})
    return _back(request)


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request):
    """Which messages reach me by which channel: one checkbox per kind × channel."""
    grid = preferences.preference_grid(request.user)
    if request.method == "POST":
        choices = {
            row["kind"]: {
                channel: f"{row['kind']}:{channel}" in request.POST for channel in PERSONAL_CHANNELS
            }
            for row in grid
        }
        try:
            preferences.preferences_set(user=request.user, choices=choices)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:settings")
    channels = [(c, Channel(c).label) for c in PERSONAL_CHANNELS]
    return render(request, "notifications/settings.html", {"grid": grid, "channels": channels})
