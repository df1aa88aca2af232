"""Dashboard benchmark (issue #15.1–2): the dashboard and distributions pages at a given size, and the cost
the dashboard's roll-up receiver adds to a status change.

On an existing database (a copy of a demo data dir, or DATABASE_URL), in this process (Django test client,
no HTTP server), logged in as a supervisor:

  (a) `dashboard_backfill` (timed) unless --no-backfill;
  (b) GET /dashboard/?start=…&end=… for the month with most tickets created, and for the longest period
      allowed (731 days up to that month's end): p50 / p95 over --reads requests; GET /api/v1/dashboard
      for the month; the month again with at risk / breached counted on every request (no count cache);
  (c) GET /dashboard/distributions/ for that month by category (with the top problems), engineer and
      organisation (the dimensions with most values): p50 / p95;
  (d) a resolution (ticket_resolve: a status event and a resolution event, both counted by the receiver),
      rolled back after each timing, with analytics' dims receiver connected and disconnected, alternating
      call by call on the same tickets so a loaded machine affects both sides alike: p50 / p95 and the delta.

Usage:
  SERVICELOOP_DATA_DIR=/work/bench/wt-dash-1m .venv/bin/python bench/reports_dashboard.py
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_dash_1m .venv/bin/python bench/reports_dashboard.py
  options: --reads 200  --changes 300  --no-backfill
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


def _timed_gets(client, url: str, reads: int) -> dict:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(reads):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    return {
        "reads": reads,
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "max_ms": round(max(times), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--no-backfill", action="store_true")
    args = parser.parse_args()
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
    from serviceloop.analytics.models import DimensionDay
    from serviceloop.analytics.periods import month_of
    from serviceloop.tickets import events
    from serviceloop.tickets.models import RootCause, Ticket
    from serviceloop.tickets.processing import ticket_resolve

    settings.ALLOWED_HOSTS = ["*"]
    database = connection.vendor
    tickets = Ticket.objects.count()
    common = {"database": database, "tickets": tickets}
    if not args.no_backfill:
        started = time.perf_counter()
        out = manage("dashboard_backfill")
        emit(
            bench="dashboard_backfill",
            **common,
            result=out.strip(),
            load_average=os.getloadavg()[0],
            seconds=round(time.perf_counter() - started, 1),
        )
    busiest = (
        DimensionDay.objects.filter(dimension="finished")
        .annotate(m=TruncMonth("day"))
        .values("m")
        .annotate(n=Sum("count"))
        .order_by("-n")
        .first()
    )
    first, last = month_of(busiest["m"])
    longest = last - timedelta(days=730)
    supervisor = User.objects.filter(groups__name="supervisor", is_active=True).order_by("id").first()
    client = Client()
    client.force_login(supervisor)
    cases = [
        ("dashboard_page", f"/dashboard/?start={first}&end={last}", "month"),
        ("dashboard_page", f"/dashboard/?start={longest}&end={last}", "731 days"),
        ("dashboard_api", f"/api/v1/dashboard?start={first}&end={last}", "month"),
    ]
    cases += [
        (
            "distributions_page",
            f"/dashboard/distributions/?start={first}&end={last}&dimension={d}",
            f"month by {d}",
        )
        for d in ("category", "engineer", "organization")
    ]
    for bench, url, period in cases:
        emit(
            bench=bench,
            **common,
            period=period,
            start=str(first),
            created_in_month=busiest["n"],
            count_cache_seconds=settings.LIST_COUNT_CACHE_SECONDS,
            **_timed_gets(client, url, args.reads),
            load_average=os.getloadavg()[0],
        )
    # At risk and breached counted on every request (LIST_COUNT_CACHE_SECONDS=0), as after each expiry.
    kept, settings.LIST_COUNT_CACHE_SECONDS = settings.LIST_COUNT_CACHE_SECONDS, 0
    emit(
        bench="dashboard_page",
        **common,
        period="month",
        start=str(first),
        count_cache_seconds=0,
        **_timed_gets(client, cases[0][1], args.reads),
        load_average=os.getloadavg()[0],
    )
    settings.LIST_COUNT_CACHE_SECONDS = kept

    # (d) the receiver's cost on a resolution, alternating on/off.
    ids = list(
        Ticket.objects.filter(status="in_progress", owner__isnull=False)
        .order_by("-id")
        .values_list("pk", flat=True)[: args.changes]
    )
    timings = {"with_receiver": [], "without_receiver": []}
    cause = RootCause.objects.filter(children__isnull=True, is_active=True).order_by("pk").first()
    for i, pk in enumerate(ids * 2):
        on = i % 2 == 0
        if not on:
            events.recorded.disconnect(analytics.ticket_dims_event)
        try:
            ticket = Ticket.objects.select_related("owner").get(pk=pk)
            try:
                with transaction.atomic():
                    t0 = time.perf_counter()
                    ticket_resolve(
                        ticket=ticket,
                        actor=ticket.owner,
                        root_cause=cause,
                        customer_result="已更换电源模块，设备恢复正常。",
                    )
                    timings["with_receiver" if on else "without_receiver"].append(
                        (time.perf_counter() - t0) * 1000
                    )
                    raise _Rollback
            except _Rollback:
                pass
        finally:
            events.recorded.connect(analytics.ticket_dims_event)
    with_p95 = percentile(timings["with_receiver"], 95)
    without_p95 = percentile(timings["without_receiver"], 95)
    emit(
        bench="status_change",
        **common,
        change="in_progress → resolved",
        changes=len(timings["with_receiver"]),
        load_average=os.getloadavg()[0],
        with_receiver_p50_ms=round(percentile(timings["with_receiver"], 50), 2),
        with_receiver_p95_ms=round(with_p95, 2),
        without_receiver_p50_ms=round(percentile(timings["without_receiver"], 50), 2),
        without_receiver_p95_ms=round(without_p95, 2),
        p95_delta_ms=round(with_p95 - without_p95, 2),
    )


if __name__ == "__main__":
    main()
