"""The SLA clock over a demo ticket's whole history, worked out afterwards instead of event by event.

A ticket written through the services moves its clock at each event (sla/receivers.py) and the
sweeper (sla/services/sweep.py) claims every deadline that passes: it records the breach, and for a
late acknowledgement, a missed update cadence or a resolution 24 hours overdue it escalates. The
demo writes history in bulk, so none of that runs; `settle` works out what it would have left —
the TicketSLA row, the pauses, the breaches and the escalations with their timeline events — from the
ticket's story, with the SLA app's own targets and deadline maths (targets_for, deadline_after,
the version's pause statuses and at-risk ratio). Nothing here invents a deadline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from serviceloop.sla import deadlines
from serviceloop.sla.models import Breach, Escalation, EscalationKind, Metric, PauseInterval, TicketSLA, Unit
from serviceloop.sla.services.calendars import working_calendar
from serviceloop.sla.services.clock import DIRECTOR_DELAY, deadline_after
from serviceloop.sla.services.policies import targets_for

DIRECTOR_SECONDS = DIRECTOR_DELAY.total_seconds()


def at(ts: float) -> datetime:
    """An aware UTC datetime for a POSIX timestamp."""
    return datetime.fromtimestamp(ts, UTC)


@dataclass
class Round:
    """One processing round: from creation, or from a reopening, to resolution (None: still open)."""

    start: float
    resolved: float | None = None


@dataclass
class Story:
    """What the SLA clock needs to know of one ticket's history (timestamps in seconds)."""

    created: float
    priority: str
    terms: tuple[str, str]  # the organisation's tier and contract level
    group: int | None
    owner: int | None  # who the update reminders go to
    acknowledged: float | None  # the first owner's acknowledgement
    reassigned: float | None = None  # ASN-3: a new owner, who must acknowledge again (from then)
    first_response: float | None = None
    rounds: list[Round] = field(default_factory=list)
    pauses: list[tuple[float, float | None, str]] = field(default_factory=list)  # (start, end, reason)
    updates: list[float] = field(default_factory=list)  # staff replies and logged communications


@dataclass
class Escalated:
    """An automatic escalation the sweeper would have made: its kind, to whom, when."""

    kind: str
    to: int | None
    ts: float


@dataclass
class Settled:
    """What the clock and the sweeper would have left for one ticket."""

    sla: TicketSLA
    pauses: list[PauseInterval]
    breaches: list[Breach]
    escalations: list[Escalated]


class DemoClock:
    """`settle` for many tickets under one policy version; targets per (priority, tier, level) memoised."""

    def __init__(self, version, *, now: datetime, director: int | None, supervisors: dict[int, int | None],
                 first_supervisor: int | None):
        """Read the version's calendar once; `supervisors` maps a support group to its supervisor."""
        self.version = version
        self.cal = working_calendar(version.calendar_id)
        self.pause_statuses = frozenset(version.pause_statuses or [])
        self.ratio = float(version.at_risk_ratio)
        self.now = now.timestamp()
        self.director = director
        self.supervisors = supervisors
        self.first_supervisor = first_supervisor
        self._targets: dict[tuple, dict] = {}
        self._estimated_memo: dict[tuple, bool] = {}

    def pausing(self, status: str, sub_status: str) -> bool:
        """Whether the version stops the clock in this state (sla/services/clock.py _is_pausing)."""
        return status in self.pause_statuses or (bool(sub_status) and sub_status in self.pause_statuses)

    def targets(self, priority: str, terms: tuple[str, str]) -> dict:
        """The version's targets for this priority and customer, per metric (targets_for, memoised)."""
        key = (priority, *terms)
        found = self._targets.get(key)
        if found is None:
            found = self._targets[key] = targets_for(self.version, priority=priority, tier=terms[0],
                                                     contract_level=terms[1])
        return found

    def _estimated(self, start: datetime, end: datetime) -> bool:
        """deadlines.deadline_is_estimated, memoised by the two local dates it depends on."""
        tz = self.cal.tz
        key = (start.astimezone(tz).date(), end.astimezone(tz).date())
        found = self._estimated_memo.get(key)
        if found is None:
            found = self._estimated_memo[key] = deadlines.deadline_is_estimated(start, end, self.cal)
        return found

    def _due(self, start: float, target, pauses) -> float | None:
        if target is None:
            return None
        value = deadline_after(at(start), target, self.cal, pauses)
        return value.timestamp() if value is not None else None

    def settle(self, story: Story, ticket_id: int, organization_id: int) -> Settled:
        """The ticket's SLA row, pause rows, breaches and automatic escalations, as of now."""
        now = self.now
        targets = self.targets(story.priority, story.terms)
        closed = [(at(s), at(e)) for s, e, _r in story.pauses if e is not None]
        open_pause = next((s for s, e, _r in story.pauses if e is None), None)
        all_pauses = closed + ([(at(open_pause), None)] if open_pause is not None else [])
        breaches: list[Breach] = []
        escalations: list[Escalated] = []
        supervisor = self.supervisors.get(story.group) if story.group else None
        supervisor = supervisor or self.first_supervisor

        def missed(metric: str, due: float, met: float | None, minutes: int | None = None) -> None:
            # The sweeper claims the deadline as it passes (recorded then), and the breach grows
            # to its final size when the target is met (breaches.meet / complete_open_breaches).
            late = minutes if minutes is not None else (
                max(0, math.ceil((met - due) / 60)) if met is not None else 0)
            breaches.append(Breach(ticket_id=ticket_id, organization_id=organization_id, metric=metric,
                                   due_at=at(due), met_at=at(met) if met is not None else None,
                                   recorded_at=at(due), minutes_late=late))

        # Acknowledgement (ASN-3): a late one is escalated to the group's supervisor by the sweeper.
        ack_due = self._due(story.created, targets.get(Metric.ACKNOWLEDGE), [])
        pending_ack = None
        if ack_due is not None:
            if ack_due <= min(story.acknowledged or now, now) and (story.acknowledged or now) > ack_due:
                missed(Metric.ACKNOWLEDGE, ack_due, story.acknowledged)
                escalations.append(Escalated(EscalationKind.ACKNOWLEDGE_OVERDUE, supervisor, ack_due))
            elif story.acknowledged is None:
                pending_ack = ack_due
        # First response: a breach only; the open pause blocks a deadline it would run into.
        fr_due = self._due(story.created, targets.get(Metric.FIRST_RESPONSE), all_pauses)
        pending_fr = None
        if fr_due is not None:
            if fr_due <= now and (story.first_response is None or story.first_response > fr_due):
                missed(Metric.FIRST_RESPONSE, fr_due, story.first_response)
            elif story.first_response is None:
                pending_fr = fr_due
        # Resolution, per round (a reopened ticket gets a fresh clock); 24 hours past it the director.
        resolution = targets.get(Metric.RESOLUTION)
        deadline = pending_res = director_due = None
        for rnd in story.rounds:
            round_closed = [p for p in closed if p[1].timestamp() > rnd.start]
            deadline = self._due(rnd.start, resolution, round_closed)
            if deadline is None:
                continue
            end = (
                rnd.resolved if rnd.resolved is not None else (open_pause if open_pause is not None else now)
            )
            if deadline < end and deadline <= now:
                director_at = deadline + DIRECTOR_SECONDS
                escalated = director_at < end and director_at <= now
                # Unmet, the breach has the size the director's sweep gave it; met, its final size.
                missed(Metric.RESOLUTION, deadline, rnd.resolved,
                       None if rnd.resolved is not None else (1440 if escalated else 0))
                if escalated:
                    escalations.append(
                        Escalated(EscalationKind.RESOLUTION_OVERDUE, self.director, director_at)
                    )
                elif rnd.resolved is None and open_pause is None:
                    director_due = director_at
            elif rnd.resolved is None and open_pause is None:
                pending_res, director_due = deadline, deadline + DIRECTOR_SECONDS
        # Update cadence (ASN-4): each gap longer than the target is one reminder to the owner.
        next_update = self._cadence(story, targets.get(Metric.UPDATE), escalations)

        current = story.rounds[-1] if story.rounds else Round(story.created)
        resolved = current.resolved is not None
        paused = open_pause is not None
        sla = TicketSLA(ticket_id=ticket_id, version=self.version, started_at=at(current.start))
        sla.acknowledge_from = at(story.reassigned) if story.reassigned is not None else None
        sla.acknowledge_due = at(pending_ack) if pending_ack and not paused else None
        sla.first_response_due = at(pending_fr) if pending_fr and not paused else None
        sla.resolution_deadline = at(deadline) if deadline is not None else None
        sla.resolution_due = at(pending_res) if pending_res and not paused else None
        sla.director_due = at(director_due) if director_due and not paused and not resolved else None
        sla.next_update_due = at(next_update) if next_update and not paused and not resolved else None
        sla.paused_since = at(open_pause) if paused else None
        sla.breached = bool(breaches)
        nearest = min((d for d in (sla.acknowledge_due, sla.first_response_due, sla.resolution_due) if d),
                      default=None)
        sla.at_risk_at = (sla.started_at + (nearest - sla.started_at) * self.ratio) if nearest else None
        # Claimed (breached) deadlines count too: an overdue ticket stays first in the lists.
        open_targets = [ack_due if story.acknowledged is None else None,
                        fr_due if story.first_response is None else None,
                        deadline if not resolved else None]
        next_deadline = min((d for d in open_targets if d), default=None)
        sla.next_deadline = at(next_deadline) if next_deadline and not paused and not resolved else None
        horizon = max((d for d in (ack_due, fr_due, deadline) if d), default=current.start)
        sla.estimated = self._estimated(sla.started_at, at(horizon))
        pause_rows = [PauseInterval(ticket_id=ticket_id, started_at=at(s), ended_at=at(e) if e else None,
                                    reason=r) for s, e, r in story.pauses]
        return Settled(sla=sla, pauses=pause_rows, breaches=breaches, escalations=escalations)

    def _cadence(self, story: Story, target, escalations: list[Escalated]) -> float | None:
        """Reminders for every update gap past the cadence; the pending next-update deadline.

        The cadence runs while the ticket is open and its clock is not paused: from the start of a
        round, or from a resumption (the demo logs a call as work resumes), and every staff reply or
        logged communication restarts it (ticket_sla_customer_updated); a reminder restarts it too.
        """
        if target is None:
            return None
        now = self.now
        spans = cadence_spans(story, now)
        calendar = target.amount * 60.0 if target.unit == Unit.CALENDAR_MINUTES else 0.0
        pending = None
        updates = story.updates
        for start, end in spans:
            cursor = start
            for update in [u for u in updates if start < u <= end] + [None]:
                limit = update if update is not None else end
                if update is not None and calendar and limit - cursor <= calendar:
                    # Calendar minutes without pauses run with the wall clock: no deadline in this gap.
                    cursor = update
                    continue
                due = self._due(cursor, target, [])
                while due is not None and due < limit:
                    escalations.append(Escalated(EscalationKind.UPDATE_OVERDUE, story.owner, due))
                    cursor, due = due, self._due(due, target, [])
                if update is not None:
                    cursor = update
                elif end >= now:
                    pending = due
        return pending


def breach_label(kind: str) -> str:
    """The reason the sweeper gives an automatic escalation: its kind's label (sweep.py _label)."""
    return str(EscalationKind(kind).label)


def escalation_row(kind: str, *, pk: int, ticket_id: int, to: int | None, ts: float, reason: str,
                   actor: int | None = None, department: str = "") -> Escalation:
    """The Escalation row an escalation leaves (escalation.escalation_record), dated `ts`."""
    return Escalation(pk=pk, ticket_id=ticket_id, kind=kind, escalated_to_id=to, department=department,
                      reason=reason, created_by_id=actor, created_at=at(ts))


def cadence_spans(story: Story, now: float) -> list[tuple[float, float]]:
    """The spans in which the update cadence runs: each round, less its pauses, up to now."""
    spans: list[tuple[float, float]] = []
    for rnd in story.rounds:
        start, end = rnd.start, rnd.resolved if rnd.resolved is not None else now
        for p_start, p_end, _r in sorted(story.pauses):
            if p_start < start or p_start >= end:
                continue
            spans.append((start, p_start))
            start = p_end if p_end is not None else end
        if start < end:
            spans.append((start, end))
    return spans
