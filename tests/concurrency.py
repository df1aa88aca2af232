"""Run one piece of work from many threads at once, for the tests that prove nothing is lost or doubled."""

from __future__ import annotations

import threading

from django.db import connections


def all_at_once(work, *, threads: int, times: int) -> None:
    """`work()` `times` times in each of `threads` threads, all released together by a barrier.

    Each thread has its own database connection (closed at the end); the first error any thread
    raised is raised here, so a failing thread fails the test.
    """
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def run():
        try:
            barrier.wait(timeout=30)
            for _ in range(times):
                work()
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not errors, errors
