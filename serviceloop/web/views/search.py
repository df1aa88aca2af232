"""The search page (/search/) behind the top bar's box: a ticket number jumps to the ticket, anything
else lists the matching tickets the person may see, best first, a page at a time (issue #14.2)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from serviceloop.core.errors import ServiceError
from serviceloop.knowledge.selectors import article_search
from serviceloop.search import engine
from serviceloop.search.similar import similar_resolved
from serviceloop.tickets.selectors import ticket_get
from serviceloop.web.forms import SearchForm

PAGE_SIZE = 20


def _filters(data: dict) -> engine.Filters:
    tz = timezone.get_current_timezone()
    filters = engine.Filters(status=list(data.get("status") or []), priority=list(data.get("priority") or []),
                             ticket_type=list(data.get("type") or []))
    if data.get("organization"):
        filters.organization_id = data["organization"].pk
    if data.get("model"):
        filters.product_model_id = data["model"].pk
    if data.get("created_from") and data["created_from"] > date.min:
        filters.created_after = datetime.combine(data["created_from"], time.min, tzinfo=tz)
    if data.get("created_to") and data["created_to"] < date.max:
        filters.created_before = datetime.combine(data["created_to"] + timedelta(days=1), time.min, tzinfo=tz)
    return filters


def _articles(user, q: str) -> list[dict]:
    """Knowledge-base articles for the same query (KB-4): published ones the user may read, best first
    (customers: public ones only, knowledge.selectors.article_search's own rule)."""
    return [{"title": a.title, "url": reverse("web:kb-article", args=[a.pk])}
            for a in article_search(user, q[:200], limit=5)]


@login_required
@require_GET
def search(request):
    """Search results, or straight to the ticket whose number was typed."""
    user = request.user
    form = SearchForm(request.GET or None, customer=user.is_customer)
    valid = form.is_valid() if form.is_bound else True
    data = form.cleaned_data if form.is_bound and valid else {}
    q = data.get("q", "")
    results, error = None, ""
    if valid and q:
        named = engine.ticket_for_number(user, q)
        if named is not None and not request.GET.get("cursor"):
            return redirect("web:ticket", number=named.number)
        try:
            results = engine.query(user, q, _filters(data), order=data.get("order") or engine.Order.RELEVANCE,
                                   cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
        except ServiceError as exc:
            error = exc.message
    params = request.GET.copy()
    params.pop("cursor", None)
    return render(request, "web/search.html", {
        "form": form, "q": q, "results": results, "error": error, "query": params.urlencode(),
        "first_page": not request.GET.get("cursor"), "articles": _articles(user, q) if q else [],
    }, status=200 if valid and not error else 422)


@login_required
@require_GET
def similar(request, number: str):
    """The ticket page's "similar resolved tickets" box (fetched by htmx after the page): staff only."""
    if request.user.is_customer:
        raise PermissionDenied
    try:
        ticket = ticket_get(user=request.user, number=number)
    except ServiceError:
        raise Http404 from None
    return render(request, "web/_similar_list.html", {"similar": similar_resolved(request.user, ticket)})
