"""SLA-1, SLA-2, SLA-7: the seed presets, policy versions (who, when, why), and the input a policy,
a calendar's business hours or a calendar day refuses.

A ticket keeps the policy version it started under: editing a policy never moves the deadlines of
tickets already running. Deadlines are checked by hand on the 2026 calendar (Monday 2 March 2026 is
an ordinary working week; windows 09:00–12:00 and 13:00–18:00).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from serviceloop.core.errors import Forbidden, InvalidInput
from serviceloop.sla.models import CalendarDay, SLAPolicy, SLATarget, TicketSLA
from serviceloop.sla.presets import DEFAULT_PRESET, PRESETS
from serviceloop.sla.services import calendars, policies
from serviceloop.sla.services.clock import ticket_sla_recompute
from serviceloop.sla.services.policies import TargetSpec
from serviceloop.tickets import services as tickets

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def seed_001():
    policies.policy_install_presets()
    return SLAPolicy.objects.get(name=PRESETS[DEFAULT_PRESET]["name"])


def error_fields(exc_info) -> list[str]:
    return [e["field"] for e in exc_info.value.errors]


# --- presets ----------------------------------------------------------------------------------------

def _presets_as_written() -> set[tuple]:
    """Every policy with its versions and targets, as comparable rows (ids and times left out)."""
    return {(p.name, p.description, p.is_default, v.number, v.calendar.name, tuple(v.pause_statuses),
             v.at_risk_ratio, v.created_by_id,
             tuple(sorted(v.targets.values_list("priority", "tier", "contract_level", "metric", "amount",
                                                "unit"))))
            for p in SLAPolicy.objects.all() for v in p.versions.select_related("calendar")}


def test_a_new_database_holds_the_four_seed_presets_with_seed_001_as_the_default(db):
    # Written by the data migration (0006_seed_presets), not by a first read or a first ticket.
    assert SLAPolicy.objects.count() == 4
    assert sorted(SLAPolicy.objects.values_list("name", flat=True)) == sorted(
        p["name"] for p in PRESETS.values()
    )
    default = SLAPolicy.objects.get(is_default=True)
    assert default.name == PRESETS["seed-001"]["name"]
    version = default.current_version()
    assert version.number == 1 and version.created_by is None and version.reason
    assert version.pause_statuses == ["pending", "waiting_customer", "waiting_parts"]
    assert version.at_risk_ratio == Decimal("0.80")
    got = set(version.targets.values_list("priority", "metric", "amount", "unit"))
    assert got == {(p, m, a, u) for p, metrics in PRESETS["seed-001"]["targets"].items()
                   for m, (a, u) in metrics.items()}
    assert ("medium", "resolution", 3, "working_days") in got
    assert ("urgent", "acknowledge", 60, "calendar_minutes") in got
    assert version.reason == "按原始需求文档预置"  # in the installation's language (LANGUAGE_CODE)
    calendar = version.calendar
    assert calendar.is_default and calendar.timezone == "Asia/Shanghai"
    assert [(w.start, w.end) for w in calendar.windows.order_by("start")] == [(time(9), time(12)),
                                                                               (time(13), time(18))]


def test_presets_deleted_since_are_installed_again_exactly_as_the_migration_wrote_them(db):
    migrated = _presets_as_written()
    SLAPolicy.objects.all().delete()
    policies.clear_policy_cache()
    installed = policies.policy_install_presets()
    assert len(installed) == 4
    assert _presets_as_written() == migrated


def test_installing_the_presets_twice_changes_nothing(db):
    policies.policy_install_presets()
    policies.policy_install_presets()
    assert SLAPolicy.objects.count() == 4
    assert SLAPolicy.objects.filter(is_default=True).count() == 1
    assert all(p.versions.count() == 1 for p in SLAPolicy.objects.all())


def test_a_new_ticket_runs_under_the_current_version_of_the_default_policy(world):
    with time_machine.travel(MONDAY, tick=False):
        ticket = world.ticket()
    sla = TicketSLA.objects.get(ticket=ticket)
    assert sla.version == seed_001().current_version()
    assert sla.version.number == 1


# --- versions ---------------------------------------------------------------------------------------

def test_an_edit_creates_version_2_recording_who_when_and_why(world):
    policy = seed_001()
    with time_machine.travel(sh(2026, 4, 1, 15, 30), tick=False):
        v2 = policies.policy_version_create(
            policy=policy, actor=world.adam, reason="金牌合同：中优先级 2 个工作日解决",
            targets=[TargetSpec(priority="medium", metric="resolution", amount=2, unit="working_days")])
    assert v2.number == 2
    assert v2.created_by == world.adam
    assert v2.created_at == sh(2026, 4, 1, 15, 30)
    assert v2.reason == "金牌合同：中优先级 2 个工作日解决"
    assert policy.current_version() == v2
    assert list(policy.versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    # The settings the edit did not name are carried over from version 1.
    v1 = policy.versions.get(number=1)
    assert v2.calendar_id == v1.calendar_id and v2.pause_statuses == v1.pause_statuses
    assert v2.at_risk_ratio == v1.at_risk_ratio
    assert v1.targets.count() == 16  # version 1 is left as it was


def test_only_those_allowed_to_change_policies_may_write_a_version(world):
    policy = seed_001()
    with pytest.raises(Forbidden):
        policies.policy_version_create(policy=policy, actor=world.alice, reason="试试",
                                       targets=[TargetSpec("medium", "resolution", 1, "working_days")])
    assert policy.versions.count() == 1


def test_a_ticket_started_under_version_1_keeps_its_deadlines_after_version_2(world):
    policy = seed_001()
    with time_machine.travel(MONDAY, tick=False) as clock:
        old = world.ticket()  # medium: resolve within 3 working days → Thursday 09:00
        clock.shift(timedelta(minutes=5))
        policies.policy_version_create(
            policy=policy, actor=world.adam, reason="更严格",
            targets=[TargetSpec("medium", "resolution", 1, "working_days"),
                     TargetSpec("medium", "first_response", 60, "business_minutes")])
        clock.shift(timedelta(minutes=5))
        new = world.ticket()
        ticket_sla_recompute(ticket=old)  # recomputing uses the ticket's own version
        clock.shift(timedelta(minutes=5))
        tickets.ticket_transition(
            ticket=old, actor=world.eric, to_status="in_progress", sub_status="waiting_parts"
        )
        clock.shift(timedelta(minutes=60))
        tickets.ticket_transition(
            ticket=old, actor=world.eric, to_status="in_progress", sub_status="diagnosed"
        )
    old_sla, new_sla = TicketSLA.objects.get(ticket=old), TicketSLA.objects.get(ticket=new)
    assert old_sla.version.number == 1
    assert old_sla.resolution_due == sh(2026, 3, 5, 10, 0)  # Thursday 09:00 + the 60 paused business minutes
    assert old_sla.first_response_due == sh(2026, 3, 3, 10, 0)  # 480 business minutes + 60 paused
    assert new_sla.version.number == 2
    assert new_sla.resolution_due == sh(2026, 3, 3, 9, 10)  # one working day after Monday 09:10
    assert new_sla.first_response_due == sh(2026, 3, 2, 10, 10)
    assert new_sla.acknowledge_due is None  # version 2 names no acknowledgement target


def test_a_target_for_a_tier_wins_over_the_general_one(world):
    policy = seed_001()
    policies.policy_version_create(
        policy=policy, actor=world.adam, reason="VIP 更快",
        targets=[TargetSpec("medium", "resolution", 3, "working_days"),
                 TargetSpec("medium", "resolution", 1, "working_days", tier="vip")])
    with time_machine.travel(MONDAY, tick=False):
        vip, normal = world.ticket(), world.ticket(org=world.org_b, urgency="important")
    assert vip.priority == normal.priority == "medium"
    assert TicketSLA.objects.get(ticket=vip).resolution_due == sh(2026, 3, 3, 9, 0)
    assert TicketSLA.objects.get(ticket=normal).resolution_due == sh(2026, 3, 5, 9, 0)


# --- bad input --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("target", "field"), [
    (TargetSpec("medium", "resolution", 0, "working_days"), "targets[0].amount"),
    (TargetSpec("medium", "resolution", -30, "business_minutes"), "targets[0].amount"),
    (TargetSpec("medium", "resolution", 4, "hours"), "targets[0].unit"),
    (TargetSpec("medium", "speed", 4, "business_minutes"), "targets[0].metric"),
])
def test_a_target_that_cannot_be_counted_is_refused(world, target, field):
    policy = seed_001()
    before = SLATarget.objects.count()
    with pytest.raises(InvalidInput) as exc:
        policies.policy_version_create(policy=policy, actor=world.adam, reason="错", targets=[target])
    assert error_fields(exc) == [field]
    assert policy.versions.count() == 1
    assert SLATarget.objects.count() == before


def test_the_same_target_listed_twice_is_refused(world):
    policy = seed_001()
    target = TargetSpec("high", "first_response", 120, "business_minutes")
    with pytest.raises(InvalidInput) as exc:
        policies.policy_version_create(
            policy=policy, actor=world.adam, reason="重复", targets=[target, target]
        )
    assert error_fields(exc) == ["targets[1]"]
    assert policy.versions.count() == 1


@pytest.mark.parametrize("ratio", [0, 0.05, 1, 1.5, -0.8])
def test_an_at_risk_ratio_outside_10_to_99_percent_is_refused(world, ratio):
    policy = seed_001()
    with pytest.raises(InvalidInput) as exc:
        policies.policy_version_create(policy=policy, actor=world.adam, reason="错", at_risk_ratio=ratio,
                                       targets=[TargetSpec("medium", "resolution", 3, "working_days")])
    assert error_fields(exc) == ["at_risk_ratio"]
    assert policy.versions.count() == 1


def test_an_unknown_pause_status_is_refused(world):
    policy = seed_001()
    with pytest.raises(InvalidInput) as exc:
        policies.policy_version_create(policy=policy, actor=world.adam, reason="错", pause_statuses=["lunch"],
                                       targets=[TargetSpec("medium", "resolution", 3, "working_days")])
    assert error_fields(exc) == ["pause_statuses"]


@pytest.mark.parametrize("windows", [
    [(time(9), time(12)), (time(11), time(18))],  # overlapping
    [(time(9), time(18)), (time(13), time(14))],  # one inside the other
    [(time(12), time(9))],  # ends before it starts
    [],
])
def test_business_hours_that_overlap_or_are_empty_are_refused(db, windows):
    cal = calendars.default_calendar()
    with pytest.raises(InvalidInput) as exc:
        calendars.calendar_set_windows(calendar=cal, windows=windows)
    assert error_fields(exc) == ["windows"]
    assert list(cal.windows.values_list("start", "end")) == [(time(9), time(12)), (time(13), time(18))]


def test_touching_business_hours_are_accepted(db):
    cal = calendars.default_calendar()
    calendars.calendar_set_windows(calendar=cal, windows=[(time(13), time(17, 30)), (time(8, 30), time(13))])
    assert list(cal.windows.values_list("start", "end")) == [
        (time(8, 30), time(13)),
        (time(13), time(17, 30)),
    ]


@pytest.mark.parametrize("day", [date(1899, 12, 31), date(2101, 1, 1), date(1, 1, 1), date(9999, 12, 31)])
def test_a_calendar_day_outside_1900_to_2100_is_refused(db, day):
    cal = calendars.default_calendar()
    with pytest.raises(InvalidInput) as exc:
        calendars.calendar_day_set(calendar=cal, day=day, is_working=False, name="远古")
    assert error_fields(exc) == ["date"]
    assert not CalendarDay.objects.exists()


def test_the_first_and_last_day_of_the_range_are_accepted_and_a_day_can_be_corrected(db):
    cal = calendars.default_calendar()
    calendars.calendar_day_set(calendar=cal, day=date(1900, 1, 1), is_working=False, name="元旦")
    calendars.calendar_day_set(calendar=cal, day=date(2100, 12, 31), is_working=True)
    calendars.calendar_day_set(calendar=cal, day=date(2100, 12, 31), is_working=False, name="公司年会")
    assert list(CalendarDay.objects.values_list("date", "is_working", "name", "source")) == [
        (date(1900, 1, 1), False, "元旦", "company"), (date(2100, 12, 31), False, "公司年会", "company")]


def test_an_unknown_day_source_is_refused(db):
    with pytest.raises(InvalidInput) as exc:
        calendars.calendar_day_set(
            calendar=calendars.default_calendar(), day=date(2027, 1, 1), is_working=False, source="rumour"
        )
    assert error_fields(exc) == ["source"]
