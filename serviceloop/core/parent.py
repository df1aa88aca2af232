"""A child process that must not outlive its parent: the job worker started by `serviceloop run`.

Killed with SIGKILL, `serviceloop run` cannot stop its worker; left alone, that worker keeps
consuming, and the next start adds a second consumer beside it (issue #9). Two guards:

* Linux's parent-death signal (prctl PR_SET_PDEATHSIG): the kernel sends SIGTERM to the worker the
  moment the parent's thread that started it ends, however it ends;
* a watcher thread on the worker's side that polls the parent pid, for kernels or platforms
  without prctl and for a parent that died before prctl was set.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading
import time

logger = logging.getLogger(__name__)
PARENT_PID_ENV = "SERVICELOOP_PARENT_PID"
PR_SET_PDEATHSIG = 1
POLL_SECONDS = 1.0


def _set_death_signal(sig: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except OSError:
        return False


def _parent_gone(parent_pid: int) -> bool:
    return os.getppid() != parent_pid


def _stop() -> None:
    logger.warning("The process that started this worker has gone; stopping.")
    os.kill(os.getpid(), signal.SIGTERM)


def _watch(parent_pid: int) -> None:
    while not _parent_gone(parent_pid):
        time.sleep(POLL_SECONDS)
    _stop()


def die_with_parent() -> None:
    """When started by a parent that named itself (SERVICELOOP_PARENT_PID), end with that parent."""
    value = os.environ.get(PARENT_PID_ENV, "")
    if not value.isdigit():
        return
    parent_pid = int(value)
    _set_death_signal(signal.SIGTERM)
    if _parent_gone(parent_pid):  # it died before the signal was set: nobody would send it now
        sys.exit(0)
    threading.Thread(target=_watch, args=(parent_pid,), name="parent-watch", daemon=True).start()


def child_environment() -> dict[str, str]:
    """The environment for a child that must end with this process."""
    return {**os.environ, PARENT_PID_ENV: str(os.getpid())}
