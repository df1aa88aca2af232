"""Keyset (cursor) pagination shared by every list: no OFFSET and no COUNT, so any page costs the same."""

from __future__ import annotations

import base64
import binascii
import heapq
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from serviceloop.core.bounds import ID_MAX
from serviceloop.core.errors import InvalidInput


def encode_cursor(value: int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id a cursor stands for; a cursor that is not ours is a 422, not a server error."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = int(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        value = None
    # An id no 64-bit column holds is not ours either (SQLite raises OverflowError on binding it).
    if value is None or not 0 <= value <= ID_MAX:
        raise InvalidInput.field("cursor", _("This cursor is not valid; start again from the first page."))
    return value


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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _encode_deadline_cursor(value, row_id: int) -> str:
    # "d<microseconds since the epoch>.<id>" inside the deadline segment, "n<id>" in the undated tail.
    raw = f"n{row_id}" if value is None else f"d{(value - _EPOCH) // timedelta(microseconds=1)}.{row_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_deadline_cursor(cursor: str | None) -> tuple[str, datetime | None, int] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
        if raw.startswith("n") and 0 <= int(raw[1:]) <= ID_MAX:
            return "n", None, int(raw[1:])
        if raw.startswith("d"):
            micros, row_id = raw[1:].split(".")
            value = _EPOCH + timedelta(microseconds=int(micros))
            if 0 <= int(row_id) <= ID_MAX and 1 < value.year < 9999:
                return "d", value, int(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError, OSError):
        pass
    raise InvalidInput.field("cursor", _("This cursor is not valid; start again from the first page."))


def keyset_page_by_deadline(dated: QuerySet, undated: list[QuerySet], *, fetch: QuerySet, field: str,
                            cursor: str | None, limit: int) -> Page:
    """Rows with a deadline first, earliest first (ties by id); then the rows without one, newest first.

    `dated` holds the rows whose `field` is set (read in order through an index on (field, id));
    `undated` the rest, as one or more querysets merged newest first like keyset_page_merged. The
    cursor says which part it is in and where, so every page costs about the same, even deep ones.

    The order is worked out on ids and deadlines alone, and only the page's rows are then read with
    their joins (`fetch`): a database asked to sort a few thousand open tickets *with* every joined
    table joins them all first and throws away all but a page of them.
    """
    position = _decode_deadline_cursor(cursor)
    keys: list[tuple[int, object]] = []
    if position is None or position[0] == "d":
        qs = dated
        if position is not None:
            _stage, value, last = position
            # `field >= value` bounds the index range; the OR orders ties by id.
            qs = qs.filter(**{f"{field}__gte": value}).filter(
                Q(**{f"{field}__gt": value}) | Q(**{field: value, "id__gt": last}))
        keys = list(qs.order_by(field, "id").values_list("id", field)[: limit + 1])
    if len(keys) <= limit:
        last = position[2] if position is not None and position[0] == "n" else None
        need = limit + 1 - len(keys)
        heads = [list((qs.filter(id__lt=last) if last is not None else qs).order_by("-id")
                      .values_list("id", flat=True)[:need]) for qs in undated]
        keys += [(row_id, None) for row_id in list(heapq.merge(*heads, reverse=True))[:need]]
    more = len(keys) > limit
    keys = keys[:limit]
    if not keys:
        return Page(items=[])
    ids = [row_id for row_id, _value in keys]
    found = {row.id: row for row in fetch.filter(id__in=ids).order_by()}
    rows = [found[row_id] for row_id in ids if row_id in found]
    if not more:
        return Page(items=rows)
    last_id, last_value = keys[-1]
    return Page(items=rows, next_cursor=_encode_deadline_cursor(last_value, last_id))
