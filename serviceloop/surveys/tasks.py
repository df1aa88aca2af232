"""Survey jobs: invitations due and the one reminder, every minute (Huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services import surveys_remind, surveys_send_due


@db_periodic_task(crontab(minute="*"), retries=2, retry_delay=10)
@lock_task("surveys-send")
def surveys_send_task():
    """Claim-based (surveys/services.py), so two workers never send one survey twice; the lock saves work."""
    return surveys_send_due() + surveys_remind()
