"""Background-job plumbing: record every job failure where administrators can see it (admin → failed jobs)."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import HUEY
from huey.signals import SIGNAL_ERROR

logger = logging.getLogger(__name__)


@HUEY.signal(SIGNAL_ERROR)
def record_failure(signal, task, exc=None):
    """Huey calls this in the worker after a task raised; Huey itself schedules the retry."""
    from .models import JobFailure

    try:
        JobFailure.objects.create(task=task.name, task_id=str(task.id), arguments=repr(task.args)[:2000],
                                  error=f"{type(exc).__name__}: {exc}"[:5000], retries_left=task.retries or 0)
    except Exception:  # noqa: BLE001 - a broken database must not hide the original failure
        logger.exception("could not record the failure of job %s", task.name)
