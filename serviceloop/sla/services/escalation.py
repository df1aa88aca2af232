"""Escalations (ASN-5, ASN-6): the record every escalation leaves, and the manual one (上报).

The sweeper's automatic escalations (sweep.py) write the same record through `escalation_record`.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.accounts.models import User
from serviceloop.core.errors import Conflict, Forbidden, InvalidInput
from serviceloop.tickets import events
from serviceloop.tickets.choices import Status
from serviceloop.tickets.models import Ticket

from ..models import Escalation, EscalationKind


def escalation_record(*, ticket, kind: str, to: User | None, reason: str, actor: User | None = None,
                      department: str = "", expected_feedback_at: datetime | None = None) -> Escalation:
    """The Escalation row and its `escalated` timeline event (ASN-6), inside the caller's transaction."""
    escalation = Escalation.objects.create(ticket=ticket, kind=kind, escalated_to=to, department=department,
                                           reason=reason, expected_feedback_at=expected_feedback_at,
                                           created_by=actor)
    events.escalated(ticket, actor, escalation_id=escalation.pk, kind=kind,
                     to_user_id=to.pk if to else None, department=department, reason=reason)
    return escalation


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
    if to is not None and not to.is_service_staff:
        raise InvalidInput.field("to", _("Escalate only to active service staff."))
    if expected_feedback_at is not None and expected_feedback_at <= timezone.now():
        raise InvalidInput.field("expected_feedback_at",
                                 _("The expected feedback time must be in the future."))
    ticket = Ticket.objects.select_for_update(no_key=True).get(pk=ticket.pk)
    if ticket.status == Status.CLOSED:
        raise Conflict(_("A closed ticket cannot be escalated."))
    escalation = escalation_record(ticket=ticket, kind=EscalationKind.MANUAL, to=to, reason=reason,
                                   actor=actor, department=department.strip(),
                                   expected_feedback_at=expected_feedback_at)
    return escalation
