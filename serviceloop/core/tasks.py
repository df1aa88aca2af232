"""Core background jobs: housekeeping of the rate-limit counters."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from . import ratelimit


@db_periodic_task(crontab(minute="*/15"), retries=2, retry_delay=60)
@lock_task("rate-counter-purge")
def rate_counters_purge_task():
    """Counters of finished windows decide nothing any more; without this they would pile up forever."""
    return ratelimit.rate_counters_purge()
