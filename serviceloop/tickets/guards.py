"""The checks every ticket write shares: permission, the row lock, choices, texts, the save.

services.py (intake and lifecycle) and processing.py (records, resolution, confirmation, auto-close)
both use these, so a rule such as "texts are stripped and bounded" is written once.
"""

from __future__ import annotations

import functools
from datetime import datetime

from django.utils.translation import gettext as _

from serviceloop.core.errors import Forbidden, InvalidInput

from .models import Ticket

# INT-4 text fields an agent may fill or correct after creation, with their size limits.
PROBLEM_FIELDS = {
    "title": 200,
    "description": 20000,
    "objective_description": 20000,
    "error_code": 200,
    "reproduction_steps": 20000,
    "environment": 300,
    "business_impact": 5000,
    "tried_steps": 5000,
}


def require(actor, perm: str) -> None:
    if not actor.has_perm(perm):
        raise Forbidden(_("You do not have permission to do this."))


def require_staff(actor) -> None:
    if actor.is_customer:
        raise Forbidden(_("Only service staff can do this."))


def locked(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock; the caller's copy may be stale."""
    # NO KEY UPDATE: inserts that merely reference the ticket (events, breaches, notifications by the
    # sweeper) take KEY SHARE locks, which a plain FOR UPDATE would block — a lock-order deadlock.
    return Ticket.objects.select_for_update(no_key=True).get(pk=ticket.pk)


@functools.cache
def _allowed(choices) -> frozenset[str]:
    # Choices.values builds a new list on every read; a create checks four of them.
    return frozenset(choices.values)


def check_choice(field: str, value: str, choices) -> None:
    if value not in _allowed(choices):
        raise InvalidInput.field(
            field, _("“%(value)s” is not a valid choice. Allowed: %(allowed)s")
            % {"value": value, "allowed": ", ".join(choices.values)}
        )


def check_text(field: str, value: str, *, required: bool = False, limit: int | None = None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput.field(field, _("This field is required."))
    limit = limit or PROBLEM_FIELDS.get(field, 20000)
    if len(value) > limit:
        raise InvalidInput.field(
            field,
            _("At most %(limit)d characters are allowed (got %(size)d).")
            % {"limit": limit, "size": len(value)},
        )
    return value


def touch(ticket: Ticket, now: datetime, fields: list[str]) -> None:
    ticket.updated_at = now
    ticket.save(update_fields=[*fields, "updated_at"])
