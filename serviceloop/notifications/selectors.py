"""Reads of notifications: always a person's own (a notification is never visible to anyone else)."""

from __future__ import annotations

from serviceloop.core.pagination import Page, keyset_page

from .models import Notification

UNREAD_SHOWN_UP_TO = 99  # the bell says "99+" beyond this; counting further costs and tells nobody more


def unread_count(user) -> int:
    """Unread notifications, counted at most to 100 (the index on (user, read_at, id) serves it)."""
    ids = Notification.objects.filter(user=user, read_at__isnull=True).values_list("id", flat=True)
    return len(ids[: UNREAD_SHOWN_UP_TO + 1])


def notification_page(user, *, cursor: str | None, limit: int, unread_only: bool = False) -> Page:
    qs = Notification.objects.filter(user=user).select_related("ticket")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return keyset_page(qs, cursor=cursor, limit=limit)
