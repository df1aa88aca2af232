"""Background jobs of notifications: the outbox's sender (after each commit) and its sweep (every minute)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

# --- the outbox ----------------------------------------------------------------------------------

@db_task()
def send_deliveries() -> None:
    """Send what is due (queued after the commit of whatever enqueued it). Not retried by Huey: a failed
    delivery has its own retry time, and the periodic sweep below takes it then."""
    from .outbox import send_all_due, send_started

    send_started()
    send_all_due()


@db_periodic_task(crontab(minute="*"))
def sweep_deliveries() -> None:
    """Every minute: retries that fell due, and anything whose after-commit job was lost (its flag too)."""
    from .outbox import send_all_due, send_started

    send_started()
    send_all_due()
