"""KPI benchmark (issue #13.6): the supervisors' KPI page for one month, and the upkeep's cost on a status
change.

For each size (default 100,000 then 1,000,000 tickets) the database is topped up with `serviceloop demo`, the
stored facts are filled by `kpi_backfill` (timed), then, in this process (Django test client, no HTTP server):

  (a) GET /kpis/?start=…&end=… (one month, all engineers) and the same per group: p50 / p95 over --reads
      requests, logged in as a supervisor; the month is the demo's busiest month of resolutions; then a
      period of two partial months (the 2nd to the next month's 28th), the roll-up's slowest shape;
  (b) a status change in_progress → resolved (ticket_transition, rolled back after each timing) with the
      hooks' receivers as in production and with analytics' receiver disconnected, alternating call by call
      on the same tickets, so a loaded machine affects both sides alike: p50 / p95 of each and the p95 delta.

Usage:
  .venv/bin/python bench/kpi.py                                     # SQLite in /tmp/sl-bench-kpi-sqlite
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/sl_kpi .venv/bin/python bench/kpi.py
  options: --sizes 100000,1000000  --reads 200  --changes 300  --data-dir DIR  --no-backfill
Prints one JSON line per figure. Every loop is bounded; nothing but the local database is contacted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

from figures import emit, manage, percentile

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


class _Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--data-dir", default="/tmp/sl-bench-kpi-sqlite")
    parser.add_argument("--no-backfill", action="store_true",
                        help="reuse the stored facts and roll-up (a second run on the same database)")
    args = parser.parse_args()
    os.environ.setdefault("SERVICELOOP_DATA_DIR", args.data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    manage("migrate", "--noinput")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.db.models import Sum
    from django.db.models.functions import TruncMonth
    from django.test import Client

    from serviceloop.accounts.models import User
    from serviceloop.analytics import receivers as analytics
    from serviceloop.analytics.models import KpiDay
    from serviceloop.analytics.periods import month_of
    from serviceloop.tickets import events
    from serviceloop.tickets.models import RootCause, Ticket
    from serviceloop.tickets.processing import ticket_resolve

    settings.ALLOWED_HOSTS = ["*"]
    database = connection.vendor
    for size in [int(s) for s in args.sizes.split(",") if s]:
        have = Ticket.objects.count()
        if have < size:
            started = time.perf_counter()
            manage("demo", "--tickets", str(size - have))
            emit(
                bench="demo",
                database=database,
                added=size - have,
                seconds=round(time.perf_counter() - started, 1),
            )
        if not args.no_backfill:
            started = time.perf_counter()
            out = manage("kpi_backfill")
            emit(bench="kpi_backfill", database=database, tickets=Ticket.objects.count(), result=out.strip(),
                 load_average=os.getloadavg()[0],
                 seconds=round(time.perf_counter() - started, 1))
        busiest = (KpiDay.objects.annotate(m=TruncMonth("day")).values("m").annotate(n=Sum("resolved"))
                   .order_by("-n").first())
        first, last = month_of(busiest["m"])
        supervisor = User.objects.filter(groups__name="supervisor", is_active=True).order_by("id").first()
        client = Client()
        client.force_login(supervisor)
        # The month whole (the roll-up's month rows), per engineer and per group; then the roll-up's worst
        # case, a period of two months: the 2nd of the month to the 28th of the next covers no month whole,
        # so the p90's histogram is read from ~57 days of day rows.
        cases = [(first, last, "engineer"), (first, last, "group"),
                 (first.replace(day=2), (last + timedelta(days=1)).replace(day=28), "engineer")]
        for since, until, by in cases:
            url = f"/kpis/?start={since}&end={until}&by={by}"
            assert client.get(url).status_code == 200
            times = []
            for _ in range(args.reads):
                t0 = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
            emit(bench="kpi_page", database=database, tickets=Ticket.objects.count(), start=str(since),
                 end=str(until), resolved_in_month=busiest["n"], by=by, reads=args.reads,
                 p50_ms=round(percentile(times, 50), 1), p95_ms=round(percentile(times, 95), 1),
                 max_ms=round(max(times), 1), load_average=os.getloadavg()[0])

        # (b) the upkeep's cost on a status change, alternating on/off.
        ids = list(Ticket.objects.filter(status="in_progress", owner__isnull=False)
                   .order_by("-id").values_list("pk", flat=True)[:args.changes])
        timings = {"with_upkeep": [], "without_upkeep": []}
        # Resolving is the change the upkeep works hardest on; a leaf of the seeded root-cause tree.
        cause = RootCause.objects.filter(children__isnull=True, is_active=True).order_by("pk").first()
        for i, pk in enumerate(ids * 2):
            on = i % 2 == 0
            if not on:
                events.recorded.disconnect(analytics.ticket_event_recorded)
            try:
                ticket = Ticket.objects.select_related("owner").get(pk=pk)
                try:
                    with transaction.atomic():
                        t0 = time.perf_counter()
                        ticket_resolve(ticket=ticket, actor=ticket.owner, root_cause=cause,
                                       customer_result="已更换电源模块，设备恢复正常。")
                        timings["with_upkeep" if on else "without_upkeep"].append(
                            (time.perf_counter() - t0) * 1000
                        )
                        raise _Rollback
                except _Rollback:
                    pass
            finally:
                events.recorded.connect(analytics.ticket_event_recorded)
        with_p95, without_p95 = (
            percentile(timings["with_upkeep"], 95),
            percentile(timings["without_upkeep"], 95),
        )
        emit(
            bench="status_change",
            database=database,
            tickets=Ticket.objects.count(),
            changes=len(timings["with_upkeep"]),
            load_average=os.getloadavg()[0],
            with_upkeep_p50_ms=round(percentile(timings["with_upkeep"], 50), 2),
            with_upkeep_p95_ms=round(with_p95, 2),
            without_upkeep_p50_ms=round(percentile(timings["without_upkeep"], 50), 2),
            without_upkeep_p95_ms=round(without_p95, 2),
            p95_delta_ms=round(with_p95 - without_p95, 2),
        )


if __name__ == "__main__":
    main()
