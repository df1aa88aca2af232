"""SLA-3..5: a ticket's deadlines from its priority, the working calendar and its pauses.

Every expected instant below is worked out by hand from seed 001 (acknowledge 60 calendar minutes;
medium: first response 480 business minutes, resolution 3 working days; high: 240 business minutes
and 1440 calendar minutes; update every 1440 calendar minutes), the default windows 09:00–12:00 and
13:00–18:00 Asia/Shanghai, and the 2026 calendar of chinesecalendar 1.11 as
`serviceloop.sla.calendar.official_days(2026)` lists it: 中秋节 25–27 Sep, 国庆节 1–7 Oct (Thursday
8 October is an ordinary working day), makeup working days Sunday 20 Sep and Saturday 10 Oct.

A ticket of the test world for 华东精密制造 (VIP) with default urgency is medium; for 南方电网 low.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from serviceloop.sla.calendar import official_days
from serviceloop.sla.deadlines import add_business_minutes
from serviceloop.sla.models import Breach, PauseInterval, TicketSLA
from serviceloop.sla.selectors import sla_summary
from serviceloop.sla.services import calendars, sweep
from serviceloop.tickets import services as tickets
from serviceloop.tickets.models import Ticket
from tests.personas import resolve_ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


MONDAY = sh(2026, 3, 2, 9, 0)  # an ordinary working week: Thursday 5 March is three working days on


def sla_of(ticket) -> TicketSLA:
    return TicketSLA.objects.select_related("version__policy").get(ticket=ticket)


def summary(ticket) -> dict:
    return sla_summary(sla_of(ticket), Ticket.objects.get(pk=ticket.pk))


def move(ticket, actor, status, sub_status=""):
    if status == "resolved":
        return resolve_ticket(ticket, actor)
    # Reopening a resolved ticket is the customer's "not fixed", which needs a reason.
    return tickets.ticket_transition(ticket=ticket, actor=actor, to_status=status, sub_status=sub_status,
                                     note="还是不行" if status == "reopened" else "")


# --- starting the clock -----------------------------------------------------------------------------

def test_the_2026_calendar_is_the_one_these_cases_were_worked_out_on():
    days = {d: working for d, working, _name in official_days(2026)}
    assert all(days[date(2026, 10, n)] is False for n in range(1, 8))
    assert date(2026, 10, 8) not in days  # an ordinary Thursday
    assert days[date(2026, 10, 10)] is True and days[date(2026, 9, 20)] is True


def test_a_ticket_on_a_working_morning_gets_its_three_deadlines(world):
    with time_machine.travel(MONDAY, tick=False):
        ticket = world.ticket()
    sla = sla_of(ticket)
    assert ticket.priority == "medium"
    assert sla.started_at == MONDAY
    assert sla.acknowledge_due == sh(2026, 3, 2, 10, 0)  # 60 calendar minutes
    assert sla.first_response_due == sh(2026, 3, 2, 18, 0)  # 480 business minutes: the whole Monday
    assert sla.resolution_due == sla.resolution_deadline == sh(2026, 3, 5, 9, 0)  # 3 working days
    assert sla.next_update_due == sh(2026, 3, 3, 9, 0)  # 1440 calendar minutes
    assert sla.director_due == sh(2026, 3, 6, 9, 0)  # 24 hours past the resolution deadline
    assert sla.at_risk_at == sh(2026, 3, 2, 9, 48)  # 80 % of the way to the nearest deadline
    assert not sla.breached and not sla.estimated and sla.paused_since is None


def test_a_medium_ticket_on_30_september_skips_national_day_and_counts_the_makeup_saturday(world):
    with time_machine.travel(sh(2026, 9, 30, 14, 0), tick=False):
        ticket = world.ticket()
    sla = sla_of(ticket)
    assert sla.acknowledge_due == sh(2026, 9, 30, 15, 0)  # calendar minutes ignore the holiday
    # 240 minutes on Wednesday afternoon, 180 on Thursday 8 Oct morning, 60 after lunch.
    assert sla.first_response_due == sh(2026, 10, 8, 14, 0)
    # Working days after Wed 30 Sep: Thu 8 Oct, Fri 9 Oct, Sat 10 Oct (国庆节调休上班).
    assert sla.resolution_due == sh(2026, 10, 10, 14, 0)
    assert sla.next_update_due == sh(2026, 10, 1, 14, 0)
    assert sla.director_due == sh(2026, 10, 11, 14, 0)
    assert not sla.estimated


def test_a_ticket_in_the_evening_starts_counting_business_time_next_working_day(world):
    with time_machine.travel(sh(2026, 3, 6, 19, 30), tick=False):  # Friday evening
        ticket = world.ticket()
    sla = sla_of(ticket)
    assert sla.acknowledge_due == sh(2026, 3, 6, 20, 30)
    assert sla.first_response_due == sh(2026, 3, 9, 18, 0)  # all of Monday
    assert sla.resolution_due == sh(2026, 3, 12, 9, 0)  # Mon 09:00 + 3 working days


def test_a_company_holiday_on_an_ordinary_working_day_pushes_the_deadline(world):
    calendars.calendar_day_set(calendar=calendars.default_calendar(), day=date(2026, 3, 4), is_working=False,
                              name="公司年会")
    with time_machine.travel(sh(2026, 3, 2, 10, 0), tick=False):
        ticket = world.ticket()
    assert sla_of(ticket).resolution_due == sh(2026, 3, 6, 10, 0)  # Tue, (Wed off), Thu, Fri


def test_a_company_working_saturday_pulls_the_deadline_in(world):
    calendars.calendar_day_set(calendar=calendars.default_calendar(), day=date(2026, 3, 7), is_working=True,
                              name="盘点加班")
    with time_machine.travel(sh(2026, 3, 5, 10, 0), tick=False):  # Thursday
        ticket = world.ticket()
    assert sla_of(ticket).resolution_due == sh(2026, 3, 9, 10, 0)  # Fri, Sat (company), Mon


def test_the_summary_counts_down_and_warns_at_80_percent(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        clock.shift(timedelta(minutes=47))
        early = summary(ticket)
        clock.shift(timedelta(minutes=2))
        late = summary(ticket)
    assert early["acknowledge"] == {"due": sh(2026, 3, 2, 10, 0), "met_at": None, "minutes_left": 13,
                                    "overdue": False, "frozen": False}
    assert early["resolution"]["minutes_left"] == 3 * 24 * 60 - 47
    assert early["policy"] == "标准售后 SLA（001）" and early["version"] == 1
    assert not early["at_risk"] and late["at_risk"]
    assert not late["paused"] and not late["breached"] and not late["estimated"]



def test_meeting_the_nearest_target_moves_the_at_risk_point_to_the_next_one(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        clock.shift(timedelta(minutes=10))
        tickets.ticket_accept(ticket=ticket, actor=world.eric)
        clock.shift(timedelta(minutes=50))  # 10:00; the first response is due at 18:00
        calm = summary(ticket)
        clock.move_to(sh(2026, 3, 2, 16, 30))  # past 80 % of the way to 18:00
        worried = summary(ticket)
    assert not calm["at_risk"]
    assert worried["at_risk"]

# --- meeting targets ---------------------------------------------------------------------------------

def test_acknowledging_in_time_meets_the_acknowledgement_target(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        clock.shift(timedelta(minutes=20))
        tickets.ticket_assign(ticket=ticket, actor=world.alice, owner=world.eric)
        clock.shift(timedelta(minutes=10))
        tickets.ticket_accept(ticket=ticket, actor=world.eric)
        shown = summary(ticket)
    sla = sla_of(ticket)
    assert sla.acknowledge_due is None
    assert sla.first_response_due == sh(2026, 3, 2, 18, 0)  # the other targets still run
    assert not sla.breached and not Breach.objects.exists()
    assert shown["acknowledge"] == {"due": None, "met_at": sh(2026, 3, 2, 9, 30), "minutes_left": None,
                                    "overdue": False, "frozen": False}


def test_a_new_owner_has_an_hour_from_the_assignment_to_acknowledge(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        clock.shift(timedelta(minutes=40))
        tickets.ticket_assign(ticket=ticket, actor=world.alice, owner=world.eric)
    assert sla_of(ticket).acknowledge_due == sh(2026, 3, 2, 10, 40)


def test_acknowledging_late_records_a_breach_with_its_size(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        clock.shift(timedelta(minutes=90))
        tickets.ticket_accept(ticket=ticket, actor=world.eric)
    breach = Breach.objects.get(ticket=ticket)
    assert (breach.metric, breach.due_at, breach.met_at, breach.minutes_late) == (
        "acknowledge", sh(2026, 3, 2, 10, 0), sh(2026, 3, 2, 10, 30), 30)
    assert breach.organization == world.org_a
    assert sla_of(ticket).breached


def test_acknowledging_after_the_sweep_recorded_the_breach_completes_it_with_its_real_size(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        clock.shift(timedelta(minutes=61))
        sweep.sla_sweep()
        clock.shift(timedelta(minutes=29))
        tickets.ticket_accept(ticket=ticket, actor=world.eric)
    breach = Breach.objects.get(ticket=ticket, metric="acknowledge")
    assert breach.met_at == sh(2026, 3, 2, 10, 30)
    assert breach.minutes_late == 30


def test_a_staff_reply_meets_the_first_response_and_restarts_the_update_cadence(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        clock.shift(timedelta(minutes=30))
        tickets.ticket_add_reply(ticket=ticket, actor=world.eric, body="您好，我们已收到，正在排查。")
        after_reply = sla_of(ticket)
        clock.shift(timedelta(hours=2))
        tickets.ticket_log_communication(ticket=ticket, actor=world.eric, channel="phone", happened_at=None,
                                         customer_feedback="客户确认已断电重启", next_step="寄送备件")
        after_call = sla_of(ticket)
        clock.shift(timedelta(hours=1))
        tickets.ticket_add_reply(ticket=ticket, actor=world.carol, body="还是不行")
    assert after_reply.first_response_due is None
    assert after_reply.next_update_due == sh(2026, 3, 3, 9, 30)
    assert after_call.next_update_due == sh(2026, 3, 3, 11, 30)
    assert sla_of(ticket).next_update_due == sh(2026, 3, 3, 11, 30)  # the customer's own reply is no update
    assert not Breach.objects.exists()


def test_a_late_first_response_is_a_breach(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        clock.shift(timedelta(days=1, minutes=15))  # Tuesday 09:15; the deadline was Monday 18:00
        tickets.ticket_add_reply(ticket=ticket, actor=world.eric, body="抱歉久等")
    breach = Breach.objects.get(ticket=ticket, metric="first_response")
    assert breach.due_at == sh(2026, 3, 2, 18, 0)
    assert breach.minutes_late == 15 * 60 + 15  # the size is wall-clock minutes past the deadline


# --- pauses -----------------------------------------------------------------------------------------

def test_waiting_for_the_customer_stops_the_clock_and_resuming_shifts_the_deadlines(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        before = sla_of(ticket)
        clock.shift(timedelta(hours=1))  # 10:00
        move(ticket, world.eric, "in_progress", "waiting_customer")
        paused, paused_summary = sla_of(ticket), summary(ticket)
        pause = PauseInterval.objects.get(ticket=ticket)
        assert sweep.sla_sweep(now=sh(2026, 3, 9, 9, 0)).total == 0  # nothing falls due while paused
        clock.shift(timedelta(hours=3, minutes=30))  # 13:30: 150 business minutes paused
        move(ticket, world.eric, "in_progress", "diagnosed")
    assert (pause.started_at, pause.ended_at, pause.reason) == (
        sh(2026, 3, 2, 10, 0),
        None,
        "waiting_customer",
    )
    assert paused.paused_since == sh(2026, 3, 2, 10, 0)
    assert paused.first_response_due is paused.resolution_due is paused.next_update_due is None
    assert paused.director_due is None and paused.acknowledge_due is None
    assert paused_summary["paused"] is True and paused_summary["paused_since"] == sh(2026, 3, 2, 10, 0)
    # Paused means frozen (issue #11.4): the time each target had left at 10:00, and no deadline.
    frozen = {k: paused_summary[k] and (paused_summary[k]["due"], paused_summary[k]["minutes_left"],
                                        paused_summary[k]["frozen"])
              for k in ("first_response", "next_update", "resolution")}
    assert frozen == {"first_response": (None, 8 * 60, True), "next_update": (None, 23 * 60, True),
                      "resolution": (None, 71 * 60, True)}

    resumed = sla_of(ticket)
    assert PauseInterval.objects.get(ticket=ticket).ended_at == sh(2026, 3, 2, 13, 30)
    assert resumed.paused_since is None and not summary(ticket)["paused"]
    cal = calendars.working_calendar(resumed.version.calendar_id)
    assert resumed.resolution_due == add_business_minutes(before.resolution_due, 150, cal)
    assert resumed.resolution_due == sh(2026, 3, 5, 11, 30)
    assert resumed.first_response_due == sh(2026, 3, 3, 11, 30)
    assert resumed.director_due == sh(2026, 3, 6, 11, 30)
    assert resumed.next_update_due == sh(2026, 3, 3, 12, 30)  # calendar time: 3.5 paused hours


def test_a_pause_over_a_holiday_costs_no_business_time(world):
    with time_machine.travel(sh(2026, 9, 30, 17, 0), tick=False) as clock:
        ticket = world.ticket()
        move(ticket, world.eric, "in_progress", "waiting_parts")
        clock.move_to(sh(2026, 10, 8, 9, 0))  # the parts arrive on the first working day after the break
        move(ticket, world.eric, "in_progress", "repairing")
    # Only 17:00–18:00 on 30 Sep was paused business time: 3 working days from 30 Sep 17:00 = Sat 10 Oct
    # 17:00, one business hour later = Monday 12 Oct 09:00.
    assert sla_of(ticket).resolution_due == sh(2026, 10, 12, 9, 0)


def test_resolving_late_records_the_breach_with_minutes_late(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        move(ticket, world.eric, "in_progress")
        clock.move_to(sh(2026, 3, 5, 11, 30))  # the deadline was Thursday 09:00
        move(ticket, world.eric, "resolved")
        shown = summary(ticket)
    breach = Breach.objects.get(ticket=ticket, metric="resolution")
    assert (breach.due_at, breach.met_at, breach.minutes_late) == (
        sh(2026, 3, 5, 9, 0), sh(2026, 3, 5, 11, 30), 150)
    sla = sla_of(ticket)
    assert sla.breached and sla.resolution_due is None and sla.director_due is None
    assert sla.next_update_due is None and sla.resolution_deadline == sh(2026, 3, 5, 9, 0)
    assert shown["breached"] and shown["resolution"]["met_at"] == sh(2026, 3, 5, 11, 30)


def test_resolving_in_time_records_no_breach(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        tickets.ticket_accept(ticket=ticket, actor=world.eric)
        tickets.ticket_add_reply(ticket=ticket, actor=world.eric, body="已处理")
        clock.move_to(sh(2026, 3, 5, 8, 59))
        move(ticket, world.eric, "resolved")
    assert not Breach.objects.exists()
    assert not sla_of(ticket).breached


def test_a_reopened_ticket_gets_a_fresh_resolution_clock(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        move(ticket, world.eric, "in_progress")
        clock.move_to(sh(2026, 3, 3, 10, 0))
        move(ticket, world.eric, "resolved")
        clock.move_to(sh(2026, 3, 4, 10, 0))
        move(ticket, world.carol, "reopened")
    sla = sla_of(ticket)
    assert sla.started_at == sh(2026, 3, 4, 10, 0)
    assert sla.resolution_due == sh(2026, 3, 9, 10, 0)  # Thu, Fri, Mon
    assert sla.version.number == 1


# --- recomputing ------------------------------------------------------------------------------------

def test_a_priority_override_recomputes_the_deadlines(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        clock.shift(timedelta(minutes=10))
        tickets.ticket_set_priority(ticket=ticket, actor=world.sam, priority="high", reason="产线停工")
    sla = sla_of(ticket)
    assert sla.started_at == MONDAY  # the clock still counts from the ticket's creation
    assert sla.acknowledge_due == sh(2026, 3, 2, 10, 0)
    assert sla.first_response_due == sh(2026, 3, 2, 14, 0)  # 240 business minutes across lunch
    assert sla.resolution_due == sh(2026, 3, 3, 9, 0)  # 1440 calendar minutes
    assert sla.director_due == sh(2026, 3, 4, 9, 0)


def test_a_classification_change_that_raises_the_priority_recomputes_the_deadlines(world):
    with time_machine.travel(MONDAY, tick=False):
        ticket = world.ticket(org=world.org_b)
        assert ticket.priority == "low" and sla_of(ticket).resolution_due == sh(2026, 3, 9, 9, 0)
        tickets.ticket_update(ticket=ticket, actor=world.alice, changes={"urgency": "critical"})
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"
    assert sla_of(ticket).resolution_due == sh(2026, 3, 3, 9, 0)


# --- years the official calendar does not know -----------------------------------------------------

def test_a_deadline_in_an_unknown_year_never_fails_creation_and_is_marked_estimated(world):
    with time_machine.travel(sh(2026, 12, 30, 10, 0), tick=False):  # chinesecalendar 1.11 ends with 2026
        ticket = world.ticket()
        shown = summary(ticket)
    sla = sla_of(ticket)
    assert sla.first_response_due == sh(2026, 12, 31, 10, 0)
    # Thu 31 Dec, then Monday–Friday as a guess: Fri 1 Jan 2027 (really 元旦), Mon 4 Jan.
    assert sla.resolution_due == sh(2027, 1, 4, 10, 0)
    assert sla.estimated and shown["estimated"]


def test_with_the_unknown_year_entered_by_hand_the_company_days_win(world):
    cal = calendars.default_calendar()
    for day, working, name in [(date(2027, 1, 1), False, "元旦"), (date(2027, 1, 2), False, "元旦"),
                               (date(2027, 1, 3), False, "元旦"), (date(2027, 1, 4), True, ""),
                               (date(2027, 1, 5), True, "")]:
        calendars.calendar_day_set(calendar=cal, day=day, is_working=working, name=name)
    with time_machine.travel(sh(2026, 12, 30, 10, 0), tick=False):
        ticket = world.ticket()
    sla = sla_of(ticket)
    assert sla.resolution_due == sh(2027, 1, 5, 10, 0)  # Thu 31 Dec, (1–3 Jan off), Mon 4, Tue 5
    assert not sla.estimated  # every day up to the deadline is now known


def test_a_deadline_inside_a_known_year_is_not_estimated_even_late_in_december(world):
    with time_machine.travel(sh(2026, 12, 24, 10, 0), tick=False):
        ticket = world.ticket()
    assert sla_of(ticket).resolution_due == sh(2026, 12, 29, 10, 0)
    assert not sla_of(ticket).estimated


# --- the next deadline, by which lists sort open work ------------------------------------------------

def test_the_next_deadline_moves_from_target_to_target_as_each_is_met(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        new = sla_of(ticket).next_deadline
        clock.shift(timedelta(minutes=10))
        tickets.ticket_accept(ticket=ticket, actor=world.eric)
        accepted = sla_of(ticket).next_deadline
        clock.shift(timedelta(minutes=10))
        tickets.ticket_add_reply(ticket=ticket, actor=world.eric, body="您好，我们已收到，正在排查。")
        answered = sla_of(ticket).next_deadline
        move(ticket, world.eric, "in_progress")
        move(ticket, world.eric, "resolved")
        resolved = sla_of(ticket).next_deadline
    assert new == sh(2026, 3, 2, 10, 0)  # acknowledge
    assert accepted == sh(2026, 3, 2, 18, 0)  # first response
    assert answered == sh(2026, 3, 5, 9, 0)  # resolution
    assert resolved is None


def test_an_overdue_target_keeps_the_ticket_first_after_the_sweep_claims_it(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        clock.shift(timedelta(minutes=61))
        sweep.sla_sweep()
    sla = sla_of(ticket)
    assert sla.acknowledge_due is None and sla.breached  # claimed by the sweeper
    assert sla.next_deadline == sh(2026, 3, 2, 10, 0)  # still the missed acknowledgement


def test_a_paused_clock_has_no_next_deadline_until_it_resumes(world):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = world.ticket()
        clock.shift(timedelta(hours=1))
        tickets.ticket_accept(ticket=ticket, actor=world.eric)
        move(ticket, world.eric, "in_progress", "waiting_customer")
        paused = sla_of(ticket).next_deadline
        clock.shift(timedelta(hours=3, minutes=30))  # 13:30: 150 business minutes paused
        move(ticket, world.eric, "in_progress", "diagnosed")
        resumed = sla_of(ticket)
    assert paused is None
    # 18:00 Monday plus the 150 paused business minutes: 11:30 on Tuesday
    assert resumed.next_deadline == resumed.first_response_due == sh(2026, 3, 3, 11, 30)
