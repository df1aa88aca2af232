"""The SLA under /api/v1: policies and versions, calendars and days, a ticket's deadlines, manual
escalation, the escalation list and the compensation owed per organisation (SLA-5..7, ASN-5, SLA-6).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from serviceloop.accounts.models import Team
from serviceloop.sla import selectors as sla_selectors
from serviceloop.sla.models import CalendarDay, CompensationRule, Escalation, SLAPolicy
from serviceloop.sla.presets import PRESETS
from serviceloop.sla.services import calendars, policies, sweep
from serviceloop.sla.services.escalation import ticket_escalate
from serviceloop.tickets import services as tickets
from tests.personas import resolve_ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


MONDAY = sh(2026, 3, 2, 9, 0)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def fields(response) -> list[str]:
    return [e["field"] for e in response.json().get("errors", [])]


def default_policy_id() -> int:
    policies.policy_install_presets()
    return SLAPolicy.objects.get(is_default=True).pk


# --- policies ---------------------------------------------------------------------------------------

def test_staff_list_the_policies_with_their_version_history(world, api_as):
    response = api_as("alice").get("sla/policies")
    assert response.status_code == 200
    policies = response.json()
    assert len(policies) == 4
    default = next(p for p in policies if p["is_default"])
    assert default["name"] == PRESETS["seed-001"]["name"]
    [v1] = default["versions"]
    assert v1["number"] == 1 and v1["created_by"] is None and len(v1["targets"]) == 16
    assert {"priority": "medium", "metric": "resolution", "amount": 3, "unit": "working_days", "tier": "",
            "contract_level": ""} in v1["targets"]


def test_listing_the_policies_only_reads(world, api_as):
    # The presets come from the data migration; a GET never installs them (issue #10: no write on a read).
    SLAPolicy.objects.all().delete()
    response = api_as("alice").get("sla/policies")
    assert response.status_code == 200 and response.json() == []
    assert not SLAPolicy.objects.exists()


def test_customers_may_not_read_the_policies(world, api_as):
    assert api_as("carol").get("sla/policies").status_code == 403


def test_an_administrator_changes_a_policy_by_writing_version_2(world, api_as):
    policy_id = default_policy_id()
    with time_machine.travel(sh(2026, 4, 1, 15, 30), tick=False):
        response = api_as("adam").post(f"sla/policies/{policy_id}/versions", {
            "reason": "金牌合同：中优先级 2 个工作日解决",
            "targets": [{"priority": "medium", "metric": "resolution", "amount": 2, "unit": "working_days"}],
            "at_risk_ratio": "0.75",
        })
    assert response.status_code == 201, response.json()
    versions = {v["number"]: v for v in response.json()["versions"]}
    assert sorted(versions) == [1, 2]
    v2 = versions[2]
    assert v2["created_by"] == "Adam" and v2["reason"] == "金牌合同：中优先级 2 个工作日解决"
    assert parse(v2["created_at"]) == sh(2026, 4, 1, 15, 30)
    assert v2["targets"] == [
        {
            "priority": "medium",
            "metric": "resolution",
            "amount": 2,
            "unit": "working_days",
            "tier": "",
            "contract_level": "",
        }
    ]
    assert float(v2["at_risk_ratio"]) == 0.75
    listed = next(p for p in api_as("alice").get("sla/policies").json() if p["id"] == policy_id)
    assert sorted(v["number"] for v in listed["versions"]) == [1, 2]


def test_an_agent_may_not_change_a_policy(world, api_as):
    policy_id = default_policy_id()
    response = api_as("alice").post(f"sla/policies/{policy_id}/versions", {
        "reason": "想快点", "targets": [{"priority": "medium", "metric": "resolution", "amount": 1,
                                         "unit": "working_days"}]})
    assert response.status_code == 403
    assert SLAPolicy.objects.get(pk=policy_id).versions.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "targets": [
                    {"priority": "medium", "metric": "resolution", "amount": 0, "unit": "working_days"}
                ]
            },
            "targets[0].amount",
        ),
        (
            {
                "targets": [
                    {"priority": "medium", "metric": "resolution", "amount": -60, "unit": "business_minutes"}
                ]
            },
            "targets[0].amount",
        ),
        ({"targets": [{"priority": "medium", "metric": "resolution", "amount": 4, "unit": "hours"}]}, "unit"),
        (
            {"targets": [{"priority": "medium", "metric": "speed", "amount": 4, "unit": "business_minutes"}]},
            "metric",
        ),
        ({"targets": []}, "targets"),
        (
            {
                "targets": [
                    {"priority": "medium", "metric": "resolution", "amount": 1, "unit": "working_days"}
                ],
                "at_risk_ratio": "1.5",
            },
            "at_risk_ratio",
        ),
        (
            {
                "targets": [
                    {"priority": "medium", "metric": "resolution", "amount": 1, "unit": "working_days"}
                ],
                "reason": "",
            },
            "reason",
        ),
    ],
)
def test_a_policy_version_the_engine_cannot_count_is_refused_with_422(world, api_as, body, field):
    policy_id = default_policy_id()
    response = api_as("adam").post(f"sla/policies/{policy_id}/versions", {"reason": "调整", **body})
    assert response.status_code == 422, response.json()
    assert any(field in f for f in fields(response)), response.json()
    assert response.json()["message"]
    assert SLAPolicy.objects.get(pk=policy_id).versions.count() == 1


def test_a_version_of_an_unknown_policy_is_404(world, api_as):
    response = api_as("adam").post("sla/policies/999999/versions", {
        "reason": "x", "targets": [{"priority": "medium", "metric": "resolution", "amount": 1,
                                    "unit": "working_days"}]})
    assert response.status_code == 404


# --- calendars --------------------------------------------------------------------------------------

def test_staff_see_the_default_calendar_with_its_business_hours(world, api_as):
    response = api_as("eric").get("sla/calendars")
    assert response.status_code == 200
    [cal] = response.json()
    assert cal["is_default"] and cal["timezone"] == "Asia/Shanghai" and cal["use_official"]
    assert [(w["start"][:5], w["end"][:5]) for w in cal["windows"]] == [
        ("09:00", "12:00"),
        ("13:00", "18:00"),
    ]
    assert api_as("carol").get("sla/calendars").status_code == 403


def test_overlapping_business_hours_are_refused_with_422(world, api_as):
    cal_id = calendars.default_calendar().pk
    api = api_as("adam")
    response = api.put(f"sla/calendars/{cal_id}/windows", [{"start": "09:00", "end": "12:30"},
                                                           {"start": "12:00", "end": "18:00"}])
    assert response.status_code == 422
    assert fields(response) == ["windows"] and "overlap" in response.json()["message"]
    response = api.put(f"sla/calendars/{cal_id}/windows", [{"start": "08:30", "end": "12:00"},
                                                           {"start": "13:30", "end": "17:30"}])
    assert response.status_code == 200
    assert [(w["start"][:5], w["end"][:5]) for w in response.json()["windows"]] == [("08:30", "12:00"),
                                                                                 ("13:30", "17:30")]


def test_a_calendar_day_outside_1900_to_2100_is_refused_with_422(world, api_as):
    cal_id = calendars.default_calendar().pk
    api = api_as("adam")
    for day in ("2101-01-01", "1899-12-31"):
        response = api.post(f"sla/calendars/{cal_id}/days", {"date": day, "is_working": False, "name": "?"})
        assert response.status_code == 422, response.json()
        assert fields(response) == ["date"]
    assert not CalendarDay.objects.exists()
    assert api.get(f"sla/calendars/{cal_id}/days", {"year": 2101}).status_code == 422


def test_an_administrator_enters_a_day_of_a_year_the_package_does_not_know(world, api_as):
    cal_id = calendars.default_calendar().pk
    response = api_as("adam").post(f"sla/calendars/{cal_id}/days",
                                   {"date": "2027-01-01", "is_working": False, "name": "元旦"})
    assert response.status_code == 201
    assert response.json() == {"date": "2027-01-01", "is_working": False, "name": "元旦", "source": "company"}
    listed = api_as("alice").get(f"sla/calendars/{cal_id}/days", {"year": 2027}).json()
    assert listed == [response.json()]
    assert api_as("alice").post(f"sla/calendars/{cal_id}/days",
                                {"date": "2027-01-04", "is_working": False}).status_code == 403


# --- a ticket's deadlines -------------------------------------------------------------------------------

def test_a_ticket_shows_its_deadlines_time_left_paused_and_breached(world, api_as):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        clock.shift(timedelta(minutes=30))
        sla = api_as("alice").get(f"tickets/{ticket.number}").json()["sla"]
        customer_view = api_as("carol").get(f"tickets/{ticket.number}")
    assert parse(sla["acknowledge"]["due"]) == sh(2026, 3, 2, 10, 0)
    assert sla["acknowledge"]["minutes_left"] == 30 and sla["acknowledge"]["overdue"] is False
    assert parse(sla["first_response"]["due"]) == sh(2026, 3, 2, 18, 0)
    assert sla["first_response"]["minutes_left"] == 8 * 60 + 30
    assert parse(sla["resolution"]["due"]) == sh(2026, 3, 5, 9, 0)
    assert sla["resolution"]["minutes_left"] == 3 * 24 * 60 - 30
    assert sla["paused"] is False and sla["breached"] is False and sla["estimated"] is False
    assert sla["version"] == 1
    assert customer_view.status_code == 200


def test_a_paused_and_breached_ticket_says_so(world, api_as):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        clock.move_to(sh(2026, 3, 2, 11, 0))
        tickets.ticket_transition(ticket=ticket, actor=world.eric, to_status="in_progress",
                                  sub_status="waiting_customer")
        sla = api_as("alice").get(f"tickets/{ticket.number}").json()["sla"]
    assert sla["paused"] is True and sla["breached"] is True  # acknowledged an hour late
    assert sla["paused_since"] == "2026-03-02T11:00:00+08:00"  # one datetime form (issue #11.5)
    # Paused means frozen (issue #11.4): the time left when the clock stopped, and no stale deadline.
    assert sla["first_response"] == {"due": None, "met_at": None, "minutes_left": 7 * 60, "overdue": False,
                                     "frozen": True}
    assert sla["resolution"]["due"] is None and sla["resolution"]["frozen"] is True
    assert sla["acknowledge"]["met_at"] is not None


# --- manual escalation ------------------------------------------------------------------------------------

def test_an_engineer_escalates_a_ticket_to_the_tech_lead(world, api_as):
    ticket = world.ticket()
    response = api_as("eric").post(f"tickets/{ticket.number}/escalate", {
        "reason": "疑似固件缺陷", "to_user_id": world.tom.pk, "department": "研发部",
        "expected_feedback_at": "2099-01-01T12:00:00+08:00"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ticket_number"] == ticket.number and body["kind"] == "manual"
    assert body["escalated_to"] == "Tom" and body["created_by"] == "Eric" and body["department"] == "研发部"
    assert parse(body["expected_feedback_at"]) == sh(2099, 1, 1, 12, 0)
    assert Escalation.objects.get().escalated_to == world.tom


def test_an_escalation_without_a_reason_is_422(world, api_as):
    ticket = world.ticket()
    api = api_as("eric")
    response = api.post(f"tickets/{ticket.number}/escalate", {"to_user_id": world.tom.pk})
    assert response.status_code == 422 and "reason" in fields(response)
    response = api.post(f"tickets/{ticket.number}/escalate", {"reason": "  ", "to_user_id": world.tom.pk})
    assert response.status_code == 422 and fields(response) == ["reason"]
    assert not Escalation.objects.exists()


def test_an_escalation_to_a_customer_login_is_422(world, api_as):
    ticket = world.ticket()
    response = api_as("eric").post(f"tickets/{ticket.number}/escalate",
                                   {"reason": "请客户确认", "to_user_id": world.carol.pk})
    assert response.status_code == 422 and fields(response) == ["to_user_id"]


def test_a_customer_may_not_escalate_her_own_ticket_and_cannot_see_anyone_else_s(world, api_as):
    ticket = world.ticket(by="carol")
    body = {"reason": "太慢了", "to_user_id": world.tom.pk}
    assert api_as("carol").post(f"tickets/{ticket.number}/escalate", body).status_code == 403
    assert api_as("bob").post(f"tickets/{ticket.number}/escalate", body).status_code == 404
    assert not Escalation.objects.exists()


def test_escalations_are_listed_newest_first_and_filtered_by_kind(world, api_as):
    team = Team.objects.create(name="硬件组", supervisor=world.sam)
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = tickets.ticket_assign(ticket=world.ticket(), actor=world.alice, owner=world.eric, group=team)
        clock.shift(timedelta(minutes=61))
        sweep.sla_sweep()
        clock.shift(timedelta(minutes=5))
        ticket_escalate(ticket=ticket, actor=world.eric, reason="需要研发", to=world.tom)
        api = api_as("sam")
        everything = api.get("sla/escalations").json()
        automatic = api.get("sla/escalations", {"kind": "acknowledge_overdue"}).json()
    assert [e["kind"] for e in everything["items"]] == ["manual", "acknowledge_overdue"]
    assert everything["next_cursor"] is None
    assert [(e["kind"], e["escalated_to"], e["created_by"]) for e in automatic["items"]] == [
        ("acknowledge_overdue", "Sam", None)]
    assert api_as("carol").get("sla/escalations").status_code == 403
    assert api_as("sam").get("sla/escalations", {"kind": "coffee"}).status_code == 422


# --- compensation -----------------------------------------------------------------------------------------

def resolve_late(world, org, minutes_late: int):
    """A ticket opened Monday 09:00 in March 2026 and resolved `minutes_late` after its deadline."""
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket(org=org)
        tickets.ticket_transition(ticket=ticket, actor=world.eric, to_status="in_progress")
        deadline = sla_selectors.sla_summary(ticket.sla, ticket)["resolution"]["due"]
        clock.move_to(deadline + timedelta(minutes=minutes_late))
        resolve_ticket(ticket, world.eric)
    return ticket


def test_a_supervisor_sees_what_is_owed_per_organisation_in_a_period(world, api_as):
    CompensationRule.objects.create(organization=world.org_a, kind="cash_per_hour", amount=100, cap=500)
    CompensationRule.objects.create(organization=world.org_b, kind="voucher_per_breach", amount=1)
    resolve_late(world, world.org_a, 150)  # ¥300
    resolve_late(world, world.org_a, 600)  # ¥1000, capped at ¥500
    resolve_late(world, world.org_b, 30)  # one voucher
    response = api_as("sam").get("sla/compensation", {"since": "2026-03-01", "until": "2026-03-31"})
    assert response.status_code == 200
    totals = {row["organization_id"]: row for row in response.json()}
    assert totals[world.org_a.pk]["breaches"] == 2 and float(totals[world.org_a.pk]["cash"]) == 800
    assert totals[world.org_a.pk]["vouchers"] == 0
    assert totals[world.org_a.pk]["organization"] == "华东精密制造有限公司"
    assert totals[world.org_b.pk]["breaches"] == 1 and totals[world.org_b.pk]["vouchers"] == 1
    assert float(totals[world.org_b.pk]["cash"]) == 0
    only_b = api_as("sam").get("sla/compensation", {"since": "2026-03-01", "until": "2026-03-31",
                                                    "organization_id": world.org_b.pk}).json()
    assert [row["organization_id"] for row in only_b] == [world.org_b.pk]
    assert api_as("sam").get("sla/compensation", {"since": "2026-04-01", "until": "2026-04-30"}).json() == []


def test_agents_may_not_see_the_compensation_and_a_reversed_period_is_422(world, api_as):
    assert (
        api_as("alice").get("sla/compensation", {"since": "2026-03-01", "until": "2026-03-31"}).status_code
        == 403
    )
    assert (
        api_as("carol").get("sla/compensation", {"since": "2026-03-01", "until": "2026-03-31"}).status_code
        == 403
    )
    response = api_as("sam").get("sla/compensation", {"since": "2026-03-31", "until": "2026-03-01"})
    assert response.status_code == 422 and fields(response) == ["until"]
    assert api_as("sam").get("sla/compensation", {"since": "2026-03-01"}).status_code == 422
