"""Every read of tickets, always scoped by `visible_to(user)` first (SEC-2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.errors import NotFound
from serviceloop.core.pagination import Page, keyset_page, keyset_page_by_deadline, keyset_page_merged

from .choices import OPEN_STATUSES
from .models import Attachment, Category, SavedFilter, Ticket, TicketEvent


@dataclass
class TicketFilters:
    status: list[str] = field(default_factory=list)
    priority: list[str] = field(default_factory=list)
    ticket_type: list[str] = field(default_factory=list)
    channel: list[str] = field(default_factory=list)
    category_id: int | None = None
    root_cause_id: int | None = None  # exactly this node of the root-cause tree
    product_model_id: int | None = None  # the model of the ticket's customer product
    owner_id: int | None = None
    unassigned: bool = False
    group_id: int | None = None
    group_ids: list[int] | QuerySet | None = None
    organization_id: int | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    at_risk: bool = False  # the SLA clock has passed its at-risk point and nothing is breached yet
    breached: bool = False  # a target was missed


class Order:
    NEWEST = "newest"
    DEADLINE = "deadline"  # the next SLA deadline, earliest (or most overdue) first


def _filtered(user, filters: TicketFilters, related: tuple[str, ...]):
    """The visible tickets matching every filter but the category (ticket_list reads those apart)."""
    qs = Ticket.objects.visible_to(user).select_related(
        "organization", "owner", "group", "category", *related
    )
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    if filters.priority:
        qs = qs.filter(priority__in=filters.priority)
    if filters.ticket_type:
        qs = qs.filter(ticket_type__in=filters.ticket_type)
    if filters.channel:
        qs = qs.filter(channel__in=filters.channel)
    if filters.root_cause_id is not None:
        qs = qs.filter(root_cause_id=filters.root_cause_id)
    if filters.product_model_id is not None:
        qs = qs.filter(product__product_model_id=filters.product_model_id)
    if filters.owner_id is not None:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.unassigned:
        qs = qs.filter(owner__isnull=True)
    if filters.group_id is not None:
        qs = qs.filter(group_id=filters.group_id)
    if filters.group_ids is not None:
        qs = qs.filter(group_id__in=filters.group_ids)
    if filters.organization_id is not None:
        qs = qs.filter(organization_id=filters.organization_id)
    if filters.created_after is not None:
        qs = qs.filter(created_at__gte=filters.created_after)
    if filters.created_before is not None:
        qs = qs.filter(created_at__lt=filters.created_before)
    # A deadline gone by counts as breached at once, as the row's colour (sla_state) does, not only
    # once the sweeper (every minute) has recorded it: an overdue ticket is never "at risk".
    if filters.at_risk:
        now = timezone.now()
        qs = qs.filter(sla__at_risk_at__lte=now, sla__breached=False, sla__paused_since__isnull=True,
                       sla__next_deadline__gt=now)
    if filters.breached:
        qs = qs.filter(Q(sla__breached=True) | Q(sla__next_deadline__lte=timezone.now()))
    return qs


def _category_ids(filters: TicketFilters) -> list[int]:
    if filters.category_id is None:
        return []
    # A category filter includes its direct sub-categories (硬件类 finds 电源模块 tickets too).
    return [filters.category_id,
            *Category.objects.filter(parent_id=filters.category_id).values_list("id", flat=True)]


def ticket_list(
    *,
    user,
    filters: TicketFilters,
    cursor: str | None,
    limit: int,
    related: tuple[str, ...] = (),
    order: str = Order.NEWEST,
) -> Page:
    """A page of the tickets the user may see, newest first or by the next SLA deadline.

    `related` adds joins a caller shows (the web list shows the contact and the SLA timers). By
    deadline, the tickets whose clock runs come first, most urgent first, then the rest newest first.
    """
    qs = _filtered(user, filters, related)
    category_ids = _category_ids(filters)
    if order == Order.DEADLINE:
        dated = qs.filter(sla__next_deadline__isnull=False)
        if category_ids:
            dated = dated.filter(category_id__in=category_ids)
        # NOT EXISTS, not a LEFT JOIN … OR IS NULL: PostgreSQL estimates the anti-join well and walks
        # the list's index newest first, where the OR made it sort every closed ticket. The SLA row's
        # model is reached through the relation "sla": tickets imports nothing from the SLA app.
        clock = Ticket._meta.get_field("sla").related_model
        undated = qs.exclude(Exists(clock.objects.filter(ticket_id=OuterRef("pk"),
                                                         next_deadline__isnull=False)))
        tails = [undated.filter(category_id=c) for c in category_ids] or [undated]
        if filters.status and not set(filters.status) & set(OPEN_STATUSES):
            # Only finished tickets asked for: none has a running clock, so skip the dated part
            # rather than let the database walk every open ticket to find none.
            dated = dated.none()
        return keyset_page_by_deadline(dated, tails, fetch=qs, field="sla__next_deadline", cursor=cursor,
                                       limit=limit)
    if category_ids:
        return keyset_page_merged(
            [qs.filter(category_id=c) for c in category_ids], cursor=cursor, limit=limit
        )
    return keyset_page(qs, cursor=cursor, limit=limit)


def ticket_matching(*, user, filters: TicketFilters) -> QuerySet:
    """Every visible ticket matching every filter, the category included, in no order: for readers that
    walk a whole list (counts, exports) rather than show a page of it."""
    qs = _filtered(user, filters, ())
    category_ids = _category_ids(filters)
    if category_ids:
        qs = qs.filter(category_id__in=category_ids)
    return qs.order_by()


def ticket_count(*, user, filters: TicketFilters, cap: int) -> int:
    """How many tickets match, counted up to `cap` (a list shows "999+" rather than counting a million)."""
    return ticket_matching(user=user, filters=filters)[:cap].count()


def ticket_get(*, user, number: str) -> Ticket:
    """The ticket with this number if the user may see it; NotFound otherwise (never 403, SEC-2)."""
    qs = (
        Ticket.objects.visible_to(user)
        .select_related(
            "organization",
            "contact",
            "product__product_model",
            "owner",
            "group",
            "category__parent",
            "created_by",
            "sla__version__policy",
            "root_cause__parent",
        )
        .prefetch_related("co_handlers")
    )
    try:
        # .get(), not .first(): first() adds ORDER BY id, and PostgreSQL may then walk the primary key
        # backwards instead of using the unique index on number — milliseconds that grow with the table.
        return qs.get(number=number)
    except Ticket.DoesNotExist:
        raise NotFound(_("Ticket %(number)s was not found.") % {"number": number}) from None


def ticket_timeline(*, user, ticket: Ticket, cursor: str | None, limit: int) -> Page:
    """The ticket's events, oldest first; a customer gets only the public ones (COM-4)."""
    qs = TicketEvent.objects.filter(ticket=ticket).select_related("actor")
    if user.is_customer:
        qs = qs.filter(is_public=True)
    return keyset_page(qs, cursor=cursor, limit=limit, descending=False)


def _attachments(*, user, ticket: Ticket):
    qs = Attachment.objects.filter(ticket=ticket)
    if user.is_customer:
        qs = qs.filter(is_internal=False)
    return qs


def attachment_list(*, user, ticket: Ticket) -> list[Attachment]:
    """The ticket's files; internal ones (attached to internal notes) are hidden from customers."""
    return list(_attachments(user=user, ticket=ticket).order_by("id"))


def attachment_get(*, user, ticket: Ticket, attachment_id: int) -> Attachment:
    attachment = _attachments(user=user, ticket=ticket).filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("Attachment not found."))
    return attachment


def category_list() -> list[Category]:
    return list(
        Category.objects.filter(is_active=True).select_related("parent__parent").order_by("sort_order", "id")
    )


def saved_filter_list(*, user) -> list[SavedFilter]:
    """The person's own saved list filters, by name."""
    return list(SavedFilter.objects.filter(user=user))
