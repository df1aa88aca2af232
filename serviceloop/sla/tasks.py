"""SLA background jobs: the sweep, every minute; the confirmation sweep (CSAT-3), every five minutes."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from .confirmation import confirmation_sweep
from .services.clock import organization_sla_recompute
from .services.sweep import sla_sweep


@db_periodic_task(crontab(minute="*"), retries=2, retry_delay=10)
@lock_task("sla-sweep")
def sla_sweep_task():
    """Claim-based, so overlapping sweeps on several workers would be safe; the lock just saves work."""
    return sla_sweep().total


@db_task(retries=3, retry_delay=30)
def organization_sla_recompute_task(organization_id: int) -> int:
    """A customer's tier or contract level changed: their open tickets follow the new targets (SLA-1)."""
    return organization_sla_recompute(organization_id=organization_id)


@db_periodic_task(crontab(minute="*/5"), retries=2, retry_delay=30)
@lock_task("confirmation-sweep")
def confirmation_sweep_task():
    """CSAT-3: the due reminders and auto-closes; claim-based (safe on two workers), the lock saves work."""
    result = confirmation_sweep()
    return result.closed + result.reminded


@db_task(retries=3, retry_delay=30)
def calendar_sla_recompute_task(calendar_id: int, since: str, until: str | None = None) -> int:
    """A calendar's days or hours changed (issue #11.3): the open tickets it can move follow, in chunks.
    Dates as ISO strings (the queue stores JSON-ready arguments). Safe to run twice or on two workers."""
    from datetime import date

    from .services.clock import calendar_sla_recompute

    return calendar_sla_recompute(calendar_id=calendar_id, since=date.fromisoformat(since),
                                  until=date.fromisoformat(until) if until else None)
