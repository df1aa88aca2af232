"""Fixed-window rate limits counted in the database (RateCounter), shared by every server process.

A window is a fixed slice of time (10:00–10:10, 10:10–10:20 …) aligned to the Unix epoch; each
(scope, key) has one counter row per window. `rate_hit` adds one and says whether the limit still
holds; `rate_blocked_until` only reads, for limits that count failures after the fact (a ticket
number is refused before the lookup once its failed lookups reached the limit). Rows of finished
windows are useless and are deleted by `rate_counters_purge` (a periodic job, core/tasks.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.utils import timezone

from .models import RateCounter

KEY_MAX = RateCounter._meta.get_field("key").max_length


@dataclass(frozen=True)
class RateHit:
    """The outcome of one counted request: allowed while `count` ≤ `limit`; the window ends at `retry_at`."""

    count: int
    limit: int
    retry_at: datetime

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit


def _window(window: timedelta, now: datetime) -> tuple[datetime, datetime]:
    """The start and end of the fixed window that `now` falls in."""
    seconds = max(int(window.total_seconds()), 1)
    start = datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=UTC)
    return start, start + timedelta(seconds=seconds)


def rate_hit(*, scope: str, key: str, limit: int, window: timedelta, now: datetime | None = None) -> RateHit:
    """Count one request for (scope, key) in the current window and return the new count.

    One statement does it, as ticket numbering does (tickets/numbering.py): insert the window's row
    at 1 or, when it exists, add one, and return the value. The upsert is atomic on PostgreSQL (row
    lock) and SQLite (write lock), so concurrent requests in any number of processes never lose a
    count. Call it outside any longer transaction: the count must stay even if the request fails.
    """
    start, end = _window(window, now or timezone.now())
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    count_col = connection.ops.quote_name("count")
    key_col = connection.ops.quote_name("key")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, {key_col}, window_start, expires_at, {count_col}) "  # noqa: S608 - names from the model
            f"VALUES (%s, %s, %s, %s, 1) ON CONFLICT (scope, {key_col}, window_start) "
            f"DO UPDATE SET {count_col} = {table}.{count_col} + 1 RETURNING {count_col}",
            # Adapted as the ORM adapts them (naive UTC on SQLite), so ORM reads find these rows.
            [scope, key[:KEY_MAX], connection.ops.adapt_datetimefield_value(start),
             connection.ops.adapt_datetimefield_value(end)],
        )
        count = cursor.fetchone()[0]
    return RateHit(count=count, limit=limit, retry_at=end)


def rate_blocked_until(*, scope: str, key: str, limit: int, window: timedelta,
                       now: datetime | None = None) -> datetime | None:
    """When (scope, key) may try again if the current window already counted `limit` hits; else None.

    Reads only, for limits on failures: check before the attempt, count with `rate_hit` after a failure.
    """
    start, end = _window(window, now or timezone.now())
    # [:1], not .first(): no ORDER BY, so the unique (scope, key, window_start) index answers alone.
    counts = list(RateCounter.objects.filter(scope=scope, key=key[:KEY_MAX], window_start=start)
                  .values_list("count", flat=True)[:1])
    return end if counts and counts[0] >= limit else None


def rate_counters_purge(*, now: datetime | None = None) -> int:
    """Delete the counters of finished windows; returns how many rows went."""
    deleted, _by_model = RateCounter.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
