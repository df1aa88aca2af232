"""Demo tickets carry histories that agree with their status and with the SLA clock (issue #10.1).

One load of a few hundred tickets, then a check of each: its timeline, its SLA row, its pauses, its
breaches and its escalations, the deadlines recomputed here with the SLA app's own maths.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from serviceloop.demo.loader import load_demo
from serviceloop.notifications.models import Delivery, Notification
from serviceloop.sla.models import Breach, Escalation, EscalationKind, Metric, PauseInterval, TicketSLA
from serviceloop.sla.services.calendars import working_calendar
from serviceloop.sla.services.clock import DIRECTOR_DELAY, deadline_after
from serviceloop.sla.services.policies import targets_for
from serviceloop.tickets.choices import OPEN_STATUSES, EventKind, Status
from serviceloop.tickets.models import Ticket, TicketEvent

TICKETS = 600


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One demo load shared by the module's tests (read-only), rolled back afterwards: each test's own
    transaction nests inside this one, and nothing the demo wrote outlives the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo(tickets=TICKETS, seed=11, out=lambda _line: None)
        transaction.set_rollback(True)


@pytest.fixture
def timelines(demo, db):
    """Each ticket's events in order: ticket id → [(kind, data, time, actor id)]."""
    out: dict[int, list] = defaultdict(list)
    for row in TicketEvent.objects.order_by("created_at", "id").values_list("ticket_id", "kind", "data",
                                                                            "created_at", "actor_id"):
        out[row[0]].append(row[1:])
    return out


def test_tickets_average_at_least_four_events_and_every_kind_of_history_occurs(demo, timelines):
    assert demo.tickets == TICKETS
    assert sum(len(t) for t in timelines.values()) / TICKETS >= 4
    kinds = {kind for events in timelines.values() for kind, *_rest in events}
    assert kinds >= {EventKind.CREATED, EventKind.ASSIGNED, EventKind.ACCEPTED, EventKind.STATUS,
                     EventKind.REPLY, EventKind.CUSTOMER_REPLY, EventKind.NOTE, EventKind.COMMUNICATION,
                     EventKind.CO_HANDLERS, EventKind.ESCALATED}
    subs = {
        data["sub_status"] for events in timelines.values() for kind, data, *_ in events if kind == "status"
    }
    assert {"waiting_parts", "waiting_customer"} <= subs


def test_finished_tickets_were_resolved_then_closed_in_order(demo, timelines):
    for t in Ticket.objects.filter(status__in=[Status.RESOLVED, Status.CLOSED]):
        moves = [(d["to"], at) for kind, d, at, _a in timelines[t.pk] if kind == "status"]
        targets = [to for to, _at in moves]
        assert Status.RESOLVED in targets, t.number
        if t.status == Status.CLOSED:
            assert targets[-2:] == [Status.RESOLVED, Status.CLOSED], (t.number, targets)
            assert moves[-1][1] == t.closed_at and moves[-2][1] == t.resolved_at
        else:
            assert targets[-1] == Status.RESOLVED and moves[-1][1] == t.resolved_at
        replies = [d for kind, d, _at, _a in timelines[t.pk] if kind == "reply"]
        assert replies and replies[0] == {"first_response": True}


def test_acknowledgement_and_first_response_stamps_match_their_events(demo, timelines):
    for t in Ticket.objects.all():
        events = timelines[t.pk]
        first = [at for kind, d, at, _a in events if kind == "reply" and d.get("first_response")]
        assert (t.first_response_at is not None) == bool(first), t.number
        if first:
            assert first == [t.first_response_at]
        if t.status == Status.NEW:
            assert t.accepted_at is None and t.owner_id is None
            continue
        acks = [
            at
            for kind, d, at, _a in events
            if kind == "accepted" or (kind == "status" and d.get("acknowledged"))
        ]
        assert acks and t.accepted_at == acks[-1], t.number
        owners = [d["to"] for kind, d, _at, _a in events if kind == "assigned"]
        assert owners[-1] == t.owner_id


def test_every_ticket_has_sla_state_and_a_paused_one_has_its_open_pause_and_waiting_state(demo, db):
    slas = {s.ticket_id: s for s in TicketSLA.objects.select_related("version")}
    open_pauses = {p.ticket_id: p for p in PauseInterval.objects.filter(ended_at__isnull=True)}
    assert len(slas) == Ticket.objects.count()
    assert open_pauses
    for t in Ticket.objects.all():
        sla = slas[t.pk]
        pausing = set(sla.version.pause_statuses)
        waiting = t.status in pausing or bool(t.sub_status and t.sub_status in pausing)
        assert waiting == (t.pk in open_pauses) == (sla.paused_since is not None), t.number
        if waiting:
            assert open_pauses[t.pk].started_at == sla.paused_since
            assert open_pauses[t.pk].reason == (t.sub_status or t.status)
            assert sla.next_deadline is None and sla.resolution_due is None and sla.next_update_due is None
    for pause in PauseInterval.objects.filter(ended_at__isnull=False):
        assert pause.started_at < pause.ended_at


def test_deadlines_are_the_sla_apps_own_and_a_breach_is_recorded_wherever_one_was_missed(demo, db):
    now = timezone.now()
    pauses = defaultdict(list)
    for p in PauseInterval.objects.all():
        pauses[p.ticket_id].append((p.started_at, p.ended_at))
    breaches = defaultdict(dict)
    for b in Breach.objects.all():
        breaches[b.ticket_id][(b.metric, b.due_at)] = b
    checked = 0
    for sla in TicketSLA.objects.select_related("version", "ticket__organization"):
        t, org = sla.ticket, sla.ticket.organization
        targets = targets_for(
            sla.version, priority=t.priority, tier=org.tier, contract_level=org.contract_level
        )
        cal = working_calendar(sla.version.calendar_id)
        closed = [p for p in pauses[t.pk] if p[1] is not None and p[1] > sla.started_at]
        resolution = deadline_after(sla.started_at, targets[Metric.RESOLUTION], cal, closed)
        assert sla.resolution_deadline == resolution, t.number
        done = t.resolved_at or (None if t.status in OPEN_STATUSES else t.closed_at)
        late = resolution < (done or now) and not (
            done is None and sla.paused_since and sla.paused_since < resolution
        )
        assert ((Metric.RESOLUTION, resolution) in breaches[t.pk]) == late, t.number
        if sla.started_at == t.created_at:  # not reopened: the acknowledgement clock is the first one
            ack = deadline_after(t.created_at, targets[Metric.ACKNOWLEDGE], cal, [])
            first_ack = _first_acknowledgement(t)
            assert ((Metric.ACKNOWLEDGE, ack) in breaches[t.pk]) == ((first_ack or now) > ack), t.number
            checked += 1
        assert sla.breached == bool(breaches[t.pk]), t.number
        if t.status in OPEN_STATUSES and not sla.paused_since:
            assert sla.next_update_due is not None and sla.next_update_due > now, t.number
            assert sla.next_deadline is not None
        if t.status in (Status.RESOLVED, Status.CLOSED):
            assert sla.next_deadline is None and sla.resolution_due is None and sla.director_due is None
    assert checked > TICKETS / 2
    for b in Breach.objects.all():
        assert b.recorded_at == b.due_at and (b.met_at is None or b.met_at > b.due_at)


def _first_acknowledgement(ticket):
    event = ticket.events.filter(kind__in=["accepted", "status"]).order_by("created_at", "id").first()
    if event is None or (event.kind == "status" and not event.data.get("acknowledged")
                         and event.data["to"] != Status.ACCEPTED):
        return None
    return event.created_at


def test_each_escalation_has_its_timeline_event_and_the_sweepers_follow_their_breaches(demo, db):
    escalations = list(Escalation.objects.all())
    kinds = {e.kind for e in escalations}
    assert {EscalationKind.ACKNOWLEDGE_OVERDUE, EscalationKind.MANUAL} <= kinds
    named = {e.data["escalation"]: e for e in TicketEvent.objects.filter(kind=EventKind.ESCALATED)}
    assert len(named) == len(escalations)
    for esc in escalations:
        event = named[esc.pk]
        assert event.ticket_id == esc.ticket_id and event.created_at == esc.created_at
        assert event.data == {"escalation": esc.pk, "kind": esc.kind, "to": esc.escalated_to_id,
                              "department": esc.department}
        assert (event.actor_id is None) == (esc.kind != EscalationKind.MANUAL)
    ack_breaches = {(b.ticket_id, b.due_at) for b in Breach.objects.filter(metric=Metric.ACKNOWLEDGE)}
    ack_escalations = {(e.ticket_id, e.created_at) for e in escalations
                       if e.kind == EscalationKind.ACKNOWLEDGE_OVERDUE}
    assert ack_breaches == ack_escalations
    for b in Breach.objects.filter(metric=Metric.RESOLUTION):
        director_at = b.due_at + DIRECTOR_DELAY
        overdue = director_at < (b.met_at or timezone.now())
        sla = TicketSLA.objects.get(ticket_id=b.ticket_id)
        if sla.paused_since is not None and b.met_at is None:
            overdue = director_at < sla.paused_since
        found = Escalation.objects.filter(ticket_id=b.ticket_id, kind=EscalationKind.RESOLUTION_OVERDUE,
                                          created_at=director_at).exists()
        assert found == overdue, b.ticket_id


def test_an_escalated_ticket_went_to_a_lead_who_kept_the_engineer_as_co_handler(demo, db):
    escalated = Ticket.objects.filter(status=Status.ESCALATED).annotate(n=Count("co_handlers"))
    assert escalated.exists()
    for t in escalated:
        manual = Escalation.objects.get(ticket=t, kind=EscalationKind.MANUAL)
        assert manual.escalated_to_id == t.owner_id and t.n == 1
        assert t.co_handlers.get().pk == manual.created_by_id
        assert t.accepted_at > manual.created_at


def test_the_demo_queues_no_message_for_its_history(demo, db):
    assert not Delivery.objects.exists()
    assert not Notification.objects.exists()


def test_a_models_recurring_fault_recurs_in_the_same_words(demo, db):
    titles = (Ticket.objects.filter(ticket_type="problem", product__product_model__code="X-3000")
              .values("title", "error_code").annotate(n=Count("id")).order_by("-n"))
    top = titles.first()
    assert top["title"] == "设备 X-3000 运行中突然断电重启" and "E101" in top["error_code"]
    assert top["n"] >= 3
    assert timedelta(0) <= timezone.now() - Ticket.objects.latest("created_at").created_at
