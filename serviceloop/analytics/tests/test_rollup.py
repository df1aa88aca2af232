"""The KPI roll-up (issue #13.6): it always equals the sums of the facts, whatever changed them; the p90 read
through its histogram is the exact nearest-rank p90 of the facts; the page costs a fixed number of queries."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from serviceloop.analytics.facts import facts_backfill
from serviceloop.analytics.models import KpiDay, KpiMinutes, TicketFact
from serviceloop.analytics.rollup import ROLLUP_FIELDS, _day_figures, minutes_bucket, rollup_rebuild
from serviceloop.analytics.selectors import kpis
from serviceloop.tickets import services as tickets
from tests.personas import resolve_ticket

from .test_kpis import MARCH, SH, fixture  # noqa: F401 - the hand-worked fixture

pytestmark = pytest.mark.django_db
FIGURES = ("resolved", "first_contact", "minutes_sum", "sla_measured", "sla_met", "csat_sum", "csat_answered",
           "surveyed", "reopened")


def _expected_from_facts() -> tuple[dict, Counter]:
    """What the roll-up must hold, summed here in Python from the facts."""
    days: dict = defaultdict(lambda: [0] * len(FIGURES))
    buckets: Counter = Counter()
    for fact in TicketFact.objects.values(*ROLLUP_FIELDS):
        key = (fact["resolved_day"], fact["owner_id"] or 0, fact["group_id"] or 0)
        days[key] = [a + b for a, b in zip(days[key], _day_figures(fact), strict=True)]
        buckets[(False, *key, fact["resolution_bucket"])] += 1
        buckets[(True, key[0].replace(day=1), *key[1:], fact["resolution_bucket"])] += 1
    return {k: tuple(v) for k, v in days.items()}, buckets


def _roll_up() -> tuple[dict, Counter]:
    days = {(r[0], r[1], r[2]): tuple(r[3:]) for r in
            KpiDay.objects.values_list("day", "owner_id", "group_id", *FIGURES) if any(r[3:])}
    buckets = Counter({tuple(r[:5]): r[5] for r in KpiMinutes.objects.values_list(
        "month", "day", "owner_id", "group_id", "bucket", "count") if r[5]})
    return days, buckets


def test_the_roll_up_equals_the_facts_after_resolves_reopens_surveys_and_backfill(world, fixture):  # noqa: F811
    assert _roll_up() == _expected_from_facts()
    assert sum(KpiDay.objects.values_list("resolved", flat=True)) == 6
    # E1 is reopened (leaves FCR, counts a reopening) and resolved again by alice in April: its contribution
    # moves to another day, owner and month; E3 is reopened a second time (no figure changes).
    e1, e3 = fixture["E1"], fixture["E3"]
    with time_machine.travel(datetime(2026, 4, 3, 9, 0, tzinfo=SH), tick=False):
        tickets.ticket_transition(ticket=e1, actor=world.carol, to_status="reopened", note="又坏了")
        assert _roll_up() == _expected_from_facts()
        tickets.ticket_assign(ticket=e1, actor=world.sam, owner=world.alice, group=fixture["sw"])
        tickets.ticket_transition(ticket=e1, actor=world.alice, to_status="in_progress")
        resolve_ticket(e1, world.alice)
        tickets.ticket_transition(ticket=e3, actor=world.carol, to_status="reopened", note="还是不行")
    kept = _expected_from_facts()
    assert _roll_up() == kept
    assert kept[0][(date(2026, 4, 3), world.alice.pk, fixture["sw"].pk)][:1] == (1,)
    # The backfill recomputes the facts and rebuilds the roll-up to the same figures, and it mends a
    # roll-up it finds wrong.
    KpiDay.objects.update(resolved=99)
    KpiMinutes.objects.all().delete()
    facts_backfill(batch=2)
    assert _roll_up() == _expected_from_facts()


def test_the_kpi_backfill_command_rebuilds_the_roll_up(world, fixture):  # noqa: F811
    from io import StringIO

    from django.core.management import call_command

    before = _roll_up()
    KpiDay.objects.all().delete()
    KpiMinutes.objects.all().delete()
    call_command("kpi_backfill", stdout=StringIO())
    assert _roll_up() == before


def test_buckets_are_ordered_ranges_of_minutes_exact_below_sixteen():
    assert [minutes_bucket(m) for m in range(16)] == list(range(16))
    previous = 15
    for m in range(16, 70_000):
        b = minutes_bucket(m)
        assert previous <= b <= previous + 1  # non-decreasing, no bucket skipped
        previous = b
    lower = {}
    for m in range(16, 70_000):
        lower.setdefault(minutes_bucket(m), m)
    widths = Counter(minutes_bucket(m) for m in range(16, 70_000))
    assert all(widths[b] <= lower[b] / 8 for b in lower if b < minutes_bucket(69_999))  # ≤ 1/8 of its start
    assert minutes_bucket(2**31 - 1) == 231


def _nearest_rank_p90(values: list[int]) -> int:
    ordered = sorted(values)
    return ordered[(9 * len(ordered) + 9) // 10 - 1]


def test_the_p90_through_the_histogram_is_the_exact_p90_of_the_facts_for_any_whole_days(world):
    """80 resolved tickets with resolution times over six orders of magnitude and many sharing a bucket,
    by two owners and nobody, over February and March: every period's figures equal the ones computed
    from the facts by brute force, whole months (month rows), parts of months (day rows) and both."""
    rng = random.Random(13)
    owners = [world.eric.pk, world.alice.pk, None]
    ticket_ids = [world.ticket(contact=world.contact_a).pk for _ in range(80)]
    tz = ZoneInfo(settings.TIME_ZONE)
    facts = []
    for pk in ticket_ids:
        day = date(2026, 2, 1) + timedelta(days=rng.randrange(59))
        minutes = rng.choice([rng.randrange(0, 20), rng.randrange(4000, 4600), rng.randrange(10, 200_000)])
        resolved = datetime(day.year, day.month, day.day, rng.randrange(24), tzinfo=tz)
        facts.append(
            TicketFact(
                ticket_id=pk,
                owner_id=rng.choice(owners),
                group_id=None,
                organization_id=1,
                ticket_type="problem",
                created_at=resolved - timedelta(minutes=minutes),
                resolved_at=resolved,
                resolution_minutes=minutes,
                sla_met=rng.choice([True, None]),
                first_contact=rng.random() < 0.5,
                csat=rng.choice([None, 3, 5]),
                surveys_sent=1,
                resolved_day=day,
                resolution_bucket=minutes_bucket(minutes),
            )
        )
    TicketFact.objects.bulk_create(facts)
    rollup_rebuild()
    periods = [(date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 2, 15), date(2026, 3, 10)),
               (date(2026, 2, 1), date(2026, 3, 31)), (date(2026, 2, 20), date(2026, 2, 20)),
               (date(2026, 2, 1), date(2026, 3, 5))]
    for first, last in periods:
        start = datetime(first.year, first.month, first.day, tzinfo=tz)
        end = datetime(last.year, last.month, last.day, tzinfo=tz) + timedelta(days=1)
        rows = {r.key: r for r in kpis(user=world.sam, start=start, end=end)}
        inside = [f for f in facts if first <= f.resolved_day <= last]
        assert set(rows) == {f.owner_id for f in inside}
        for key, row in rows.items():
            mine = [f for f in inside if f.owner_id == key]
            assert row.resolved == len(mine)
            assert row.p90_resolution_minutes == _nearest_rank_p90([f.resolution_minutes for f in mine])
            mean = sum(f.resolution_minutes for f in mine) / len(mine)
            assert row.mean_resolution_minutes == pytest.approx(mean)
            assert row.fcr_rate == pytest.approx(sum(f.first_contact for f in mine) / len(mine))


def test_a_period_must_be_whole_local_days(world):
    with pytest.raises(ValueError, match="whole local days"):
        kpis(user=world.sam, start=MARCH[0] + timedelta(hours=1), end=MARCH[1])


def test_the_kpi_page_costs_the_same_queries_however_many_tickets(world, fixture):  # noqa: F811
    sam = Client()
    sam.force_login(world.sam)
    url = "/kpis/?start=2026-03-01&end=2026-03-31"
    sam.get(url)
    with CaptureQueriesContext(connection) as small:
        assert sam.get(url).status_code == 200
    with time_machine.travel(datetime(2026, 3, 20, 9, 0, tzinfo=SH), tick=False):
        for _ in range(5):
            ticket = world.ticket(contact=world.contact_a)
            tickets.ticket_transition(ticket=ticket, actor=world.eric, to_status="in_progress")
            resolve_ticket(ticket, world.eric)
    with CaptureQueriesContext(connection) as bigger:
        assert sam.get(url).status_code == 200
    kpi_queries = [q for q in bigger if "analytics_" in q["sql"]]
    assert len(kpi_queries) == 2  # the KpiDay GROUP BY and the p90 statement; no fact read per ticket
    assert len(bigger) == len(small) == 6  # session, user, permissions, the two above, the names


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_resolutions_at_once_into_the_same_day_and_person_all_count():
    import threading

    from tests.concurrency import all_at_once
    from tests.personas import build_world

    world = build_world()
    pending = []
    for _ in range(8):
        ticket = world.ticket(contact=world.contact_a)
        tickets.ticket_transition(ticket=ticket, actor=world.eric, to_status="in_progress")
        pending.append(ticket.pk)
    lock = threading.Lock()

    def resolve_one():
        from serviceloop.tickets.models import Ticket

        with lock:
            pk = pending.pop()
        resolve_ticket(Ticket.objects.get(pk=pk), world.eric)

    all_at_once(resolve_one, threads=4, times=2)
    assert _roll_up() == _expected_from_facts()
    assert sum(KpiDay.objects.values_list("resolved", flat=True)) == 8
