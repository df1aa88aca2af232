"""Periodic reports benchmark (issue #15.3–4): a monthly report generated, the whole list exported, the SLA
report of the largest organisation, on an existing data directory (e.g. a copy of the 1,000,000-ticket demo).

Each measurement runs in a child process of its own, as the worker (the report) or a web worker (the export)
would run it, with a thread sampling the child's RssAnon (anonymous resident memory, /proc/PID/status: what
the process itself holds, without the file-backed pages of the database it reads) every 20 ms:

  report   a monthly report of the busiest full month (figures, then 2 XLSX and 2 PDF): seconds for the
           figures, for the files, in all (and the CPU seconds of the process, the fair figure on a shared
           machine); target < 60 s at 1,000,000 tickets;
  csv      the ticket list's export (reports/export.py, view "all", a supervisor) as CSV, every row, written
           to /dev/null in the streamed pieces the web response sends: rows, seconds, peak RssAnon; target
           1,000,000 rows in < 60 s with RssAnon < 250 MB;
  xlsx     the same as XLSX (the streaming writer, into a temporary file as the view does);
  sla      the per-customer SLA report (ANA-4) of the organisation with the most tickets, for that month.

Usage:
  .venv/bin/python bench/reports_periodic.py --data-dir /work/bench/wt-reports-1m      # SQLite
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_reports_1m .venv/bin/python bench/reports_periodic.py
  options: --tasks report,csv,xlsx,sla  --user supervisor1  --max-rows N
Prints one JSON line per measurement. Only the local database is touched (the report's rows and files are
written into the data directory given).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from figures import emit

ROOT = Path(__file__).resolve().parent.parent


def rss_anon_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Peak:
    """The highest RssAnon of this process, sampled every 20 ms by a daemon thread."""

    def __init__(self):
        self.mb = rss_anon_mb()
        self._stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while not self._stop.wait(0.02):
            self.mb = max(self.mb, rss_anon_mb())

    def stop(self) -> float:
        self._stop.set()
        self.mb = max(self.mb, rss_anon_mb())
        return round(self.mb, 1)


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _busiest_month():
    from django.db.models import Count
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    from serviceloop.analytics.periods import month_of
    from serviceloop.tickets.models import Ticket

    this_month = month_of(timezone.localdate())[0]
    rows = (
        Ticket.objects.annotate(m=TruncMonth("created_at")).values("m").annotate(n=Count("id")).order_by("-n")
    )
    for row in rows:
        first = row["m"].date() if hasattr(row["m"], "date") else row["m"]
        if first < this_month:
            return month_of(first), row["n"]
    raise SystemExit("no full month with tickets")


def child(task: str, args) -> None:
    _setup()
    from django.db import connection

    from serviceloop.accounts.models import User
    from serviceloop.tickets.models import Ticket

    vendor = connection.vendor
    tickets = Ticket.objects.count()
    if task == "report":
        from serviceloop.reports import services
        from serviceloop.reports.models import Report

        (first, last), created = _busiest_month()
        Report.objects.filter(kind="monthly", period_start=first).delete()
        report = Report.objects.create(kind="monthly", period_start=first, period_end=last)
        timings = {}
        real = services.report_figures

        def timed(*a, **kw):
            started = time.perf_counter()
            try:
                return real(*a, **kw)
            finally:
                timings["figures_s"] = round(time.perf_counter() - started, 2)

        services.report_figures = timed
        peak = Peak()
        started, cpu = time.perf_counter(), time.process_time()
        report = services.report_generate(report_id=report.pk)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        sizes = {
            f"{lang}.{fmt}": services.report_path(path).stat().st_size
            for lang, files in report.files.items()
            for fmt, path in files.items()
        }
        emit(
            bench="report_monthly",
            db=vendor,
            tickets=tickets,
            month=str(first),
            created_in_month=created,
            resolved_in_month=report.figures["current"]["resolved"],
            seconds=round(seconds, 2),
            files_s=round(seconds - timings["figures_s"], 2),
            **timings,
            rss_anon_mb=peak.stop(),
            bytes=sizes,
            target_s=60,
        )
    elif task in ("csv", "xlsx"):
        from django.utils import translation

        from serviceloop.reports.export import csv_lines, ticket_rows, write_xlsx
        from serviceloop.tickets.selectors import TicketFilters

        user = User.objects.get(username=args.user)
        translation.activate("zh-hans")
        peak = Peak()
        started, cpu = time.perf_counter(), time.process_time()
        rows = ticket_rows(user=user, filters=TicketFilters(), max_rows=args.max_rows)
        count = 0
        if task == "csv":
            with open(os.devnull, "w", encoding="utf-8") as out:
                for piece in csv_lines(rows):
                    count += piece.count("\n")
                    out.write(piece)
            count -= 1  # the header
            size = None
        else:
            counted = iter(rows)

            def counting():
                nonlocal count
                for row in counted:
                    count += 1
                    yield row

            out = write_xlsx(counting(), sheet_name="全部")
            size = out.seek(0, 2)
            out.close()
        emit(
            bench=f"export_{task}",
            db=vendor,
            tickets=tickets,
            rows=count,
            seconds=round(time.perf_counter() - started, 2),
            rss_anon_mb=peak.stop(),
            bytes=size,
            target_s=60,
            target_rss_mb=250,
        )
    elif task == "sla":
        from django.db.models import Count

        from serviceloop.reports.customer_sla import customer_sla, open_items

        (first, last), _n = _busiest_month()
        org_id = (
            Ticket.objects.values("organization_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()["organization_id"]
        )
        staff = User.objects.get(username=args.user)
        times = []
        for _ in range(5):
            started = time.perf_counter()
            report = customer_sla(user=staff, organization_id=org_id, start=first, end=last)
            open_items(organization=report.organization)
            times.append(time.perf_counter() - started)
        emit(
            bench="customer_sla",
            db=vendor,
            tickets=tickets,
            organization_tickets=Ticket.objects.filter(organization_id=org_id).count(),
            month=str(first),
            resolved=report.resolved,
            seconds_median=round(sorted(times)[2], 3),
            seconds_max=round(max(times), 3),
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", default="/work/bench/wt-reports-1m")
    parser.add_argument("--tasks", default="report,csv,xlsx,sla")
    parser.add_argument("--user", default="supervisor1")
    parser.add_argument("--max-rows", type=int, default=1_000_000)
    parser.add_argument("--child", default="")
    args = parser.parse_args()
    os.environ["SERVICELOOP_DATA_DIR"] = args.data_dir
    if args.child:
        child(args.child, args)
        return
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )
    for task in args.tasks.split(","):
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                task,
                "--data-dir",
                args.data_dir,
                "--user",
                args.user,
                "--max-rows",
                str(args.max_rows),
            ],
            cwd=ROOT,
            check=True,
            timeout=900,
        )


if __name__ == "__main__":
    main()
