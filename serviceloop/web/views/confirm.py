"""CSAT-3: the signed link in the resolution message — the customer confirms or says "not fixed" without
logging in. The token (tickets/processing.py) names one ticket and its current resolution and expires."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from serviceloop.core.errors import ServiceError
from serviceloop.tickets import processing
from serviceloop.web.forms import NotFixedForm

TEMPLATE = "web/confirm.html"


@require_http_methods(["GET", "POST"])
def confirm_by_link(request, token: str):
    """GET: the result and the two answers. POST `answer=fixed` closes; `answer=not_fixed` needs a reason."""
    try:
        ticket = processing.ticket_for_confirmation_token(token)
    except ServiceError as exc:
        return render(request, TEMPLATE, {"error": exc.message}, status=exc.status_code)
    form = NotFixedForm()
    if request.method == "POST":
        fixed = request.POST.get("answer") == "fixed"
        form = NotFixedForm(request.POST) if not fixed else form
        if fixed or form.is_valid():
            try:
                ticket = processing.ticket_answer_by_link(
                    token=token, fixed=fixed, reason="" if fixed else form.cleaned_data["reason"])
            except ServiceError as exc:
                return render(request, TEMPLATE, {"ticket": ticket, "form": form, "error": exc.message},
                              status=exc.status_code)
            done = (_("Thank you for confirming. The ticket is closed.") if fixed
                    else _("We have reopened the ticket and will take it up again."))
            return render(request, TEMPLATE, {"ticket": ticket, "done": done})
        return render(request, TEMPLATE, {"ticket": ticket, "form": form}, status=422)
    return render(request, TEMPLATE, {"ticket": ticket, "form": form})
