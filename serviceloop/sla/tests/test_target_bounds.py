"""Issue #9, finding 4: SLA target amounts are bounded per unit, so the deadline maths can never
overflow; a policy stored before the bound is repaired; the per-process default-version cache is
cleared on every write path, so a repaired policy is used at once."""

from __future__ import annotations

import importlib
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from serviceloop.sla import deadlines, services
from serviceloop.sla.calendar import WorkingCalendar
from serviceloop.sla.models import SLAPolicy, SLAPolicyVersion, SLATarget, Unit
from serviceloop.sla.services import policies

START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
# The largest target per unit: a year of minutes, a year of working days (sla/models.py TARGET_MAX).
TARGET_MAX = {"calendar_minutes": 525_600, "business_minutes": 525_600, "working_days": 365}


def test_the_models_state_the_same_largest_targets():
    from serviceloop.sla import models

    assert models.TARGET_MAX == TARGET_MAX


def _version(amount: int, unit: str, metric: str = "resolution") -> dict:
    return {
        "reason": "调整",
        "targets": [{"priority": "medium", "metric": metric, "amount": amount, "unit": unit}],
    }


def _policy_id() -> int:
    policies.policy_install_presets()
    return SLAPolicy.objects.get(is_default=True).pk


@pytest.mark.parametrize("unit", list(Unit.values))
@pytest.mark.parametrize("over", [1, 2**31, 10**12])
def test_a_target_above_the_largest_for_its_unit_is_refused_with_422(unit, over, world, api_as):
    policy_id = _policy_id()
    versions = SLAPolicyVersion.objects.count()
    response = api_as("adam").post(
        f"sla/policies/{policy_id}/versions", _version(TARGET_MAX[unit] + over, unit)
    )
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["targets[0].amount"]
    assert SLAPolicyVersion.objects.count() == versions
    # Tickets keep being created under the policy that was there.
    assert api_as("alice").post("tickets", {"title": "停机", "description": "黑屏",
                                            "organization_id": world.org_a.pk}).status_code == 201


def test_the_refusal_names_the_limit_of_the_unit(world, api_as):
    response = api_as("adam").post(f"sla/policies/{_policy_id()}/versions", _version(366, "working_days"))
    assert response.json()["errors"][0]["message"] == "At most 365 for Working days."


@pytest.mark.parametrize("unit", list(Unit.values))
def test_the_largest_target_of_each_unit_gives_every_new_ticket_a_deadline(unit, world, api_as):
    targets = [
        {"priority": p, "metric": m, "amount": TARGET_MAX[unit], "unit": unit}
        for p in ("low", "medium", "high", "urgent")
        for m in ("acknowledge", "first_response", "resolution")
    ]
    response = api_as("adam").post(
        f"sla/policies/{_policy_id()}/versions", {"reason": "最长", "targets": targets}
    )
    assert response.status_code == 201, response.content
    started = time.monotonic()
    created = api_as("alice").post("tickets", {"title": "停机", "description": "黑屏",
                                               "organization_id": world.org_a.pk})
    assert created.status_code == 201, created.content
    assert created.json()["sla"]["resolution"]["due"] is not None
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("add", [
    lambda cal: deadlines.add_calendar_minutes(START, 10**12),
    lambda cal: deadlines.add_business_minutes(START, 10**12, cal),
    lambda cal: deadlines.add_working_days(START, 10**9, cal),
    lambda cal: deadlines.add_calendar_minutes(START, deadlines.MAX_MINUTES + 1),
])
def test_the_deadline_maths_refuses_a_duration_it_cannot_count_at_once(add):
    started = time.monotonic()
    with pytest.raises(ValueError, match="(?i)at most"):
        add(WorkingCalendar())
    assert time.monotonic() - started < 1


def test_the_deadline_maths_counts_its_own_largest_durations():
    cal = WorkingCalendar()
    assert deadlines.add_calendar_minutes(START, deadlines.MAX_MINUTES).year == 2036
    assert deadlines.add_working_days(START, deadlines.MAX_WORKING_DAYS, cal).year > 2036
    assert deadlines.add_business_minutes(START, deadlines.MAX_MINUTES, cal).year > 2036


def test_a_target_stored_before_the_bound_is_repaired_and_tickets_are_created_again(world, api_as):
    version = policies.default_version()
    # What the old API let in (on SQLite up to 10^12; PostgreSQL's integer column stops at 2^31 - 1).
    SLATarget.objects.filter(version=version).update(amount=2_000_000_000, unit=Unit.BUSINESS_MINUTES)
    services.clear_caches()
    importlib.import_module("serviceloop.sla.migrations.0007_repair_out_of_range_values").repair(
        apps, connection.schema_editor())
    services.clear_caches()
    assert set(SLATarget.objects.filter(version=version).values_list("amount", flat=True)) == {525_600}
    created = api_as("alice").post("tickets", {"title": "停机", "description": "黑屏",
                                               "organization_id": world.org_a.pk})
    assert created.status_code == 201, created.content


def test_the_admin_form_refuses_a_target_above_the_largest(world):
    target = SLATarget(version=policies.default_version(), priority="medium", metric="resolution",
                       amount=TARGET_MAX[Unit.WORKING_DAYS] + 1, unit=Unit.WORKING_DAYS)
    with pytest.raises(Exception, match="At most 365"):
        target.full_clean(exclude=["version"], validate_unique=False)


def test_a_version_deleted_in_the_admin_is_not_served_from_the_cache(world, api_as):
    policy = SLAPolicy.objects.get(pk=_policy_id())
    first = policy.current_version()
    second = policies.policy_version_create(policy=policy, actor=world.adam, reason="试行",
                                            targets=policies.preset_targets("seed-002"))
    assert policies.default_version().pk == second.pk  # cached now
    client = Client()
    client.force_login(world.adam)
    response = client.post(f"/admin/sla/slapolicyversion/{second.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not SLAPolicyVersion.objects.filter(pk=second.pk).exists()
    created = api_as("alice").post("tickets", {"title": "停机", "description": "黑屏",
                                               "organization_id": world.org_a.pk})
    assert created.status_code == 201
    from serviceloop.tickets.models import Ticket

    assert Ticket.objects.get(number=created.json()["number"]).sla.version_id == first.pk


def test_a_default_policy_switched_in_the_admin_is_used_by_the_next_ticket(world, api_as):
    _policy_id()
    assert policies.default_version().policy.is_default  # cached now
    other = SLAPolicy.objects.filter(is_default=False).first()
    client = Client()
    client.force_login(world.adam)
    SLAPolicy.objects.update(is_default=False)
    response = client.post(f"/admin/sla/slapolicy/{other.pk}/change/", {
        "name": other.name, "description": other.description, "is_default": "on",
        "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0", "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "1000"})
    assert response.status_code == 302, response.content.decode()[:2000]
    created = api_as("alice").post("tickets", {"title": "停机", "description": "黑屏",
                                               "organization_id": world.org_a.pk})
    from serviceloop.tickets.models import Ticket

    assert Ticket.objects.get(number=created.json()["number"]).sla.version.policy_id == other.pk


def test_a_calendar_with_one_minute_a_day_gives_no_deadline_rather_than_a_walk_of_centuries(world, api_as):
    """Found by the API fuzzing: a year of business minutes on a one-minute window walked 1,440
    years inside the request's transaction, holding SQLite's write lock for every other request."""
    calendar_id = api_as("adam").get("sla/calendars").json()[0]["id"]
    assert api_as("adam").put(f"sla/calendars/{calendar_id}/windows",
                              [{"start": "09:00", "end": "09:01"}]).status_code == 200
    targets = [{"priority": p, "metric": "resolution", "amount": TARGET_MAX[Unit.BUSINESS_MINUTES],
                "unit": "business_minutes"} for p in ("low", "medium", "high", "urgent")]
    assert api_as("adam").post(f"sla/policies/{_policy_id()}/versions",
                               {"reason": "极端", "targets": targets}).status_code == 201
    started = time.monotonic()
    created = api_as("alice").post("tickets", {"title": "停机", "description": "黑屏",
                                               "organization_id": world.org_a.pk})
    assert created.status_code == 201, created.content
    assert created.json()["sla"]["resolution"] is None  # no deadline: decades away
    assert time.monotonic() - started < 5


def test_the_deadline_maths_stops_at_its_horizon():
    from datetime import time as clock

    from serviceloop.sla.calendar import BusinessWindow

    tiny = WorkingCalendar(windows=(BusinessWindow(clock(9), clock(9, 1)),))
    started = time.monotonic()
    with pytest.raises(deadlines.DeadlineBeyondHorizon):
        deadlines.add_business_minutes(START, 525_600, tiny)
    assert time.monotonic() - started < 3
