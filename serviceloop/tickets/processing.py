"""Working a ticket to its end: processing records, sub-status, resolution, confirmation, auto-close.

PRG-2: diagnosis, solution and execution records and sub-status changes are typed timeline events
(events.py knows their shapes). PRG-7 / COM-5: `ticket_resolve` is the one way to 已解决 — a root cause
from the tree and the result the customer reads, worded by ticket type. CSAT-3: the customer confirms
(portal, signed link, or by phone through staff) and the ticket closes with its resolution time and
summary; "not fixed" reopens it with the customer's reason; no answer → a reminder, then auto-close.

Like services.py, every function here is one transaction that locks the ticket, checks on the server
and records its event; the SLA app follows through `events.recorded` (the clock pauses on a sub-status,
and computes the reminder and auto-close times on the ticket's business calendar at resolution).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from serviceloop.accounts.models import User
from serviceloop.core.errors import Conflict, Forbidden, InvalidInput, NotFound

from . import events
from .choices import (
    SUB_STATUS_ALLOWED_IN,
    ConfirmationMethod,
    ConfirmationOutcome,
    Status,
    SubStatus,
    TicketType,
    allowed_next,
)
from .guards import check_choice, check_text, locked, require, require_staff, touch
from .models import RootCause, Ticket, TicketEvent

# COM-5: what the customer-facing result must say, by ticket type (the form's and the API's prompt).
RESULT_PROMPTS = {
    TicketType.PROBLEM: gettext_lazy(
        "The solution, and the warranty on the repair (e.g. 6 months on replaced parts)."
    ),
    TicketType.CONSULTATION: gettext_lazy("The full answer to the customer's question."),
    TicketType.SUGGESTION: gettext_lazy(
        "What will happen to the suggestion (planned, under evaluation, declined …)."
    ),
    TicketType.COMPLAINT: gettext_lazy("An apology and the corrective measures taken."),
}
DEFAULT_RESULT_PROMPT = gettext_lazy("What was done, in words the customer understands.")
WARRANTY_MONTHS_MAX = 120
STEPS_MAX = 30
TEXT_LIMIT = 5000
CONFIRM_SALT = "serviceloop.tickets.confirmation"


def result_prompt(ticket_type: str) -> str:
    return str(RESULT_PROMPTS.get(ticket_type, DEFAULT_RESULT_PROMPT))


def _staff_writer(actor: User, perm: str = "tickets.add_internal_note") -> None:
    require_staff(actor)
    require(actor, perm)


# --- processing records (PRG-2) -----------------------------------------------------------------

def _open(ticket: Ticket) -> None:
    if ticket.status == Status.CLOSED:
        raise Conflict(_("The ticket is closed; reopen it first."))


def _not_future(field: str, moment: datetime, now: datetime) -> None:
    if moment > now + timedelta(minutes=5):
        raise InvalidInput.field(field, _("This time lies in the future."))


@transaction.atomic
def ticket_record_diagnosis(*, ticket: Ticket, actor: User, result: str, started_at: datetime,
                            ended_at: datetime | None = None) -> TicketEvent:
    """A diagnosis record: when it started and ended, and what was found. Internal."""
    _staff_writer(actor)
    result = check_text("result", result, required=True, limit=TEXT_LIMIT)
    now = timezone.now()
    ended_at = ended_at or now
    _not_future("ended_at", ended_at, now)
    if started_at > ended_at:
        raise InvalidInput.field("started_at", _("The diagnosis cannot start after it ended."))
    ticket = locked(ticket)
    _open(ticket)
    touch(ticket, now, [])
    return events.diagnosis(ticket, actor, result=result, started_at=started_at, ended_at=ended_at)


@transaction.atomic
def ticket_record_solution(
    *, ticket: Ticket, actor: User, text: str, steps: list[str] | None = None
) -> TicketEvent:
    """The solution decided on, with its steps in order. Internal (the customer reads the resolution)."""
    _staff_writer(actor)
    text = check_text("text", text, required=True, limit=TEXT_LIMIT)
    steps = [s for s in (check_text("steps", s, limit=500) for s in (steps or [])) if s]
    if len(steps) > STEPS_MAX:
        raise InvalidInput.field("steps", _("At most %(limit)d steps.") % {"limit": STEPS_MAX})
    ticket = locked(ticket)
    _open(ticket)
    touch(ticket, timezone.now(), [])
    return events.solution(ticket, actor, text=text, steps=steps)


@transaction.atomic
def ticket_record_execution(*, ticket: Ticket, actor: User, text: str, performed_at: datetime | None = None,
                            operator: User | None = None, customer_feedback: str = "") -> TicketEvent:
    """An execution record: what was done, when, by whom (default: the writer) and the customer's feedback."""
    _staff_writer(actor)
    text = check_text("text", text, required=True, limit=TEXT_LIMIT)
    now = timezone.now()
    performed_at = performed_at or now
    _not_future("performed_at", performed_at, now)
    operator = operator or actor
    if operator.is_customer or not operator.is_active:
        raise InvalidInput.field("operator_id", _("The operator must be active service staff."))
    ticket = locked(ticket)
    _open(ticket)
    touch(ticket, now, [])
    return events.execution(
        ticket,
        actor,
        text=text,
        performed_at=performed_at,
        operator_id=operator.pk,
        customer_feedback=check_text("customer_feedback", customer_feedback, limit=TEXT_LIMIT),
    )


def set_sub_status_locked(ticket: Ticket, actor: User, sub_status: str) -> Ticket:
    """The sub-status change itself, on a ticket the caller locked (ticket_transition's same-status case)."""
    if ticket.status not in SUB_STATUS_ALLOWED_IN:
        raise Conflict(_("A sub-status is only used while the ticket is being worked on."))
    old = ticket.sub_status
    if old == sub_status:
        return ticket
    ticket.sub_status = sub_status
    touch(ticket, timezone.now(), ["sub_status"])
    events.sub_status_changed(ticket, actor, old=old, new=sub_status)
    return ticket


@transaction.atomic
def ticket_set_sub_status(*, ticket: Ticket, actor: User, sub_status: str) -> Ticket:
    """Change the sub-status within the current status (等待备件 → 维修中 → 已发货); "" clears it.

    One `sub_status` event; the SLA clock pauses or resumes on it by the policy's pause list, the same
    rule as for a status change (sla/services/clock.py ticket_sla_status_changed).
    """
    require_staff(actor)
    require(actor, "tickets.transition_ticket")
    if sub_status:
        check_choice("sub_status", sub_status, SubStatus)
    return set_sub_status_locked(locked(ticket), actor, sub_status)


# --- resolution (PRG-7, COM-5) ------------------------------------------------------------------

def _tree_key(node: RootCause) -> tuple:
    chain, seen = [], set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        chain.append((node.sort_order, node.pk))
        node = node.parent
    return tuple(reversed(chain))


def root_cause_tree() -> list[RootCause]:
    """Every active node, parents before their children, in the administrators' order (one query)."""
    nodes = list(RootCause.objects.filter(is_active=True).select_related("parent__parent"))
    return sorted(nodes, key=_tree_key)


def root_cause_choices() -> list[RootCause]:
    """The active leaves of the tree in order: what a resolution may name (the form's and the API's list)."""
    nodes = root_cause_tree()
    parents = {n.parent_id for n in nodes if n.parent_id}
    return [n for n in nodes if n.pk not in parents]


def _check_root_cause(root_cause: RootCause | None) -> RootCause:
    if root_cause is None:
        raise InvalidInput.field("root_cause_id", _("Choose the root cause before resolving."))
    if not root_cause.is_active:
        raise InvalidInput.field("root_cause_id", _("This root cause is no longer in use."))
    if RootCause.objects.filter(parent=root_cause, is_active=True).exists():
        raise InvalidInput.field(
            "root_cause_id", _("Choose the most specific cause (e.g. 硬件故障 › 电源模块).")
        )
    return root_cause


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, actor: User, root_cause: RootCause | None, customer_result: str,
                   resolution_note: str = "", warranty_months: int | None = None) -> Ticket:
    """Resolve the ticket (→ 已解决): a root cause from the tree, an internal note, and the result the
    customer reads in the portal, on /track/ and in the resolution message, worded by the ticket type
    (RESULT_PROMPTS). A warranty applies to problems only. Nothing is written when anything is missing."""
    require_staff(actor)
    require(actor, "tickets.transition_ticket")
    ticket = locked(ticket)
    allowed = allowed_next(ticket.status)
    if Status.RESOLVED not in allowed:
        names = ", ".join(str(Status(s).label) for s in allowed) or _("none")
        raise Conflict(
            _("A ticket in status “%(current)s” cannot move to “%(target)s”. Allowed next: %(allowed)s.")
            % {"current": ticket.get_status_display(), "target": Status.RESOLVED.label, "allowed": names},
            extra={"allowed": list(allowed)})
    root_cause = _check_root_cause(root_cause)
    customer_result = check_text("customer_result", customer_result, limit=TEXT_LIMIT)
    if not customer_result:
        raise InvalidInput.field("customer_result", _("Write the result for the customer: %(prompt)s")
                                 % {"prompt": result_prompt(ticket.ticket_type)})
    if warranty_months is not None:
        if ticket.ticket_type != TicketType.PROBLEM:
            raise InvalidInput.field("warranty_months", _("A warranty applies to problems only."))
        if not 0 <= warranty_months <= WARRANTY_MONTHS_MAX:
            raise InvalidInput.field("warranty_months", _("Between 0 and %(max)d months.")
                                     % {"max": WARRANTY_MONTHS_MAX})
    now = timezone.now()
    old = ticket.status
    ticket.status, ticket.sub_status, ticket.pending_until, ticket.resolved_at = (
        Status.RESOLVED,
        "",
        None,
        now,
    )
    ticket.root_cause = root_cause
    ticket.customer_result = customer_result
    ticket.resolution_note = check_text("resolution_note", resolution_note, limit=TEXT_LIMIT)
    ticket.warranty_months = warranty_months
    fields = ["status", "sub_status", "pending_until", "resolved_at", "root_cause", "customer_result",
              "resolution_note", "warranty_months"]
    acknowledged = ticket.accepted_at is None
    if acknowledged:
        ticket.accepted_at = now
        fields.append("accepted_at")
    touch(ticket, now, fields)
    # The status first (the SLA clock meets the resolution target), then the resolution itself: the
    # customer's message and the confirmation schedule (sla/confirmation.py) follow that one.
    events.status_changed(ticket, actor, old=old, new=Status.RESOLVED, acknowledged=acknowledged)
    events.resolution(ticket, actor, root_cause=root_cause, result=customer_result,
                      internal_note=ticket.resolution_note, warranty_months=warranty_months)
    return ticket


# --- confirmation (CSAT-3) ----------------------------------------------------------------------

def _must_be_resolved(ticket: Ticket, customer: bool) -> None:
    if ticket.status != Status.RESOLVED:
        allowed = allowed_next(ticket.status, customer=customer)
        raise Conflict(_("This ticket is not waiting for a confirmation (status: %(status)s).")
                       % {"status": ticket.get_status_display()}, extra={"allowed": list(allowed)})


def _closing(ticket: Ticket) -> dict:
    resolved_at = ticket.resolved_at or timezone.now()
    cause = ticket.root_cause.path("zh-hans") if ticket.root_cause_id else ""
    summary = Truncator(f"{cause}：{ticket.customer_result}" if cause else ticket.customer_result).chars(500)
    return {"resolved_at": resolved_at.isoformat(),
            "resolution_minutes": max(0, round((resolved_at - ticket.created_at).total_seconds() / 60)),
            "summary": summary}


def close_resolved(ticket: Ticket, actor: User | None, *, method: str, note: str = "") -> Ticket:
    """已解决 → 已关闭 on a ticket the caller has locked: closed_at, the status event, and the confirmation
    event with the resolution time and summary. ticket_transition uses it for resolved → closed."""
    _must_be_resolved(ticket, customer=bool(actor and actor.is_customer))
    now = timezone.now()
    ticket.status, ticket.closed_at = Status.CLOSED, now
    ticket.confirm_remind_at = ticket.auto_close_at = None
    touch(ticket, now, ["status", "closed_at", "confirm_remind_at", "auto_close_at"])
    events.status_changed(ticket, actor, old=Status.RESOLVED, new=Status.CLOSED)
    events.confirmation(ticket, actor, method=method, outcome=ConfirmationOutcome.CONFIRMED, text=note,
                        closing=_closing(ticket))
    return ticket


def reopen_not_fixed(ticket: Ticket, actor: User | None, *, method: str, reason: str) -> Ticket:
    """已解决 → 重新处理 on a ticket the caller has locked, with the customer's reason (required)."""
    _must_be_resolved(ticket, customer=bool(actor and actor.is_customer))
    reason = check_text("reason", reason, limit=TEXT_LIMIT)
    if not reason:
        raise InvalidInput.field(
            "reason", _("Tell us what is still not working, so we can take it up again.")
        )
    now = timezone.now()
    ticket.status, ticket.resolved_at, ticket.closed_at = Status.REOPENED, None, None
    ticket.confirm_remind_at = ticket.auto_close_at = None
    touch(ticket, now, ["status", "resolved_at", "closed_at", "confirm_remind_at", "auto_close_at"])
    events.status_changed(ticket, actor, old=Status.RESOLVED, new=Status.REOPENED, note=reason)
    events.confirmation(ticket, actor, method=method, outcome=ConfirmationOutcome.NOT_FIXED, text=reason)
    return ticket


def _answer(ticket: Ticket, actor: User | None, *, method: str, fixed: bool, text: str) -> Ticket:
    if fixed:
        return close_resolved(ticket, actor, method=method, note=check_text("note", text, limit=TEXT_LIMIT))
    return reopen_not_fixed(ticket, actor, method=method, reason=text)


@transaction.atomic
def ticket_customer_answer(*, ticket: Ticket, actor: User, fixed: bool, reason: str = "") -> Ticket:
    """The customer's own answer in the portal: confirmed → closed; not fixed → reopened with the reason."""
    if not actor.is_customer or actor.organization_id != ticket.organization_id:
        raise Forbidden(_("Only the customer can confirm the resolution here."))
    return _answer(locked(ticket), actor, method=ConfirmationMethod.PORTAL, fixed=fixed, text=reason)


@transaction.atomic
def ticket_reopen_by_survey(*, ticket: Ticket, actor: User, reason: str) -> Ticket:
    """CSAT-2: a low satisfaction score on a resolved ticket reopens it for 二次处理; the answer is recorded
    as given by the survey (not by staff), with the survey named in `reason`."""
    require_staff(actor)
    return reopen_not_fixed(locked(ticket), actor, method=ConfirmationMethod.SURVEY, reason=reason)


@transaction.atomic
def ticket_record_phone_confirmation(*, ticket: Ticket, actor: User, fixed: bool, note: str) -> Ticket:
    """Staff record the customer's answer given by phone; a note (who said what) is required."""
    require_staff(actor)
    require(actor, "tickets.transition_ticket")
    if not (note or "").strip():
        raise InvalidInput.field("note" if fixed else "reason",
                                 _("Note who confirmed it and what they said.") if fixed
                                 else _("Tell us what is still not working, so we can take it up again."))
    return _answer(locked(ticket), actor, method=ConfirmationMethod.PHONE, fixed=fixed, text=note)


# --- the signed confirmation link (usable without a login) --------------------------------------

def confirmation_token(ticket: Ticket) -> str:
    """A signed token for this ticket's current resolution: it names the ticket and the moment it was
    resolved, so a link from an earlier resolution cannot answer a later one. Expires after
    CONFIRMATION_LINK_DAYS (checked when read)."""
    resolved = ticket.resolved_at or timezone.now()
    return signing.dumps({"t": ticket.pk, "r": int(resolved.timestamp())}, salt=CONFIRM_SALT, compress=False)


def confirmation_link(ticket: Ticket) -> str:
    return f"{settings.PUBLIC_URL}/confirm/{confirmation_token(ticket)}/"


def ticket_for_confirmation_token(token: str) -> Ticket:
    """The ticket a link is for, while it still waits for this resolution's answer; refusals in words."""
    try:
        payload = signing.loads(
            token, salt=CONFIRM_SALT, max_age=timedelta(days=settings.CONFIRMATION_LINK_DAYS)
        )
    except signing.SignatureExpired as exc:
        raise Forbidden(
            _("This confirmation link has expired. Please log in or reply to our message.")
        ) from exc
    except signing.BadSignature as exc:
        raise NotFound(_("This confirmation link is not valid.")) from exc
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("t"), int)
        or not isinstance(payload.get("r"), int)
    ):
        raise NotFound(_("This confirmation link is not valid."))
    ticket = Ticket.objects.select_related("contact", "root_cause").filter(pk=payload["t"]).first()
    if ticket is None:
        raise NotFound(_("This confirmation link is not valid."))
    if ticket.status != Status.RESOLVED or ticket.resolved_at is None \
            or int(ticket.resolved_at.timestamp()) != payload["r"]:
        raise Conflict(_("This ticket has already been answered; the link can no longer be used."))
    return ticket


@transaction.atomic
def ticket_answer_by_link(*, token: str, fixed: bool, reason: str = "") -> Ticket:
    """The answer given through the link in the resolution message: no login, the token is the proof."""
    ticket = ticket_for_confirmation_token(token)
    ticket = locked(ticket)
    if ticket.status != Status.RESOLVED:  # answered between the read and the lock
        raise Conflict(_("This ticket has already been answered; the link can no longer be used."))
    contact = ticket.contact if ticket.contact_id else None
    actor = contact.user if contact is not None and contact.user_id else None
    return _answer(ticket, actor, method=ConfirmationMethod.LINK, fixed=fixed, text=reason)


# --- no answer: reminder, then auto-close (called by the SLA app's sweep, sla/confirmation.py) -------

@transaction.atomic
def ticket_confirmation_remind(*, ticket_id: int, now: datetime) -> bool:
    """Send the reminder once: claimed by a conditional UPDATE, so two workers never both send it."""
    claimed = Ticket.objects.filter(pk=ticket_id, status=Status.RESOLVED, confirm_remind_at__lte=now) \
        .update(confirm_remind_at=None)
    if not claimed:
        return False
    ticket = locked(Ticket(pk=ticket_id))
    events.confirmation_reminded(ticket, auto_close_at=ticket.auto_close_at)
    return True


@transaction.atomic
def ticket_auto_close(*, ticket_id: int, now: datetime) -> bool:
    """Close a resolved ticket nobody answered in time; claimed by a conditional UPDATE (idempotent)."""
    claimed = Ticket.objects.filter(pk=ticket_id, status=Status.RESOLVED, auto_close_at__lte=now) \
        .update(auto_close_at=None)
    if not claimed:
        return False
    ticket = locked(Ticket(pk=ticket_id))
    close_resolved(ticket, None, method=ConfirmationMethod.AUTO)
    return True
