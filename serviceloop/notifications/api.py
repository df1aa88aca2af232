"""/api/v1/notifications: the logged-in user's in-app notifications."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from ninja import Query, Router, Schema

from serviceloop.core.bounds import Cursor, Id
from serviceloop.core.pagination import keyset_page
from serviceloop.core.schemas import ERRORS

from . import services
from .models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    ticket_number: str | None
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class MarkedOut(Schema):
    marked: int


def _out(n: Notification) -> dict:
    return {"id": n.pk, "kind": n.kind, "ticket_number": n.ticket.number if n.ticket_id else None,
            "title": n.title, "body": n.body, "created_at": n.created_at, "read_at": n.read_at}


@router.get("", response={200: NotificationPage, **ERRORS}, summary="My notifications, newest first")
def list_notifications(request, unread_only: bool = False, cursor: Cursor | None = None,
                       limit: int = Query(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)):
    qs = Notification.objects.filter(user=request.auth).select_related("ticket")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = keyset_page(qs, cursor=cursor, limit=limit)
    unread = Notification.objects.filter(user=request.auth, read_at__isnull=True).count()
    return {"items": [_out(n) for n in page.items], "next_cursor": page.next_cursor, "unread": unread}


@router.post("/{notification_id}/read", response={200: MarkedOut, **ERRORS}, summary="Mark one as read")
def mark_read(request, notification_id: Id):
    return {"marked": services.notification_mark_read(user=request.auth, notification_id=notification_id)}


@router.post("/read-all", response={200: MarkedOut, **ERRORS}, summary="Mark all as read")
def mark_all_read(request):
    return {"marked": services.notification_mark_read(user=request.auth)}
