"""Bulk (re)indexing: every ticket, or those not indexed yet, chunk by chunk with progress (issue #14.5).

Each chunk is one transaction: its tickets are read by id range with their references, their
timeline texts in one more query, and written with one statement per table. A full rebuild starts
from an empty index: on SQLite the FTS5 table is made anew (no per-row deletes), on PostgreSQL the GIN
index is dropped while the rows go in and built once at the end, which is several times faster than
keeping it current row by row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max

from serviceloop.core.bulk import collector_paused
from serviceloop.tickets.models import Ticket

from . import engine, schema

CHUNK = 2000
# What build_documents reads: fewer columns make a million model instances noticeably cheaper.
READ = ("number", "title", "error_code", *engine.BODY_FIELDS, "organization__name", "contact__name",
        "contact__phone", "contact__email", "product__serial_number", "product__product_model__code",
        "product__product_model__name")


@dataclass
class Progress:
    done: int = 0
    total: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


def _say_nothing(line: str) -> None:
    return None


def _empty_index() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM search_searchdoc")
            cursor.execute(schema.SQLITE_DROP)
            cursor.execute(schema.SQLITE_CREATE)
        else:
            cursor.execute("TRUNCATE search_searchdoc")
            cursor.execute(schema.POSTGRES_GIN_DROP)


def _finish_index(full: bool) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
        else:
            if full:
                schema.postgres_gin_build(cursor)
            cursor.execute("ANALYZE search_searchdoc")


def reindex(*, full: bool = True, chunk: int = CHUNK, say: Callable[[str], None] = _say_nothing,
            every: int = 50_000) -> Progress:
    """Index every ticket (full: the index is emptied first) or only those above the highest indexed id."""
    started = time.perf_counter()
    tickets = Ticket.objects.order_by("pk")
    if full:
        with transaction.atomic():
            _empty_index()
        last = 0
    else:
        from .models import SearchDoc

        last = SearchDoc.objects.aggregate(m=Max("ticket_id"))["m"] or 0
    progress = Progress(total=tickets.filter(pk__gt=last).count())
    say(f"Indexing {progress.total:,} tickets in chunks of {chunk:,} ({connection.vendor}).")
    backend = engine.backend()
    while True:
        with collector_paused():
            batch = list(tickets.filter(pk__gt=last).select_related(
                "organization", "contact", "product__product_model").only(*READ)[:chunk])
            if not batch:
                break
            with transaction.atomic():
                # Not fresh: a ticket created while this runs is indexed by its own transaction too.
                backend.write(engine.build_documents(batch))
        last = batch[-1].pk
        before, progress.done = progress.done, progress.done + len(batch)
        progress.seconds = time.perf_counter() - started
        if progress.done // every > before // every or progress.done == progress.total:
            left = (progress.total - progress.done) / progress.rate if progress.rate else 0
            say(f"  {progress.done:>10,} / {progress.total:,} ({progress.seconds:,.0f} s, "
                f"{progress.rate:,.0f} tickets/s, about {left:,.0f} s left)")
    with transaction.atomic():
        _finish_index(full)
    progress.seconds = time.perf_counter() - started
    say(f"Done: {progress.done:,} tickets in {progress.seconds:,.1f} s ({progress.rate:,.0f} tickets/s).")
    return progress
