"""The outbox (NTF-3): every message of every channel as a Delivery row, sent by the worker after commit.

Enqueue: `enqueue(planned)` inserts the rows in the caller's transaction with INSERT … ON CONFLICT DO
NOTHING on (event_key, channel, recipient) — a second enqueue of the same thing is a no-op, a key and not
a hope — and asks for a send once the transaction commits (tasks.send_deliveries); a periodic sweep picks
up whatever that missed (a worker down at the time, a retry falling due). One queued job serves any number
of commits: while a requested send has not started, later commits find its flag and queue nothing more
(`request_send`), so eight clients creating tickets make a few jobs with full batches, not one job each.

Send: `send_due()` claims due rows with one conditional UPDATE (status pending/failed and due → sending,
lease until now + NOTIFY_LEASE_SECONDS, attempts + 1; PostgreSQL skips rows another worker holds, SQLite
serialises writers), so two workers never take one row. It then renders and sends each row through its
channel's transport outside any transaction, and records every attempt and outcome in one short
transaction per batch, fenced by the attempt number: a worker whose lease ran out cannot overwrite what
the next one did. A failure waits NOTIFY_RETRY_BASE_SECONDS × 2^(attempt-1), at most
NOTIFY_RETRY_MAX_SECONDS; after NOTIFY_MAX_ATTEMPTS, or at once when retrying cannot help, it is dead.
A row whose worker died while sending is taken again when its lease ends (at least once: webhooks carry a
stable delivery id, emails a stable Message-ID, and in-app rows are unique per delivery).
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.errors import Conflict

from .models import Channel, Delivery, DeliveryAttempt, DeliveryStatus, Notification
from .rules import Planned
from .templates import TemplateSet
from .transports import Result, Session, prepare_batch, transport_for
from .transports.email import message_id

logger = logging.getLogger(__name__)
ERROR_KEPT = 2000


# --- enqueue ---------------------------------------------------------------------------------------

def enqueue(planned: list[Planned]) -> int:
    """Write the planned deliveries (duplicates ignored) and ask for a send after commit; returns how many
    were planned (a duplicate still counts: insert-or-ignore does not say which rows it skipped)."""
    if not planned:
        return 0
    now = timezone.now()
    rows = []
    for p in planned:
        public_id = uuid.uuid4()
        rows.append(
            Delivery(
                public_id=public_id,
                event_key=p.event_key,
                kind=p.kind,
                channel=p.channel,
                recipient=p.recipient[:254],
                user_id=p.user_id,
                robot_id=p.robot_id,
                webhook_id=p.webhook_id,
                language=p.language,
                ticket_id=p.ticket_id,
                context=p.context,
                next_attempt_at=now,
                created_at=now,
                message_id=message_id(public_id, p.ticket_id) if p.channel == Channel.EMAIL else "",
            )
        )
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    request_send()
    return len(rows)


def request_send() -> None:
    """Schedule one send job when the current transaction commits (at once outside a transaction).

    Registered once per transaction: a sweep that enqueues a thousand messages asks for one job, not a
    thousand. If the transaction rolls back, Django drops the callback and nothing is sent.
    """
    conn = transaction.get_connection()
    if any(entry[1] is _send_after_commit for entry in conn.run_on_commit):
        return
    transaction.on_commit(_send_after_commit)


# Set while a send job is queued and has not started; the job clears it before it claims anything.
SEND_REQUESTED = "notifications:send-requested"


def _send_after_commit() -> None:
    """Queue a send job unless one is queued already and has not started.

    The flag is set before the job is queued and cleared by the job before it claims (`send_started`), so
    a commit that finds it set committed before that job's claim, which therefore takes its rows; a commit
    after the clear queues a job of its own. A flag whose job never got queued (the process died between
    the two) is cleared by the minute's sweep, which sends meanwhile: at worst a minute late, never lost.
    The read comes first because it writes nothing: most commits under load stop there.
    """
    from huey.contrib.djhuey import HUEY

    from .tasks import send_deliveries

    if HUEY.get(SEND_REQUESTED, peek=True) is None and HUEY.put_if_empty(SEND_REQUESTED, "1"):
        send_deliveries()


def send_started() -> None:
    """The job's first step (and the sweep's): commits from now on ask for a job of their own."""
    from huey.contrib.djhuey import HUEY

    HUEY.delete(SEND_REQUESTED)


# --- claim -----------------------------------------------------------------------------------------

def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def release_expired_leases(now: datetime) -> int:
    """Rows whose worker died while sending: due again now (their attempt was counted when claimed)."""
    return Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_until__lt=now).update(
        status=DeliveryStatus.FAILED, next_attempt_at=now, claimed_until=None,
        last_error="the worker stopped while sending (lease expired); sending again")


def claim(*, now: datetime, limit: int) -> list[tuple[int, int]]:
    """Take up to `limit` due rows for this worker: [(id, attempt number)]. One statement, so a row goes to
    one worker only: the UPDATE re-checks the status under the row lock, and PostgreSQL skips rows that
    another worker has locked (FOR UPDATE SKIP LOCKED) instead of waiting for them."""
    table = _q(Delivery._meta.db_table)
    lease = now + timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    sql = (
        f"UPDATE {table} SET status = %s, claimed_until = %s, attempts = attempts + 1 "  # noqa: S608 - names from the model
        f"WHERE id IN (SELECT id FROM {table} WHERE status IN (%s, %s) AND next_attempt_at <= %s "
        f"ORDER BY next_attempt_at LIMIT %s{skip_locked}) AND status IN (%s, %s) RETURNING id, attempts"
    )
    pending, failed = DeliveryStatus.PENDING, DeliveryStatus.FAILED
    with connection.cursor() as cursor:
        cursor.execute(sql, [DeliveryStatus.SENDING, lease, pending, failed, now, limit, pending, failed])
        return [(row[0], row[1]) for row in cursor.fetchall()]


# --- send ------------------------------------------------------------------------------------------

@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    deferred: int = 0
    by_channel: dict = field(default_factory=dict)

    def add(self, other: SendReport) -> None:
        for name in ("claimed", "sent", "failed", "dead", "deferred"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, value in other.by_channel.items():
            self.by_channel[key] = self.by_channel.get(key, 0) + value


def backoff(attempt: int) -> timedelta:
    seconds = settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** max(0, attempt - 1)
    return timedelta(seconds=min(seconds, settings.NOTIFY_RETRY_MAX_SECONDS))


def send_due(*, batch: int | None = None, now: datetime | None = None, release: bool = True) -> SendReport:
    """Claim one batch of due deliveries, send them, record the outcome.

    Call it outside any transaction (the worker does): it talks to other servers, and on SQLite an open
    transaction would hold the whole database's write lock for as long as they take. `release=False`
    skips the expired-lease check, which send_all_due makes once for all its batches.
    """
    now = now or timezone.now()
    if release:
        release_expired_leases(now)
    claimed = dict(claim(now=now, limit=batch or settings.NOTIFY_BATCH_SIZE))
    report = SendReport(claimed=len(claimed))
    if not claimed:
        return report
    rows = list(Delivery.objects.filter(pk__in=claimed).select_related(
        "ticket__organization", "ticket__contact", "ticket__owner", "ticket__group", "ticket__sla", "user",
        "robot", "webhook").order_by("next_attempt_at", "id"))
    session = Session(templates=TemplateSet())
    outcomes = []
    try:
        prepare_batch(rows, session)
        for delivery in rows:
            delivery.attempts = claimed[delivery.pk]
            started = timezone.now()
            clock = time.monotonic()
            try:
                result = transport_for(delivery.channel)(delivery, session)
            except Exception as exc:  # noqa: BLE001 - a bug in one transport must not stop the batch
                logger.exception("delivery %s: the %s transport failed", delivery.pk, delivery.channel)
                result = Result(ok=False, error=f"{type(exc).__name__}: {exc}")
            outcomes.append((delivery, result, started, round((time.monotonic() - clock) * 1000)))
    finally:
        session.close()
        _record(outcomes, report, now)
    return report


def _record(outcomes, report: SendReport, now: datetime) -> None:
    """Write every attempt and outcome of a batch in one short transaction (nothing slow happens in it).

    Each outcome is fenced: it changes its row only while the row is still this worker's claim (status
    sending, the same attempt number). Outcomes of a kind go as one executemany statement, not one ORM
    update each (10,000 deliveries: docs/benchmarks.md); an in-app row is updated on its own, because its
    Notification may be written only if the fence held.
    """
    if not outcomes:
        return
    table = _q(Delivery._meta.db_table)
    fence = "WHERE id = %s AND status = 'sending' AND attempts = %s"
    sent_at = timezone.now()
    sent, failed, dead, deferred, attempts, notifications = [], [], [], [], [], []
    for delivery, result, started, duration in outcomes:
        report.by_channel[delivery.channel] = report.by_channel.get(delivery.channel, 0) + 1
        key = (delivery.pk, delivery.attempts)
        error = result.error[:ERROR_KEPT]
        if result.deferred:
            deferred.append((now + backoff(max(1, delivery.attempts)), error, *key))
            continue
        attempts.append(DeliveryAttempt(
            delivery_id=delivery.pk, number=delivery.attempts, started_at=started, duration_ms=duration,
            ok=result.ok, status_code=result.status_code, response=result.response[:2000], error=error))
        if result.ok:
            sent.append((sent_at, result.subject[:300], result.body, *key, result.rows))
        elif result.permanent or delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            dead.append((error, result.subject[:300], result.body, *key))
        else:
            failed.append((now + backoff(delivery.attempts), error, *key))
    report.sent += len(sent)
    report.failed += len(failed)
    report.dead += len(dead)
    report.deferred += len(deferred)
    with transaction.atomic(), connection.cursor() as cursor:
        plain = [row[:5] for row in sent if not row[5]]
        if plain:
            cursor.executemany(f"UPDATE {table} SET status = 'sent', sent_at = %s, claimed_until = NULL, "  # noqa: S608
                               f"last_error = '', subject = %s, body = %s {fence}", plain)
        for row in (r for r in sent if r[5]):
            cursor.execute(f"UPDATE {table} SET status = 'sent', sent_at = %s, claimed_until = NULL, "  # noqa: S608
                           f"last_error = '', subject = %s, body = %s {fence}", row[:5])
            if cursor.rowcount:
                notifications += row[5]
        if dead:
            cursor.executemany(f"UPDATE {table} SET status = 'dead', claimed_until = NULL, last_error = %s, "  # noqa: S608
                               f"subject = %s, body = %s {fence}", dead)
        if failed:
            cursor.executemany(f"UPDATE {table} SET status = 'failed', claimed_until = NULL, "  # noqa: S608
                               f"next_attempt_at = %s, last_error = %s {fence}", failed)
        if deferred:
            # Not tried at all: the attempt the claim counted is given back.
            cursor.executemany(
                f"UPDATE {table} SET status = 'failed', claimed_until = NULL, "  # noqa: S608
                f"attempts = attempts - 1, next_attempt_at = %s, last_error = %s {fence}",
                deferred,
            )
        DeliveryAttempt.objects.bulk_create(attempts, batch_size=500)
        if notifications:
            Notification.objects.bulk_create(notifications, ignore_conflicts=True)


def send_all_due(*, max_seconds: float = 50.0, batch: int | None = None) -> SendReport:
    """Batches until nothing is due or the time is up (the periodic sweep and the after-commit job).

    A batch that claimed fewer rows than it could took everything due at its claim: rows committed
    since asked for a job of their own (`_send_after_commit`), so no empty claim is needed to stop.
    """
    total = SendReport()
    limit = batch or settings.NOTIFY_BATCH_SIZE
    deadline = time.monotonic() + max_seconds
    release_expired_leases(timezone.now())
    while time.monotonic() < deadline:
        report = send_due(batch=limit, release=False)
        total.add(report)
        if report.claimed < limit:
            break
    return total


# --- resend ----------------------------------------------------------------------------------------

@transaction.atomic
def delivery_resend(*, deliveries, actor=None) -> int:
    """Put failed or dead deliveries back in the queue, due now (the administrators' "resend"). The same
    row is sent again, so a resend never makes a second message for the same event and recipient; one
    that was sent already is refused."""
    ids = [d.pk if hasattr(d, "pk") else int(d) for d in deliveries]
    if not ids:
        return 0
    if Delivery.objects.filter(pk__in=ids, status__in=[DeliveryStatus.SENT, DeliveryStatus.SENDING]).exists():
        raise Conflict(_("Only failed or given-up deliveries can be sent again."))
    changed = Delivery.objects.filter(
        pk__in=ids, status__in=[DeliveryStatus.FAILED, DeliveryStatus.DEAD]
    ).update(status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), attempts=0, claimed_until=None)
    if changed:
        request_send()
    return changed
