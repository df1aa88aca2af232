"""电话登记: an agent registers a caller's problem (INT-1, INT-4)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from serviceloop.core.errors import ServiceError
from serviceloop.tickets import services
from serviceloop.web.forms import (
    IntakeForm,
    show_service_error,
)


def _organization_matches(q: str):
    """Organisations by name, or by their or a contact's phone; at most 10, with their contacts."""
    from django.db.models import Prefetch, Q

    from serviceloop.customers.models import Contact, Organization

    q = q.strip()
    if len(q) < 2 or "\x00" in q:  # NUL cannot be searched for on PostgreSQL (issue #9)
        return []
    qs = Organization.objects.filter(
        Q(name__icontains=q) | Q(phone__startswith=q) | Q(contacts__phone__startswith=q)).distinct()
    return list(qs.prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("name")))[:10])


@login_required
@require_GET
def intake_lookup(request):
    """htmx: the organisations (and their contacts) matching what the agent typed."""
    if request.user.is_customer:
        raise Http404
    return render(
        request, "web/_intake_matches.html", {"matches": _organization_matches(request.GET.get("q", ""))}
    )


@login_required
@require_http_methods(["GET", "POST"])
def intake(request):
    """电话登记 (INT-1, INT-4): an agent registers a caller's problem; the number and the expected
    response time are shown at once."""
    user = request.user
    if user.is_customer or not user.has_perm("tickets.add_ticket"):
        raise Http404
    form = IntakeForm(request.POST or None)
    matches = _organization_matches(request.POST.get("q", "")) if request.method == "POST" else []
    if request.method == "POST" and "lookup" not in request.POST and form.is_valid():
        data = form.cleaned_data
        product = None
        if data["serial_number"]:
            from serviceloop.assets.models import CustomerProduct

            product = CustomerProduct.objects.filter(serial_number=data["serial_number"].strip(),
                                                     organization=data["organization"]).first()
            if product is None:
                form.add_error(
                    "serial_number", _("No product with this serial number belongs to this organisation.")
                )
        contact = data["contact"]
        if contact is not None and contact.organization_id != data["organization"].pk:
            form.add_error(None, _("The contact does not belong to this organisation."))
        if not form.errors:
            try:
                ticket = services.ticket_create(
                    actor=user,
                    organization=data["organization"],
                    contact=contact,
                    product=product,
                    title=data["title"],
                    description=data["description"],
                    channel="phone",
                    ticket_type=data["ticket_type"],
                    category=data["category"],
                    urgency=data["urgency"],
                    impact_scope=data["impact_scope"],
                    expedite=data["expedite"],
                    occurred_at=data["occurred_at"],
                    business_interrupted=data["business_interrupted"],
                    affected_users=data["affected_users"],
                    details={
                        k: data[k]
                        for k in (
                            "objective_description",
                            "error_code",
                            "reproduction_steps",
                            "environment",
                            "business_impact",
                            "tried_steps",
                        )
                    },
                )
            except ServiceError as exc:
                show_service_error(form, exc)
            else:
                return redirect("web:submitted", number=ticket.number)
    selected = form["organization"].value()
    return render(
        request,
        "web/intake.html",
        {"form": form, "matches": matches, "selected": str(selected or "")},
        status=422 if form.errors and "lookup" not in request.POST else 200,
    )
