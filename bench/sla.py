"""SLA benchmark: sweeps over a large database, and the speed of the deadline maths. Prints JSON lines.

  (a) a sweep when nothing is due (target < 50 ms), with 1,000,000 tickets of which 100,000 are open
  (b) a sweep with 1,000 due acknowledgements (target < 2 s): claims, escalations, breaches, notifications
  (c) deadline computations per second (target ≥ 20,000): the ticket path (targets + calendar + maths)

A calendar change over open tickets (issue #11.3: recompute time, ticket-create p95 meanwhile) is
bench/sla_calendar.py.

Usage (the database is filled with `serviceloop demo` up to --tickets if it holds fewer):
  .venv/bin/python bench/sla.py --data-dir /tmp/sl-bench-sqlite
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/sl_bench .venv/bin/python bench/sla.py
Every loop is bounded in count; the script touches only its own database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from figures import emit, percentile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    database = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    data_dir = args.data_dir or f"/tmp/sl-bench-{database}"  # noqa: S108 - a bench scratch folder
    os.environ["SERVICELOOP_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env = {**os.environ}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], env=env, check=True)

    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.models import Max
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from serviceloop.sla import deadlines
    from serviceloop.sla.models import Escalation, TicketSLA
    from serviceloop.sla.services.calendars import working_calendar
    from serviceloop.sla.services.clock import deadline_after
    from serviceloop.sla.services.policies import default_version
    from serviceloop.sla.services.sweep import sla_sweep
    from serviceloop.tickets.choices import OPEN_STATUSES
    from serviceloop.tickets.models import Ticket

    have = Ticket.objects.aggregate(n=Max("id"))["n"] or 0
    if have < args.tickets:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "demo", "--tickets", str(args.tickets - have)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        emit(bench="topup", tickets=args.tickets, seconds=round(time.perf_counter() - started, 1))

    # The demo keeps ~6 % of tickets open; the target is stated for 100,000 open of 1,000,000, so
    # move enough of the newest finished tickets back into progress (a bench database only).
    open_now = Ticket.objects.filter(status__in=OPEN_STATUSES).count()
    if open_now < args.open:
        reopen = list(Ticket.objects.exclude(status__in=OPEN_STATUSES).order_by("-id")
                      .values_list("id", flat=True)[: args.open - open_now])
        for i in range(0, len(reopen), 5000):
            Ticket.objects.filter(id__in=reopen[i:i + 5000]).update(status="in_progress", resolved_at=None,
                                                                    closed_at=None)
        emit(bench="reopened for the bench", tickets=len(reopen))

    # Give up to --open open tickets an SLA row whose deadlines are all in the future: the state of a
    # healthy service desk. One INSERT … SELECT, so the set-up stays fast at any size.
    version = default_version()
    now = timezone.now()
    TicketSLA.objects.all().delete()
    open_ids = list(Ticket.objects.filter(status__in=OPEN_STATUSES).order_by("-id")
                    .values_list("id", flat=True)[: args.open])
    rows = [TicketSLA(ticket_id=tid, version=version, started_at=now, resolution_due=now + timedelta(days=30),
                      resolution_deadline=now + timedelta(days=30), next_update_due=now + timedelta(days=1),
                      director_due=now + timedelta(days=31)) for tid in open_ids]
    with transaction.atomic():
        TicketSLA.objects.bulk_create(rows, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE sla_ticketsla")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    emit(bench="setup", database=database, tickets=Ticket.objects.count(), open_with_sla=len(rows))

    # (a) nothing due
    timings, queries = [], 0
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = sla_sweep(now=now)
            timings.append((time.perf_counter() - started) * 1000)
        assert result.total == 0, result
        queries = len(captured)
    emit(
        bench="sweep, nothing due",
        database=database,
        runs=args.runs,
        p50_ms=round(statistics.median(timings), 2),
        p95_ms=round(percentile(timings, 95), 2),
        queries=queries,
        target_ms=50,
    )

    # (b) N acknowledgements overdue
    due_ids = open_ids[: args.due]
    TicketSLA.objects.filter(ticket_id__in=due_ids).update(acknowledge_due=now - timedelta(minutes=5))
    before = Escalation.objects.count()
    started = time.perf_counter()
    result = sla_sweep(now=now, batch=args.due)
    seconds = time.perf_counter() - started
    made = Escalation.objects.count() - before
    emit(
        bench="sweep, due acknowledgements",
        database=database,
        due=args.due,
        escalations=made,
        seconds=round(seconds, 3),
        per_escalation_ms=round(seconds * 1000 / max(made, 1), 2),
        target_s=2,
    )
    assert made == args.due, (made, result)
    again = sla_sweep(now=now)
    emit(bench="sweep again (exactly once)", database=database, escalations=again.acknowledge_escalations)

    # (c) deadline computations: the ticket path's maths for the default policy
    cal = working_calendar(version.calendar_id)
    targets = list(version.targets.all())
    start = now.replace(hour=2)
    count = 50_000
    started = time.perf_counter()
    for i in range(count):
        target = targets[i % len(targets)]
        deadline_after(start + timedelta(minutes=(i * 37) % 20000), target, cal, [])
    per_second = count / (time.perf_counter() - started)
    emit(bench="deadline computations", database=database, computations=count, per_second=round(per_second),
         target_per_second=20_000, units=sorted({t.unit for t in targets}))
    # and the pure business-minutes maths alone
    started = time.perf_counter()
    for i in range(count):
        deadlines.add_business_minutes(start + timedelta(minutes=i % 5000), 240, cal)
    emit(bench="add_business_minutes(240)", per_second=round(count / (time.perf_counter() - started)))


if __name__ == "__main__":
    main()
