"""Every survey write (CSAT-1, CSAT-2): schedule, send, remind, answer, second processing, follow-up outcome.

Who hears what is not decided here: a sent survey is announced on `invitation` (notifications connects
its outbox to it; the invitation reaches the contact by email, SMS and in-app as their preferences say),
an answer on `answered` (analytics keeps its facts). Sending and reminding claim each survey with a
conditional UPDATE, so two workers running the periodic job at once send every survey exactly once, and
the outbox's unique key (`survey:<id>`, `survey:<id>:reminder`) would absorb a second attempt anyway.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from serviceloop.accounts.models import User
from serviceloop.accounts.roles import Role
from serviceloop.accounts.services import system_account
from serviceloop.core.bounds import NUL
from serviceloop.core.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from serviceloop.core.hooks import Hook
from serviceloop.sla.models import Metric, TicketSLA
from serviceloop.sla.services.calendars import working_calendar
from serviceloop.sla.services.clock import deadline_after
from serviceloop.sla.services.policies import default_version, targets_for
from serviceloop.tickets import processing
from serviceloop.tickets import services as tickets
from serviceloop.tickets.choices import FINISHED_STATUSES, EventKind, Status, TicketType
from serviceloop.tickets.models import Ticket, TicketEvent

from . import tokens
from .models import DIMENSIONS, FollowUpOutcome, FollowUpTask, Satisfaction, Survey

logger = logging.getLogger(__name__)

# invitation(survey_key=…, ticket=…, link=…): a survey link is to reach the ticket's contact (on commit).
invitation = Hook("surveys.invitation")
# answered(survey=…, ticket=…): a survey was answered (inside the answer's transaction).
answered = Hook("surveys.answered")

AUTOMATION_USERNAME = "system-loop"
COMMENT_MAX = 2000
SEND_BATCH = 200
SURVEYED_STATUSES = FINISHED_STATUSES


class Gone(ServiceError):
    """A survey link that was genuine but can no longer be used (expired)."""

    status_code = 410
    code = "gone"


# --- who acts -------------------------------------------------------------------------------------

def automation_account() -> User:
    """The system account that reopens a ticket for second processing (role `automation`)."""
    return system_account(username=AUTOMATION_USERNAME, role=Role.AUTOMATION,
                          display_name=gettext_lazy("Service loop"))


# --- schedule, send, remind ---------------------------------------------------------------------

@transaction.atomic
def survey_schedule(*, ticket: Ticket, at: datetime | None = None) -> Survey:
    """The ticket was resolved: its cycle's survey goes out SURVEY_DELAY_HOURS later.

    One survey per resolution cycle: a survey scheduled and not sent yet (the ticket was reopened and
    resolved again within the delay) is the same cycle's and only moves; otherwise the next cycle starts.
    """
    now = at or timezone.now()
    send_after = now + timedelta(hours=settings.SURVEY_DELAY_HOURS)
    pending = Survey.objects.select_for_update().filter(ticket_id=ticket.pk, sent_at__isnull=True).first()
    if pending is not None:
        pending.send_after = send_after
        pending.save(update_fields=["send_after"])
        return pending
    last = Survey.objects.filter(ticket_id=ticket.pk).aggregate(m=Max("cycle"))["m"] or 0
    return Survey.objects.create(ticket_id=ticket.pk, cycle=last + 1, created_at=now, send_after=send_after)


def survey_link(survey: Survey) -> str:
    return f"{settings.PUBLIC_URL}/survey/{tokens.token_for(survey)}/"


def _announce(survey: Survey, key: str) -> None:
    ticket = Ticket.objects.select_related("contact", "contact__user", "organization").get(
        pk=survey.ticket_id
    )
    invitation(survey_key=key, ticket=ticket, link=survey_link(survey))


def surveys_send_due(*, now: datetime | None = None, limit: int = SEND_BATCH) -> int:
    """Send the surveys whose time has come (the periodic job). Each is claimed by a conditional UPDATE in
    its own transaction: of two workers, one wins each survey, the other skips it. A ticket reopened before
    its survey went out keeps the survey pending until it is resolved again."""
    now = now or timezone.now()
    due = list(Survey.objects.filter(sent_at__isnull=True, send_after__lte=now,
                                     ticket__status__in=SURVEYED_STATUSES)
               .order_by("send_after").values_list("pk", "ticket_id")[:limit])
    sent = 0
    for pk, ticket_id in due:
        with transaction.atomic():
            survey = Survey(pk=pk, ticket_id=ticket_id, sent_at=now,
                            expires_at=now + timedelta(days=settings.SURVEY_EXPIRY_DAYS))
            claimed = Survey.objects.filter(pk=pk, sent_at__isnull=True).update(
                sent_at=now,
                expires_at=survey.expires_at,
                token_hash=tokens.token_hash(tokens.token_for(survey)),
            )
            if not claimed:
                continue
            _announce(survey, str(pk))
            sent += 1
    return sent


def surveys_remind(*, now: datetime | None = None, limit: int = SEND_BATCH) -> int:
    """The one reminder: sent SURVEY_REMINDER_HOURS after the invitation to a survey still unanswered and
    valid, claimed like the invitation (reminded_at), with the same link."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.SURVEY_REMINDER_HOURS)
    due = list(Survey.objects.filter(sent_at__isnull=False, sent_at__lte=cutoff, reminded_at__isnull=True,
                                     answered_at__isnull=True, expires_at__gt=now)
               .values_list("pk", flat=True)[:limit])
    reminded = 0
    for pk in due:
        with transaction.atomic():
            if not Survey.objects.filter(pk=pk, reminded_at__isnull=True, answered_at__isnull=True).update(
                    reminded_at=now):
                continue
            _announce(Survey.objects.get(pk=pk), f"{pk}:reminder")
            reminded += 1
    return reminded


# --- reading a link -------------------------------------------------------------------------------

def survey_from_token(token: str, *, now: datetime | None = None) -> Survey:
    """The survey a link opens. Forged or unknown → NotFound (nothing said about why), expired → Gone,
    already answered → Conflict."""
    now = now or timezone.now()
    claims = tokens.read_token(token)
    survey = None
    if claims is not None:
        survey = (Survey.objects.select_related("ticket", "ticket__organization")
                  .filter(pk=claims.survey_id, ticket_id=claims.ticket_id).first())
    if survey is None or not tokens.hash_matches(token, survey.token_hash):
        raise NotFound(_("This survey link is not valid."))
    if survey.answered_at is not None:
        raise Conflict(_("This survey has already been answered. Thank you!"))
    if claims.expires <= int(now.timestamp()) or (survey.expires_at and survey.expires_at <= now):
        raise Gone(_("This survey link has expired."))
    return survey


def pending_survey_for(*, user: User, ticket: Ticket, now: datetime | None = None) -> Survey | None:
    """The customer's open survey of their own ticket (the portal shows it), or None."""
    now = now or timezone.now()
    if not user.is_customer or ticket.organization_id != user.organization_id:
        return None
    return (Survey.objects.filter(ticket_id=ticket.pk, sent_at__isnull=False, answered_at__isnull=True,
                                  expires_at__gt=now).order_by("-cycle").first())


# --- answer ---------------------------------------------------------------------------------------

def _score(field: str, value, *, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            raise InvalidInput.field(field, _("Choose a score from 1 to 5."))
        return None
    if isinstance(value, bool):
        value = None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or str(number) != str(value).strip() or not 1 <= number <= 5:
        raise InvalidInput.field(field, _("A score is a whole number from 1 to 5."))
    return number


@transaction.atomic
def survey_answer(*, survey: Survey, overall, satisfaction, comment: str = "", actor: User | None = None,
                  now: datetime | None = None, **dimensions) -> Survey:
    """Record the customer's answer (usable once) and, when it is low, start second processing (CSAT-2).

    `actor` is the logged-in customer answering from the portal (it must be their organisation's ticket);
    None for the link, which was checked by survey_from_token. Every score is a whole number 1–5; the
    overall score and the five-level scale are required, the four dimensions optional.
    """
    now = now or timezone.now()
    survey = Survey.objects.select_for_update().select_related("ticket").get(pk=survey.pk)
    if actor is not None and (
        not actor.is_customer or actor.organization_id != survey.ticket.organization_id
    ):
        raise NotFound(_("No such survey."))
    if survey.sent_at is None:
        raise NotFound(_("No such survey."))
    if survey.answered_at is not None:
        raise Conflict(_("This survey has already been answered. Thank you!"))
    if survey.expires_at is not None and survey.expires_at <= now:
        raise Gone(_("This survey link has expired."))
    unknown = set(dimensions) - {name for name, _label in DIMENSIONS}
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], _("Unknown field."))
    values = {"overall": _score("overall", overall, required=True),
              "satisfaction": _score("satisfaction", satisfaction, required=True)}
    for name, _label in DIMENSIONS:
        values[name] = _score(name, dimensions.get(name), required=False)
    comment = (comment or "").strip()
    if NUL in comment:
        raise InvalidInput.field("comment", _("The text contains a NUL character, which is not allowed."))
    if len(comment) > COMMENT_MAX:
        raise InvalidInput.field("comment", _("At most %(limit)d characters are allowed (got %(size)d).")
                                 % {"limit": COMMENT_MAX, "size": len(comment)})
    for name, value in values.items():
        setattr(survey, name, value)
    survey.comment = comment
    survey.answered_at = now
    survey.answered_by = actor
    survey.save(update_fields=[*values, "comment", "answered_at", "answered_by"])
    answered(survey=survey, ticket=survey.ticket)
    if survey.is_low:
        second_processing_start(survey=survey, now=now)
    return survey


# --- second processing (CSAT-2) --------------------------------------------------------------------

def _first_with_role(role: Role) -> User | None:
    return User.objects.filter(groups__name=role, is_active=True).order_by("id").first()


def follow_up_assignee(ticket: Ticket) -> User | None:
    """Complaints go to customer relations; everything else to the group's supervisor, else the first
    active service supervisor."""
    if ticket.ticket_type == TicketType.COMPLAINT:
        person = _first_with_role(Role.CUSTOMER_RELATIONS)
        if person is not None:
            return person
    if ticket.group_id and ticket.group.supervisor_id and ticket.group.supervisor.is_active:
        return ticket.group.supervisor
    return _first_with_role(Role.SUPERVISOR)


def follow_up_due(ticket: Ticket, start: datetime) -> datetime | None:
    """The follow-up's own deadline: the ticket's SLA policy's resolution target for its priority (and the
    customer's tier and contract), counted from `start` on the policy's calendar in the target's unit."""
    sla = TicketSLA.objects.select_related("version").filter(ticket_id=ticket.pk).first()
    version = sla.version if sla is not None else default_version()
    org = ticket.organization
    target = targets_for(version, priority=ticket.priority, tier=org.tier,
                         contract_level=org.contract_level).get(Metric.RESOLUTION)
    if target is None:
        return None
    return deadline_after(start, target, working_calendar(version.calendar_id), [])


@transaction.atomic
def second_processing_start(*, survey: Survey, now: datetime | None = None) -> FollowUpTask:
    """Reopen the ticket for 二次处理 with the survey named on the reopening, and give the follow-up task to
    the supervisor (customer relations for complaints). A ticket someone already reopened keeps its
    state; the task is still made and the timeline says why."""
    now = now or timezone.now()
    existing = FollowUpTask.objects.filter(survey_id=survey.pk).first()
    if existing is not None:
        return existing
    ticket = Ticket.objects.select_related("organization", "group", "group__supervisor").get(
        pk=survey.ticket_id
    )
    system = automation_account()
    with translation.override(settings.LANGUAGE_CODE):
        note = (_("Second processing: satisfaction survey %(cycle)d scored %(overall)d/5 (%(scale)s).")
                % {"cycle": survey.cycle, "overall": survey.overall,
                   "scale": Satisfaction(survey.satisfaction).label})
        if survey.comment:
            note += "\n" + _("Customer's comment: %(comment)s") % {"comment": survey.comment}
    event = None
    if ticket.status in SURVEYED_STATUSES:
        if ticket.status == Status.RESOLVED:
            processing.ticket_reopen_by_survey(ticket=ticket, actor=system, reason=note)
        else:  # closed already: reopened like any closed ticket, with the survey as the note
            tickets.ticket_transition(ticket=ticket, actor=system, to_status=Status.REOPENED, note=note)
        event = TicketEvent.objects.filter(ticket_id=ticket.pk, kind=EventKind.STATUS).order_by("-id").first()
    else:
        tickets.ticket_add_internal_note(ticket=ticket, actor=system, body=note)
    return FollowUpTask.objects.create(ticket_id=ticket.pk, survey=survey, reopen_event=event,
                                       assignee=follow_up_assignee(ticket), created_at=now,
                                       due_at=follow_up_due(ticket, now))


@transaction.atomic
def follow_up_complete(*, task: FollowUpTask, actor: User, outcome: str, note: str) -> FollowUpTask:
    """The supervisor records what second processing achieved; the outcome goes on the timeline (internal)."""
    if actor.is_customer:
        raise NotFound(_("No such follow-up task."))
    task = FollowUpTask.objects.select_for_update().select_related("ticket").get(pk=task.pk)
    if task.assignee_id != actor.pk and not actor.has_perm("surveys.complete_followuptask"):
        raise Forbidden(_("Only the assignee or a supervisor can complete this follow-up task."))
    if task.done_at is not None:
        raise Conflict(_("This follow-up task is already done."))
    if outcome not in FollowUpOutcome.values:
        raise InvalidInput.field("outcome", _("Unknown outcome. Allowed: %(allowed)s")
                                 % {"allowed": ", ".join(FollowUpOutcome.values)})
    note = (note or "").strip()
    if not note:
        raise InvalidInput.field("note", _("Say what was done."))
    if NUL in note or len(note) > COMMENT_MAX:
        raise InvalidInput.field("note", _("At most %(limit)d characters are allowed (got %(size)d).")
                                 % {"limit": COMMENT_MAX, "size": len(note)})
    task.outcome, task.outcome_note = outcome, note
    task.done_at, task.done_by = timezone.now(), actor
    task.save(update_fields=["outcome", "outcome_note", "done_at", "done_by"])
    tickets.ticket_add_internal_note(
        ticket=task.ticket,
        actor=actor,
        body=_("Follow-up done: %(outcome)s. %(note)s")
        % {"outcome": FollowUpOutcome(outcome).label, "note": note},
    )
    return task
