"""Every SLA write: starting a ticket's clock, meeting targets, pausing, recomputing, the sweep that
escalates, breaches with their compensation, manual escalation, policy versions and calendar days.

The ticket services call the `ticket_sla_*` hooks inside their own transaction, so SLA state
changes exactly when the ticket does. The sweeper claims each due deadline with a conditional UPDATE
and does the escalation in the same transaction: a worker killed half-way rolls back its claim and
the next sweep does the work, so nothing is lost and nothing is done twice.
"""

from __future__ import annotations

import logging
import math
import threading
import time as _time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from serviceloop.accounts.models import User
from serviceloop.accounts.roles import Role
from serviceloop.core.errors import Forbidden, InvalidInput
from serviceloop.notifications.models import NotificationKind
from serviceloop.notifications.services import notify
from serviceloop.tickets import events
from serviceloop.tickets.choices import Status

from . import deadlines
from .calendar import BusinessWindow, WorkingCalendar, validate_windows
from .models import (
    TARGET_MAX,
    Breach,
    BusinessCalendar,
    BusinessHours,
    CalendarDay,
    Compensation,
    CompensationKind,
    CompensationRule,
    DaySource,
    Escalation,
    EscalationKind,
    Metric,
    PauseInterval,
    SLAPolicy,
    SLAPolicyVersion,
    SLATarget,
    TicketSLA,
    Unit,
    target_max_message,
)
from .presets import DEFAULT_PAUSE_STATUSES, DEFAULT_PRESET, PRESETS

logger = logging.getLogger(__name__)
DIRECTOR_DELAY = timedelta(hours=24)  # ASN-4: 24 hours past the resolution deadline


# --- calendars ------------------------------------------------------------------------------------

_calendar_cache: dict[int, tuple[float, WorkingCalendar]] = {}
CALENDAR_CACHE_SECONDS = 60


def working_calendar(calendar_id: int) -> WorkingCalendar:
    """The calendar as a pure WorkingCalendar, cached per process for a minute.

    Day overrides change a few times a year; rebuilding on every ticket would cost two queries each
    time. Edits through the services below clear the cache at once in this process.
    """
    cached = _calendar_cache.get(calendar_id)
    if cached and _time.monotonic() - cached[0] < CALENDAR_CACHE_SECONDS:
        return cached[1]
    row = BusinessCalendar.objects.get(pk=calendar_id)
    windows = [BusinessWindow(w.start, w.end) for w in row.windows.all()]
    overrides = dict(CalendarDay.objects.filter(calendar=row).values_list("date", "is_working"))
    cal = WorkingCalendar(tz=ZoneInfo(row.timezone), windows=tuple(windows) or WorkingCalendar().windows,
                          overrides=overrides, use_official=row.use_official)
    _calendar_cache[calendar_id] = (_time.monotonic(), cal)
    return cal


def clear_calendar_cache() -> None:
    _calendar_cache.clear()


@transaction.atomic
def calendar_set_windows(*, calendar: BusinessCalendar, windows: list[tuple]) -> BusinessCalendar:
    """Replace a calendar's business-hours windows; overlapping or empty windows are refused."""
    if not windows:
        raise InvalidInput.field("windows", _("Give at least one business-hours window."))
    ordered = sorted(windows)
    for start, end in ordered:
        if start >= end:
            raise InvalidInput.field("windows", _("The window %(start)s–%(end)s must start before it ends.")
                                     % {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"})
    for (s1, e1), (s2, e2) in zip(ordered, ordered[1:], strict=False):
        if s2 < e1:
            raise InvalidInput.field("windows", _("The windows %(first)s and %(second)s overlap.")
                                     % {"first": f"{s1:%H:%M}–{e1:%H:%M}", "second": f"{s2:%H:%M}–{e2:%H:%M}"})
    validate_windows([BusinessWindow(start, end) for start, end in windows])  # the calendar's own rules
    calendar.windows.all().delete()
    BusinessHours.objects.bulk_create([BusinessHours(calendar=calendar, start=s, end=e) for s, e in windows])
    clear_calendar_cache()
    return calendar


@transaction.atomic
def calendar_day_set(*, calendar: BusinessCalendar, day: date, is_working: bool, name: str = "",
                     source: str = DaySource.COMPANY) -> CalendarDay:
    """Enter or correct one day (a company holiday, a makeup day, a day of a year the package lacks)."""
    if not 1900 <= day.year <= 2100:
        raise InvalidInput.field("date", _("Only dates from 1900 to 2100 can be entered."))
    if source not in DaySource.values:
        raise InvalidInput.field("source", _("Unknown source."))
    row, _created = CalendarDay.objects.update_or_create(
        calendar=calendar, date=day, defaults={"is_working": is_working, "name": name[:100], "source": source})
    clear_calendar_cache()
    return row


def default_calendar() -> BusinessCalendar:
    """The default calendar, created with 09:00–12:00 and 13:00–18:00 the first time it is needed."""
    cal = BusinessCalendar.objects.filter(is_default=True).first()
    if cal is None:
        from datetime import time

        cal, created = BusinessCalendar.objects.get_or_create(
            name="中国大陆工作日历", defaults={"is_default": True, "timezone": "Asia/Shanghai"})
        if created or not cal.windows.exists():
            calendar_set_windows(calendar=cal, windows=[(time(9), time(12)), (time(13), time(18))])
    return cal


# --- policies -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TargetSpec:
    priority: str
    metric: str
    amount: int
    unit: str
    tier: str = ""
    contract_level: str = ""


def _validate_targets(targets: list[TargetSpec]) -> None:
    seen = set()
    for i, t in enumerate(targets):
        where = f"targets[{i}]"
        if t.unit not in Unit.values:
            raise InvalidInput.field(f"{where}.unit", _("Unknown unit “%(unit)s”. Allowed: %(allowed)s")
                                     % {"unit": t.unit, "allowed": ", ".join(Unit.values)})
        if t.metric not in Metric.values:
            raise InvalidInput.field(f"{where}.metric", _("Unknown metric “%(metric)s”.") % {"metric": t.metric})
        if not isinstance(t.amount, int) or t.amount <= 0:
            raise InvalidInput.field(f"{where}.amount", _("A target must be a whole number greater than zero."))
        if t.amount > TARGET_MAX[t.unit]:  # issue #9: the deadline maths must never overflow
            raise InvalidInput.field(f"{where}.amount", target_max_message(t.unit))
        key = (t.priority, t.tier, t.contract_level, t.metric)
        if key in seen:
            raise InvalidInput.field(where, _("This target is listed twice."))
        seen.add(key)


@transaction.atomic
def policy_version_create(*, policy: SLAPolicy, actor: User | None, reason: str, targets: list[TargetSpec],
                          calendar: BusinessCalendar | None = None, pause_statuses: list[str] | None = None,
                          at_risk_ratio: Decimal | float | None = None) -> SLAPolicyVersion:
    """Write a new version of a policy (SLA-7). Tickets already running keep the version they started with."""
    if actor is not None and not actor.has_perm("sla.add_slapolicyversion") and not actor.is_superuser:
        raise Forbidden(_("You do not have permission to do this."))
    _validate_targets(targets)
    if at_risk_ratio is not None and not 0.1 <= float(at_risk_ratio) <= 0.99:
        raise InvalidInput.field("at_risk_ratio", _("Choose a value between 0.1 and 0.99."))
    allowed_pause = set(Status.values) | {"waiting_customer", "waiting_parts", "picked_up", "repairing", "shipped",
                                          "contacted", "diagnosed"}
    for s in pause_statuses or []:
        if s not in allowed_pause:
            raise InvalidInput.field("pause_statuses", _("Unknown status “%(status)s”.") % {"status": s})
    SLAPolicy.objects.select_for_update().filter(pk=policy.pk).first()  # serialise concurrent edits
    previous = policy.current_version()
    version = SLAPolicyVersion.objects.create(
        policy=policy,
        number=(previous.number + 1) if previous else 1,
        calendar=calendar or (previous.calendar if previous else default_calendar()),
        pause_statuses=pause_statuses if pause_statuses is not None else (
            previous.pause_statuses if previous else DEFAULT_PAUSE_STATUSES),
        at_risk_ratio=Decimal(str(at_risk_ratio)) if at_risk_ratio is not None else (
            previous.at_risk_ratio if previous else Decimal("0.80")),
        created_by=actor,
        reason=reason,
    )
    SLATarget.objects.bulk_create([
        SLATarget(version=version, priority=t.priority, tier=t.tier, contract_level=t.contract_level,
                  metric=t.metric, amount=t.amount, unit=t.unit) for t in targets])
    # Cleared now for this transaction's own later reads, and again at commit in case another
    # thread of this process cached the old version meanwhile.
    clear_policy_cache()
    transaction.on_commit(clear_policy_cache)
    return version


def preset_targets(code: str) -> list[TargetSpec]:
    return [TargetSpec(priority=p, metric=m, amount=a, unit=u)
            for p, metrics in PRESETS[code]["targets"].items() for m, (a, u) in metrics.items()]


@transaction.atomic
def policy_install_presets() -> list[SLAPolicy]:
    """Create the four seed policies once (version 1 each); seed 001's becomes the default."""
    installed = []
    for code, preset in PRESETS.items():
        policy, created = SLAPolicy.objects.get_or_create(
            name=preset["name"], defaults={"description": preset["description"],
                                           "is_default": code == DEFAULT_PRESET and
                                           not SLAPolicy.objects.filter(is_default=True).exists()})
        if created:
            policy_version_create(policy=policy, actor=None, reason=_("Preset from the source documents"),
                                  targets=preset_targets(code))
        installed.append(policy)
    return installed


_default_version_cache: list[tuple[float, SLAPolicyVersion]] = []
DEFAULT_VERSION_CACHE_SECONDS = 60


def default_version() -> SLAPolicyVersion:
    """The current version of the default policy, cached per process for a minute like the calendars.

    Every new ticket reads it and it changes a few times a year; the query and its model instance
    cost about a sixth of a ticket's web time. A new version written through policy_version_create
    clears the cache in this process when it commits; other processes see it within the minute.
    """
    if _default_version_cache and _time.monotonic() - _default_version_cache[0][0] < DEFAULT_VERSION_CACHE_SECONDS:
        return _default_version_cache[0][1]
    version = (SLAPolicyVersion.objects.filter(policy__is_default=True).select_related("policy")
               .order_by("-number").first())
    if version is None:
        policy_install_presets()
        version = (SLAPolicyVersion.objects.filter(policy__is_default=True).select_related("policy")
                   .order_by("-number").first())
    _default_version_cache[:] = [(_time.monotonic(), version)]
    return version


def clear_policy_cache() -> None:
    _default_version_cache.clear()


def clear_caches() -> None:
    """Forget every per-process SLA cache: calendars, the default version, version targets (tests)."""
    clear_calendar_cache()
    clear_policy_cache()
    _targets_cache.clear()


def _target_for(version: SLAPolicyVersion, *, priority: str, tier: str, contract_level: str) -> dict[str, SLATarget]:
    """The targets that apply, per metric: the most specific row wins (tier and level > level > tier > any)."""
    best: dict[str, tuple[int, SLATarget]] = {}
    for t in _targets_of(version.pk):
        if t.priority != priority or (t.tier and t.tier != tier) or (
                t.contract_level and t.contract_level != contract_level):
            continue
        score = (2 if t.contract_level else 0) + (1 if t.tier else 0)
        if t.metric not in best or score > best[t.metric][0]:
            best[t.metric] = (score, t)
    return {m: t for m, (_s, t) in best.items()}


_targets_cache: dict[int, list[SLATarget]] = {}


def _targets_of(version_id: int) -> list[SLATarget]:
    # A version's targets never change after it is written (an edit makes a new version): cache forever.
    if version_id not in _targets_cache:
        _targets_cache[version_id] = list(SLATarget.objects.filter(version_id=version_id))
    return _targets_cache[version_id]


# --- deadlines ------------------------------------------------------------------------------------

def _add(start: datetime, target: SLATarget, cal: WorkingCalendar, pauses) -> datetime | None:
    try:
        if target.unit == Unit.CALENDAR_MINUTES:
            return deadlines.add_calendar_minutes(start, target.amount, pauses)
        if target.unit == Unit.BUSINESS_MINUTES:
            return deadlines.add_business_minutes(start, target.amount, cal, pauses)
        return deadlines.add_working_days(start, target.amount, cal, pauses)
    except deadlines.DeadlineBeyondHorizon:
        # Decades away (a calendar with almost no business time): no deadline, not a failed request.
        logger.warning("SLA target %s lies beyond the deadline horizon; no deadline set.", target)
        return None


def _pauses(ticket_id: int) -> list[tuple[datetime, datetime | None]]:
    return list(PauseInterval.objects.filter(ticket_id=ticket_id).values_list("started_at", "ended_at"))


def _is_pausing(version: SLAPolicyVersion, status: str, sub_status: str) -> bool:
    pause = set(version.pause_statuses or [])
    return status in pause or (bool(sub_status) and sub_status in pause)


def _compute(sla: TicketSLA, ticket, *, now: datetime, pauses: list | None = None, fresh: bool = False) -> None:
    """Fill the pending deadlines of `sla` from its start, its targets and its closed pauses.

    A deadline already past whose breach (or director escalation) was recorded stays empty: a
    recomputation must never re-arm what the sweeper has handled. `fresh` (a new ticket, a bulk
    backfill) skips that look-up and the pause query, as nothing can have happened yet.
    """
    version = sla.version
    org = ticket.organization
    targets = _target_for(version, priority=ticket.priority, tier=org.tier, contract_level=org.contract_level)
    cal = working_calendar(version.calendar_id)
    if fresh:
        pauses = []
    elif pauses is None:
        pauses = [p for p in _pauses(ticket.pk) if p[1] is not None]
    start = sla.started_at
    due = {m: _add(start, t, cal, pauses) for m, t in targets.items() if m not in (Metric.UPDATE, Metric.ACKNOWLEDGE)}
    if Metric.ACKNOWLEDGE in targets:
        ack_from = max(sla.acknowledge_from or start, start)
        due[Metric.ACKNOWLEDGE] = _add(ack_from, targets[Metric.ACKNOWLEDGE], cal,
                                       [p for p in pauses if p[1] is None or p[1] > ack_from])
    done_ack = ticket.accepted_at is not None
    done_response = ticket.first_response_at is not None
    done_resolution = ticket.status in (Status.RESOLVED, Status.CLOSED)
    handled: set[str] = set()
    if not fresh:
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
        escalated = director_at <= now and not fresh and Escalation.objects.filter(
            ticket_id=ticket.pk, kind=EscalationKind.RESOLUTION_OVERDUE, created_at__gte=start).exists()
        sla.director_due = None if escalated else director_at
    update = targets.get(Metric.UPDATE)
    if update and not done_resolution:
        last = ticket.first_response_at or start
        sla.next_update_due = _add(max(last, start), update, cal, pauses)
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
    nearest = min((d for d in (sla.acknowledge_due, sla.first_response_due, sla.resolution_due) if d), default=None)
    if nearest is None:
        sla.at_risk_at = None
    else:
        sla.at_risk_at = sla.started_at + (nearest - sla.started_at) * float(sla.version.at_risk_ratio)


def _clear_dues(sla: TicketSLA) -> None:
    sla.acknowledge_due = sla.first_response_due = sla.resolution_due = None
    sla.next_update_due = sla.director_due = sla.at_risk_at = sla.next_deadline = None


def _refresh_next_deadline(sla: TicketSLA, ticket) -> None:
    """After one target was met or re-armed: the earliest deadline still open.

    A deadline the sweeper already claimed (a breach not yet put right) is no longer known here, so
    it drops out until the next full recomputation; its breach is recorded and shown all the same.
    """
    if sla.paused_since is not None or ticket.status in (Status.RESOLVED, Status.CLOSED):
        sla.next_deadline = None
        return
    candidates = (sla.acknowledge_due, sla.first_response_due, sla.resolution_due or sla.resolution_deadline)
    sla.next_deadline = min((d for d in candidates if d), default=None)


_SLA_FIELDS = ["acknowledge_from", "acknowledge_due", "first_response_due", "resolution_due", "next_update_due", "director_due",
               "resolution_deadline", "next_deadline", "at_risk_at", "estimated", "paused_since", "breached",
               "version"]


def ticket_sla_prepare(*, ticket, now: datetime | None = None) -> TicketSLA:
    """The SLA state of a ticket not saved yet: computed before the ticket takes its number.

    ticket_create computes this first and saves it after the ticket, so the time between taking
    the numbering row's lock and committing holds only the INSERTs.
    """
    sla = TicketSLA(version=default_version(), started_at=now or ticket.created_at)
    _compute(sla, ticket, now=sla.started_at, fresh=True)
    return sla


def ticket_sla_backfill(*, settle_past: bool = False, batch: int = 5000) -> int:
    """Give every open ticket without SLA state one under the default policy (imports, demo data).

    With `settle_past`, deadlines already gone by are marked breached without escalating: a freshly
    loaded demo should not wake up to thousands of escalations for history it made up.
    """
    from serviceloop.tickets.choices import OPEN_STATUSES
    from serviceloop.tickets.models import Ticket

    version = default_version()
    now = timezone.now()
    qs = (Ticket.objects.filter(status__in=OPEN_STATUSES, sla__isnull=True)
          .select_related("organization").order_by("id"))
    written = 0
    rows: list[TicketSLA] = []
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
        rows.append(sla)
        if len(rows) >= batch:
            written += len(TicketSLA.objects.bulk_create(rows))
            rows = []
    if rows:
        written += len(TicketSLA.objects.bulk_create(rows))
    return written


def _sla_for_update(ticket) -> TicketSLA | None:
    return (TicketSLA.objects.select_for_update(no_key=True, of=("self",)).select_related("version")
            .filter(ticket_id=ticket.pk).first())


def ticket_sla_recompute(*, ticket) -> TicketSLA | None:
    """Recompute after a priority, tier or contract change; the policy version stays the ticket's own."""
    if ticket.status in (Status.RESOLVED, Status.CLOSED):
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
    from serviceloop.tickets.models import Ticket

    ticket = Ticket.objects.select_for_update(no_key=True).select_related("organization").get(pk=ticket.pk)
    sla = _sla_for_update(ticket)
    if sla is None:
        sla = TicketSLA(ticket=ticket, version=version, started_at=ticket.created_at)
        _compute(sla, ticket, now=timezone.now())
        sla.save(force_insert=True)
    else:
        old = sla.version
        sla.version = version
        if sla.paused_since is None and ticket.status not in (Status.RESOLVED, Status.CLOSED):
            _compute(sla, ticket, now=timezone.now())
        sla.save(update_fields=_SLA_FIELDS)
        events.fields_changed(ticket, actor, changes={"sla_policy": [str(old), str(version)],
                                                      "reason": [None, reason]})
    return sla


def organization_sla_recompute(*, organization_id: int, batch: int = 500) -> int:
    """After an organisation's tier or contract level changed: recompute its open tickets' deadlines.

    Runs as a background job (sla.tasks); each ticket in its own short transaction so a large customer
    does not hold locks for long.
    """
    from serviceloop.tickets.choices import OPEN_STATUSES
    from serviceloop.tickets.models import Ticket

    ids = list(Ticket.objects.filter(organization_id=organization_id, status__in=OPEN_STATUSES)
               .values_list("id", flat=True))
    for ticket_id in ids:
        with transaction.atomic():
            # Re-read under the row lock: the ticket may have been resolved since the list was taken.
            ticket = (Ticket.objects.select_for_update(no_key=True, of=("self",)).select_related("organization")
                      .filter(pk=ticket_id).first())
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
        _clear_dues(sla)
    elif not pausing and sla.paused_since is not None:
        PauseInterval.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=now)
        sla.paused_since = None
        _compute(sla, ticket, now=now)
    if ticket.status in (Status.RESOLVED, Status.CLOSED):
        if ticket.status == Status.RESOLVED:
            _meet(sla, ticket, Metric.RESOLUTION, sla.resolution_deadline, now)
        _clear_dues(sla)
    elif ticket.status == Status.REOPENED and old_status in (Status.RESOLVED, Status.CLOSED):
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
        _meet(sla, ticket, Metric.ACKNOWLEDGE, sla.acknowledge_due, now)
        sla.acknowledge_due = None
    else:
        _complete_open_breaches(ticket, Metric.ACKNOWLEDGE, now)
    _set_at_risk(sla)
    _refresh_next_deadline(sla, ticket)
    sla.save(update_fields=["acknowledge_due", "breached", "at_risk_at", "next_deadline"])


def ticket_sla_reassigned(*, ticket) -> None:
    """A new owner must acknowledge within the acknowledgement target, counted from now."""
    sla = _sla_for_update(ticket)
    if sla is None or sla.paused_since is not None or ticket.status in (Status.RESOLVED, Status.CLOSED):
        return
    org = ticket.organization
    target = _target_for(sla.version, priority=ticket.priority, tier=org.tier,
                         contract_level=org.contract_level).get(Metric.ACKNOWLEDGE)
    if target is not None:
        now = timezone.now()
        sla.acknowledge_from = now
        sla.acknowledge_due = _add(now, target, working_calendar(sla.version.calendar_id), [])
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
            _meet(sla, ticket, Metric.FIRST_RESPONSE, sla.first_response_due, now)
            sla.first_response_due = None
        else:
            _complete_open_breaches(ticket, Metric.FIRST_RESPONSE, now)
        _set_at_risk(sla)
        _refresh_next_deadline(sla, ticket)
        fields += ["first_response_due", "breached", "at_risk_at", "next_deadline"]
    if sla.paused_since is None and ticket.status not in (Status.RESOLVED, Status.CLOSED):
        org = ticket.organization
        update = _target_for(sla.version, priority=ticket.priority, tier=org.tier,
                             contract_level=org.contract_level).get(Metric.UPDATE)
        if update is not None:
            sla.next_update_due = _add(now, update, working_calendar(sla.version.calendar_id), [])
            fields.append("next_update_due")
    if fields:
        sla.save(update_fields=fields)


# --- breaches and compensation --------------------------------------------------------------------

def _meet(sla: TicketSLA, ticket, metric: str, due: datetime | None, now: datetime) -> None:
    """A target met at `now`: if late, record (or complete) its breach with its final size."""
    if due is None or now <= due:
        return
    _record_breach(ticket=ticket, metric=metric, due_at=due, now=now, met=True)
    sla.breached = True


def _complete_open_breaches(ticket, metric: str, now: datetime) -> None:
    """A target met after the sweeper recorded its breach: give the breach its final size."""
    for breach in Breach.objects.filter(ticket_id=ticket.pk, metric=metric, met_at__isnull=True):
        _record_breach(ticket=ticket, metric=metric, due_at=breach.due_at, now=now, met=True)


def _record_breach(*, ticket, metric: str, due_at: datetime, now: datetime, met: bool, new: bool = False) -> Breach:
    """Record a missed target, or grow the recorded one; `new` when the caller knows it is the first.

    The sweeper passes `new`: it has just claimed a deadline that was still pending, so no breach of
    that deadline can exist, and one query per row is saved (the unique constraint still guards it).
    """
    minutes = max(0, math.ceil((now - due_at).total_seconds() / 60))
    # Not get_or_create: its savepoint costs two more round trips per row in a sweep; the row lock
    # held by the caller (ticket or claimed SLA row) already keeps two writers apart.
    breach = None if new else Breach.objects.filter(ticket=ticket, metric=metric, due_at=due_at).first()
    if breach is None:
        breach = Breach.objects.create(ticket=ticket, organization_id=ticket.organization_id, metric=metric,
                                       due_at=due_at, minutes_late=minutes, met_at=now if met else None)
    else:
        breach.minutes_late = max(breach.minutes_late, minutes)
        breach.met_at = now if met else breach.met_at
        breach.save(update_fields=["minutes_late", "met_at"])
    _compensate(breach, ticket)
    return breach


def _compensation_rules() -> list[CompensationRule]:
    """Every rule (a short table); read once per sweep, or once per call outside a sweep."""
    memo = getattr(_sweep_memo, "value", None)
    if memo is None:
        return list(CompensationRule.objects.all())
    if "rules" not in memo:
        memo["rules"] = list(CompensationRule.objects.all())
    return memo["rules"]


def _compensate(breach: Breach, ticket) -> None:
    """SLA-6: what the contract owes for this breach, per applicable rule; recomputed as the breach grows."""
    org = ticket.organization
    rules = [r for r in _compensation_rules() if r.metric == breach.metric and (
        r.organization_id == org.pk or (r.organization_id is None and org.contract_level
                                        and r.contract_level == org.contract_level))]
    for rule in rules:
        cash, vouchers = Decimal("0"), 0
        if rule.kind == CompensationKind.CASH_PER_HOUR:
            started_hours = max(1, math.ceil(breach.minutes_late / 60))
            cash = rule.amount * started_hours
            if rule.cap is not None:
                cash = min(cash, rule.cap)
        else:
            vouchers = int(rule.amount)
        Compensation.objects.update_or_create(
            breach=breach, rule=rule, defaults={"organization": org, "cash": cash, "vouchers": vouchers})


# --- escalation -----------------------------------------------------------------------------------

_sweep_memo = threading.local()  # lookups shared by all rows of one sweep, per thread


def _first_with_role(role: Role) -> User | None:
    memo = getattr(_sweep_memo, "value", None)
    if memo is not None and role in memo:
        return memo[role]
    user = User.objects.filter(groups__name=role, is_active=True).order_by("id").first()
    if memo is not None:
        memo[role] = user
    return user


def _supervisor(ticket) -> User | None:
    """The ticket's group supervisor; without a group, the first active service supervisor."""
    if ticket.group_id and ticket.group.supervisor_id:
        return ticket.group.supervisor
    return _first_with_role(Role.SUPERVISOR)


def _director() -> User | None:
    return _first_with_role(Role.DIRECTOR)


def _escalate(*, ticket, kind: str, to: User | None, reason: str, actor: User | None = None,
              department: str = "", expected_feedback_at: datetime | None = None) -> Escalation:
    escalation = Escalation.objects.create(ticket=ticket, kind=kind, escalated_to=to, department=department,
                                           reason=reason, expected_feedback_at=expected_feedback_at,
                                           created_by=actor)
    events.escalated(ticket, actor, escalation_id=escalation.pk, kind=kind,
                     to_user_id=to.pk if to else None, department=department, reason=reason)
    return escalation


def _label(kind) -> str:
    return str(EscalationKind(kind).label)


@dataclass
class SweepResult:
    acknowledge_escalations: int = 0
    response_breaches: int = 0
    update_reminders: int = 0
    resolution_breaches: int = 0
    director_escalations: int = 0

    @property
    def total(self) -> int:
        return (self.acknowledge_escalations + self.response_breaches + self.update_reminders
                + self.resolution_breaches + self.director_escalations)


SWEEP_BATCH = 1000
CLAIM_CHUNK = 100


def _claim(column: str, now: datetime, limit: int, handle) -> int:
    """Select due rows through `column`'s index, claim them with a conditional UPDATE, act on each.

    Rows go in chunks: one transaction claims a chunk (UPDATE … WHERE the deadline is still set and
    due … RETURNING the rows it changed) and does their escalations, so the claim and the work commit
    together or not at all. A second sweeper's UPDATE finds the deadlines already emptied and claims
    nothing. If a chunk fails, its rows are retried one per transaction, so one bad row cannot hold
    back its neighbours; the bad row's claim rolls back and the next sweep tries it again.
    """
    due = list(TicketSLA.objects.filter(**{f"{column}__lte": now}).order_by(column)
               .values_list("ticket_id", column)[:limit])
    done = 0
    for i in range(0, len(due), CLAIM_CHUNK):
        chunk = due[i:i + CLAIM_CHUNK]
        try:
            with transaction.atomic():
                done += _claim_chunk(column, now, chunk, handle)
        except Exception:  # noqa: BLE001 - isolate the failing row below
            if len(chunk) == 1:
                logger.exception("SLA sweep: %s of ticket %s failed; retried next sweep", column, chunk[0][0])
                continue
            for row in chunk:
                try:
                    with transaction.atomic():
                        done += _claim_chunk(column, now, [row], handle)
                except Exception:  # noqa: BLE001 - logged; the rolled-back claim is retried next sweep
                    logger.exception("SLA sweep: %s of ticket %s failed; retried next sweep", column, row[0])
    return done


def _claim_chunk(column: str, now: datetime, rows: list[tuple[int, datetime]], handle) -> int:
    seen = dict(rows)
    values = handle.claim_values(None, now)
    table = connection.ops.quote_name(TicketSLA._meta.db_table)
    col = connection.ops.quote_name(column)
    sets = ", ".join(f"{connection.ops.quote_name(k)} = %s" for k in values)
    marks = ", ".join(["%s"] * len(seen))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} WHERE ticket_id IN ({marks}) "  # noqa: S608 - names from the model
            f"AND {col} IS NOT NULL AND {col} <= %s RETURNING ticket_id",
            [*values.values(), *seen, now],
        )
        claimed = [r[0] for r in cursor.fetchall()]
    slas = TicketSLA.objects.select_related(
        "version", "ticket__organization", "ticket__owner", "ticket__group__supervisor").filter(
        ticket_id__in=claimed)
    for sla in slas:
        handle(sla, seen[sla.ticket_id], now)
    return len(claimed)


class _AckOverdue:
    """ASN-3: not acknowledged in time → escalate to the group's supervisor."""

    @staticmethod
    def claim_values(seen, now):
        return {"acknowledge_due": None, "breached": True}

    def __call__(self, sla, seen, now):
        ticket = sla.ticket
        _record_breach(ticket=ticket, metric=Metric.ACKNOWLEDGE, due_at=seen, now=now, met=False, new=True)
        supervisor = _supervisor(ticket)
        _escalate(ticket=ticket, kind=EscalationKind.ACKNOWLEDGE_OVERDUE, to=supervisor,
                  reason=_label(EscalationKind.ACKNOWLEDGE_OVERDUE))
        notify(users=[supervisor, ticket.owner], kind=NotificationKind.ACKNOWLEDGE_OVERDUE, ticket=ticket,
               title=lambda: _("[%(number)s] not acknowledged in time") % {"number": ticket.number},
               body=lambda: _("Ticket %(number)s “%(title)s” was due to be acknowledged by %(due)s.")
               % {"number": ticket.number, "title": ticket.title,
                  "due": timezone.localtime(seen).strftime("%Y-%m-%d %H:%M")})


class _MissedTarget:
    """A first-response or resolution deadline passed: record the breach (its size grows until the
    target is met) and tell the owner and the supervisor."""

    def __init__(self, column: str, metric: str, title: str):
        self.column, self.metric, self.title = column, metric, title

    def claim_values(self, seen, now):
        return {self.column: None, "breached": True}

    def __call__(self, sla, seen, now):
        ticket = sla.ticket
        _record_breach(ticket=ticket, metric=self.metric, due_at=seen, now=now, met=False, new=True)
        notify(users=[ticket.owner, _supervisor(ticket)], kind=NotificationKind.BREACH, ticket=ticket,
               title=lambda: _(self.title) % {"number": ticket.number})


# Marked for translation here, translated per recipient in notify().
_RESPONSE_MISSED = gettext_noop("[%(number)s] first response overdue")
_RESOLUTION_MISSED = gettext_noop("[%(number)s] resolution deadline missed")


class _UpdateOverdue:
    """ASN-4: no update within the cadence → remind the assignee and the supervisor; next cycle starts."""

    @staticmethod
    def claim_values(seen, now):
        return {"next_update_due": None}

    def __call__(self, sla, seen, now):
        ticket = sla.ticket
        org = ticket.organization
        update = _target_for(sla.version, priority=ticket.priority, tier=org.tier,
                             contract_level=org.contract_level).get(Metric.UPDATE)
        if update is not None:
            sla.next_update_due = _add(now, update, working_calendar(sla.version.calendar_id), [])
            sla.save(update_fields=["next_update_due"])
        escalation = _escalate(ticket=ticket, kind=EscalationKind.UPDATE_OVERDUE, to=ticket.owner,
                               reason=_label(EscalationKind.UPDATE_OVERDUE))
        notify(users=[ticket.owner, _supervisor(ticket)], kind=NotificationKind.UPDATE_OVERDUE, ticket=ticket,
               title=lambda: _("[%(number)s] the customer has had no update") % {"number": ticket.number})
        return escalation


class _DirectorEscalation:
    """ASN-4: 24 hours past the resolution deadline → escalate to the service director."""

    @staticmethod
    def claim_values(seen, now):
        return {"director_due": None}

    def __call__(self, sla, seen, now):
        ticket = sla.ticket
        if sla.resolution_deadline:
            _record_breach(ticket=ticket, metric=Metric.RESOLUTION, due_at=sla.resolution_deadline, now=now,
                           met=False)
        director = _director()
        _escalate(ticket=ticket, kind=EscalationKind.RESOLUTION_OVERDUE, to=director,
                  reason=_label(EscalationKind.RESOLUTION_OVERDUE))
        notify(users=[director, _supervisor(ticket)], kind=NotificationKind.ESCALATED, ticket=ticket,
               title=lambda: _("[%(number)s] escalated to the service director") % {"number": ticket.number})


RULES = (
    ("acknowledge_due", _AckOverdue(), "acknowledge_escalations"),
    ("first_response_due", _MissedTarget("first_response_due", Metric.FIRST_RESPONSE, _RESPONSE_MISSED),
     "response_breaches"),
    ("next_update_due", _UpdateOverdue(), "update_reminders"),
    ("resolution_due", _MissedTarget("resolution_due", Metric.RESOLUTION, _RESOLUTION_MISSED),
     "resolution_breaches"),
    ("director_due", _DirectorEscalation(), "director_escalations"),
)


def sla_sweep(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> SweepResult:
    """One pass over every due deadline (ASN-3, ASN-4); safe to run in several workers at once."""
    now = now or timezone.now()
    result = SweepResult()
    _sweep_memo.value = {}
    try:
        for column, handler, counter in RULES:
            setattr(result, counter, _claim(column, now, batch, handler))
    finally:
        _sweep_memo.value = None
    return result


@transaction.atomic
def ticket_escalate(*, ticket, actor: User, reason: str, to: User | None = None, department: str = "",
                    expected_feedback_at: datetime | None = None) -> Escalation:
    """Manual escalation (上报, ASN-5) to a technical lead or another department, with reason and time."""
    if actor.is_customer or not actor.has_perm("tickets.transition_ticket"):
        raise Forbidden(_("Only service staff can escalate a ticket."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.field("reason", _("This field is required."))
    if to is None and not department.strip():
        raise InvalidInput.field("to", _("Name a person or a department to escalate to."))
    if to is not None and (to.is_customer or not to.is_active):
        raise InvalidInput.field("to", _("Escalate only to active service staff."))
    if expected_feedback_at is not None and expected_feedback_at <= timezone.now():
        raise InvalidInput.field("expected_feedback_at", _("The expected feedback time must be in the future."))
    from serviceloop.tickets.models import Ticket

    ticket = Ticket.objects.select_for_update(no_key=True).get(pk=ticket.pk)
    if ticket.status == Status.CLOSED:
        from serviceloop.core.errors import Conflict

        raise Conflict(_("A closed ticket cannot be escalated."))
    escalation = _escalate(ticket=ticket, kind=EscalationKind.MANUAL, to=to, reason=reason, actor=actor,
                           department=department.strip(), expected_feedback_at=expected_feedback_at)
    notify(users=[to], kind=NotificationKind.ESCALATED, ticket=ticket,
           title=lambda: _("[%(number)s] escalated to you") % {"number": ticket.number}, body=reason)
    return escalation


# --- reading the state (for the API) --------------------------------------------------------------

def sla_state(sla: TicketSLA | None, now: datetime) -> str | None:
    """One word for a list row's colour: paused, breached, at_risk or ok; None when no clock runs."""
    if sla is None:
        return None
    if sla.paused_since is not None:
        return "paused"
    if sla.next_deadline is None:
        return None  # resolved or closed: nothing left to count down
    if sla.breached or sla.next_deadline <= now:
        return "breached"
    if sla.at_risk_at is not None and sla.at_risk_at <= now:
        return "at_risk"
    return "ok"


def sla_summary(sla: TicketSLA | None, ticket, now: datetime | None = None) -> dict | None:
    """What a ticket shows (SLA-5): each deadline with time left, paused, at risk, breached."""
    if sla is None:
        return None
    now = now or timezone.now()

    def entry(due, met_at):
        if due is None and met_at is None:
            return None
        left = round((due - now).total_seconds() / 60) if due else None
        return {"due": due, "met_at": met_at, "minutes_left": left, "overdue": bool(due and due < now)}

    return {
        "policy": str(sla.version.policy), "version": sla.version.number,
        "acknowledge": entry(sla.acknowledge_due, ticket.accepted_at),
        "first_response": entry(sla.first_response_due, ticket.first_response_at),
        "resolution": entry(sla.resolution_due, ticket.resolved_at) or (
            {"due": sla.resolution_deadline, "met_at": ticket.resolved_at, "minutes_left": None,
             "overdue": False} if sla.resolution_deadline else None),
        "next_update": entry(sla.next_update_due, None),
        "paused": sla.paused_since is not None, "paused_since": sla.paused_since,
        "at_risk": bool(sla.at_risk_at and sla.at_risk_at <= now and not sla.breached),
        "breached": sla.breached, "estimated": sla.estimated,
    }

