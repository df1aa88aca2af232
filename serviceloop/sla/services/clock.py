"""The ticket clock (SLA-4, SLA-5, ASN-3): each ticket's deadlines, started when it is created, moved
when it is acknowledged, answered, reassigned, re-prioritised, paused, resumed, resolved or reopened.

Tickets never call these: the ticket services record a timeline event (tickets/events.py), and the
SLA app's receiver (sla/receivers.py) calls the matching function here, inside the same transaction,
so the SLA state changes exactly when the ticket does.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.accounts.models import User
from serviceloop.core import rows
from serviceloop.core.errors import Forbidden, InvalidInput
from serviceloop.tickets import events
from serviceloop.tickets.choices import FINISHED_STATUSES, OPEN_STATUSES, Status
from serviceloop.tickets.models import Ticket

from .. import deadlines
from ..calendar import WorkingCalendar
from ..models import (
    Breach,
    BusinessCalendar,
    Escalation,
    EscalationKind,
    Metric,
    PauseInterval,
    SLAPolicy,
    SLAPolicyVersion,
    SLATarget,
    TicketSLA,
    Unit,
)
from .breaches import complete_open_breaches, meet
from .calendars import clear_calendar_cache, working_calendar
from .policies import default_version, targets_for

DIRECTOR_DELAY = timedelta(hours=24)  # ASN-4: 24 hours past the resolution deadline

logger = logging.getLogger(__name__)


def deadline_after(start: datetime, target: SLATarget, cal: WorkingCalendar, pauses) -> datetime | None:
    """When `target` is due if its clock starts at `start`, in the target's own unit; None when that lies
    beyond the deadline maths' horizon (decades away: a calendar with almost no business time)."""
    try:
        if target.unit == Unit.CALENDAR_MINUTES:
            return deadlines.add_calendar_minutes(start, target.amount, pauses)
        if target.unit == Unit.BUSINESS_MINUTES:
            return deadlines.add_business_minutes(start, target.amount, cal, pauses)
        return deadlines.add_working_days(start, target.amount, cal, pauses)
    except deadlines.DeadlineBeyondHorizon:
        logger.warning("SLA target %s lies beyond the deadline horizon; no deadline set.", target)
        return None


def _pauses(ticket_id: int) -> list[tuple[datetime, datetime | None]]:
    return list(PauseInterval.objects.filter(ticket_id=ticket_id).values_list("started_at", "ended_at"))


def _is_pausing(version: SLAPolicyVersion, status: str, sub_status: str) -> bool:
    pause = set(version.pause_statuses or [])
    return status in pause or (bool(sub_status) and sub_status in pause)


def _compute(sla: TicketSLA, ticket, *, now: datetime, pauses: list | None = None,
             fresh: bool = False, handled: set[str] | None = None, escalated: bool | None = None) -> None:
    """Fill the pending deadlines of `sla` from its start, its targets and its closed pauses.

    A deadline already past whose breach (or director escalation) was recorded stays empty: a
    recomputation must never re-arm what the sweeper has handled. `fresh` (a new ticket, a bulk
    backfill) skips that look-up and the pause query, as nothing can have happened yet. A caller
    recomputing many tickets at once passes what it read for all of them in one query each: `pauses`
    (closed ones), `handled` (metrics breached since the start) and `escalated` (director escalation).
    """
    version = sla.version
    org = ticket.organization
    targets = targets_for(version, priority=ticket.priority, tier=org.tier, contract_level=org.contract_level)
    cal = working_calendar(version.calendar_id)
    if fresh:
        pauses = []
    elif pauses is None:
        pauses = [p for p in _pauses(ticket.pk) if p[1] is not None]
    start = sla.started_at
    due = {m: deadline_after(start, t, cal, pauses) for m, t in targets.items()
           if m not in (Metric.UPDATE, Metric.ACKNOWLEDGE)}
    if Metric.ACKNOWLEDGE in targets:
        ack_from = max(sla.acknowledge_from or start, start)
        due[Metric.ACKNOWLEDGE] = deadline_after(ack_from, targets[Metric.ACKNOWLEDGE], cal,
                                                 [p for p in pauses if p[1] is None or p[1] > ack_from])
    done_ack = ticket.accepted_at is not None
    done_response = ticket.first_response_at is not None
    done_resolution = ticket.status in FINISHED_STATUSES
    if fresh:
        handled = set()
    elif handled is None:
        handled = set(Breach.objects.filter(ticket_id=ticket.pk, recorded_at__gte=start)
                      .values_list("metric", flat=True))

    def pending(metric: str, done: bool) -> datetime | None:
        value = due.get(metric)
        if done or value is None or (value <= now and metric in handled):
            return None
        return value

    sla.acknowledge_due = pending(Metric.ACKNOWLEDGE, done_ack)
    sla.first_response_due = pending(Metric.FIRST_RESPONSE, done_response)
    sla.resolution_deadline = due.get(Metric.RESOLUTION)
    sla.resolution_due = pending(Metric.RESOLUTION, done_resolution)
    sla.director_due = None
    if sla.resolution_deadline and not done_resolution:
        director_at = sla.resolution_deadline + DIRECTOR_DELAY
        if director_at <= now and not fresh and escalated is None:
            escalated = Escalation.objects.filter(
                ticket_id=ticket.pk, kind=EscalationKind.RESOLUTION_OVERDUE, created_at__gte=start).exists()
        sla.director_due = None if director_at <= now and escalated else director_at
    update = targets.get(Metric.UPDATE)
    if update and not done_resolution:
        last = ticket.first_response_at or start
        sla.next_update_due = deadline_after(max(last, start), update, cal, pauses)
    else:
        sla.next_update_due = None
    _set_at_risk(sla)
    # Claimed (breached) deadlines count too: an overdue ticket stays first in the lists.
    open_targets = [due.get(Metric.ACKNOWLEDGE) if not done_ack else None,
                    due.get(Metric.FIRST_RESPONSE) if not done_response else None,
                    sla.resolution_deadline if not done_resolution else None]
    sla.next_deadline = None if sla.paused_since else min((d for d in open_targets if d), default=None)
    horizon = max((d for d in due.values() if d), default=start)
    sla.estimated = deadlines.deadline_is_estimated(start, horizon, cal)
    # Dues in the past at computation time are left for the sweeper, which records the breach.


def _set_at_risk(sla: TicketSLA) -> None:
    """At risk once `at_risk_ratio` of the time to the nearest *pending* target has gone (SLA-5)."""
    pending = (sla.acknowledge_due, sla.first_response_due, sla.resolution_due)
    nearest = min((d for d in pending if d), default=None)
    if nearest is None:
        sla.at_risk_at = None
    else:
        sla.at_risk_at = sla.started_at + (nearest - sla.started_at) * float(sla.version.at_risk_ratio)


def _time_left(sla: TicketSLA, now: datetime) -> dict[str, int]:
    """Seconds left on each pending target as the clock stops (issue #11.4): what a paused ticket
    shows, frozen, instead of a deadline that no longer holds. Negative when already overdue."""
    pending = {Metric.ACKNOWLEDGE: sla.acknowledge_due, Metric.FIRST_RESPONSE: sla.first_response_due,
               Metric.RESOLUTION: sla.resolution_due, Metric.UPDATE: sla.next_update_due}
    return {str(m): int((due - now).total_seconds()) for m, due in pending.items() if due is not None}


def _clear_dues(sla: TicketSLA) -> None:
    sla.acknowledge_due = sla.first_response_due = sla.resolution_due = None
    sla.next_update_due = sla.director_due = sla.at_risk_at = sla.next_deadline = None


def _refresh_next_deadline(sla: TicketSLA, ticket) -> None:
    """After one target was met or re-armed: the earliest deadline still open.

    A deadline the sweeper already claimed (a breach not yet put right) is no longer known here, so
    it drops out until the next full recomputation; its breach is recorded and shown all the same.
    """
    if sla.paused_since is not None or ticket.status in FINISHED_STATUSES:
        sla.next_deadline = None
        return
    candidates = (sla.acknowledge_due, sla.first_response_due, sla.resolution_due or sla.resolution_deadline)
    sla.next_deadline = min((d for d in candidates if d), default=None)


_SLA_FIELDS = ["acknowledge_from", "acknowledge_due", "first_response_due", "resolution_due",
               "next_update_due", "director_due", "resolution_deadline", "next_deadline", "at_risk_at",
               "estimated", "paused_since", "paused_left", "breached", "version"]


def ticket_sla_prepare(*, ticket, now: datetime | None = None) -> TicketSLA:
    """The SLA state of a new ticket under the default policy, computed and not saved yet."""
    sla = TicketSLA(version=default_version(), started_at=now or ticket.created_at)
    _compute(sla, ticket, now=sla.started_at, fresh=True)
    return sla


def ticket_sla_start(*, ticket) -> TicketSLA:
    """Start the clock of a ticket just created (its `created` event was recorded): one INSERT.

    The deadlines were computed before the ticket took its number (ticket_create announces
    `creating`, and the receiver keeps the prepared row as `ticket.sla`), so the numbering row,
    locked until commit, is held only for the INSERTs; rows.insert, as for the ticket and its event
    (docs/benchmarks.md). A ticket created without that announcement is prepared here.
    """
    sla = ticket.sla if type(ticket).sla.is_cached(ticket) else ticket_sla_prepare(ticket=ticket)
    sla.ticket = ticket  # the ticket's key, now it has one; ticket.sla stays cached for the answer
    return rows.insert(sla)


def ticket_sla_backfill(*, settle_past: bool = False, batch: int = 5000) -> int:
    """Give every open ticket without SLA state one under the default policy (imports, demo data).

    With `settle_past`, deadlines already gone by are marked breached without escalating: a freshly
    loaded demo should not wake up to thousands of escalations for history it made up.
    """
    version = default_version()
    now = timezone.now()
    qs = (Ticket.objects.filter(status__in=OPEN_STATUSES, sla__isnull=True)
          .select_related("organization").order_by("id"))
    written = 0
    pending_rows: list[TicketSLA] = []
    for ticket in qs.iterator(chunk_size=batch):
        sla = TicketSLA(ticket=ticket, version=version, started_at=ticket.created_at)
        _compute(sla, ticket, now=now, fresh=True)
        if settle_past:
            for column in ("acknowledge_due", "first_response_due", "resolution_due", "next_update_due",
                           "director_due"):
                due = getattr(sla, column)
                if due is not None and due <= now:
                    setattr(sla, column, None)
                    sla.breached = sla.breached or column != "next_update_due"
        pending_rows.append(sla)
        if len(pending_rows) >= batch:
            written += len(TicketSLA.objects.bulk_create(pending_rows))
            pending_rows = []
    if pending_rows:
        written += len(TicketSLA.objects.bulk_create(pending_rows))
    return written


def _sla_for_update(ticket) -> TicketSLA | None:
    return (TicketSLA.objects.select_for_update(no_key=True, of=("self",)).select_related("version")
            .filter(ticket_id=ticket.pk).first())


def ticket_sla_recompute(*, ticket) -> TicketSLA | None:
    """Recompute after a priority, tier or contract change; the policy version stays the ticket's own."""
    if ticket.status in FINISHED_STATUSES:
        return None  # nothing is pending on a finished ticket; recomputing would re-arm its targets
    sla = _sla_for_update(ticket)
    if sla is None:
        return None
    if sla.paused_since is None:
        _compute(sla, ticket, now=timezone.now())
        sla.save(update_fields=_SLA_FIELDS)
    return sla


@transaction.atomic
def ticket_sla_set_policy(*, ticket, actor: User, policy: SLAPolicy, reason: str) -> TicketSLA:
    """Put a ticket under another policy (its current version), e.g. a contract's own SLA; recomputed
    from the original start, pauses kept. Supervisors only, with a reason, on the timeline."""
    if actor.is_customer or not actor.has_perm("tickets.override_priority"):
        raise Forbidden(_("You do not have permission to do this."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.field("reason", _("This field is required."))
    version = policy.current_version()
    if version is None:
        raise InvalidInput.field("policy_id", _("This policy has no version yet."))
    ticket = Ticket.objects.select_for_update(no_key=True).select_related("organization").get(pk=ticket.pk)
    sla = _sla_for_update(ticket)
    if sla is None:
        sla = TicketSLA(ticket=ticket, version=version, started_at=ticket.created_at)
        _compute(sla, ticket, now=timezone.now())
        sla.save(force_insert=True)
    else:
        old = sla.version
        sla.version = version
        if sla.paused_since is None and ticket.status not in FINISHED_STATUSES:
            _compute(sla, ticket, now=timezone.now())
        sla.save(update_fields=_SLA_FIELDS)
        # A `fields` event without "priority": the clock's receiver leaves it alone (no loop back).
        events.fields_changed(ticket, actor, changes={"sla_policy": [str(old), str(version)],
                                                      "reason": [None, reason]})
    return sla


def organization_sla_recompute(*, organization_id: int, batch: int = 500) -> int:
    """After an organisation's tier or contract level changed: recompute its open tickets' deadlines.

    Runs as a background job (sla.tasks); each ticket in its own short transaction so a large customer
    does not hold locks for long.
    """
    ids = list(Ticket.objects.filter(organization_id=organization_id, status__in=OPEN_STATUSES)
               .values_list("id", flat=True))
    for ticket_id in ids:
        with transaction.atomic():
            # Re-read under the row lock: the ticket may have been resolved since the list was taken.
            ticket = (Ticket.objects.select_for_update(no_key=True, of=("self",))
                      .select_related("organization").filter(pk=ticket_id).first())
            if ticket is not None:
                ticket_sla_recompute(ticket=ticket)
    return len(ids)


def ticket_sla_status_changed(*, ticket, old_status: str, actor) -> TicketSLA | None:
    """Pause, resume, meet or restart the clock after a status change (SLA-4, SLA-5)."""
    sla = _sla_for_update(ticket)
    if sla is None:
        return None
    now = timezone.now()
    pausing = _is_pausing(sla.version, ticket.status, ticket.sub_status)
    if pausing and sla.paused_since is None:
        PauseInterval.objects.create(ticket=ticket, started_at=now, reason=ticket.sub_status or ticket.status)
        sla.paused_since = now
        sla.paused_left = _time_left(sla, now)
        _clear_dues(sla)
    elif not pausing and sla.paused_since is not None:
        PauseInterval.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=now)
        sla.paused_since = None
        sla.paused_left = {}
        _compute(sla, ticket, now=now)
    if ticket.status in FINISHED_STATUSES:
        if ticket.status == Status.RESOLVED:
            meet(sla, ticket, Metric.RESOLUTION, sla.resolution_deadline, now)
        _clear_dues(sla)
    elif ticket.status == Status.REOPENED and old_status in FINISHED_STATUSES:
        # Second processing: a fresh resolution clock from now, under the same version.
        sla.started_at = now
        sla.save(update_fields=["started_at"])
        _compute(sla, ticket, now=now)
    sla.save(update_fields=_SLA_FIELDS)
    return sla


def ticket_sla_acknowledged(*, ticket) -> None:
    """The owner confirmed receipt (ASN-3): the acknowledgement target is met."""
    sla = _sla_for_update(ticket)
    if sla is None:
        return
    now = timezone.now()
    if sla.acknowledge_due is not None:
        meet(sla, ticket, Metric.ACKNOWLEDGE, sla.acknowledge_due, now)
        sla.acknowledge_due = None
    else:
        complete_open_breaches(ticket, Metric.ACKNOWLEDGE, now)
    _set_at_risk(sla)
    _refresh_next_deadline(sla, ticket)
    sla.save(update_fields=["acknowledge_due", "breached", "at_risk_at", "next_deadline"])


def ticket_sla_reassigned(*, ticket) -> None:
    """A new owner must acknowledge within the acknowledgement target, counted from now."""
    sla = _sla_for_update(ticket)
    if sla is None or sla.paused_since is not None or ticket.status in FINISHED_STATUSES:
        return
    org = ticket.organization
    target = targets_for(sla.version, priority=ticket.priority, tier=org.tier,
                         contract_level=org.contract_level).get(Metric.ACKNOWLEDGE)
    if target is not None:
        now = timezone.now()
        sla.acknowledge_from = now
        sla.acknowledge_due = deadline_after(now, target, working_calendar(sla.version.calendar_id), [])
        _set_at_risk(sla)
        _refresh_next_deadline(sla, ticket)
        sla.save(update_fields=["acknowledge_from", "acknowledge_due", "at_risk_at", "next_deadline"])


def ticket_sla_customer_updated(*, ticket, first_response: bool) -> None:
    """A public reply or a logged communication: first response met, update cadence restarts (COM-3)."""
    sla = _sla_for_update(ticket)
    if sla is None:
        return
    now = timezone.now()
    fields = []
    if first_response:
        if sla.first_response_due is not None:
            meet(sla, ticket, Metric.FIRST_RESPONSE, sla.first_response_due, now)
            sla.first_response_due = None
        else:
            complete_open_breaches(ticket, Metric.FIRST_RESPONSE, now)
        _set_at_risk(sla)
        _refresh_next_deadline(sla, ticket)
        fields += ["first_response_due", "breached", "at_risk_at", "next_deadline"]
    if sla.paused_since is None and ticket.status not in FINISHED_STATUSES:
        org = ticket.organization
        update = targets_for(sla.version, priority=ticket.priority, tier=org.tier,
                             contract_level=org.contract_level).get(Metric.UPDATE)
        if update is not None:
            sla.next_update_due = deadline_after(now, update, working_calendar(sla.version.calendar_id), [])
            fields.append("next_update_due")
    if fields:
        sla.save(update_fields=fields)


# The pending deadline columns a calendar change can move, and the names their timeline entries use.
_MOVABLE = {"acknowledge_due": Metric.ACKNOWLEDGE, "first_response_due": Metric.FIRST_RESPONSE,
            "resolution_due": Metric.RESOLUTION, "next_update_due": Metric.UPDATE}
CALENDAR_RECOMPUTE_CHUNK = 500


def calendar_sla_recompute(*, calendar_id: int, since: date, until: date | None = None,
                           chunk: int = CALENDAR_RECOMPUTE_CHUNK) -> int:
    """A calendar's days or hours changed between `since` and `until` (inclusive; None: open-ended):
    recompute the open tickets whose pending deadlines the change can move (issue #11.3); the number of
    tickets whose deadlines moved.

    Only a ticket whose clock started before the change's end and with a pending deadline at or after
    its start can move. Chunks of `chunk` tickets by id (keyset), each in its own short transaction;
    rows are locked with SKIP LOCKED, so the job never waits behind a ticket being changed right now and
    two workers running at once take different rows; the rows skipped are done once more at the end,
    then waiting for their lock. A ticket is written only when a value differs from the stored one,
    so a second run (or a second worker) finds nothing to move and writes nothing: each moved deadline
    writes exactly one timeline event.
    """
    clear_calendar_cache()  # this worker may hold the calendar as it was before the change
    cal_row = BusinessCalendar.objects.filter(pk=calendar_id).first()
    if cal_row is None:
        return 0
    tz = ZoneInfo(cal_row.timezone)
    start = datetime.combine(since, time.min, tzinfo=tz)
    reach = Q()
    for column in _MOVABLE:
        reach |= Q(**{f"{column}__gte": start})
    scope = TicketSLA.objects.filter(reach, version__calendar_id=calendar_id, paused_since__isnull=True,
                                     ticket__status__in=OPEN_STATUSES)
    if until is not None:
        scope = scope.filter(started_at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz))
    moved, after, skipped = 0, 0, []
    while True:
        ids = list(
            scope.filter(ticket_id__gt=after)
            .order_by("ticket_id")
            .values_list("ticket_id", flat=True)[:chunk]
        )
        if not ids:
            break
        after = ids[-1]
        count, locked = _recompute_chunk(ids, skip_locked=True)
        moved += count
        skipped += [i for i in ids if i not in locked]
    # Rows another transaction held a moment ago (a reply, an acknowledgement, another worker): once
    # more, now waiting for the lock, so none is left on the old calendar; already moved ones move no more.
    for i in range(0, len(skipped), chunk):
        moved += _recompute_chunk(skipped[i:i + chunk], skip_locked=False)[0]
    return moved


def _recompute_chunk(ids: list[int], *, skip_locked: bool) -> tuple[int, set[int]]:
    """One chunk in one transaction: (tickets whose deadlines moved, the ids locked and looked at)."""
    moved = 0
    with transaction.atomic():
        rows_ = (TicketSLA.objects.select_for_update(no_key=True, skip_locked=skip_locked, of=("self",))
                 .select_related("version", "ticket__organization")
                 .filter(ticket_id__in=ids, paused_since__isnull=True, ticket__status__in=OPEN_STATUSES))
        now = timezone.now()
        locked = list(rows_)
        pauses, handled, escalated = _history_of([sla.ticket_id for sla in locked])
        changed, fields = [], set()
        for sla in locked:
            clock_start = sla.started_at
            moves = _follow_calendar(
                sla, now, pauses=pauses.get(sla.ticket_id, []),
                handled={m for m, at in handled.get(sla.ticket_id, ()) if at >= clock_start},
                escalated=any(at >= clock_start for at in escalated.get(sla.ticket_id, ())))
            if moves is not None:
                changed.append((sla, moves))
                fields |= moves[0]
        if changed:
            # One UPDATE for the chunk's changed rows, then each move's timeline event (announced).
            TicketSLA.objects.bulk_update([sla for sla, _m in changed], sorted(fields))
            for sla, (_fields, deadlines_moved) in changed:
                if deadlines_moved:
                    events.sla_deadline_moved(sla.ticket, None, moved=deadlines_moved, reason="calendar")
                    moved += 1
    # A row not returned was locked by someone else, or has left the scope (resolved, paused) since the
    # ids were read: the caller's second pass re-reads it under the same filter, so the latter is a no-op.
    return moved, {sla.ticket_id for sla in locked}


def _history_of(ticket_ids: list[int]) -> tuple[dict, dict, dict]:
    """For a chunk of tickets, three queries: closed pauses, breaches (metric, when), director escalations."""
    pauses: dict[int, list] = {}
    for tid, started, ended in (PauseInterval.objects.filter(ticket_id__in=ticket_ids, ended_at__isnull=False)
                                .values_list("ticket_id", "started_at", "ended_at")):
        pauses.setdefault(tid, []).append((started, ended))
    handled: dict[int, list] = {}
    for tid, metric, at in Breach.objects.filter(ticket_id__in=ticket_ids).values_list(
            "ticket_id", "metric", "recorded_at"):
        handled.setdefault(tid, []).append((metric, at))
    escalated: dict[int, list] = {}
    for tid, at in Escalation.objects.filter(ticket_id__in=ticket_ids, kind=EscalationKind.RESOLUTION_OVERDUE
                                             ).values_list("ticket_id", "created_at"):
        escalated.setdefault(tid, []).append(at)
    return pauses, handled, escalated


def _follow_calendar(sla: TicketSLA, now: datetime, **history) -> tuple[set[str], dict] | None:
    """Recompute one locked row in memory: None when nothing changed, else (the columns that changed,
    the deadlines that moved as {metric: [old, new]}; empty when only the estimated flag or a derived
    column changed). The caller writes the chunk's rows at once and the timeline events."""
    before = {column: getattr(sla, column) for column in _SLA_FIELDS if column != "version"}
    _compute(sla, sla.ticket, now=now, **history)
    after = {column: getattr(sla, column) for column in before}
    if after == before:
        return None
    deadlines_moved = {str(_MOVABLE[c]): [before[c], after[c]] for c in _MOVABLE
                       if before[c] != after[c] and before[c] is not None and after[c] is not None}
    return {c for c in before if before[c] != after[c]}, deadlines_moved
