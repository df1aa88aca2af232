"""The customer portal: 提交问题 and the confirmation that follows (INT-7)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from serviceloop.core.errors import ServiceError
from serviceloop.knowledge.services import deflection_withdraw
from serviceloop.sla.selectors import sla_summary
from serviceloop.tickets import services
from serviceloop.web.forms import (
    ProblemForm,
    show_service_error,
)
from serviceloop.web.uploads import answers_oversized_uploads

from .ticket import ticket_or_404


def _submission_too_large(request, exc):
    """Stopped while arriving (tickets/uploads.py): the form again, the reason next to the files."""
    form = ProblemForm(organization=request.user.organization)
    # The body was never read, so there is nothing to bind; an unbound form's errors start empty.
    form.errors["attachments"] = form.error_class([exc.message])
    return render(request, "web/submit.html", {"form": form}, status=413)


@login_required
@answers_oversized_uploads(_submission_too_large)
@require_http_methods(["GET", "POST"])
def submit_problem(request):
    """提交问题 (INT-1, INT-4, INT-5, INT-7, INT-8): a customer reports a problem with files.

    The ticket and its attachments are one transaction: a refused file refuses the whole submission,
    the customer sees why next to the field, and nothing is left half-saved.
    """
    user = request.user
    if not user.is_customer or user.organization_id is None:
        raise Http404
    files = request.FILES if request.method == "POST" else None
    form = ProblemForm(request.POST or None, files, organization=user.organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        impact = form.impact()
        description = data["description"]
        if data["product_details"]:
            description = f"{description}\n\n{_('Product')}: {data['product_details']}"
        try:
            with transaction.atomic():
                ticket = services.ticket_create(
                    actor=user, organization=user.organization, title=data["title"], description=description,
                    channel="portal", product=data["product"], occurred_at=data["occurred_at"],
                    urgency=impact["urgency"], business_interrupted=impact["business_interrupted"],
                    core_equipment=impact["core_equipment"],
                    details={"error_code": data["error_code"], "tried_steps": data["tried_steps"],
                             "business_impact": impact["business_impact"]})
                # A suggested article "solved it" earlier, yet the problem is submitted: nothing was avoided.
                deflection_withdraw(
                    user=user, deflection_id=request.session.get("kb_deflection"), ticket=ticket
                )
                # Last in the transaction: a refused file rolls the ticket back and removes the files stored.
                services.attachments_add(ticket=ticket, actor=user, uploads=data["attachments"])
        except ServiceError as exc:
            show_service_error(form, exc, upload_field="attachments")
        else:
            request.session.pop("kb_deflection", None)
            return redirect("web:submitted", number=ticket.number)
    return render(request, "web/submit.html", {"form": form}, status=422 if form.errors else 200)


@login_required
@require_GET
def submitted(request, number: str):
    """After submitting: the number, the expected response time, and how to follow up (INT-7)."""
    ticket = ticket_or_404(request.user, number)
    return render(request, "web/submitted.html",
                  {"ticket": ticket, "sla": sla_summary(getattr(ticket, "sla", None), ticket)})
