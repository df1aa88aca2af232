"""Background jobs of notifications: the outbox's sender and its sweep; notify()'s own email job (kept
until its callers move to the outbox)."""

from django.core.mail import send_mail
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .models import Notification


@db_task(retries=5, retry_delay=60)
def send_notification_email(notification_id: int) -> None:
    """Send one notification by email, once: the row is claimed first, in its own short transaction.

    The SMTP conversation happens outside any transaction (on SQLite an open transaction would hold
    the whole database's write lock for as long as the mail server takes). If sending fails, the
    claim is released so Huey's retry sends it.
    """
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now())
    if not claimed:
        return
    row = Notification.objects.select_related("user").get(pk=notification_id)
    try:
        send_mail(row.title, row.body or row.title, None, [row.user.email])
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise


@db_task(retries=5, retry_delay=60)
def send_notification_emails(notification_ids: list[int]) -> None:
    """Send a batch; each email is claimed on its own, so a retry sends only what is still unsent."""
    failures = []
    for notification_id in notification_ids:
        try:
            send_notification_email.call_local(notification_id)
        except OSError as exc:
            failures.append((notification_id, exc))
    if failures:
        # Raising makes Huey retry the whole batch; the ones already sent are skipped by their claim.
        raise OSError(f"{len(failures)} of {len(notification_ids)} emails failed; first: {failures[0][1]}")


# --- the outbox ----------------------------------------------------------------------------------

@db_task()
def send_deliveries() -> None:
    """Send what is due (queued after the commit of whatever enqueued it). Not retried by Huey: a failed
    delivery has its own retry time, and the periodic sweep below takes it then."""
    from .outbox import send_all_due

    send_all_due()


@db_periodic_task(crontab(minute="*"))
def sweep_deliveries() -> None:
    """Every minute: retries that fell due, and anything whose after-commit job was lost."""
    from .outbox import send_all_due

    send_all_due()
