"""NUM-1..3: numbers follow the configured pattern, restart each period, widen, never repeat."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from serviceloop.tickets.models import Ticket
from serviceloop.tickets.numbering import PRESETS, NumberPattern, next_number, reserve_block

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAY_1 = datetime(2024, 5, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("YYYYMM-NNN", 1, "202405-001"),
        ("YYYYMM-NNNN", 13, "202405-0013"),
        ("FBYYYYMMDDNNN", 1, "FB20240501001"),
        ("YYYYMMDD-XNNN", 1, "20240501-X001"),
    ],
)
def test_it_formats_each_seed_preset(pattern, value, expected):
    assert pattern in PRESETS
    assert NumberPattern.parse(pattern).format(MAY_1, value) == expected


def test_it_widens_instead_of_overflowing():
    assert NumberPattern.parse("YYYYMM-NNN").format(MAY_1, 1000) == "202405-1000"


def test_it_refuses_a_pattern_without_exactly_one_sequence_run():
    with pytest.raises(ValueError):
        NumberPattern.parse("YYYYMM")
    with pytest.raises(ValueError):
        NumberPattern.parse("NNN-YYYY-NN")


@pytest.mark.django_db
def test_it_restarts_the_sequence_each_period():
    assert next_number("YYYYMM-NNNN", MAY_1) == "202405-0001"
    assert next_number("YYYYMM-NNNN", MAY_1.replace(day=31)) == "202405-0002"
    assert next_number("YYYYMM-NNNN", MAY_1.replace(month=6)) == "202406-0001"
    # A daily pattern restarts every day, and keeps its own counter apart from the monthly one.
    assert next_number("FBYYYYMMDDNNN", MAY_1) == "FB20240501001"
    assert next_number("FBYYYYMMDDNNN", MAY_1.replace(day=2)) == "FB20240502001"


@pytest.mark.django_db
def test_it_uses_the_local_date_of_shanghai_for_the_period():
    # 2024-05-31 17:30 UTC is already 1 June in Shanghai.
    utc = datetime(2024, 5, 31, 17, 30, tzinfo=ZoneInfo("UTC"))
    assert next_number("YYYYMMDD-XNNN", utc) == "20240601-X001"


def test_it_numbers_tickets_with_the_configured_pattern(world, settings):
    settings.TICKET_NUMBER_PATTERN = "FBYYYYMMDDNNN"
    with time_machine.travel(datetime(2026, 5, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        first = world.ticket()
        second = world.ticket()
    assert (first.number, second.number) == ("FB20260501001", "FB20260501002")


def test_a_rolled_back_ticket_gives_its_number_back(world):
    from serviceloop.core.errors import InvalidInput

    first = world.ticket()
    with pytest.raises(InvalidInput):
        world.ticket(title="")  # refused after the number was drawn: the whole transaction rolls back
    second = world.ticket()
    assert int(second.number.rsplit("-", 1)[1]) == int(first.number.rsplit("-", 1)[1]) + 1


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_sixteen_threads_creating_at_once_get_unique_consecutive_numbers():
    from tests.concurrency import all_at_once
    from tests.personas import build_world

    world = build_world()
    per_thread, threads = 5, 16
    all_at_once(world.ticket, threads=threads, times=per_thread)
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == per_thread * threads
    sequence = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert sequence == list(range(1, per_thread * threads + 1))
    assert connection.vendor == "postgresql"


@pytest.mark.django_db
def test_a_reserved_block_is_consecutive_and_the_next_number_follows_it():
    key = NumberPattern.parse("YYYYMM-NNN").period_key(MAY_1)
    with time_machine.travel(MAY_1):
        assert next_number("YYYYMM-NNN") == "202405-001"
        assert reserve_block(key, 500) == 2
        assert reserve_block(key, 1) == 502
        assert next_number("YYYYMM-NNN") == "202405-503"


@pytest.mark.django_db
def test_a_block_of_no_numbers_is_refused():
    with pytest.raises(ValueError):
        reserve_block(NumberPattern.parse("YYYYMM-NNN").period_key(MAY_1), 0)
