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
        """Fork the follower; `fresh`: the database had no tickets (PostgreSQL: build the GIN index at the end).

        The connections are closed first, so the child opens its own and never shares a socket or
        SQLite handle with its parent (the parent reopens on its next query)."""
        context = multiprocessing.get_context("fork")
        self.done = context.Event()
        connections.close_all()
        self.process = context.Process(target=_follow, args=(self.done, os.getpid(), fresh), daemon=True,
                                       name="demo-search-follower")
        self.process.start()

    def finish(self) -> None:
        """Tell the follower every ticket is written; wait for it to index the rest."""
        self.done.set()
        self.process.join()
        if self.process.exitcode != 0:
            raise RuntimeError(f"the demo's search indexer failed (exit code {self.process.exitcode}); "
                               "run `serviceloop reindex` to index the tickets")


def can_follow(tickets: int) -> bool:
    """Whether a load of `tickets` indexes in a follower: big enough, and committing batch by batch (inside
    an outer transaction, as in a test, a second process would see none of the rows)."""
    return tickets >= FOLLOW_FROM and not connection.in_atomic_block


def _follow(done, parent_pid: int, fresh: bool) -> None:
    """The child: index committed tickets chunk by chunk until the parent is done, then the rest."""
    postgres = connection.vendor == "postgresql"
    if fresh and postgres:
        with connection.cursor() as cursor:
            cursor.execute(schema.POSTGRES_GIN_DROP)
    backend = engine.backend()
    last = SearchDoc.objects.aggregate(m=Max("ticket_id"))["m"] or 0
    tickets = Ticket.objects.order_by("pk").select_related("organization", "contact", "product__product_model")
    # Bounded: it ends when the parent is done and every ticket is indexed, or when the parent has gone.
    while os.getppid() == parent_pid:
        finished = done.is_set()  # read before the query: a batch committed before `done` is then seen
        batch = list(tickets.filter(pk__gt=last).only(*READ)[:CHUNK])
        if not batch:
            if finished:
                break
            done.wait(POLL_SECONDS)
            continue
        documents = engine.build_documents(batch)
        for document in documents.values():
            # Tokens worked out before the write transaction, as engine.prepare_new_ticket does: on SQLite
            # the lock is then held only while the rows go in, and the writer's next batch waits less.
            document["_tokens"] = engine.tokens_of(document)
        with transaction.atomic():
            backend.write(documents)
        last = batch[-1].pk
    else:  # the parent died: leave the rest to `serviceloop reindex`
        os._exit(1)
    if fresh and postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            cursor.execute(schema.POSTGRES_GIN_CREATE)
    reindex(full=False)  # nothing left to index: it finishes the index (FTS5 optimize, ANALYZE)
    connections.close_all()
