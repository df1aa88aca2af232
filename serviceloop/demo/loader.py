"""`serviceloop demo`: Chinese reference data once, then any number of tickets with real histories, fast.

The parts, one module each:

  reference.py  support groups and staff, organisations with contacts and products, models, categories
  faults.py     the fault catalogue per product model: whole cases with their wording and error codes
  texts.py      the other requests, what people write along the way, the ready-made ticket profiles
  mix.py        how often each type, status and channel occurs, how fast people work, when tickets come
  history.py    the generator: each ticket's story as the events tickets/events.py builds (record=False)
  clock.py      the SLA state, pauses, breaches and escalations that story leaves, by the SLA app's maths
  writer.py     ids and numbers reserved (tickets/numbering.py reserve_block), every table written in bulk
  follower.py   a big load's search index, built in a second process while the writer writes

Tickets are not created through `ticket_create`: one call per ticket (permission checks, one INSERT
each, the receivers per event) would take hours for a million. The bulk path skips
`events.recorded` on purpose — no SLA receiver, no outbox rule runs for made-up history, so no mail,
webhook or robot message is queued; the clock is settled once per ticket instead (clock.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from serviceloop.analytics.dims import dims_backfill
from serviceloop.analytics.facts import facts_backfill
from serviceloop.core.bulk import collector_paused
from serviceloop.search.reindex import reindex
from serviceloop.sla.services.clock import ticket_sla_backfill
from serviceloop.sla.services.policies import default_version
from serviceloop.tickets.models import Ticket

from .clock import DemoClock
from .follower import Follower, can_follow
from .history import BATCH_SIZE, TicketGenerator
from .reference import DEMO_PASSWORD, Reference, ensure_reference_data, load_reference
from .writer import BatchWriter

PROGRESS_EVERY = 100_000

__all__ = ["DEMO_PASSWORD", "DemoSummary", "load_demo"]


@dataclass
class DemoSummary:
    """What one run wrote and how long each part took (seconds)."""

    tickets: int = 0
    events: int = 0
    co_handlers: int = 0
    breaches: int = 0
    escalations: int = 0
    pauses: int = 0
    reference_seconds: float = 0.0
    ticket_seconds: float = 0.0
    total_tickets: int = 0
    created_users: list[str] = field(default_factory=list)


def load_demo(*, tickets: int = 300, seed: int = 42, out: Callable[[str], None] | None = None) -> DemoSummary:
    """Create the reference data if missing, then add `tickets` tickets with their histories.

    `out` receives progress lines (the management command passes its stdout).
    """
    say = out or (lambda line: print(line, flush=True))
    summary = DemoSummary()
    started = time.perf_counter()
    summary.created_users = ensure_reference_data()
    reference = load_reference()
    summary.reference_seconds = time.perf_counter() - started
    say(
        f"Reference data ready ({summary.reference_seconds:.1f} s): "
        f"{len(reference.organisations)} organisations, "
        f"{sum(len(u) for u in reference.units.values())} products, {len(reference.users)} staff."
    )

    follower = None
    if tickets > 0:
        if can_follow(tickets):  # the search index is built beside the writer, in a second process
            follower = Follower(fresh=not Ticket.objects.exists())
        started = time.perf_counter()
        try:
            write_tickets(reference, count=tickets, seed=seed, summary=summary, say=say)
        except BaseException:
            if follower is not None:
                follower.process.terminate()
            raise
        summary.ticket_seconds = time.perf_counter() - started
    # Tickets from elsewhere (an import, an older demo) that have no SLA state yet get theirs.
    with transaction.atomic():
        sla_rows = ticket_sla_backfill(settle_past=True)
    if sla_rows:
        say(f"SLA state for {sla_rows:,} more open tickets.")
    if tickets > 0:
        # The demo writes its rows in bulk, past the services' hooks: its tickets are indexed here (or
        # by the follower, meanwhile), and the KPI facts of its resolved tickets computed in bulk.
        started = time.perf_counter()
        facts = facts_backfill()
        dims_backfill()  # the dashboard's counts (ANA-1, ANA-2)
        if follower is not None:
            follower.share()
            follower.finish()
        else:
            reindex(full=False, say=say, every=PROGRESS_EVERY)
        say(f"Search index and {facts:,} KPI facts ready ({time.perf_counter() - started:.1f} s"
            f"{' more; indexed beside the writer' if follower is not None else ''}).")
    summary.total_tickets = Ticket.objects.count()
    rate = summary.tickets / summary.ticket_seconds if summary.ticket_seconds else 0
    say(
        f"Done: {summary.tickets:,} tickets, {summary.events:,} timeline events, {summary.breaches:,} SLA "
        f"breaches, {summary.escalations:,} escalations, {summary.pauses:,} pauses in "
        f"{summary.ticket_seconds:.1f} s ({rate:,.0f} tickets/s); "
        f"{summary.total_tickets:,} tickets in the database."
    )
    if summary.created_users:
        say(f"Logins created (password: {DEMO_PASSWORD}): {', '.join(summary.created_users)}")
    else:
        say(
            f"Demo logins (password: {DEMO_PASSWORD}): agent1, engineer1, supervisor1, director1, customer1 …"
        )
    return summary


def write_tickets(ref: Reference, *, count: int, seed: int, summary: DemoSummary,
                  say: Callable[[str], None]) -> None:
    """Generate and write `count` tickets batch by batch, reporting progress every PROGRESS_EVERY."""
    if not ref.organisations or not ref.users:
        raise RuntimeError("demo reference data is missing; cannot write tickets")
    writer = BatchWriter()
    now = timezone.now()
    clock = DemoClock(default_version(), now=now, director=ref.director, supervisors=ref.supervisors,
                      first_supervisor=ref.first_supervisor)
    generator = TicketGenerator(ref, count=count, seed=seed, now=now, clock=clock)
    started, cpu_started = time.perf_counter(), time.process_time()
    for low in range(0, count, BATCH_SIZE):
        high = min(count, low + BATCH_SIZE)
        with collector_paused():
            batch = writer.write(high - low, lambda ids, next_id, low=low, high=high: generator.batch(
                low, high, ids, next_id), generator.pattern)
        before = summary.tickets
        summary.tickets += len(batch.rows)
        summary.events += len(batch.events)
        summary.co_handlers += len(batch.co_handlers)
        summary.breaches += len(batch.breaches)
        summary.escalations += len(batch.escalations)
        summary.pauses += len(batch.pauses)
        if summary.tickets // PROGRESS_EVERY > before // PROGRESS_EVERY:
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            say(f"  {summary.tickets:>10,} / {count:,} tickets, {summary.events:,} events "
                f"({elapsed:.0f} s, {cpu:.0f} s CPU, {summary.tickets / elapsed:,.0f} tickets/s)")
    if count >= PROGRESS_EVERY:
        writer.finish()
