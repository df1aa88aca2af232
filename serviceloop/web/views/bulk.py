"""Bulk actions from the ticket list, and 领取 (take it myself) from the list and the ticket page (#16.2).

Both go through tickets.bulk.ticket_bulk_apply: one service call per ticket, each its own transaction,
and one message that says how many were changed and which were not, and why.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from serviceloop.accounts.models import Team
from serviceloop.core.errors import ServiceError
from serviceloop.tickets import bulk
from serviceloop.web.bulk_forms import BulkActionForm


def _back(request) -> str:
    """Where the person came from (the list with its filters), never another site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:home")


def bar_context(user, *, owners: list) -> dict | None:
    """The list's bulk bar: which actions this person may take, with the form's choices; None for none.

    `owners` are the filter form's (value, label, chosen) options, the same people: one query, not two,
    and written by the template rather than by Django's widget templates (see lists._controls)."""
    if user.is_customer:
        return None
    can = {
        "assign": user.has_perm("tickets.assign_ticket"),
        "status": user.has_perm("tickets.transition_ticket"),
        "priority": user.has_perm("tickets.override_priority"),
    }
    if not any(can.values()):
        return None
    teams = list(Team.objects.order_by("name").values_list("pk", "name")) if can["assign"] else []
    return {
        "form": BulkActionForm(),
        "can": can,
        "max": bulk.BULK_MAX,
        "owners": [(value, label) for value, label, _chosen in owners],
        "teams": teams,
    }


@login_required
@require_POST
def bulk_action(request):
    """Apply the bar's action to the ticked tickets and go back to the list with the summary."""
    form = BulkActionForm(request.POST)
    numbers = request.POST.getlist("numbers")
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect(_back(request))
    data = form.cleaned_data
    try:
        result = bulk.ticket_bulk_apply(
            actor=request.user,
            numbers=numbers,
            action=data["action"],
            owner=data["owner"],
            group=data["group"],
            to_status=data["status"],
            priority=data["priority"],
            reason=data["reason"],
        )
    except ServiceError as exc:  # refused as a whole: nothing was written
        messages.error(request, exc.errors[0]["message"] if exc.errors else exc.message)
        return redirect(_back(request))
    owner = request.user if data["action"] == bulk.Action.TAKE else data["owner"]
    text = bulk.summary(result, owner=owner)
    (messages.success if not result.refused else messages.warning)(request, text)
    return redirect(_back(request))


@login_required
@require_POST
def take(request, number: str):
    """领取: assign this ticket to oneself, through the same service as any assignment."""
    try:
        result = bulk.ticket_bulk_apply(actor=request.user, numbers=[number], action=bulk.Action.TAKE)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(_back(request))
    if result.refused:
        messages.error(request, result.refused[0][1])
    else:
        messages.success(request, _("%(number)s is now yours.") % {"number": number})
    return redirect(_back(request))
