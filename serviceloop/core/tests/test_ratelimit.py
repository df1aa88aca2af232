"""Rate-limit counters in the database: fixed windows, counted atomically, shared by every process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from huey.contrib.djhuey import HUEY

from serviceloop.core.models import RateCounter
from serviceloop.core.ratelimit import rate_blocked_until, rate_counters_purge, rate_hit
from serviceloop.core.tasks import rate_counters_purge_task
from tests.concurrency import all_at_once

TEN_MINUTES = timedelta(minutes=10)
NINE_AM = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, the start of a 10-minute window


def hit(key: str = "203.0.113.7", *, scope: str = "test", limit: int = 3, now: datetime = NINE_AM):
    return rate_hit(scope=scope, key=key, limit=limit, window=TEN_MINUTES, now=now)


@pytest.mark.django_db
def test_it_counts_hits_in_a_window_and_refuses_past_the_limit():
    results = [hit() for _ in range(4)]
    assert [r.count for r in results] == [1, 2, 3, 4]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert {r.retry_at for r in results} == {NINE_AM + TEN_MINUTES}
    assert RateCounter.objects.get().count == 4  # one row per key and window, not one per hit


@pytest.mark.django_db
def test_windows_are_fixed_slices_of_time_that_start_afresh():
    assert hit(now=NINE_AM + timedelta(minutes=9, seconds=59)).retry_at == NINE_AM + TEN_MINUTES
    later = hit(now=NINE_AM + TEN_MINUTES)
    assert (later.count, later.retry_at) == (1, NINE_AM + 2 * TEN_MINUTES)


@pytest.mark.django_db
def test_keys_and_scopes_are_counted_apart():
    hit("a")
    hit("a")
    assert hit("b").count == 1
    assert hit("a", scope="other").count == 1
    assert hit("a").count == 3


@pytest.mark.django_db
def test_a_very_long_key_is_cut_rather_than_refused():
    assert hit("x" * 500).count == 1
    assert hit("x" * 500).count == 2


@pytest.mark.django_db
def test_blocked_until_reads_without_counting():
    check = {"scope": "test", "key": "n", "limit": 2, "window": TEN_MINUTES, "now": NINE_AM}
    assert rate_blocked_until(**check) is None
    hit("n")
    assert rate_blocked_until(**check) is None
    hit("n")
    assert rate_blocked_until(**check) == NINE_AM + TEN_MINUTES
    assert rate_blocked_until(**check) == NINE_AM + TEN_MINUTES
    assert RateCounter.objects.get().count == 2
    assert rate_blocked_until(**{**check, "now": NINE_AM + TEN_MINUTES}) is None


@pytest.mark.django_db
def test_the_clock_decides_the_window_when_no_time_is_given():
    with time_machine.travel(NINE_AM + timedelta(minutes=3), tick=False) as clock:
        rate_hit(scope="test", key="k", limit=1, window=TEN_MINUTES)
        assert not rate_hit(scope="test", key="k", limit=1, window=TEN_MINUTES).allowed
        clock.shift(TEN_MINUTES)
        assert rate_hit(scope="test", key="k", limit=1, window=TEN_MINUTES).allowed


@pytest.mark.django_db
def test_the_purge_deletes_only_finished_windows():
    hit("old", now=NINE_AM)
    hit("current", now=NINE_AM + TEN_MINUTES)
    hourly = rate_hit(scope="test", key="hourly", limit=5, window=timedelta(hours=1), now=NINE_AM)
    assert rate_counters_purge(now=NINE_AM + TEN_MINUTES) == 1
    assert sorted(RateCounter.objects.values_list("key", flat=True)) == ["current", "hourly"]
    assert rate_counters_purge(now=hourly.retry_at) == 2
    assert not RateCounter.objects.exists()


@pytest.mark.django_db
def test_the_purge_runs_as_a_periodic_job():
    hit("old", now=NINE_AM)
    assert rate_counters_purge_task.call_local() == 1
    assert not RateCounter.objects.exists()
    # Scheduled: Huey's consumer runs it every quarter of an hour.
    assert "rate_counters_purge_task" in [t.name for t in HUEY._registry.periodic_tasks]
    assert rate_counters_purge_task.task_class().validate_datetime(datetime(2026, 5, 1, 9, 15))
    assert not rate_counters_purge_task.task_class().validate_datetime(datetime(2026, 5, 1, 9, 7))


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_sixteen_threads_hitting_at_once_lose_no_count():
    per_thread, threads = 10, 16
    counts: list[int] = []
    all_at_once(lambda: counts.append(hit("shared", limit=1000).count), threads=threads, times=per_thread)
    # Every hit saw its own count: no two requests were both "the 5th", none was lost.
    assert sorted(counts) == list(range(1, per_thread * threads + 1))
    assert RateCounter.objects.get(key="shared").count == per_thread * threads
    assert connection.vendor == "postgresql"
