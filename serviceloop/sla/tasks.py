"""SLA background jobs: the sweep, every minute."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

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
