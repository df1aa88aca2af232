"""Inbound email jobs (Huey): fetch every mailbox every minute; retry failed messages when due."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from . import services


@db_periodic_task(crontab(minute="*"), retries=0)
@lock_task("mail-fetch")
def mail_fetch_task() -> int:
    """Each run works for at most 50 s, so runs never pile up; the mailbox lease guards other workers."""
    return services.mailboxes_fetch(time_budget=50)


@db_periodic_task(crontab(minute="*"), retries=0)
@lock_task("mail-retry")
def mail_retry_task() -> int:
    return services.inbound_messages_retry_due()


@db_task(retries=0)
def mailbox_fetch_task(mailbox_id: int) -> int:
    """An administrator's "fetch now" (admin action): one mailbox until empty, at most 5 minutes."""
    from .models import Mailbox

    mailbox = Mailbox.objects.filter(pk=mailbox_id, is_active=True).first()
    if mailbox is None:
        return 0
    return sum(r.fetched for r in services.mailbox_fetch_until_empty(mailbox=mailbox, time_budget=300))
