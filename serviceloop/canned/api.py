"""Canned replies at /api/v1/canned-replies, and rendering one for a ticket at
/api/v1/tickets/{number}/canned-replies/{reply_id}/render (issue #16.3). Staff only: a customer is
answered 403 everywhere (and, as for every ticket path, 404 for a ticket she may not see)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from ninja import Field, Query, Router, Schema
from ninja import Status as Created

from serviceloop.core.bounds import Cursor, Id
from serviceloop.core.bounds import text as bounded
from serviceloop.core.schemas import ERRORS, Strict
from serviceloop.tickets import selectors as ticket_selectors

from . import selectors, services
from .models import CannedReply, Scope

router = Router(tags=["canned replies"])
tickets_router = Router(tags=["canned replies"])


class CannedReplyOut(Schema):
    id: int
    scope: Scope
    title: str
    body: str
    may_edit: bool
    updated_at: datetime


class CannedReplyPage(Schema):
    items: list[CannedReplyOut]
    next_cursor: str | None


class RenderedOut(Schema):
    text: str
    missing: list[str] = Field(description="Placeholders left as written: the ticket has no value for them")


class CannedReplyIn(Strict):
    title: bounded(services.TITLE_MAX, min_length=1)
    body: bounded(services.BODY_MAX, min_length=1)
    scope: Scope = Scope.PERSONAL


class CannedReplyUpdateIn(Strict):
    title: bounded(services.TITLE_MAX, min_length=1) | None = None
    body: bounded(services.BODY_MAX, min_length=1) | None = None


class CannedReplyListQuery(Schema):
    q: bounded(100) = ""
    scope: Scope | None = None
    cursor: Cursor | None = None
    limit: int = Field(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)


def reply_out(reply: CannedReply, user) -> dict:
    return {"id": reply.pk, "scope": reply.scope, "title": reply.title, "body": reply.body,
            "may_edit": services.may_manage(user, reply), "updated_at": reply.updated_at}


@router.get("", response={200: CannedReplyPage, **ERRORS},
            summary="The shared canned replies and my own (newest first)")
def list_canned_replies(request, q: Query[CannedReplyListQuery]):
    page = selectors.canned_reply_list(user=request.auth, cursor=q.cursor, limit=q.limit, q=q.q,
                                       scope=q.scope)
    return {"items": [reply_out(r, request.auth) for r in page.items], "next_cursor": page.next_cursor}


@router.post("", response={201: CannedReplyOut, **ERRORS},
             summary="Write a canned reply (shared: administrators)")
def create_canned_reply(request, payload: CannedReplyIn):
    reply = services.canned_reply_create(actor=request.auth, **payload.dict())
    return Created(201, reply_out(reply, request.auth))


@router.get("/{reply_id}", response={200: CannedReplyOut, **ERRORS}, summary="Get a canned reply")
def get_canned_reply(request, reply_id: Id):
    return reply_out(selectors.canned_reply_get(user=request.auth, reply_id=reply_id), request.auth)


@router.patch("/{reply_id}", response={200: CannedReplyOut, **ERRORS},
              summary="Change a canned reply's title or text")
def update_canned_reply(request, reply_id: Id, payload: CannedReplyUpdateIn):
    reply = selectors.canned_reply_get(user=request.auth, reply_id=reply_id)
    reply = services.canned_reply_update(reply=reply, actor=request.auth, **payload.dict(exclude_unset=True))
    return reply_out(reply, request.auth)


@router.delete("/{reply_id}", response={204: None, **ERRORS}, summary="Delete a canned reply")
def delete_canned_reply(request, reply_id: Id):
    reply = selectors.canned_reply_get(user=request.auth, reply_id=reply_id)
    services.canned_reply_delete(reply=reply, actor=request.auth)
    return Created(204, None)


@tickets_router.post("/{number}/canned-replies/{reply_id}/render", response={200: RenderedOut, **ERRORS},
                     summary="A canned reply's text for this ticket, its variables filled")
def render_canned_reply(request, number: str, reply_id: Id):
    ticket = ticket_selectors.ticket_get(user=request.auth, number=number)
    reply = selectors.canned_reply_get(user=request.auth, reply_id=reply_id)
    rendered = selectors.canned_reply_render(user=request.auth, reply=reply, ticket=ticket)
    return {"text": rendered.text, "missing": rendered.missing}
