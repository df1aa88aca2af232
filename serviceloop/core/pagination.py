"""Keyset (cursor) pagination shared by every list: no OFFSET and no COUNT, so any page costs the same."""

from __future__ import annotations

import base64
import binascii
import heapq
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from serviceloop.core.errors import InvalidInput


def encode_cursor(value: int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id a cursor stands for; a cursor that is not ours is a 422, not a server error."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return int(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput.field("cursor", _("This cursor is not valid; start again from the first page.")) from None


@dataclass
class Page:
    """One page of a keyset-paginated list; `next_cursor` is None on the last page."""

    items: list
    next_cursor: str | None = None


def keyset_page(qs: QuerySet, *, cursor: str | None, limit: int, descending: bool = True) -> Page:
    """Page through `qs` by id: no OFFSET, no COUNT, so page 1 and page 10,000 cost the same."""
    last = decode_cursor(cursor)
    if last is not None:
        qs = qs.filter(id__lt=last) if descending else qs.filter(id__gt=last)
    rows = list(qs.order_by("-id" if descending else "id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_cursor=encode_cursor(rows[-1].id) if more and rows else None)




def keyset_page_merged(querysets: list[QuerySet], *, cursor: str | None, limit: int) -> Page:
    """Like keyset_page (newest first) over the union of several querysets, each read through its own index.

    `WHERE category_id IN (a, b, c) ORDER BY id DESC` cannot walk the (category, id) index in order and
    sorts every match; one ordered read per value, merged here, reads at most `limit + 1` rows of each.
    """
    if len(querysets) == 1:
        return keyset_page(querysets[0], cursor=cursor, limit=limit)
    last = decode_cursor(cursor)
    heads = []
    for qs in querysets:
        if last is not None:
            qs = qs.filter(id__lt=last)
        heads.append(list(qs.order_by("-id")[: limit + 1]))
    rows = list(heapq.merge(*heads, key=lambda row: -row.id))[: limit + 1]
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_cursor=encode_cursor(rows[-1].id) if more and rows else None)
