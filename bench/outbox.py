"""Outbox benchmark (issue 12): 10,000 deliveries through the real worker loop to real servers on loopback.

Half go to a webhook on the local HTTP recorder (signed JSON), half by email to aiosmtpd (SMTP), all
enqueued first, then sent by N worker threads running outbox.send_all_due — the loop the Huey job runs.
Prints JSON lines: deliveries per second overall and per channel, and checks nothing was sent twice.

Usage:
  .venv/bin/python bench/outbox.py                                      # SQLite in a fresh data directory
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/sl_bench_outbox .venv/bin/python bench/outbox.py
  options: --deliveries 10000  --workers 2  --batch 100

Only 127.0.0.1 is contacted; the loops are bounded by the number of deliveries and --max-seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from figures import emit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--max-seconds", type=float, default=600)
    args = parser.parse_args()

    os.environ.setdefault("SERVICELOOP_DATA_DIR", tempfile.mkdtemp(prefix="sl-bench-outbox-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["JOBS_IMMEDIATE"] = "0"
    if os.environ.get("DATABASE_URL"):
        _create_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    from serviceloop.notifications import outbox
    from serviceloop.notifications.models import Delivery, Webhook
    from serviceloop.notifications.rules import Planned
    from tests.recorders import HttpRecorder, SmtpRecorder

    call_command("migrate", verbosity=0)
    Delivery.objects.all().delete()
    http, smtp = HttpRecorder().start(), SmtpRecorder().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
    settings.NOTIFY_BATCH_SIZE = args.batch
    outbox.request_send = lambda: None  # no after-commit job: the workers below do the sending
    try:
        from serviceloop.customers.models import Organization
        from tests.personas import build_world

        if not Organization.objects.filter(name="华东精密制造有限公司").exists():
            build_world()
        world_ticket = _ticket()
        hook = Webhook(name="bench")
        hook.url, hook.secret = f"{http.url}/hook/bench", "bench-secret"
        hook.save()
        stamp = time.time_ns()
        half = args.deliveries // 2
        planned = [Planned(f"bench:{stamp}:{i}", "created", "webhook", f"webhook:{hook.pk}", world_ticket.pk,
                           "zh-hans", webhook_id=hook.pk, context={"event": "created"}) for i in range(half)]
        planned += [
            Planned(
                f"bench:{stamp}:{i}",
                "replied",
                "email",
                f"customer{i}@example.cn",
                world_ticket.pk,
                "zh-hans",
                context={"reply": "您好，备件已寄出。", "reply_by": "张工"},
            )
            for i in range(args.deliveries - half)
        ]
        started = time.monotonic()
        for start in range(0, len(planned), 1000):
            outbox.enqueue(planned[start:start + 1000])
        enqueue_seconds = time.monotonic() - started
        emit(phase="enqueue", database=connection.vendor, deliveries=len(planned),
             per_second=round(len(planned) / enqueue_seconds))

        reports, errors = [], []

        def worker():
            try:
                reports.append(outbox.send_all_due(max_seconds=args.max_seconds))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker) for _ in range(args.workers)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.monotonic() - started
        sent = sum(r.sent for r in reports)
        webhook_ids = [r.headers["x-serviceloop-delivery"] for r in http.to("/hook/bench")]
        emit(
            phase="send",
            database=connection.vendor,
            workers=args.workers,
            batch=args.batch,
            sent=sent,
            failed=sum(r.failed for r in reports),
            dead=sum(r.dead for r in reports),
            seconds=round(seconds, 1),
            per_second=round(sent / seconds),
            webhooks_received=len(webhook_ids),
            webhooks_unique=len(set(webhook_ids)),
            emails_received=len(smtp.messages),
            errors=errors,
            per_worker=[r.sent for r in reports],
        )
    finally:
        http.stop()
        smtp.stop()


def _ticket():
    from serviceloop.accounts.models import User
    from serviceloop.customers.models import Contact, Organization
    from serviceloop.tickets.services import ticket_create

    org = Organization.objects.get(name="华东精密制造有限公司")
    return ticket_create(
        actor=User.objects.get(username="alice"),
        organization=org,
        title="基准测试工单",
        description="outbox benchmark",
        contact=Contact.objects.filter(organization=org).first(),
    )


def _create_database(url: str) -> None:
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(url)
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


if __name__ == "__main__":
    main()
