"""Keeping TicketFact current (CSAT-4, ANA-5): the rules, for one ticket and in bulk.

Per ticket, as of its latest resolution:

* resolved_at: the ticket's resolution time (a reopened ticket keeps its last one until resolved again);
  owner, group: at that resolution.
* resolution_minutes: calendar minutes from creation to resolution; first_response_minutes likewise to
  the first staff response.
* sla_met: the SLA row recorded no breach and the resolution came by the resolution deadline; None
  without an SLA row.
* reopen_count: status changes to 重新处理 (reopened) on the timeline.
* first_contact (FCR): never reopened and resolved with at most one public staff reply.
* surveys_sent, csat: surveys sent for the ticket; the overall score of the latest answered one.
* resolved_day, resolution_bucket: where the fact counts in the daily roll-up (rollup.py).

Every write here also moves the fact's contribution in the roll-up (`rollup_change`, old figures → new) in
the same transaction; the hooks read the old figures with the row locked (SELECT … FOR UPDATE on
PostgreSQL), so two changes to one ticket at once cannot both subtract the same old contribution.

`fact_refresh` (one ticket) and `facts_backfill` (all of them, in batches of SQL aggregates) apply the same
rules through `_fact`, so the receivers and the backfill cannot disagree. One difference by design: a ticket
reopened and not resolved again keeps its fact from the hooks (`fact_reopened`), while the backfill, which
reads the ticket's current resolution, has none for it until it is resolved again. The backfill writes the
facts in bulk and then rebuilds the whole roll-up from them (`rollup_rebuild`).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from serviceloop.core.bulk import collector_paused
from serviceloop.sla.models import TicketSLA
from serviceloop.surveys.models import Survey
from serviceloop.tickets.choices import EventKind, Status
from serviceloop.tickets.models import Ticket, TicketEvent

from .models import TicketFact
from .rollup import ROLLUP_FIELDS, local_day, minutes_bucket, rollup_change, rollup_rebuild

TICKET_FIELDS = ("id", "owner_id", "group_id", "organization_id", "ticket_type", "created_at",
                 "first_response_at", "resolved_at")
FACT_FIELDS = ("owner_id", "group_id", "organization_id", "ticket_type", "created_at", "resolved_at",
               "first_response_minutes", "resolution_minutes", "sla_met", "reopen_count", "first_contact",
               "surveys_sent", "csat", "resolved_day", "resolution_bucket")
_REOPENS = Count("id", filter=Q(kind=EventKind.STATUS, data__to=Status.REOPENED))
_REPLIES = Count("id", filter=Q(kind=EventKind.REPLY))


def _minutes(start, end) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds() // 60))


def _fact(t: dict, *, reopens: int, replies: int, sla: tuple | None, surveys: tuple) -> TicketFact:
    """t: the ticket's TICKET_FIELDS; sla: (breached, resolution_deadline) or None; surveys: (sent, csat)."""
    sla_met = None
    if sla is not None:
        breached, deadline = sla
        sla_met = not breached and (deadline is None or t["resolved_at"] <= deadline)
    minutes = _minutes(t["created_at"], t["resolved_at"])
    return TicketFact(
        ticket_id=t["id"],
        owner_id=t["owner_id"],
        group_id=t["group_id"],
        organization_id=t["organization_id"],
        ticket_type=t["ticket_type"],
        created_at=t["created_at"],
        resolved_at=t["resolved_at"],
        first_response_minutes=_minutes(t["created_at"], t["first_response_at"]),
        resolution_minutes=minutes,
        sla_met=sla_met,
        reopen_count=reopens,
        first_contact=reopens == 0 and replies <= 1,
        surveys_sent=surveys[0],
        csat=surveys[1],
        resolved_day=local_day(t["resolved_at"]),
        resolution_bucket=minutes_bucket(minutes),
    )


def _survey_figures(ticket_ids: list[int]) -> dict[int, tuple[int, int | None]]:
    """Per ticket: surveys sent, and the overall score of the latest answered cycle (one query)."""
    sent: dict[int, int] = {}
    latest: dict[int, tuple[int, int]] = {}
    for ticket_id, cycle, overall, answered_at in (
            Survey.objects.filter(ticket_id__in=ticket_ids, sent_at__isnull=False)
            .values_list("ticket_id", "cycle", "overall", "answered_at")):
        sent[ticket_id] = sent.get(ticket_id, 0) + 1
        if answered_at is not None and cycle > latest.get(ticket_id, (0, 0))[0]:
            latest[ticket_id] = (cycle, overall)
    return {tid: (sent.get(tid, 0), latest[tid][1] if tid in latest else None) for tid in ticket_ids}


def _build(rows: list[dict]) -> list[TicketFact]:
    ids = [t["id"] for t in rows]
    counts = {r["ticket_id"]: (r["reopens"], r["replies"]) for r in
              TicketEvent.objects.filter(ticket_id__in=ids).values("ticket_id")
              .annotate(reopens=_REOPENS, replies=_REPLIES)}
    slas = {r[0]: (r[1], r[2]) for r in TicketSLA.objects.filter(ticket_id__in=ids)
            .values_list("ticket_id", "breached", "resolution_deadline")}
    surveys = _survey_figures(ids)
    return [_fact(t, reopens=counts.get(t["id"], (0, 0))[0], replies=counts.get(t["id"], (0, 0))[1],
                  sla=slas.get(t["id"]), surveys=surveys[t["id"]]) for t in rows]


def _save(facts: list[TicketFact]) -> None:
    TicketFact.objects.bulk_create(
        facts,
        update_conflicts=True,
        unique_fields=["ticket"],
        update_fields=[{"owner_id": "owner", "group_id": "group"}.get(f, f) for f in FACT_FIELDS]
        + ["updated_at"],
    )


def _figures(fact: TicketFact) -> dict:
    return {f: getattr(fact, f) for f in ROLLUP_FIELDS}


def _kept(ticket_id: int) -> dict | None:
    """The fact's roll-up figures as stored, its row locked until the transaction ends (None: no fact yet)."""
    return TicketFact.objects.select_for_update().filter(ticket_id=ticket_id).values(*ROLLUP_FIELDS).first()


@transaction.atomic(savepoint=False)
def fact_refresh(*, ticket_id: int) -> TicketFact | None:
    """Recompute one ticket's fact and move its roll-up contribution (inside the caller's transaction; on its
    own, one is opened); a never-resolved ticket has none."""
    rows = list(Ticket.objects.filter(pk=ticket_id, resolved_at__isnull=False).values(*TICKET_FIELDS))
    if not rows:
        return None
    old = _kept(ticket_id)
    facts = _build(rows)
    _save(facts)
    rollup_change(old=old, new=_figures(facts[0]))
    return facts[0]


@transaction.atomic(savepoint=False)
def fact_resolved(*, ticket: Ticket) -> TicketFact:
    """The hot path of a resolution (inside ticket_transition): the in-memory ticket, the fact's own reopen
    and survey figures (kept by fact_reopened and the survey hooks), at most two reply ids and the SLA row
    by key; then one upsert of the fact and at most two of the roll-up. The same rules as `_build`, without
    reading the ticket's whole timeline."""
    old = _kept(ticket.pk)
    reopens, sent, csat = (old["reopen_count"], old["surveys_sent"], old["csat"]) if old else (0, 0, None)
    replies = len(TicketEvent.objects.filter(ticket_id=ticket.pk, is_public=True, kind=EventKind.REPLY)
                  .values_list("id", flat=True)[:2])
    sla = TicketSLA.objects.filter(ticket_id=ticket.pk).values_list("breached", "resolution_deadline").first()
    fact = _fact({"id": ticket.pk, **{f: getattr(ticket, f) for f in TICKET_FIELDS if f != "id"}},
                 reopens=reopens, replies=replies, sla=sla, surveys=(sent, csat))
    _save([fact])
    rollup_change(old=old, new=_figures(fact))
    return fact


@transaction.atomic(savepoint=False)
def fact_reopened(*, ticket_id: int) -> None:
    """A reopening: the ticket keeps its last resolution (its period's figures stand) but is no longer a
    first-contact resolution and counts one reopening more. The locked read and one UPDATE, plus one roll-up
    upsert for the first reopening (later ones change no roll-up figure); nothing for a ticket never
    resolved."""
    old = _kept(ticket_id)
    if old is None:
        return
    new = {**old, "reopen_count": old["reopen_count"] + 1, "first_contact": False}
    TicketFact.objects.filter(ticket_id=ticket_id).update(reopen_count=new["reopen_count"],
                                                          first_contact=False, updated_at=timezone.now())
    rollup_change(old=old, new=new)


def facts_backfill(*, batch: int = 5000, since_id: int = 0) -> int:
    """Facts for every resolved ticket, `batch` tickets per round of five aggregate queries and one upsert,
    then the roll-up rebuilt from all facts. Safe to run again (an upsert per ticket); the demo loader calls
    it after writing its tickets."""
    done, last = 0, since_id
    while True:
        with collector_paused():
            rows = list(Ticket.objects.filter(pk__gt=last, resolved_at__isnull=False).order_by("pk")
                        .values(*TICKET_FIELDS)[:batch])
            if rows:
                _save(_build(rows))
        if not rows:
            rollup_rebuild()
            return done
        done += len(rows)
        last = rows[-1]["id"]
