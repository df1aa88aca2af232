"""A ticket moved to another policy, and a customer whose tier changes: deadlines follow."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from serviceloop.core.errors import Forbidden, InvalidInput
from serviceloop.sla.models import Metric, SLAPolicy, TicketSLA, Unit
from serviceloop.sla.services import policies
from serviceloop.sla.services.clock import organization_sla_recompute, ticket_sla_set_policy
from serviceloop.tickets.models import TicketEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)


def test_a_supervisor_moves_a_ticket_to_another_policy_and_its_deadlines_follow(world):
    with time_machine.travel(MONDAY_9, tick=False):
        ticket = world.ticket(urgency="urgent", org=world.org_b)  # high priority
        before = TicketSLA.objects.get(ticket=ticket)
        support = SLAPolicy.objects.get(name__contains="004")
        ticket_sla_set_policy(ticket=ticket, actor=world.sam, policy=support, reason="技术支持合同")
    after = TicketSLA.objects.get(ticket=ticket)
    assert after.version.policy == support and after.version != before.version
    # 004: high = 8 business hours to resolve, from Monday 09:00 → Monday 18:00
    assert after.resolution_due == datetime(2026, 6, 1, 18, 0, tzinfo=SHANGHAI)
    assert TicketEvent.objects.filter(
        ticket=ticket, kind="fields", data__changes__reason=[None, "技术支持合同"]
    ).exists()


def test_only_supervisors_move_tickets_between_policies_and_they_say_why(world):
    ticket = world.ticket()
    policy = SLAPolicy.objects.get(name__contains="004")
    with pytest.raises(Forbidden):
        ticket_sla_set_policy(ticket=ticket, actor=world.alice, policy=policy, reason="x")
    with pytest.raises(InvalidInput):
        ticket_sla_set_policy(ticket=ticket, actor=world.sam, policy=policy, reason=" ")


def test_a_new_tier_recomputes_the_open_tickets_of_the_customer(world):
    policies.policy_install_presets()
    vip = SLAPolicy.objects.get(is_default=True)
    version = policies.policy_version_create(
        policy=vip,
        actor=world.adam,
        reason="VIP 客户更快解决",
        targets=[
            *policies.preset_targets("seed-001"),
            policies.TargetSpec(
                priority="low", metric=Metric.RESOLUTION, amount=1, unit=Unit.WORKING_DAYS, tier="vip"
            ),
        ],
    )
    with time_machine.travel(MONDAY_9, tick=False):
        ticket = world.ticket(org=world.org_b)  # normal tier, low priority: 5 working days
        assert TicketSLA.objects.get(ticket=ticket).version == version
        assert TicketSLA.objects.get(ticket=ticket).resolution_due == MONDAY_9 + timedelta(days=7)
        world.org_b.tier = "vip"
        world.org_b.save(update_fields=["tier"])
        assert organization_sla_recompute(organization_id=world.org_b.pk) == 1
    assert TicketSLA.objects.get(ticket=ticket).resolution_due == MONDAY_9 + timedelta(days=1)
