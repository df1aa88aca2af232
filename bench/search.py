"""Search benchmark (issue #14): query latency, recall against LIKE, what indexing costs ticket creation,
index size and the full reindex time, on SQLite (default) or PostgreSQL (DATABASE_URL). Prints JSON lines.

  1. top the database up to each size with `serviceloop demo` (its tickets are indexed as they are loaded)
  2. `serviceloop reindex` from scratch, timed
  3. p50/p95 of engine.query (first page, best match) for 2- and 4-character Chinese words, error codes,
     serial numbers and mixed queries (a word and a code), each kind 40 different queries taken from the data
  4. recall: 200 sampled Chinese queries (1-4 characters cut from a random ticket's text), each within that
     ticket's organisation, every page of the engine's answer against Django's __contains (LIKE) over the
     same fields — must be 100 %
  5. create throughput through POST /api/v1/tickets (a contact on the ticket, Django's test client in this
     process) with the search receivers connected vs disconnected, alternating rounds (a loaded machine
     affects both sides alike): the ratio of the medians
  6. index size: the search tables (and the FTS5 shadow tables) against the whole database

Usage:
  .venv/bin/python bench/search.py --sizes 100000,1000000            # SQLite in /tmp/sl-bench-search
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/sl_search .venv/bin/python bench/search.py --sizes 100000
  options: --data-dir DIR  --queries 40  --recall 200  --create-rounds 4  --creates 200  --skip-reindex
           --parts queries,recall,create,size
Every loop is bounded; nothing but the local database is touched.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

from figures import emit, manage, percentile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--data-dir", default="/tmp/sl-bench-search")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--recall", type=int, default=200)
    parser.add_argument("--create-rounds", type=int, default=4)
    parser.add_argument("--creates", type=int, default=200)
    parser.add_argument("--skip-reindex", action="store_true")
    parser.add_argument("--parts", default="queries,recall,create,size",
                        help="which measurements to make after the reindex, comma-separated")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if "DATABASE_URL" not in os.environ:
        Path(args.data_dir).mkdir(parents=True, exist_ok=True)
        os.environ["SERVICELOOP_DATA_DIR"] = args.data_dir
    manage("migrate", "--noinput")
    import django

    django.setup()
    from django.db import connection

    from serviceloop.tickets.models import Ticket

    emit(
        database=connection.vendor,
        note="machine shared with other helpers' work: compare ratios, not absolutes",
    )
    for size in [int(s) for s in args.sizes.split(",")]:
        have = Ticket.objects.count()
        if have < size:
            started = time.perf_counter()
            manage("demo", "--tickets", str(size - have))
            emit(size=size, phase="demo top-up (includes indexing the new tickets)", tickets=size - have,
                 seconds=round(time.perf_counter() - started, 1))
        connection.close()
        if not args.skip_reindex:
            started = time.perf_counter()
            out = manage("reindex")
            emit(
                size=size,
                phase="reindex (full, from an empty index)",
                seconds=round(time.perf_counter() - started, 1),
                last_line=out.strip().splitlines()[-1],
            )
        connection.close()
        measure(size, args)


def _samples(rng, n):
    """Queries taken from the data: Chinese words of 2 and 4 characters, error codes, serials, mixed."""
    from django.db.models import Max

    from serviceloop.assets.models import CustomerProduct
    from serviceloop.search import text
    from serviceloop.tickets.models import Ticket

    top = Ticket.objects.aggregate(m=Max("pk"))["m"]
    rows = []
    while len(rows) < n * 4:
        pk = rng.randint(1, top)
        row = (
            Ticket.objects.filter(pk__gte=pk)
            .order_by("pk")
            .values("pk", "title", "description", "error_code", "organization_id")
            .first()
        )
        if row:
            rows.append(row)

    def cut(value, length):
        runs = [r for is_cjk, r in text._split(value) if is_cjk and len(r) >= length]
        if not runs:
            return None
        run = rng.choice(runs)
        start = rng.randint(0, len(run) - length)
        return run[start:start + length]

    two = [w for w in (cut(r["title"] + r["description"], 2) for r in rows) if w][:n]
    four = [w for w in (cut(r["title"] + r["description"], 4) for r in rows) if w][:n]
    codes = [r["error_code"].split()[0] for r in rows if r["error_code"].strip()][:n]
    serial_top = CustomerProduct.objects.aggregate(m=Max("pk"))["m"] or 0
    serials = []
    for _ in range(n * 3):
        found = CustomerProduct.objects.filter(pk__gte=rng.randint(1, serial_top)).order_by("pk").values_list(
            "serial_number", flat=True).first()
        if found and Ticket.objects.filter(product__serial_number=found).exists():
            serials.append(found)
        if len(serials) == n:
            break
    mixed = [f"{w} {c}" for w, c in zip(two, codes, strict=False)][:n]
    return {"chinese_2": two, "chinese_4": four, "error_code": codes, "serial": serials, "mixed": mixed}, rows


def measure(size: int, args) -> None:
    from django.db import connection

    from serviceloop.accounts.models import User
    from serviceloop.search import engine

    rng = random.Random(size)
    user = User.objects.filter(is_active=True, organization__isnull=True, is_superuser=False).filter(
        username="supervisor1").first() or User.objects.filter(is_superuser=True).first()
    parts = set(args.parts.split(","))
    samples, rows = _samples(rng, args.queries)
    engine.query(user, "电源")  # warm the connection and the page cache a little
    for kind, queries in samples.items() if "queries" in parts else ():
        times, cpu, empty = [], [], 0
        for q in queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            results = engine.query(user, q)
            times.append((time.perf_counter() - started) * 1000)
            # This process's CPU: on SQLite the database works in-process, so this is the query's own cost,
            # what it would take on an idle machine; wall time includes waiting for a CPU on a loaded one.
            cpu.append((time.process_time() - started_cpu) * 1000)
            empty += not results.hits
        if times:
            emit(
                size=size,
                phase="query",
                kind=kind,
                queries=len(times),
                p50_ms=round(statistics.median(times), 1),
                p95_ms=round(percentile(times, 95), 1),
                max_ms=round(max(times), 1),
                cpu_p95_ms=round(percentile(cpu, 95), 1),
                without_hits=empty,
                examples=queries[:3],
            )
        for order in (engine.Order.DATE,):
            times = []
            for q in queries[:10]:
                started = time.perf_counter()
                engine.query(user, q, order=order)
                times.append((time.perf_counter() - started) * 1000)
            if times:
                emit(size=size, phase="query", kind=kind, order=order, p95_ms=round(percentile(times, 95), 1))
    if "recall" in parts:
        recall(size, args, user, rows, rng)
    if "create" in parts:
        create_cost(size, args)
    if "size" in parts:
        index_size(size, connection)


def _like(query: str, organization_id: int) -> set[int]:
    from django.db.models import Q

    from serviceloop.search.engine import BODY_FIELDS, REPLY_KINDS
    from serviceloop.tickets.choices import EventKind
    from serviceloop.tickets.models import Ticket, TicketEvent

    fields = ("title", "error_code", *BODY_FIELDS, "organization__name", "contact__name", "contact__phone",
              "product__serial_number", "product__product_model__name", "product__product_model__code")
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__contains": query})
    base = Ticket.objects.filter(organization_id=organization_id)
    found = set(base.filter(condition).values_list("pk", flat=True))
    found |= set(TicketEvent.objects.filter(ticket__organization_id=organization_id, is_public=True,
                                            kind__in=(*REPLY_KINDS, EventKind.STATUS), body__contains=query)
                 .values_list("ticket_id", flat=True))
    return found


def recall(size, args, user, rows, rng) -> None:
    from django.db.models import Max

    from serviceloop.search import engine, text
    from serviceloop.tickets.models import Ticket

    top = Ticket.objects.aggregate(m=Max("pk"))["m"]
    rows = list(rows)
    for _ in range(args.recall * 3):  # enough sampled tickets for args.recall queries
        if len(rows) >= args.recall * 1.5:
            break
        row = Ticket.objects.filter(pk__gte=rng.randint(1, top)).order_by("pk").values(
            "pk", "title", "description", "error_code", "organization_id").first()
        if row:
            rows.append(row)

    checked = missed = extra = expected_total = 0
    started = time.perf_counter()
    for row in rows:
        if checked >= args.recall:
            break
        runs = [r for is_cjk, r in text._split(row["title"] + " " + row["description"]) if is_cjk]
        if not runs:
            continue
        run = rng.choice(runs)
        length = min(len(run), rng.randint(1, 4))
        start = rng.randint(0, len(run) - length)
        q = run[start:start + length]
        expected = _like(q, row["organization_id"])
        found, cursor = set(), None
        for _page in range(10_000):
            page = engine.query(
                user, q, engine.Filters(organization_id=row["organization_id"]), cursor=cursor, limit=100
            )
            found |= {h.ticket.pk for h in page.hits}
            cursor = page.next_cursor
            if cursor is None:
                break
        checked += 1
        expected_total += len(expected)
        missed += len(expected - found)
        extra += len(found - expected)
    emit(
        size=size,
        phase="recall vs LIKE",
        queries=checked,
        expected_hits=expected_total,
        missed=missed,
        extra=extra,
        recall_pct=round(100 * (expected_total - missed) / expected_total, 3) if expected_total else None,
        seconds=round(time.perf_counter() - started, 1),
    )


def create_cost(size, args) -> None:
    """The team's create path, in this process: POST /api/v1/tickets with a bearer token and a contact on
    the ticket (middleware, authentication, JSON, ticket_create, the receivers), through Django's test
    client, so the search receivers can be disconnected round by round."""
    from django.test import Client

    from bench.api import ticket_body
    from serviceloop.accounts.models import User
    from serviceloop.accounts.services import token_create
    from serviceloop.customers.models import Contact
    from serviceloop.search import receivers
    from serviceloop.tickets import events
    from serviceloop.tickets import services as tickets

    actor = User.objects.filter(username="agent1").first() or User.objects.filter(is_superuser=True).first()
    contact = Contact.objects.filter(organization__isnull=False).order_by("pk").first()
    raw = token_create(user=actor, name="bench-search")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    cpu_ms = {"indexed": [], "not indexed": []}
    offset = [0]

    def round_of(n, mode=None):
        started, started_cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            offset[0] += 1
            body = ticket_body(contact.organization_id, offset[0], contact.pk)
            answer = client.post("/api/v1/tickets", body, content_type="application/json")
            if answer.status_code != 201:
                raise SystemExit(f"create failed: {answer.status_code} {answer.content[:300]!r}")
        if mode:
            cpu_ms[mode].append((time.process_time() - started_cpu) * 1000 / n)
        return n / (time.perf_counter() - started)

    rates = {"indexed": [], "not indexed": []}
    round_of(20)
    for r in range(args.create_rounds):
        for mode in (("indexed", "not indexed") if r % 2 == 0 else ("not indexed", "indexed")):
            if mode == "not indexed":
                tickets.creating.disconnect(receivers.ticket_creating)
                events.recorded.disconnect(receivers.ticket_event_recorded)
            try:
                rates[mode].append(round_of(args.creates, mode))
            finally:
                tickets.creating.connect(receivers.ticket_creating)
                events.recorded.connect(receivers.ticket_event_recorded)
    on, off = statistics.median(rates["indexed"]), statistics.median(rates["not indexed"])
    cpu_on, cpu_off = statistics.median(cpu_ms["indexed"]), statistics.median(cpu_ms["not indexed"])
    # CPU of this process per create (on SQLite the database's work is in it too): steadier than the
    # rate on a shared machine. On PostgreSQL the server's own CPU is not in it.
    emit(size=size, phase="create throughput (POST /api/v1/tickets with a contact, one process, sequential)",
         indexed_per_s=round(on, 1), not_indexed_per_s=round(off, 1), cost_pct=round(100 * (1 - on / off), 1),
         cpu_ms_per_create={"indexed": round(cpu_on, 2), "not indexed": round(cpu_off, 2)},
         cpu_cost_pct=round(100 * (cpu_on / cpu_off - 1), 1),
         rounds={k: [round(v, 1) for v in vs] for k, vs in rates.items()})


def index_size(size, connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            try:
                cursor.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
                sizes = dict(cursor.fetchall())
            except Exception as exc:  # dbstat is compiled into most SQLite builds, not all
                emit(size=size, phase="index size", error=str(exc))
                return
            search = sum(v for k, v in sizes.items() if k.startswith("search_")
                         or k.startswith("sqlite_autoindex_search_"))
            total = sum(sizes.values())
        else:
            cursor.execute(
                "SELECT pg_total_relation_size('search_searchdoc'), pg_relation_size('search_searchdoc'), "
                "pg_relation_size('search_searchdoc_tokens'), pg_database_size(current_database())"
            )
            search, _heap, gin, total = cursor.fetchone()
            emit(size=size, phase="index size detail", gin_mb=round(gin / 2**20, 1))
    emit(
        size=size,
        phase="index size",
        search_mb=round(search / 2**20, 1),
        database_mb=round(total / 2**20, 1),
        share_pct=round(100 * search / total, 1),
    )


if __name__ == "__main__":
    main()
