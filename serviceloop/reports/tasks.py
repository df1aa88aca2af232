"""Report jobs (ANA-3): each requested report made in the worker, and the daily schedule (Huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task


@db_task(retries=1, retry_delay=300)
def report_generate_task(report_id: int):
    """A report's figures and files: seconds at a million tickets, so never inside a web request."""
    from .services import report_generate

    report_generate(report_id=report_id)


@db_periodic_task(crontab(minute="30"), retries=2, retry_delay=600)
@lock_task("reports-schedule")
def reports_schedule_task():
    """Hourly (three look-ups when there is nothing to do): a draft of the week, month and quarter that have
    just ended, in the service's time zone, whatever the worker's clock; made once, then left alone."""
    from .services import reports_schedule

    return len(reports_schedule())
