"""GET /api/v1/search: the tickets the caller may see that contain every term, best first (issue #14.2)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from ninja import Field, Query, Router

from serviceloop.core.bounds import Cursor, Datetime, Id, text
from serviceloop.core.schemas import ERRORS, Schema
from serviceloop.tickets.choices import Priority, Status, TicketType

from . import engine
from .text import MAX_QUERY_CHARS

router = Router(tags=["search"])


class SearchQuery(Schema):
    q: text(MAX_QUERY_CHARS) = ""
    status: list[Status] = Field(default_factory=list)
    priority: list[Priority] = Field(default_factory=list)
    ticket_type: list[TicketType] = Field(default_factory=list)
    organization_id: Id | None = None
    product_model_id: Id | None = None
    created_after: Datetime | None = None
    created_before: Datetime | None = None
    order: str = Field(engine.Order.RELEVANCE, pattern="^(relevance|date)$")
    cursor: Cursor | None = None
    limit: int = Field(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)


class SearchHitOut(Schema):
    number: str
    title: str
    status: str
    priority: str
    organization: str
    created_at: datetime
    tier: int = Field(description="1 found in the title, 2 in the codes, 3 in the description, 4 in replies")
    column: str
    snippet: str = Field(description="HTML: escaped text, each term in <mark>")


class SearchPage(Schema):
    items: list[SearchHitOut]
    next_cursor: str | None
    terms: list[str]
    ticket: str | None = Field(None, description="the number of the ticket the query names exactly, if any")


@router.get("", response={200: SearchPage, **ERRORS}, summary="Search tickets")
def search(request, q: Query[SearchQuery]):
    filters = engine.Filters(status=q.status, priority=q.priority, ticket_type=q.ticket_type,
                             organization_id=q.organization_id, product_model_id=q.product_model_id,
                             created_after=q.created_after, created_before=q.created_before)
    results = engine.query(request.auth, q.q, filters, order=q.order, cursor=q.cursor, limit=q.limit)
    named = engine.ticket_for_number(request.auth, q.q)
    return {
        "items": [
            {
                "number": h.ticket.number,
                "title": h.ticket.title,
                "status": h.ticket.status,
                "priority": h.ticket.priority,
                "organization": h.ticket.organization.name,
                "created_at": h.ticket.created_at,
                "tier": h.tier,
                "column": h.column,
                "snippet": h.snippet,
            }
            for h in results.hits
        ],
        "next_cursor": results.next_cursor,
        "terms": results.terms,
        "ticket": named.number if named else None,
    }
