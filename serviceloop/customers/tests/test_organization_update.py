"""organization_update (INT-2): one service for the admin and the API; a new tier moves the deadlines of
the customer's open tickets (SLA-1), whichever way it was changed."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from serviceloop.core.errors import Forbidden, InvalidInput
from serviceloop.customers.models import Organization
from serviceloop.customers.services import organization_update, terms_changed
from serviceloop.sla.models import Metric, SLAPolicy, TicketSLA, Unit
from serviceloop.sla.services.policies import TargetSpec, policy_version_create, preset_targets

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def vip_targets(world):
    """The default policy with a VIP row: a low-priority VIP ticket is resolved within one working day."""
    return policy_version_create(
        policy=SLAPolicy.objects.get(is_default=True), actor=world.adam, reason="VIP 客户更快解决",
        targets=[*preset_targets("seed-001"),
                 TargetSpec(priority="low", metric=Metric.RESOLUTION, amount=1, unit=Unit.WORKING_DAYS,
                            tier="vip")])


def _normal_customer_ticket(world):
    ticket = world.ticket(org=world.org_b)  # normal tier, low priority: 5 working days → next Monday
    assert TicketSLA.objects.get(ticket=ticket).resolution_due == MONDAY_9 + timedelta(days=7)
    return ticket


def _admin_change(client, org: Organization, **changes):
    """POST the admin's change form as a browser would, with the organisation's contacts inline."""
    contacts = list(org.contacts.order_by("id"))
    data = {f: getattr(org, f) for f in ("name", "industry", "tier", "contract_level", "phone", "address",
                                         "timezone")}
    data.update(changes)
    data.update({"contacts-TOTAL_FORMS": len(contacts), "contacts-INITIAL_FORMS": len(contacts),
                 "contacts-MIN_NUM_FORMS": 0, "contacts-MAX_NUM_FORMS": 1000})
    for i, c in enumerate(contacts):
        data.update({f"contacts-{i}-id": c.pk, f"contacts-{i}-organization": org.pk,
                     f"contacts-{i}-name": c.name, f"contacts-{i}-phone": c.phone,
                     f"contacts-{i}-email": c.email, f"contacts-{i}-title": c.title})
    return client.post(f"/admin/customers/organization/{org.pk}/change/", data)


def test_a_tier_changed_through_the_api_moves_the_open_tickets_deadlines(world, vip_targets, api_as,
                                                                         django_capture_on_commit_callbacks):
    with time_machine.travel(MONDAY_9, tick=False):
        ticket = _normal_customer_ticket(world)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = api_as("alice").patch(f"organizations/{world.org_b.pk}", {"tier": "vip"})
    assert response.status_code == 200, response.content
    assert response.json()["tier"] == "vip" and response.json()["name"] == world.org_b.name
    assert len(callbacks) == 1  # the recompute job, queued once the change committed
    assert TicketSLA.objects.get(ticket=ticket).resolution_due == MONDAY_9 + timedelta(days=1)


def test_a_tier_changed_in_the_admin_moves_the_open_tickets_deadlines(world, vip_targets,
                                                                      django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(world.adam)
    with time_machine.travel(MONDAY_9, tick=False):
        ticket = _normal_customer_ticket(world)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = _admin_change(client, world.org_b, tier="vip")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Organization.objects.get(pk=world.org_b.pk).tier == "vip"
    assert len(callbacks) == 1
    assert TicketSLA.objects.get(ticket=ticket).resolution_due == MONDAY_9 + timedelta(days=1)


def test_other_changes_leave_the_deadlines_alone(world, vip_targets, api_as,
                                                 django_capture_on_commit_callbacks):
    announced = []

    def listen(*, organization):
        announced.append(organization.pk)

    terms_changed.connect(listen)
    try:
        with time_machine.travel(MONDAY_9, tick=False):
            ticket = _normal_customer_ticket(world)
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                response = api_as("alice").patch(f"organizations/{world.org_b.pk}",
                                                 {"phone": "020-88886666", "address": "广州市天河区"})
                # The same tier again is no change either.
                organization_update(actor=world.alice, organization=world.org_b, changes={"tier": "normal"})
    finally:
        terms_changed.disconnect(listen)
    assert response.status_code == 200 and response.json()["phone"] == "020-88886666"
    assert announced == [] and callbacks == []
    assert TicketSLA.objects.get(ticket=ticket).resolution_due == MONDAY_9 + timedelta(days=7)


def test_a_contract_level_change_is_announced_once_with_the_new_terms(world):
    announced = []

    def listen(*, organization):
        announced.append((organization.tier, organization.contract_level))

    terms_changed.connect(listen)
    try:
        organization_update(actor=world.sam, organization=world.org_b, changes={"contract_level": "银牌"})
    finally:
        terms_changed.disconnect(listen)
    assert announced == [("normal", "银牌")]
    assert Organization.objects.get(pk=world.org_b.pk).contract_level == "银牌"


@pytest.mark.parametrize(("changes", "field"), [
    ({"tier": "platinum"}, "tier"),
    ({"industry": "mining"}, "industry"),
    ({"name": "  "}, "name"),
    ({"name": "华东精密制造有限公司"}, "name"),  # org_a's name
    ({"address": "路" * 301}, "address"),
    ({"is_default": True}, "is_default"),
])
def test_bad_changes_are_refused_and_nothing_is_written(world, changes, field):
    before = Organization.objects.values().get(pk=world.org_b.pk)
    with pytest.raises(InvalidInput) as refused:
        organization_update(actor=world.alice, organization=world.org_b, changes=changes)
    assert [e["field"] for e in refused.value.errors] == [field]
    assert Organization.objects.values().get(pk=world.org_b.pk) == before


def test_only_people_who_may_change_customers_change_them(world, api_as):
    with pytest.raises(Forbidden):
        organization_update(actor=world.eric, organization=world.org_b, changes={"tier": "vip"})
    # A customer may not change her own organisation, and another customer's is not found.
    assert api_as("carol").patch(f"organizations/{world.org_a.pk}", {"tier": "normal"}).status_code == 403
    assert api_as("bob").patch(f"organizations/{world.org_a.pk}", {"tier": "normal"}).status_code == 404
    assert Organization.objects.get(pk=world.org_a.pk).tier == "vip"


def test_the_api_answers_a_bad_change_in_the_users_language(world, api_as):
    response = api_as("alice", language="zh-hans").patch(f"organizations/{world.org_b.pk}",
                                                         {"name": world.org_a.name})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == "name" and "已存在" in body["errors"][0]["message"]
    assert api_as("alice").patch(f"organizations/{world.org_b.pk}", {"tier": None}).status_code == 422
    assert Organization.objects.get(pk=world.org_b.pk).name == "南方电网运维中心"
