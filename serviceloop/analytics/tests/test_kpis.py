"""KPIs (CSAT-4, ANA-5) on a small fixture made through the real services, with every figure worked out by
hand below; the facts the hooks keep equal the facts the backfill computes; the API and the page."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from serviceloop.accounts.models import Team
from serviceloop.analytics.facts import facts_backfill
from serviceloop.analytics.models import TicketFact
from serviceloop.analytics.selectors import kpis
from serviceloop.core.errors import Forbidden
from serviceloop.surveys import services as surveys
from serviceloop.surveys.models import Survey
from serviceloop.tickets import services as tickets
from tests.personas import resolve_ticket

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MON = datetime(2026, 3, 2, 9, 0, tzinfo=SH)  # a Monday, working day
MARCH = (datetime(2026, 3, 1, tzinfo=SH), datetime(2026, 4, 1, tzinfo=SH))


def _ticket(world, clock, at, owner, group):
    clock.move_to(at)
    ticket = world.ticket(contact=world.contact_a)
    tickets.ticket_assign(ticket=ticket, actor=world.alice, owner=owner, group=group)
    tickets.ticket_transition(ticket=ticket, actor=owner, to_status="in_progress")
    return ticket


def _reply(ticket, actor, clock, at):
    clock.move_to(at)
    tickets.ticket_add_reply(ticket=ticket, actor=actor, body="已安排处理")


def _resolve(ticket, actor, clock, at):
    clock.move_to(at)
    return resolve_ticket(ticket, actor)


def _survey(ticket, clock, at, *, overall=None):
    clock.move_to(at)
    surveys.surveys_send_due(now=at)
    survey = Survey.objects.get(ticket=ticket, sent_at__isnull=False, answered_at__isnull=True)
    if overall is not None:
        surveys.survey_answer(survey=survey, overall=overall, satisfaction=overall)


@pytest.fixture
def fixture(world):
    """eric (硬件组) and alice (软件组), tickets created in March 2026 (Asia/Shanghai):

    E1  09:00 → one reply → resolved 10:00 (60 min); survey 5.                   FCR, SLA met
    E2  09:00 → two replies → resolved 11:00 (120 min); survey sent, unanswered. not FCR (2 replies), SLA met
    E3  09:00 → resolved 09:30; survey 2 → reopened (second processing) → resolved
        again 23 March 09:00 (21 days after creation: 30,240 min); no 2nd survey.
                                                                        → not FCR (reopened), SLA missed
    A1  09:00 → resolved 13:00 (240 min); no survey.                             FCR, SLA met
    A2  2 February → resolved 10 minutes later: outside the period.
    A3  31 March 23:00 → resolved 23:50 (50 min), the period's last hour.        FCR, SLA met
    """
    hw = Team.objects.create(name="硬件组", supervisor=world.sam)
    sw = Team.objects.create(name="软件组", supervisor=world.sam)
    eric, alice = world.eric, world.alice
    with time_machine.travel(MON, tick=False) as clock:
        e1 = _ticket(world, clock, MON, eric, hw)
        _reply(e1, eric, clock, MON + timedelta(minutes=10))
        _resolve(e1, eric, clock, MON + timedelta(minutes=60))
        e2 = _ticket(world, clock, MON, eric, hw)
        _reply(e2, eric, clock, MON + timedelta(minutes=10))
        _reply(e2, eric, clock, MON + timedelta(minutes=50))
        _resolve(e2, eric, clock, MON + timedelta(minutes=120))
        e3 = _ticket(world, clock, MON, eric, hw)
        _resolve(e3, eric, clock, MON + timedelta(minutes=30))
        a1 = _ticket(world, clock, MON, alice, sw)
        _resolve(a1, alice, clock, MON + timedelta(minutes=240))
        Survey.objects.filter(ticket=a1).delete()  # A1's survey never goes out
        next_day = MON + timedelta(days=2)
        _survey(e1, clock, next_day, overall=5)
        _survey(e2, clock, next_day)
        _survey(e3, clock, next_day, overall=2)  # reopens e3 (second processing)
        tickets.ticket_transition(ticket=e3, actor=eric, to_status="in_progress")
        _resolve(e3, eric, clock, MON + timedelta(days=21))
        feb = datetime(2026, 2, 2, 9, 0, tzinfo=SH)
        a2 = _ticket(world, clock, feb, alice, sw)
        _resolve(a2, alice, clock, feb + timedelta(minutes=10))
        late = datetime(2026, 3, 31, 23, 0, tzinfo=SH)
        a3 = _ticket(world, clock, late, alice, sw)
        _resolve(a3, alice, clock, late + timedelta(minutes=50))
    return {"E1": e1, "E2": e2, "E3": e3, "A1": a1, "A2": a2, "A3": a3, "hw": hw, "sw": sw}


def test_the_figures_per_engineer_match_the_ones_worked_out_by_hand(world, fixture):
    rows = {r.name: r for r in kpis(user=world.sam, start=MARCH[0], end=MARCH[1], by="engineer")}
    assert set(rows) == {"Eric", "Alice"}
    eric, alice = rows["Eric"], rows["Alice"]
    # eric: E1, E2, E3 resolved in March.
    assert eric.resolved == 3
    assert eric.fcr_rate == pytest.approx(1 / 3)                # E1 only (E2: two replies, E3: reopened)
    assert eric.mean_resolution_minutes == pytest.approx(10140)  # (60 + 120 + 30240) / 3 = 30420 / 3
    assert eric.p90_resolution_minutes == 30240  # n = 3, rank ⌈0.9·3⌉ = 3: the largest
    assert eric.sla_met_rate == pytest.approx(2 / 3)  # E1, E2 met; E3 resolved 21 days after reopening
    assert eric.csat_average == pytest.approx(3.5)              # (5 + 2) / 2: E1 and E3 answered
    assert eric.csat_response_rate == pytest.approx(2 / 3)      # 3 surveyed (E1, E2, E3), 2 answered
    assert eric.reopen_rate == pytest.approx(1 / 3)             # E3
    # alice: A1 and A3 (A2 was resolved in February).
    assert alice.resolved == 2
    assert alice.fcr_rate == 1.0                                # 2 / 2
    assert alice.mean_resolution_minutes == pytest.approx(145)  # (240 + 50) / 2
    assert alice.p90_resolution_minutes == 240                  # n = 2, rank ⌈1.8⌉ = 2
    assert alice.sla_met_rate == 1.0                            # 2 / 2
    assert alice.csat_average is None and alice.csat_response_rate is None  # nothing surveyed
    assert alice.reopen_rate == 0.0                             # 0 / 2
    assert [r.name for r in kpis(user=world.sam, start=MARCH[0], end=MARCH[1])] == ["Eric", "Alice"]


def test_the_figures_per_group_and_for_february(world, fixture):
    rows = {r.name: r for r in kpis(user=world.sam, start=MARCH[0], end=MARCH[1], by="group")}
    assert (rows["硬件组"].resolved, rows["软件组"].resolved) == (3, 2)
    assert rows["硬件组"].p90_resolution_minutes == 30240 and rows["软件组"].mean_resolution_minutes == 145
    feb = kpis(user=world.sam, start=datetime(2026, 2, 1, tzinfo=SH), end=MARCH[0], by="group")
    assert [(r.name, r.resolved, r.mean_resolution_minutes) for r in feb] == [("软件组", 1, 10.0)]


def test_the_facts_kept_by_the_hooks_equal_the_facts_the_backfill_computes(world, fixture):
    kept = {f["ticket_id"]: f for f in TicketFact.objects.values()}
    assert len(kept) == 6
    assert kept[fixture["E3"].pk]["reopen_count"] == 1 and kept[fixture["E3"].pk]["csat"] == 2
    TicketFact.objects.all().delete()
    assert facts_backfill(batch=2) == 6
    rebuilt = {f["ticket_id"]: f for f in TicketFact.objects.values()}
    strip = ("updated_at",)
    assert ({k: {c: v for c, v in f.items() if c not in strip} for k, f in kept.items()}
            == {k: {c: v for c, v in f.items() if c not in strip} for k, f in rebuilt.items()})


def test_a_period_costs_a_fixed_number_of_queries(world, fixture):
    with CaptureQueriesContext(connection) as one:
        kpis(user=world.sam, start=MARCH[0], end=MARCH[1])
    assert len(one) <= 4  # the GROUP BY, the p90 window query, the names (+ the permission look-up)


def test_engineers_and_customers_may_not_see_kpis(world, fixture):
    for who in ("eric", "alice", "carol"):
        with pytest.raises(Forbidden):
            kpis(user=world.users[who], start=MARCH[0], end=MARCH[1])


def test_the_api_answers_per_group_for_a_period_and_refuses_bad_periods(world, fixture, api_as):
    sam = api_as("sam")
    body = sam.get("kpis", {"from": "2026-03-01", "to": "2026-03-31", "by": "group"}).json()
    assert body["by"] == "group" and body["start"] == "2026-03-01" and body["end"] == "2026-03-31"
    assert {r["name"]: r["resolved"] for r in body["rows"]} == {"硬件组": 3, "软件组": 2}
    assert sam.get("kpis", {"from": "2026-03-31", "to": "2026-03-01"}).status_code == 422
    assert sam.get("kpis", {"from": "2024-01-01", "to": "2026-03-01"}).status_code == 422
    assert sam.get("kpis", {"by": "everybody"}).status_code == 422
    assert api_as("eric").get("kpis").status_code == 403


def test_the_kpi_page_is_for_supervisors(world, fixture):
    sam = Client()
    sam.force_login(world.sam)
    page = sam.get("/kpis/", {"start": "2026-03-01", "end": "2026-03-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Eric" in html and "Alice" in html and "首次解决率" in html
    assert sam.get("/kpis/", {"start": "2026-03-31", "end": "2026-03-01"}).status_code == 422
    eric = Client()
    eric.force_login(world.eric)
    assert eric.get("/kpis/").status_code == 404


def test_a_reopened_ticket_keeps_its_resolution_and_counts_the_reopening_at_once(world):
    ticket = world.ticket(contact=world.contact_a)
    tickets.ticket_transition(ticket=ticket, actor=world.eric, to_status="in_progress")
    resolve_ticket(ticket, world.eric)
    fact = TicketFact.objects.get(ticket=ticket)
    assert (fact.reopen_count, fact.first_contact) == (0, True)
    tickets.ticket_transition(ticket=ticket, actor=world.carol, to_status="reopened", note="还是不行")
    fact.refresh_from_db()
    assert (fact.reopen_count, fact.first_contact, fact.resolution_minutes is not None) == (1, False, True)
    # Work that never was resolved has no fact, and replies or notes cost the upkeep nothing.
    other = world.ticket()
    with CaptureQueriesContext(connection) as queries:
        tickets.ticket_add_internal_note(ticket=other, actor=world.eric, body="诊断中")
    assert not any("analytics_ticketfact" in q["sql"] for q in queries)
    assert not TicketFact.objects.filter(ticket=other).exists()


def test_the_backfill_command_fills_facts_for_resolved_tickets(world, fixture):
    from io import StringIO

    from django.core.management import call_command

    TicketFact.objects.all().delete()
    out = StringIO()
    call_command("kpi_backfill", "--batch", "4", stdout=out)
    assert "6 ticket facts written" in out.getvalue() and TicketFact.objects.count() == 6
