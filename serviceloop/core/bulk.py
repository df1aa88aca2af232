"""Bulk loops (the demo's writer, the search index, the KPI facts): one batch at a time without the
cyclic garbage collector.

A batch of 2,000 tickets makes some 10,000 token sets and far more dicts and lists, all freed by
reference counting when the batch ends. While they are alive, every automatic collection walks them
again (a set is traversed entry by entry): measured 2026-12-04 on 3,000 demo tickets, the search
tokenizer took 0.31 ms per ticket with the collector on and 0.15 ms with it paused. Pausing it for one
bounded batch keeps that work out; the first allocation after the batch starts a collection that finds
any cycle the batch did leave.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def collector_paused():
    """Run one bounded batch with the cyclic collector off (as it was before, afterwards)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
