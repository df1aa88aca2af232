"""Background jobs of notifications: email delivery, retried when the mail server fails."""

from django.core.mail import send_mail
from django.utils import timezone
from huey.contrib.djhuey import db_task

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
