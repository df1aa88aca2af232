"""The agent's and the customer's ticket lists."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from serviceloop.core.errors import ServiceError
from serviceloop.core.masking import mask_phone
from serviceloop.sla.services import sla_summary
from serviceloop.tickets import selectors
from serviceloop.tickets.choices import OPEN_STATUSES

PAGE_SIZE = 25


@login_required
@require_GET
def home(request):
    """The person's own work: staff see their open tickets, a customer contact their company's tickets."""
    user = request.user
    filters = selectors.TicketFilters()
    if user.is_customer:
        heading = _("Our tickets")
    else:
        heading = _("My tickets")
        filters.owner_id = user.pk
        filters.status = list(OPEN_STATUSES)
    try:
        page = selectors.ticket_list(user=user, filters=filters, cursor=request.GET.get("cursor"), limit=PAGE_SIZE,
                                     related=("contact", "sla__version__policy"))
    except ServiceError:
        return redirect("web:home")
    rows = [{"ticket": t, "contact_phone": mask_phone(t.contact.phone) if t.contact_id else "",
             "sla": sla_summary(getattr(t, "sla", None), t)} for t in page.items]
    return render(request, "web/home.html", {"heading": heading, "rows": rows, "next_cursor": page.next_cursor,
                                             "first_page": not request.GET.get("cursor")})
