"""Calendar-change benchmark (issue #11.3): N open tickets, one working day becomes a company holiday.

  (a) the recompute job (sla/services/clock.py calendar_sla_recompute, what the worker runs) over every
      open ticket the change can move: seconds, tickets moved (each one timeline event)
  (b) ticket creation (tickets.services.ticket_create, in this process) while the job runs in another
      process, as the worker would: p50 / p95 ms (target p95 < 25 ms), against the same measured before
  (c) the job run a second time: moves nothing

PostgreSQL only (SKIP LOCKED and the bulk set-up are PostgreSQL's); the database is the bench's own:
  createdb -h 127.0.0.1 -U postgres sl_cal_bench
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/sl_cal_bench .venv/bin/python bench/sla_calendar.py
Prints JSON lines. Every loop is bounded; the script touches only its own database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from figures import emit, percentile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RECOMPUTE = """
import json, sys, time
from datetime import date
import django
django.setup()
from serviceloop.sla.services.clock import calendar_sla_recompute
started = time.perf_counter()
moved = calendar_sla_recompute(calendar_id=int(sys.argv[1]), since=date.fromisoformat(sys.argv[2]),
                               until=date.fromisoformat(sys.argv[2]))
print(json.dumps({"moved": moved, "seconds": round(time.perf_counter() - started, 2)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=300, help="creates measured before the change")
    parser.add_argument("--max-creates", type=int, default=20_000, help="bound on creates while the job runs")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("PostgreSQL only: set DATABASE_URL to the bench's own database")
    os.environ.setdefault("SERVICELOOP_DATA_DIR", tempfile.mkdtemp(prefix="sl-cal-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env = {**os.environ}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], env=env, check=True)

    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from serviceloop.accounts.models import User
    from serviceloop.accounts.roles import Role
    from serviceloop.accounts.services import user_create
    from serviceloop.customers.models import Organization
    from serviceloop.sla.calendar import WorkingCalendar
    from serviceloop.sla.models import CalendarDay, TicketSLA
    from serviceloop.sla.services.calendars import clear_calendar_cache, default_calendar
    from serviceloop.sla.services.clock import calendar_sla_recompute
    from serviceloop.tickets.choices import OPEN_STATUSES
    from serviceloop.tickets.models import Ticket, TicketEvent
    from serviceloop.tickets.services import ticket_create

    calendar = default_calendar()
    CalendarDay.objects.filter(calendar=calendar, name="bench holiday").delete()
    clear_calendar_cache()
    actor = User.objects.filter(username="bench-agent").first() or user_create(
        username="bench-agent", password="bench-password-9x", role=Role.AGENT, check_password=False)
    org = Organization.objects.filter(name="基准测试客户").first() or Organization.objects.create(
        name="基准测试客户"
    )

    def create(i: int) -> float:
        started = time.perf_counter()
        ticket_create(actor=actor, organization=org, title=f"基准工单 {i}", description="设备无法开机")
        return (time.perf_counter() - started) * 1000

    # Set-up: one real ticket, copied in SQL to --open open tickets with the same (correct) deadlines.
    template = Ticket.objects.get(pk=ticket_create(actor=actor, organization=org, title="基准模板",
                                                   description="模板").pk)
    have = Ticket.objects.filter(number__startswith="BENCH-", status__in=OPEN_STATUSES).count()
    missing = args.open - have
    if missing > 0:
        columns = [f.column for f in Ticket._meta.concrete_fields if f.column not in ("id", "number")]
        cols = ", ".join(f'"{c}"' for c in columns)
        sla_cols = [f.column for f in TicketSLA._meta.concrete_fields if f.column != "ticket_id"]
        scols = ", ".join(f'"{c}"' for c in sla_cols)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"""INSERT INTO {Ticket._meta.db_table} (number, {cols})
                               SELECT 'BENCH-' || (g + %s), {cols} FROM {Ticket._meta.db_table} t,
                                      generate_series(1, %s) g WHERE t.id = %s""",  # noqa: S608 - model columns
                           [have, missing, template.pk])
            cursor.execute(f"""INSERT INTO {TicketSLA._meta.db_table} (ticket_id, {scols})
                               SELECT t.id, {", ".join(f's."{c}"' for c in sla_cols)}
                               FROM {Ticket._meta.db_table} t, {TicketSLA._meta.db_table} s
                               WHERE s.ticket_id = %s AND t.number LIKE 'BENCH-%%'
                               ON CONFLICT (ticket_id) DO NOTHING""", [template.pk])  # noqa: S608 - model columns
            cursor.execute(f"ANALYZE {Ticket._meta.db_table}; ANALYZE {TicketSLA._meta.db_table}")
        emit(
            bench="setup",
            open_tickets=args.open,
            copied=missing,
            seconds=round(time.perf_counter() - started, 1),
        )
    sla = TicketSLA.objects.get(ticket=template)

    # The day: the first working day after today, before every copied ticket's resolution deadline.
    cal = WorkingCalendar()
    day = timezone.localdate() + timedelta(days=1)
    while not cal.is_working_day(day):
        day += timedelta(days=1)
    assert timezone.localtime(sla.resolution_due).date() > day, (sla.resolution_due, day)

    baseline = [create(i) for i in range(args.baseline)]
    emit(bench="ticket create, nothing else running", creates=len(baseline),
         p50_ms=round(statistics.median(baseline), 2), p95_ms=round(percentile(baseline, 95), 2))

    from django.db.models import Max

    events_before = TicketEvent.objects.aggregate(n=Max("id"))["n"] or 0
    CalendarDay.objects.create(calendar=calendar, date=day, is_working=False, name="bench holiday")
    job = subprocess.Popen([sys.executable, "-c", RECOMPUTE, str(calendar.pk), day.isoformat()], env=env,
                           stdout=subprocess.PIPE, text=True)
    during = []
    while job.poll() is None and len(during) < args.max_creates:
        during.append(create(len(during)))
    out, _err = job.communicate(timeout=3600)
    result = json.loads(out.strip().splitlines()[-1])
    emit(bench="calendar recompute", open_tickets=args.open, changed_day=day, moved=result["moved"],
         seconds=result["seconds"], tickets_per_second=round(result["moved"] / max(result["seconds"], 0.001)),
         timeline_events=TicketEvent.objects.filter(id__gt=events_before, kind="fields",
                                                    data__has_key="sla_deadline_moved").count())
    emit(bench="ticket create while the recompute runs", creates=len(during),
         p50_ms=round(statistics.median(during), 2), p95_ms=round(percentile(during, 95), 2),
         max_ms=round(max(during), 2), target_p95_ms=25)
    started = time.perf_counter()
    again = calendar_sla_recompute(calendar_id=calendar.pk, since=day, until=day)
    emit(bench="calendar recompute again (nothing left to move)", moved=again,
         seconds=round(time.perf_counter() - started, 2))

    # Leave the database as it was: the day removed, the deadlines moved back (also a recompute).
    CalendarDay.objects.filter(calendar=calendar, name="bench holiday").delete()
    started = time.perf_counter()
    back = calendar_sla_recompute(calendar_id=calendar.pk, since=day, until=day)
    emit(bench="calendar recompute, day removed again (in-process)", moved=back,
         seconds=round(time.perf_counter() - started, 2))


if __name__ == "__main__":
    main()
