"""The ticket lists: an agent's views with counts (我的工单, 未分配, 我的组, 即将超时, 已超时, 全部), a
customer's own organisation's tickets, filters that can be saved, sorted by the next SLA deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from serviceloop.core.errors import ServiceError
from serviceloop.core.masking import mask_phone
from serviceloop.reports.export import csv_lines, write_xlsx
from serviceloop.reports.export import ticket_rows as export_rows
from serviceloop.sla.selectors import sla_state
from serviceloop.tickets import selectors, services
from serviceloop.tickets.choices import OPEN_STATUSES
from serviceloop.tickets.selectors import Order, TicketFilters
from serviceloop.web.forms import SavedFilterForm, TicketFilterForm
from serviceloop.web.views.bulk import bar_context

PAGE_SIZE = 25
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The list's parameters the search page understands too (a `?q=` on the list goes there with them).
SEARCH_KEYS = ("q", "status", "priority", "type", "organization", "created_from", "created_to")
# Counts stop here: "999+" is as useful to a person as 1,000,000 and costs a thousandth of it.
COUNT_CAP = 1000


@dataclass(frozen=True)
class View:
    code: str
    label: str


AGENT_VIEWS = [
    View("mine", gettext_lazy("My tickets")),
    View("unassigned", gettext_lazy("Unassigned")),
    View("group", gettext_lazy("My groups")),
    View("at_risk", gettext_lazy("At risk")),
    View("breached", gettext_lazy("Breached")),
    View("all", gettext_lazy("All")),
]
CUSTOMER_VIEWS = [
    View("open", gettext_lazy("Not finished")),  # not "In progress": that is one status among the open ones
    View("all", gettext_lazy("All")),
]


def _views_for(user) -> list[View]:
    return CUSTOMER_VIEWS if user.is_customer else AGENT_VIEWS


def _view_filters(user, code: str) -> TicketFilters:
    """What each view holds. Every view but 全部 is work still to do, so it holds open tickets only."""
    if code == "all":
        return TicketFilters()
    filters = TicketFilters(status=list(OPEN_STATUSES))
    if code == "mine":
        filters.owner_id = user.pk
    elif code == "unassigned":
        filters.unassigned = True
    elif code == "group":
        # A list, not a subquery: with the ids in hand PostgreSQL counts through the (group, status,
        # id) index; with a subquery it misjudged the join and scanned the table.
        if not hasattr(user, "_team_ids"):  # once per request: the page and the tab count both need them
            user._team_ids = list(user.teams.values_list("id", flat=True))
        filters.group_ids = user._team_ids
    elif code == "at_risk":
        filters.at_risk = True
    elif code == "breached":
        filters.breached = True
    return filters


# Views whose tickets do not depend on who asks, for someone who sees every ticket.
SHARED_VIEWS = {"unassigned", "at_risk", "breached", "all"}


def _view_counts(user, views: list[View]) -> dict[str, int]:
    """Each view's capped count, kept for LIST_COUNT_CACHE_SECONDS in the worker process.

    The counts are most of a list page's database time when thousands of tickets are open and
    overdue (the capped count of 已超时 then joins ~1,000 rows the planner cannot reach first). For
    people who see every ticket, 未分配 / 即将超时 / 已超时 / 全部 are the same for all of them, so one
    count serves the whole team; 我的工单 and 我的组 are each person's own and cheap (indexed). The rows
    themselves are always read live; a count a few seconds old is as useful in a tab.
    """
    ttl = settings.LIST_COUNT_CACHE_SECONDS
    shared = not user.is_customer and user.has_perm("tickets.view_all_tickets")
    keys = {v.code: (f"ticket-view-count:{v.code}" if shared and v.code in SHARED_VIEWS
                     else f"ticket-view-count:{v.code}:{user.pk}:{int(user.is_customer)}") for v in views}
    counts = cache.get_many(list(keys.values())) if ttl else {}
    result, fresh = {}, {}
    for v in views:
        value = counts.get(keys[v.code])
        if value is None:
            value = selectors.ticket_count(user=user, filters=_view_filters(user, v.code), cap=COUNT_CAP)
            fresh[keys[v.code]] = value
        result[v.code] = value
    if ttl and fresh:
        cache.set_many(fresh, ttl)
    return result


def _apply_form(filters: TicketFilters, data: dict) -> TicketFilters | None:
    """Narrow a view by the filter form; None when nothing can match (a view is narrowed, never widened)."""
    if data.get("status"):
        filters.status = [s for s in data["status"] if not filters.status or s in filters.status]
        if not filters.status:
            return None  # 我的工单 (open ones) asked for closed tickets
    filters.priority = list(data.get("priority") or [])
    filters.ticket_type = list(data.get("type") or [])
    if data.get("category"):
        filters.category_id = data["category"].pk
    if data.get("organization"):
        filters.organization_id = data["organization"].pk
    filters.channel = list(data.get("channel") or [])
    if data.get("root_cause"):
        filters.root_cause_id = data["root_cause"].pk
    if data.get("product_model"):
        filters.product_model_id = data["product_model"].pk
    if data.get("owner"):
        if filters.owner_id not in (None, data["owner"].pk):
            return None  # 我的工单 filtered by someone else's name
        filters.owner_id = data["owner"].pk
    tz = timezone.get_current_timezone()
    # The first and the last date a date field takes bound nothing, and as instants they would not fit
    # a datetime (1 January of year 1 in Shanghai is before the first UTC instant; 9999-12-31 has no
    # next day): leave those ends open rather than fail.
    if data.get("created_from") and data["created_from"] > date.min:
        filters.created_after = datetime.combine(data["created_from"], time.min, tzinfo=tz)
    if data.get("created_to") and data["created_to"] < date.max:
        filters.created_before = datetime.combine(data["created_to"] + timedelta(days=1), time.min, tzinfo=tz)
    return filters


def _query_string(request, **changes) -> str:
    """The list's query string with some parameters changed (a view tab keeps the filters)."""
    params = request.GET.copy()
    params.pop("cursor", None)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


def _controls(form: TicketFilterForm) -> dict:
    """The filter form's selects and check-box groups as plain lists for the template.

    Django renders every <option> through a widget template of its own; a hundred options cost
    more than the rest of the page. The template writes them from these lists instead.
    """
    selects, checks = [], []
    for name in ("category", "organization", "owner"):
        if name not in form.fields:
            continue
        bound = form[name]
        chosen = str(bound.value() or "")
        options = [(str(obj.pk), str(obj), str(obj.pk) == chosen) for obj in form.fields[name].queryset]
        selects.append({"name": name, "id": bound.id_for_label, "label": bound.label, "options": options,
                        "errors": bound.errors})
    for name in ("status", "priority", "type"):
        bound = form[name]
        chosen = {str(v) for v in (bound.value() or [])}
        checks.append(
            {
                "name": name,
                "label": bound.label,
                "errors": bound.errors,
                "options": [(value, label, value in chosen) for value, label in form.fields[name].choices],
            }
        )
    return {
        "selects": selects,
        "checks": checks,
        "any_checked": any(o[2] for c in checks for o in c["options"]),
    }


def _chosen_list(request, views: list[View]):
    """The view, the filter form and what it asks for, as the list page and its export read them:
    (code, form, valid, cleaned data, order, filters — None when nothing can match)."""
    user = request.user
    codes = [v.code for v in views]
    code = request.GET.get("view") or codes[0]
    if code not in codes:
        code = codes[0]
    form = TicketFilterForm(request.GET or None, customer=user.is_customer)
    valid = form.is_valid() if form.is_bound else True
    data = form.cleaned_data if form.is_bound and valid else {}
    order = data.get("order") or Order.DEADLINE
    return code, form, valid, data, order, _apply_form(_view_filters(user, code), data)


@login_required
@require_GET
def export(request, fmt: str):
    """The list as it is filtered, every page of it, newest first, as CSV (UTF-8 with BOM) or XLSX (USR-7).

    Bad filters get the list page with its messages (422), never a file of something else."""
    user = request.user
    views = _views_for(user)
    code, form, valid, data, order, filters = _chosen_list(request, views)
    if not valid:
        return home(request)
    label = next(v.label for v in views if v.code == code)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    rows = iter(()) if filters is None else export_rows(user=user, filters=filters,
                                                        max_rows=settings.EXPORT_MAX_ROWS)
    filename = f"tickets-{code}-{stamp}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    else:
        response = FileResponse(write_xlsx(rows, sheet_name=str(label)), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def home(request):
    """The person's ticket list: a view (with counts), narrowed by filters, by next SLA deadline."""
    user = request.user
    if request.GET.get("q", "").strip():
        # Words to look for are a search: the search page, with the list's filters that it shares.
        params = QueryDict(mutable=True)
        for key in SEARCH_KEYS:
            params.setlist(key, request.GET.getlist(key))
        return redirect(f"{reverse('web:search')}?{params.urlencode()}")
    views = _views_for(user)
    code, form, valid, data, order, filters = _chosen_list(request, views)
    page = None
    if valid and filters is not None:
        try:
            page = selectors.ticket_list(user=user, filters=filters, cursor=request.GET.get("cursor"),
                                         limit=PAGE_SIZE, related=("contact", "sla"), order=order)
        except ServiceError as exc:  # a cursor that is not ours: say so and start again
            messages.error(request, exc.message)
            return redirect(f"{request.path}?{_query_string(request)}")
    now = timezone.now()
    rows = []
    for t in page.items if page else []:
        sla = getattr(t, "sla", None)
        rows.append({"ticket": t, "contact_phone": mask_phone(t.contact.phone) if t.contact_id else "",
                     "sla": sla, "sla_state": sla_state(sla, now),
                     "overdue": bool(sla and sla.next_deadline and sla.next_deadline <= now)})
    # The table refreshes itself every minute (htmx, which sends HX-Request and keeps only the table):
    # those requests need no counts.
    counts = {} if request.headers.get("HX-Request") else _view_counts(user, views)
    tabs = [{"code": v.code, "label": v.label, "count": counts.get(v.code),
             "capped": counts.get(v.code, 0) >= COUNT_CAP,
             "query": _query_string(request, view=v.code), "current": v.code == code} for v in views]
    current_query = _query_string(request)
    controls = _controls(form)
    owners = next((c["options"] for c in controls["selects"] if c["name"] == "owner"), [])
    context = {
        # A customer's page is their company's tickets, whichever tab; an agent's is the view they chose.
        "heading": _("Our tickets") if user.is_customer else next(v.label for v in views if v.code == code),
        "tabs": tabs,
        "view": code,
        "form": form,
        "controls": controls,
        "filtered": bool(data) and form.narrowing(),
        "order": order,
        "rows": rows,
        "next_cursor": page.next_cursor if page else None,
        "first_page": not request.GET.get("cursor"),
        "query": current_query,
        "saved_filters": selectors.saved_filter_list(user=user),
        "save_form": SavedFilterForm(initial={"query": current_query}),
        "count_cap": COUNT_CAP - 1,
        "bulk": bar_context(user, owners=owners),
        "can_take": code == "unassigned" and user.has_perm("tickets.assign_ticket"),
    }
    return render(request, "web/home.html", context, status=200 if valid else 422)


@login_required
@require_POST
def saved_filter_save(request):
    """Keep the list's current filter under a name (saved per person)."""
    form = SavedFilterForm(request.POST)
    query = request.POST.get("query", "")
    if not form.is_valid():
        if "query" in form.errors:  # the filter itself, not its name: say so in the service's words
            messages.error(request, _("This filter is too long to save."))
        for error in form.errors.get("name", []):
            messages.error(request, f"{_('Name of this filter')}: {error}")
        return redirect(f"{reverse('web:home')}?{query}")
    try:
        saved = services.saved_filter_save(user=request.user, name=form.cleaned_data["name"], query=query)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('web:home')}?{query}")
    messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
    return redirect(f"{reverse('web:home')}?{saved.query}")


@login_required
@require_POST
def saved_filter_delete(request, filter_id: int):
    try:
        services.saved_filter_delete(user=request.user, filter_id=filter_id)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved filter deleted."))
    return redirect("web:home")

