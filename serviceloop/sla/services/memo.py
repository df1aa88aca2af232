"""Look-ups shared by every row of one sweep, per thread: the compensation rules, the first active
supervisor and director. A sweep handles up to thousands of rows; reading these once per row would
double its queries. Outside a sweep nothing is remembered and each call reads afresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
_sweep = threading.local()


@contextmanager
def shared_lookups() -> Iterator[None]:
    """While the block runs (one sweep), `remembered` keeps what it read in this thread."""
    _sweep.value = {}
    try:
        yield
    finally:
        _sweep.value = None


def remembered(key, load: Callable[[], T]) -> T:
    """`load()` once per sweep for `key` (None included); every time outside a sweep."""
    memo = getattr(_sweep, "value", None)
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]
