"""The search indexer beside the writer: a second process indexes the demo's tickets as their batches commit.

Indexing costs about as much CPU as generating and writing the tickets (2026-12-04, SQLite, CPU
seconds per 20,000 tickets: 5.0 generating and writing, 6.3 indexing, 1.8 the KPI facts). One
after the other the three took a million tickets past the 10-minute target of issue 10.1; the
machine has two cores, so the index is built in a second process while the first one writes, and
the KPI facts are computed in the first process once its tickets are in.

The follower reads only committed tickets (each batch commits on its own, writer.py) and writes each
chunk in its own short transaction (its text and tokens worked out before it), as search/reindex.py
does; on SQLite the writer holds the write
lock only while a batch's rows go in (the generation runs outside it), so the two take turns. When
the writer is done and every ticket is indexed, `reindex(full=False)` finishes the index (FTS5
optimize, ANALYZE). Into a database that had no tickets, PostgreSQL's GIN index is dropped first and
built once at the end, as `reindex(full=True)` does: several times cheaper than keeping it current.
"""

from __future__ import annotations

import multiprocessing
import os

from django.db import connection, connections, transaction
from django.db.models import Max

from serviceloop.core.bulk import collector_paused
from serviceloop.search import engine, schema
from serviceloop.search.models import SearchDoc
from serviceloop.search.reindex import CHUNK, READ, reindex
from serviceloop.tickets.models import Ticket

# Loads from this size on index in the follower; smaller ones afterwards, in the loader's process.
FOLLOW_FROM = 20_000
POLL_SECONDS = 1.0


class Follower:
    """The indexing process, started before the writer's first batch."""

    def __init__(self, *, fresh: bool):
        """Fork the follower; `fresh`: the database had no tickets (PostgreSQL: GIN index built at the end).

        The connections are closed first, so the child opens its own and never shares a socket or
        SQLite handle with its parent (the parent reopens on its next query)."""
        context = multiprocessing.get_context("fork")
        self.done = context.Event()
        self.limit = context.Value("q", NO_LIMIT)  # the highest ticket id the follower takes
        self.reached = context.Value("q", 0)  # the highest ticket id it has indexed
        connections.close_all()
        self.process = context.Process(target=_follow, args=(self.done, self.limit, self.reached, os.getpid(),
                                                             fresh), daemon=True, name="demo-search-follower")
        self.process.start()

    def share(self) -> None:
        """The writer is done: index the upper half of what the follower has not reached yet here, in the
        first process, instead of leaving the second core idle while the follower catches up.

        A ticket both take (the follower's chunk in flight when the limit moves) is written twice,
        which the search backends allow (each write replaces the ticket's row)."""
        top = Ticket.objects.aggregate(m=Max("pk"))["m"] or 0
        middle = (self.reached.value + top) // 2
        if top - middle < CHUNK:
            return
        self.limit.value = middle
        _index(engine.backend(), middle, top)

    def finish(self) -> None:
        """Tell the follower every ticket is written; wait for it to index the rest."""
        self.done.set()
        self.process.join()
        if self.process.exitcode != 0:
            raise RuntimeError(f"the demo's search indexer failed (exit code {self.process.exitcode}); "
                               "run `serviceloop reindex` to index the tickets")


NO_LIMIT = 2**62


def can_follow(tickets: int) -> bool:
    """Whether a load of `tickets` indexes in a follower: big enough, and committing batch by batch (inside
    an outer transaction, as in a test, a second process would see none of the rows)."""
    return tickets >= FOLLOW_FROM and not connection.in_atomic_block


_TICKETS = Ticket.objects.order_by("pk").select_related("organization", "contact", "product__product_model")


def _index(backend, last: int, high: int, reached=None) -> int:
    """Index the committed tickets with ids in (last, high], chunk by chunk; the last id indexed."""
    while True:  # bounded: each round moves `last` up, to at most `high`
        with collector_paused():
            batch = list(_TICKETS.filter(pk__gt=last, pk__lte=high).only(*READ)[:CHUNK])
            if not batch:
                return last
            documents = engine.build_documents(batch)
            for document in documents.values():
                # Tokens worked out before the write transaction, as engine.prepare_new_ticket does: on
                # SQLite the lock is then held only while the rows go in, and the writer waits less.
                document["_tokens"] = engine.tokens_of(document)
            with transaction.atomic():
                backend.write(documents)
        last = batch[-1].pk
        if reached is not None:
            reached.value = last


def _follow(done, limit, reached, parent_pid: int, fresh: bool) -> None:
    """The child: index committed tickets chunk by chunk until the parent is done, then the rest."""
    postgres = connection.vendor == "postgresql"
    if fresh and postgres:
        with connection.cursor() as cursor:
            cursor.execute(schema.POSTGRES_GIN_DROP)
    backend = engine.backend()
    last = reached.value = SearchDoc.objects.aggregate(m=Max("ticket_id"))["m"] or 0
    # Bounded: it ends when the parent is done and every ticket is indexed, or when the parent has gone.
    while os.getppid() == parent_pid:
        finished = done.is_set()  # read before the query: a batch committed before `done` is then seen
        before = last
        last = _index(backend, last, limit.value, reached)
        if last == before:
            if finished:
                break
            done.wait(POLL_SECONDS)
    else:  # the parent died: leave the rest to `serviceloop reindex`
        os._exit(1)
    if fresh and postgres:
        with transaction.atomic(), connection.cursor() as cursor:
            schema.postgres_gin_build(cursor)
    reindex(full=False)  # nothing left to index: it finishes the index (FTS5 optimize, ANALYZE)
    connections.close_all()
