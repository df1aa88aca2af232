"""A small month worked out by hand: the periodic report's and the customer SLA report's fixture.

November 2026 (Asia/Shanghai), against October:

| | 硬件类 (电源模块 / itself) | 软件类 | no category | total |
|---|---|---|---|---|
| November | 5 (3 / 2) | 3 | 2 (org_b) | 10 |
| October | 2 (0 / 2) | 1 | 2 | 5 |

The KPI roll-up (KpiDay, written directly) for November: 硬件组 / eric resolved 4, SLA 3 of 4, CSAT 12 from
4 answers, 2 first-contact, 480 minutes, 1 reopened; 软件组 / alice resolved 2, SLA 2 of 2, CSAT 10 from 2,
2 first-contact, 240 minutes. October: 硬件组 / eric resolved 2, SLA 2 of 2, CSAT 8 from 2, 240 minutes.
Surveys answered in November: response speed 2 and 3, solution quality 4 and 5, attitude 5 and 4,
communication 4 (one answer).

For the SLA report of org_a (华东精密制造), facts resolved in November: 30/120 min met, 90/600 missed,
—/300 without an SLA; org_b has one more (never counted for org_a). One resolution breach of org_a's,
owed ¥300; org_b's owes ¥500.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from serviceloop.accounts.models import Team
from serviceloop.analytics.models import KpiDay, TicketFact
from serviceloop.sla.models import Breach, Compensation, CompensationKind, CompensationRule
from serviceloop.surveys.models import Survey
from serviceloop.tickets.models import Category

SH = ZoneInfo("Asia/Shanghai")
NOV = (date(2026, 11, 1), date(2026, 11, 30))


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=SH)


@pytest.fixture
def month(world):
    return build_month(world)


def build_month(world) -> dict:
    """The rows of the module's table (also used by the browser tests, tests/browser/test_reports.py)."""
    software = Category.objects.create(name="软件类")
    hw_team, sw_team = Team.objects.create(name="硬件组"), Team.objects.create(name="软件组")
    plan = [  # (month, day, category, organisation)
        *[(11, 2 + i, world.power, world.org_a) for i in range(3)],
        *[(11, 6 + i, world.hardware, world.org_a) for i in range(2)],
        *[(11, 10 + i, software, world.org_a) for i in range(3)],
        *[(11, 20 + i, None, world.org_b) for i in range(2)],
        *[(10, 5 + i, world.hardware, world.org_a) for i in range(2)],
        (10, 9, software, world.org_a),
        *[(10, 12 + i, None, world.org_a) for i in range(2)],
    ]
    tickets = []
    for m, d, category, org in plan:
        with time_machine.travel(at(m, d), tick=False):
            tickets.append(world.ticket(org=org, category=category, title=f"工单 {m}-{d}"))
    day = dict.fromkeys(
        (
            "first_contact",
            "minutes_sum",
            "sla_measured",
            "sla_met",
            "csat_sum",
            "csat_answered",
            "surveyed",
            "reopened",
        ),
        0,
    )
    KpiDay.objects.create(
        day=date(2026, 11, 3),
        owner_id=world.eric.pk,
        group_id=hw_team.pk,
        **{
            **day,
            "resolved": 4,
            "sla_measured": 4,
            "sla_met": 3,
            "csat_sum": 12,
            "csat_answered": 4,
            "surveyed": 4,
            "first_contact": 2,
            "minutes_sum": 480,
            "reopened": 1,
        },
    )
    KpiDay.objects.create(
        day=date(2026, 11, 10),
        owner_id=world.alice.pk,
        group_id=sw_team.pk,
        **{
            **day,
            "resolved": 2,
            "sla_measured": 2,
            "sla_met": 2,
            "csat_sum": 10,
            "csat_answered": 2,
            "surveyed": 2,
            "first_contact": 2,
            "minutes_sum": 240,
        },
    )
    KpiDay.objects.create(
        day=date(2026, 10, 15),
        owner_id=world.eric.pk,
        group_id=hw_team.pk,
        **{
            **day,
            "resolved": 2,
            "sla_measured": 2,
            "sla_met": 2,
            "csat_sum": 8,
            "csat_answered": 2,
            "surveyed": 2,
            "minutes_sum": 240,
        },
    )
    for ticket, values in zip(tickets[:2], ((2, 4, 5, 4), (3, 5, 4, None)), strict=True):
        speed, quality, attitude, communication = values
        Survey.objects.create(
            ticket=ticket,
            cycle=1,
            created_at=at(11, 12),
            send_after=at(11, 12),
            sent_at=at(11, 12),
            answered_at=at(11, 13),
            overall=4,
            response_speed=speed,
            solution_quality=quality,
            attitude=attitude,
            communication=communication,
        )
    a1, a2, a3 = tickets[0], tickets[1], tickets[2]
    b1 = tickets[8]
    for ticket, response, resolution, met in (
        (a1, 30, 120, True),
        (a2, 90, 600, False),
        (a3, None, 300, None),
        (b1, 10, 20, True),
    ):
        TicketFact.objects.create(
            ticket=ticket,
            organization_id=ticket.organization_id,
            ticket_type="problem",
            created_at=ticket.created_at,
            resolved_at=at(11, 25),
            first_response_minutes=response,
            resolution_minutes=resolution,
            sla_met=met,
            resolved_day=date(2026, 11, 25),
            resolution_bucket=1,
        )
    for ticket, cash in ((a2, "300"), (b1, "500")):
        rule = CompensationRule.objects.create(
            organization=ticket.organization, kind=CompensationKind.CASH_PER_HOUR, amount=Decimal("100")
        )
        breach = Breach.objects.create(
            ticket=ticket,
            organization=ticket.organization,
            metric="resolution",
            due_at=at(11, 24),
            recorded_at=at(11, 24, 12),
            minutes_late=150,
        )
        Compensation.objects.create(
            breach=breach, rule=rule, organization=ticket.organization, cash=Decimal(cash)
        )
    return {"tickets": tickets, "hw_team": hw_team, "sw_team": sw_team, "software": software}
