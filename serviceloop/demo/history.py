"""The history generator: tickets in creation order, each with a timeline that agrees with its status.

A ticket's story is what the services would have written for it, step by step: created, dispatched
(assigned), acknowledged, answered, worked on (notes, calls, the customer's answers, sub-statuses),
perhaps waiting for parts or the customer (the clock paused), escalated to a lead with the engineer
kept on as co-handler, resolved, then confirmed and closed or reopened. Every event is built by
tickets/events.py with `record=False`, the one module that knows an event's shape; the SLA state,
breaches and automatic escalations come from the story through demo/clock.py (the SLA app's maths).

Building rows unsaved bypasses `events.recorded` on purpose: no receiver runs, so the SLA clock
does not move per event (clock.py settles it once) and notifications queue no mail, webhook or
robot message for history that never happened. The writer (writer.py) inserts the rows in bulk.

Every random choice is a list index or a bisect over precomputed cumulative weights: at a million
tickets each microsecond per ticket is a second of run time.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation

from serviceloop.sla.models import EscalationKind, Metric, Unit
from serviceloop.tickets import events
from serviceloop.tickets.choices import (
    FINISHED_STATUSES,
    Channel,
    CommunicationChannel,
    Status,
    SubStatus,
    TicketType,
    Urgency,
)
from serviceloop.tickets.models import Ticket
from serviceloop.tickets.numbering import NumberPattern
from serviceloop.tickets.priority import compute_priority

from . import mix, texts
from .clock import DemoClock, Round, Story, breach_label, cadence_spans, escalation_row
from .reference import (
    COMPLAINT_HANDLERS,
    ESCALATION,
    HANDLERS,
    HARDWARE,
    INTAKE,
    SERVICE,
    SUGGESTION_HANDLERS,
    SUPERVISORS,
    Reference,
)

BATCH_SIZE = 10_000
DAY = 86400.0


@dataclass
class Batch:
    """One batch of generated rows: ticket rows (lists, in TICKET_FIELDS order) and model instances."""

    rows: list[list] = field(default_factory=list)
    local_times: list[datetime] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    events: list = field(default_factory=list)  # events.EventRow (unsaved)
    slas: list = field(default_factory=list)  # TicketSLA
    pauses: list = field(default_factory=list)  # PauseInterval
    breaches: list = field(default_factory=list)  # Breach
    escalations: list = field(default_factory=list)  # Escalation (ids reserved: events name them)
    co_handlers: list[list] = field(default_factory=list)  # [ticket id, user id]


TICKET_FIELDS = [
    "id", "number", "title", "description", "objective_description", "error_code", "occurred_at",
    "reproduction_steps", "environment", "business_interrupted", "affected_users", "business_impact",
    "tried_steps", "channel", "ticket_type", "category", "urgency", "impact_scope", "priority",
    "priority_overridden", "expedite", "status", "sub_status", "pending_until", "organization", "contact",
    "product", "owner", "group", "created_by", "created_at", "updated_at", "accepted_at",
    "first_response_at", "resolved_at", "closed_at",
]
NUMBER_COLUMN = TICKET_FIELDS.index("number")


def at(ts: float) -> datetime:
    """An aware UTC datetime for a POSIX timestamp (what events.py and the SLA maths take)."""
    return datetime.fromtimestamp(ts, UTC)


class TicketGenerator:
    """Generates `count` tickets in creation order, a batch at a time, from one random seed."""

    def __init__(self, ref: Reference, *, count: int, seed: int, now: datetime, clock: DemoClock):
        """Precompute everything per-ticket code would otherwise look up or compute again."""
        self.ref = ref
        self.count = count
        self.rng = random.Random(seed)
        self.now = now.timestamp()
        self.clock = clock
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.pattern = NumberPattern.parse(settings.TICKET_NUMBER_PATTERN)
        self.start_ts, self.hour_weights, self.hour_cum = mix.hour_buckets(self.now, self.tz)
        self.pools = texts.build_profiles(ref, self.rng)
        self.types, self.type_cum = mix.cumulative(mix.TYPE_WEIGHTS)
        self.urgency = {t: mix.cumulative(mix.URGENCY_WEIGHTS.get(t, mix.DEFAULT_URGENCY))
                        for t in TicketType.values}
        self.impact = {t: mix.cumulative(mix.IMPACT_WEIGHTS.get(t, mix.DEFAULT_IMPACT))
                       for t in TicketType.values}
        self.channels, self.channel_cum = mix.cumulative(mix.CHANNEL_WEIGHTS)
        self.status_by_age = [(days * DAY, *mix.cumulative(list(w.items()))) for days, w in mix.STATUS_BY_AGE]
        self.subs = {key: mix.cumulative(w) for key, w in mix.SUB_STATUS_WEIGHTS.items()}
        self.impacts = {u: self._impact_variants(u) for u in Urgency.values}
        self.priority_memo: dict[tuple, str] = {}
        users = ref.users
        self.people = ref.people
        self.intake = [users[u] for u in INTAKE if u in users] or list(users.values())
        self.handlers = {a: [users[u] for u in names if u in users] or self.intake
                         for a, names in HANDLERS.items()}
        self.escalation = {a: [users[u] for u in n if u in users] or self.intake
                           for a, n in ESCALATION.items()}
        self.complaint_handlers = [users[u] for u in COMPLAINT_HANDLERS if u in users] or self.intake
        self.suggestion_handlers = {a: [users[u] for u in n if u in users] or self.intake
                                    for a, n in SUGGESTION_HANDLERS.items()}
        self.supervisors = {a: users.get(u) for a, u in SUPERVISORS.items()}
        # Organisations weighted by tier: VIP customers call more often.
        self.org_pick = [pk for pk, vip in ref.organisations for _ in range(3 if vip else 1)]
        today = timezone.localdate(now)
        self.release_dates = [today + timedelta(days=d) for d in range(5, 61)]
        self.showcase = self._showcase()
        # Sub-statuses the policy pauses the clock in: what a long-open ticket waits in.
        self.waiting = [s for s in (SubStatus.WAITING_PARTS, SubStatus.WAITING_CUSTOMER)
                        if clock.pausing(Status.IN_PROGRESS, s)] or [SubStatus.WAITING_CUSTOMER.value]
        with translation.override(settings.LANGUAGE_CODE):
            self.labels = {k: breach_label(k) for k in EscalationKind.values}
        # A stand-in ticket the events are built on. events.py copies its id, channel and time into
        # each row as the row is built; the writer reads only those copies, so one object serves all.
        self.carrier = Ticket()

    def _showcase(self) -> dict[int, tuple[str, str, str]]:
        """Tickets that together cover every status, type and in-progress sub-status: index → those.

        A small demo would otherwise miss the rare ones. They are spread over the last weeks (or
        are the last 64 tickets of a small run) in the order tickets age: the oldest of them
        closed, the newest still new — a ticket from ten minutes ago is rarely closed already.
        """
        subs, types = list(SubStatus.values), list(TicketType.values)
        wanted = len(mix.SHOWCASE_ORDER) * len(subs)
        recent = self.hour_cum[-1] - self.hour_cum[-mix.SHOWCASE_DAYS * 24]
        span = min(self.count, max(wanted, int(self.count * recent / self.hour_cum[-1])))
        stride = span / wanted
        showcase = {}
        for k in range(min(wanted, self.count)):
            status = mix.SHOWCASE_ORDER[k // len(subs)]
            sub = subs[k % len(subs)] if status == Status.IN_PROGRESS else ""
            showcase[self.count - span + int(k * stride)] = (status, types[k % len(types)], sub)
        return showcase

    def _impact_variants(self, urgency: str) -> list[tuple[bool, int, str]]:
        """Pre-rendered (interrupted, users affected, impact text) triples for one urgency."""
        out = []
        for interrupted, low, high, text in texts.IMPACTS[urgency]:
            for _ in range(12):
                n = self.rng.randint(low, high)
                out.append((interrupted, n, text.format(n=n)))
        return out

    def _priority(self, urgency: str, impact: str, core: bool, vip: bool, ticket_type: str,
                  expedite: bool) -> str:
        """compute_priority, memoised: there are only a few hundred distinct inputs."""
        key = (urgency, impact, core, vip, ticket_type, expedite)
        value = self.priority_memo.get(key)
        if value is None:
            value = self.priority_memo[key] = str(compute_priority(
                urgency=urgency, impact_scope=impact, core_module=core, vip=vip, ticket_type=ticket_type,
                expedite=expedite))
        return value

    def batch(self, low: int, high: int, ids: list[int], next_escalation_id: Callable[[], int]) -> Batch:
        """Generate tickets low..high-1 of this run, with the reserved ticket `ids` (no queries, except
        `next_escalation_id`, which reserves escalation ids a block at a time)."""
        rnd = self.rng.random
        batch = Batch()
        scale = self.hour_cum[-1] / self.count
        state = [bisect_right(self.hour_cum, low * scale)]
        period_cache: dict = {}
        for i in range(low, high):
            self._ticket(i, ids[i - low], batch, rnd, scale, state, period_cache, next_escalation_id)
        return batch

    def _when(self, i: int, rnd, scale: float, state: list[int]) -> float:
        """Ticket i's creation time: the inverse of the cumulative hourly curve at (i + jitter) / count,
        so times grow with i and ids and numbers follow the creation order like real ones."""
        hour_cum, hour_weights = self.hour_cum, self.hour_weights
        target = (i + rnd()) * scale
        bucket = state[0]
        while hour_cum[bucket] <= target and bucket < len(hour_cum) - 1:
            bucket += 1
        state[0] = bucket
        before = hour_cum[bucket - 1] if bucket else 0.0
        ts = self.start_ts + (bucket + min(1.0, (target - before) / hour_weights[bucket])) * 3600.0
        return min(ts, self.now - 1)

    def _ticket(self, i: int, ticket_id: int, batch: Batch, rnd, scale: float, state: list[int],
                period_cache: dict, next_escalation_id: Callable[[], int]) -> None:
        """One ticket: its fields, its story as timeline events, and its settled SLA state."""
        ref, now = self.ref, self.now
        ts = self._when(i, rnd, scale, state)
        age = now - ts

        # What: a few showcase tickets cover every combination; the rest follow the age-dependent mix.
        sub = ""
        forced = self.showcase.get(i)
        if forced is not None:
            status, ticket_type, sub = forced
            pool = self.pools[ticket_type]
            if sub in mix.HARDWARE_ONLY_SUBS:  # only a physical unit is picked up, repaired, shipped
                ticket_type, pool = TicketType.PROBLEM.value, self.pools["hardware_problem"]
        else:
            ticket_type = self.types[bisect_right(self.type_cum, rnd())]
            age_mix = next((m for m in self.status_by_age if age < m[0]), self.status_by_age[-1])
            status = age_mix[1][bisect_right(age_mix[2], rnd())]
            pool = self.pools[ticket_type]
            # Nobody leaves a ticket unacknowledged, or acknowledged and untouched, for days.
            if status in (Status.NEW, Status.ACCEPTED) and age > mix.YOUNG_DAYS * DAY:
                status = Status.IN_PROGRESS.value
        profile = pool[int(rnd() * len(pool))]
        area = profile.area

        # Who: a unit of the profile's model fixes the organisation; otherwise pick one.
        units = ref.units.get(profile.model) if profile.model else None
        if units:
            product, org = units[int(rnd() * len(units))]
            core = ref.models[profile.model][2]
        else:
            product, org, core = None, self.org_pick[int(rnd() * len(self.org_pick))], True
        vip = ref.vip[org]
        org_contacts = ref.contacts[org]
        contact, contact_user = (org_contacts[int(rnd() * len(org_contacts))]
                                 if org_contacts and rnd() < 0.92 else (None, None))
        channel = self.channels[bisect_right(self.channel_cum, rnd())]
        login = ref.logins.get(org)
        intake = self.intake
        if channel == Channel.PORTAL:
            if login:
                created_by = login
                if contact_user != login:
                    contact, contact_user = next((c for c in org_contacts if c[1] == login), (contact, None))
            else:
                channel, created_by = Channel.EMAIL.value, intake[int(rnd() * len(intake))]
        else:
            created_by = intake[int(rnd() * len(intake))]

        # How bad: urgency → impact texts; the priority from the project's own rule.
        u_values, u_cum = self.urgency[ticket_type]
        urgency = u_values[bisect_right(u_cum, rnd())]
        s_values, s_cum = self.impact[ticket_type]
        impact = s_values[bisect_right(s_cum, rnd())]
        expedite = rnd() < 0.04
        priority = computed = self._priority(urgency, impact, core, vip, ticket_type, expedite)
        overridden = status != Status.NEW and priority in mix.PRIORITY_UP and rnd() < 0.01
        if overridden:
            priority = mix.PRIORITY_UP[priority]
        variants = self.impacts[urgency]
        interrupted, affected, business_impact = variants[int(rnd() * len(variants))]

        # Who works it: the area's group and one of its handlers.
        if ticket_type == TicketType.COMPLAINT:
            group, handlers = ref.teams[SERVICE], self.complaint_handlers
        elif ticket_type == TicketType.SUGGESTION:
            group, handlers = ref.teams[area], self.suggestion_handlers[area]
        else:
            group, handlers = ref.teams[area], self.handlers[area]
        if status == Status.NEW:
            group = None
        tk = self.carrier
        tk.pk, tk.channel, tk.created_at = ticket_id, channel, at(ts)
        out = batch.events
        out.append(events.created(tk, self.people[created_by], record=False))
        story = Story(created=ts, priority=priority, terms=ref.terms[org], group=group, owner=None,
                      acknowledged=None, rounds=[Round(ts)])
        life = _Life(self, tk, story, out, rnd, age)
        if status != Status.NEW:
            life.work(
                status=status,
                sub=sub,
                ticket_type=ticket_type,
                area=area,
                group=group,
                handlers=handlers,
                profile=profile,
                contact=contact,
                contact_user=contact_user,
                forced=forced is not None,
                override=(computed, priority) if overridden else None,
                batch=batch,
                next_escalation_id=next_escalation_id,
            )
        settled = self.clock.settle(story, ticket_id, org)
        labels = self.labels
        for esc in settled.escalations:
            pk = next_escalation_id()
            reason = labels[esc.kind]
            batch.escalations.append(escalation_row(esc.kind, pk=pk, ticket_id=ticket_id, to=esc.to,
                                                    ts=esc.ts, reason=reason))
            out.append(events.escalated(tk, None, escalation_id=pk, kind=esc.kind, to_user_id=esc.to,
                                        department="", reason=reason, at=at(esc.ts), record=False))
            life.last = max(life.last, esc.ts)
        batch.slas.append(settled.sla)
        batch.pauses.extend(settled.pauses)
        batch.breaches.extend(settled.breaches)

        local = datetime.fromtimestamp(ts, self.tz)
        day = local.date()
        period = period_cache.get(day)
        if period is None:
            period = period_cache[day] = self.pattern.period_key(local)
        batch.local_times.append(local)
        batch.periods.append(period)
        resolved = story.rounds[-1].resolved
        is_fault = ticket_type in (TicketType.PROBLEM, TicketType.COMPLAINT)
        batch.rows.append([
            ticket_id, None, profile.title, profile.description, profile.objective, profile.error_code,
            at(ts - 600 * 288 ** rnd()) if is_fault else None,
            profile.steps, profile.environment, interrupted, affected, business_impact, profile.tried,
            channel, ticket_type, profile.category, urgency, impact, priority, overridden, expedite,
            life.status, life.sub, life.pending_until, org, contact, product, life.owner,
            group, created_by, at(ts), at(life.last), at(life.accepted) if life.accepted else None,
            at(story.first_response) if story.first_response else None,
            at(resolved) if resolved is not None else None,
            at(life.closed) if life.closed is not None else None,
        ])


class _Life:
    """One ticket's way through the status flow, written as the events the services would record."""

    def __init__(self, gen: TicketGenerator, tk: Ticket, story: Story, out: list, rnd, age: float):
        self.gen, self.tk, self.story, self.out, self.rnd, self.age = gen, tk, story, out, rnd, age
        self.people = gen.people
        self.status, self.sub, self.pending_until = Status.NEW.value, "", None
        self.owner = self.accepted = self.closed = None
        self.last = story.created

    def _pick(self, items: list):
        return items[int(self.rnd() * len(items))]

    def _add(self, event, ts: float) -> None:
        self.out.append(event)
        self.last = max(self.last, ts)

    def _move(self, actor: int, new: str, ts: float, *, sub: str = "", note: str = "", customer: bool = False,
              acknowledged: bool = False) -> None:
        """A status or sub-status change (ticket_transition): staff notes internal, a customer's public."""
        self._add(events.status_changed(self.tk, self.people[actor], old=self.status, new=new, sub_status=sub,
                                        note=note, public_note=customer, acknowledged=acknowledged, at=at(ts),
                                        record=False), ts)
        self.status, self.sub = new, sub
        if self.gen.clock.pausing(new, sub) and not any(e is None for _s, e, _r in self.story.pauses):
            self.story.pauses.append((ts, None, sub or new))

    def _resume(self, actor: int, new_sub: str, ts: float, note: str) -> None:
        """Back to work after a wait: the pause ends, and the call that ended it restarts the cadence."""
        self._move(actor, self.status, ts, sub=new_sub)
        s, _e, r = self.story.pauses[-1]
        self.story.pauses[-1] = (s, ts, r)
        self._communicate(actor, ts, feedback=note, next_step="继续处理")

    def _communicate(self, actor: int, ts: float, *, feedback: str, next_step: str,
                     summary: str = "") -> None:
        """A logged call or visit (COM-1); it counts as an update to the customer (COM-3)."""
        channel = CommunicationChannel.PHONE.value if self.rnd() < 0.7 else CommunicationChannel.ONSITE.value
        self._add(events.communication(self.tk, self.people[actor], channel=channel, happened_at=at(ts - 300),
                                       customer_feedback=feedback, next_step=next_step, summary=summary,
                                       at=at(ts), record=False), ts)
        self.story.updates.append(ts)

    def _reply(self, actor: int, body: str, ts: float) -> None:
        """A public reply from staff; the first one meets the first-response target."""
        first = self.story.first_response is None
        self._add(events.reply(self.tk, self.people[actor], body=body, from_customer=False,
                               first_response=first, at=at(ts), record=False), ts)
        if first:
            self.story.first_response = ts
        self.story.updates.append(ts)

    def work(self, **story) -> None:
        """Everything after creation, up to the ticket's final status; then the progress syncs."""
        self._walk(**story)
        self._syncs(self.owner)

    def _walk(self, *, status: str, sub: str, ticket_type: str, area: str, group: int, handlers: list[int],
              profile, contact, contact_user, forced: bool, override, batch: Batch,
              next_escalation_id) -> None:
        """The status flow up to the ticket's final `status` (and sub-status `sub`)."""
        gen, rnd, age, story, tk = self.gen, self.rnd, self.age, self.story, self.tk
        created = story.created
        (a_lo, a_hi), (f_lo, f_hi), (r_lo, r_hi) = mix.PACE[story.priority]
        # Plausible delays (log-uniform: short ones likelier, as response times are): to acknowledge,
        # to answer, and from creation to resolution; work starts and turns within that time.
        t_acc = created + a_lo * (a_hi / a_lo) ** rnd()
        t_fr = t_acc + f_lo * (f_hi / f_lo) ** rnd()
        rest = max(r_lo * (r_hi / r_lo) ** rnd() - (t_fr - created), 1800.0)
        t_work = t_fr + rest * (0.05 + 0.15 * rnd())
        t_mid = t_work + rest * (0.2 + 0.4 * rnd())
        long_open = age > mix.LONG_OPEN_DAYS * DAY and not forced
        if status == Status.IN_PROGRESS:
            if not sub and (long_open or rnd() < 0.85):
                values, cum = gen.subs[HARDWARE if area == HARDWARE else "other"]
                sub = values[bisect_right(cum, rnd())]
            if long_open and not gen.clock.pausing(status, sub):
                sub = self._pick(gen.waiting) if area == HARDWARE else SubStatus.WAITING_CUSTOMER.value
        # Waiting for parts or the customer on the way (never for a ticket in progress without a
        # sub-status: the resumption sets one, and a sub-status cannot be cleared again).
        wait = ""
        working = status == Status.IN_PROGRESS and sub and not gen.clock.pausing(status, sub)
        can_wait = working or status in (Status.RESOLVED, Status.CLOSED, Status.REOPENED)
        if can_wait and rnd() < mix.PAUSED_ON_THE_WAY[HARDWARE if area == HARDWARE else "other"]:
            wait = self._pick(gen.waiting) if area == HARDWARE else SubStatus.WAITING_CUSTOMER.value
        p_len = (2 * 3600) * 36 ** rnd() if wait else 0.0
        p_start = t_work + 0.4 * (t_mid - t_work)
        t_res = t_fr + rest + p_len
        t_close = t_res + 3600 * 72 ** rnd()
        t_mid += p_len
        # A young ticket went through it all faster: squeeze its whole story into 95 % of its age.
        if t_close - created > 0.95 * age:
            f = 0.95 * age / (t_close - created)
            t_acc, t_fr, t_work, t_mid, t_res, t_close, p_start = (
                created + (t - created) * f for t in (t_acc, t_fr, t_work, t_mid, t_res, t_close, p_start))
            p_len *= f

        dispatcher = self._pick(gen.intake)
        worker = self.owner = self._pick(handlers)
        story.group, story.owner = group, worker
        self._add(events.assigned(tk, self.people[dispatcher], old_owner_id=None, new_owner_id=worker,
                                  group_id=group, at=at(created + 0.4 * (t_acc - created)), record=False),
                  created + 0.4 * (t_acc - created))
        via_accept = status == Status.ACCEPTED or rnd() < mix.ACCEPT_FIRST
        story.acknowledged = self.accepted = t_acc
        first_sub = "" if status == Status.IN_PROGRESS and not sub else SubStatus.CONTACTED.value
        if via_accept:  # ticket_accept: acknowledged, then 新建 → 已受理
            self._add(events.accepted(tk, self.people[worker], at=at(t_acc), record=False), t_acc)
            self._move(worker, Status.ACCEPTED, t_acc)
        else:  # straight into work, which acknowledges it (ASN-3)
            self._move(worker, Status.IN_PROGRESS, t_acc, sub=first_sub, acknowledged=True)
        if override is not None:
            old, new = override
            sup = gen.supervisors[area] or worker
            when = 0.5 * (t_acc + t_fr)
            self._add(events.priority_changed(tk, self.people[sup], old=old, new=new,
                                              reason=self._pick(texts.OVERRIDE_REASONS), at=at(when),
                                              record=False), when)
        young = self.age < mix.YOUNG_DAYS * DAY
        if status == Status.ACCEPTED:
            if not (young and rnd() < 0.4):
                self._reply(worker, self._pick(texts.FIRST_REPLIES), t_fr)
            return
        if ticket_type in mix.QUICK_TYPES and status in FINISHED_STATUSES and not forced:
            # A question answered: the answer is the first reply, and it resolves the ticket.
            self._reply(worker, profile.solution, t_fr)
            self._move(worker, Status.RESOLVED, t_fr + 60)
            story.rounds[-1].resolved = t_fr + 60
            if status == Status.CLOSED:
                self._close(worker, contact_user, min(t_fr + 60 + 3600 * 72 ** rnd(), created + 0.95 * age))
            return
        self._reply(worker, self._pick(texts.FIRST_REPLIES), t_fr)
        if via_accept:
            self._move(worker, Status.IN_PROGRESS, t_work, sub=first_sub)
        span = t_mid - t_work
        if ticket_type in (TicketType.PROBLEM, TicketType.COMPLAINT):
            self._add(events.internal_note(tk, self.people[worker], body=profile.note, note_type="diagnosis",
                                           at=at(t_work + 0.3 * span), record=False), t_work + 0.3 * span)
        if rnd() < mix.CALL_LOGGED:
            feedback, next_step = self._pick(texts.FEEDBACK)
            self._communicate(worker, t_work + 0.35 * span, feedback=feedback, next_step=next_step)
        if contact is not None and rnd() < mix.CUSTOMER_ANSWERS:
            body, ts = self._pick(texts.CUSTOMER_REPLIES), t_work + 0.38 * span
            if contact_user is not None:  # from the portal, logged in
                self._add(events.reply(tk, self.people[contact_user], body=body, from_customer=True,
                                       at=at(ts), record=False), ts)
            else:  # by e-mail, from a contact without a login
                self._add(events.customer_reply(tk, None, body=body, channel="email", contact_id=contact,
                                                at=at(ts), record=False), ts)
        if wait:
            parts = wait == SubStatus.WAITING_PARTS
            notes = texts.WAITING_PARTS_NOTES if parts else texts.WAITING_CUSTOMER_NOTES
            self._move(worker, self.status, p_start, sub=wait, note=self._pick(notes))
            if self.story.pauses and self.story.pauses[-1][1] is None:
                after = SubStatus.REPAIRING.value if parts else SubStatus.DIAGNOSED.value
                self._resume(worker, after, p_start + p_len, self._pick(texts.RESUME_NOTES[wait]))
            else:  # the policy does not pause in this sub-status: work simply goes on
                self._move(worker, self.status, p_start + p_len, sub=SubStatus.DIAGNOSED.value)
        if status == Status.IN_PROGRESS:
            if sub and sub != self.sub:
                self._move(worker, self.status, t_mid, sub=sub, note=texts.SUB_STATUS_NOTES.get(sub, ""))
            return
        escalate = status == Status.ESCALATED or (
            status in (Status.RESOLVED, Status.CLOSED, Status.REOPENED) and rnd() < mix.ESCALATED_ON_THE_WAY)
        if escalate:
            esc_sub = ""
            if status == Status.ESCALATED:
                esc_sub = SubStatus.WAITING_CUSTOMER.value if long_open else (
                    SubStatus.DIAGNOSED.value if rnd() < 0.4 else "")
            self._escalate(worker, area, group, t_mid, esc_sub, batch, next_escalation_id)
            if status == Status.ESCALATED:
                return
        owner = self.owner
        if status == Status.PENDING:
            self.pending_until = self._pick(gen.release_dates)
            self._move(owner, Status.PENDING, t_mid,
                       note=f"{self._pick(texts.PENDING_NOTES)}预计发布日期 {self.pending_until}")
            return
        # The solution goes to the customer, then the ticket is marked resolved (same moment).
        self._reply(owner, profile.solution, t_res)
        self._move(owner, Status.RESOLVED, t_res)
        story.rounds[-1].resolved = t_res
        if status == Status.RESOLVED:
            return
        if status == Status.REOPENED:
            reason = self._pick(texts.REOPEN_REASONS)
            if contact_user is not None:  # the customer says it is not fixed, in the portal
                self._move(contact_user, Status.REOPENED, t_close, note=reason, customer=True)
            else:  # the customer called; the desk reopens and records why, internally
                self._move(owner, Status.REOPENED, t_close, note=reason,
                           sub=SubStatus.CONTACTED.value if rnd() < 0.5 else "")
            story.rounds.append(Round(t_close))
            if long_open:  # waiting for the customer since shortly after the reopening
                self._move(owner, Status.REOPENED, t_close + min(3600.0, 0.02 * age),
                           sub=SubStatus.WAITING_CUSTOMER.value,
                           note=self._pick(texts.WAITING_CUSTOMER_NOTES))
            return
        self._close(owner, contact_user, t_close)

    def _close(self, owner: int, contact_user: int | None, ts: float) -> None:
        """Closed: confirmed by the customer, or closed by the desk after the confirmation window."""
        if contact_user is not None and self.rnd() < 0.6:
            self._move(contact_user, Status.CLOSED, ts, note=self._pick(texts.CONFIRMATIONS), customer=True)
        else:
            self._move(owner, Status.CLOSED, ts, note="客户 72 小时内未回复，按流程关闭。")
        self.closed = ts

    def _escalate(self, worker: int, area: str, group: int, ts: float, sub: str, batch: Batch,
                  next_escalation_id) -> None:
        """The engineer escalates (上报, ASN-5), the supervisor hands the ticket to a lead, who
        acknowledges it and keeps the engineer on as co-handler: the events those services write."""
        gen, tk = self.gen, self.tk
        note = self._pick(texts.ESCALATION_NOTES)
        leads = [u for u in gen.escalation[area] if u != worker] or gen.escalation[area]
        lead = self._pick(leads)
        self._move(worker, Status.ESCALATED, ts, sub=sub, note=note)
        pk = next_escalation_id()
        department = gen.ref.team_names.get(group, "")
        batch.escalations.append(escalation_row(EscalationKind.MANUAL, pk=pk, ticket_id=tk.pk, to=lead, ts=ts,
                                                reason=note, actor=worker, department=department))
        self._add(events.escalated(tk, self.people[worker], escalation_id=pk, kind=EscalationKind.MANUAL,
                                   to_user_id=lead, department=department, reason=note, at=at(ts),
                                   record=False), ts)
        supervisor = gen.supervisors[area] or lead
        self._add(events.assigned(tk, self.people[supervisor], old_owner_id=worker, new_owner_id=lead,
                                  group_id=group, at=at(ts + 30), record=False), ts + 30)
        self._add(events.accepted(tk, self.people[lead], at=at(ts + 60), record=False), ts + 60)
        self._add(events.co_handlers_changed(tk, self.people[lead], old=[], new=[worker], at=at(ts + 90),
                                             record=False), ts + 90)
        batch.co_handlers.append([tk.pk, worker])
        self.owner = self.story.owner = lead
        self.story.reassigned, self.accepted = ts + 30, ts + 60

    def _syncs(self, actor: int) -> None:
        """Progress syncs (COM-3) wherever the update cadence would otherwise run out; now and then
        one is left out, and the sweep's reminder (clock.py) is what the timeline shows instead."""
        story, rnd = self.story, self.rnd
        target = self.gen.clock.targets(story.priority, story.terms).get(Metric.UPDATE)
        if target is None:
            return
        cadence = target.amount * 60.0 if target.unit == Unit.CALENDAR_MINUTES else DAY
        added = []
        for start, end in cadence_spans(story, self.gen.now):
            cursor = start
            for limit in sorted([u for u in story.updates if start < u <= end]) + [end]:
                while limit - cursor > 0.95 * cadence:
                    cursor += cadence * (0.7 + 0.25 * rnd())
                    if cursor >= limit:
                        break
                    if rnd() < mix.MISSED_SYNC:
                        continue
                    added.append(cursor)
                cursor = limit
        for ts in added:
            if story.first_response is not None and ts > story.first_response and rnd() < 0.5:
                self._add(events.reply(self.tk, self.people[actor], body=self._pick(texts.PROGRESS_UPDATES),
                                       from_customer=False, at=at(ts), record=False), ts)
                story.updates.append(ts)
            else:
                self._communicate(actor, ts, feedback="已同步处理进展", next_step="按计划继续处理",
                                  summary=self._pick(texts.PROGRESS_UPDATES))
        story.updates.sort()

