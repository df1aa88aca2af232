from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
import time_machine
from serviceloop.sla import services
from serviceloop.sla.models import Escalation, Breach, TicketSLA
from serviceloop.tickets import services as ts

SH = ZoneInfo("Asia/Shanghai")

def test_pg_nul(world):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=SH), tick=False) as clock:
        t = world.ticket(org=world.org_b)
        clock.shift(timedelta(minutes=61))
        r = services.sla_sweep()
        print(r)
    assert Breach.objects.count() == 1

def test_repeat_ack(world):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=SH), tick=False) as clock:
        t = world.ticket()
        print(t.priority, t.sla.__dict__)
        clock.shift(timedelta(minutes=61))
        services.sla_sweep()
        ts.ticket_set_priority(ticket=t, actor=world.sam, priority="high", reason="x")
        clock.shift(timedelta(minutes=1))
        services.sla_sweep()
    print(list(Escalation.objects.values_list("kind", flat=True)))
    assert Escalation.objects.count() == 1
