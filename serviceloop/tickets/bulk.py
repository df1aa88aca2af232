"""Bulk actions on tickets (issue #16.2): assign, take (领取), change status or priority of several tickets
in one step.

Each ticket goes through the same named service as one change on the ticket page (ticket_assign,
ticket_transition, ticket_set_priority), in its own transaction: a ticket that is refused (closed,
not allowed, not visible) is reported by number with the service's own reason and leaves the others
done. Nothing is written before the whole request has been checked (the limit, the numbers, the
values every ticket shares), so a bad request changes nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from serviceloop.accounts.models import Team, User
from serviceloop.core.errors import InvalidInput, ServiceError

from . import services
from .choices import Priority, Status
from .guards import check_choice, check_text, require
from .models import Ticket

# A page of the list is 25 rows; four pages is as many as a person reviews before acting on them, and
# it keeps one request under the 2 s the issue allows (bench/web_list.py: 100 assigns at 1M tickets).
BULK_MAX = 100


class Action:
    ASSIGN = "assign"
    TAKE = "take"
    STATUS = "status"
    PRIORITY = "priority"
    ALL = (ASSIGN, TAKE, STATUS, PRIORITY)


@dataclass
class BulkResult:
    """What a bulk action did: the numbers changed and, for each refused one, the reason."""

    action: str
    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def clean_numbers(numbers) -> list[str]:
    """The ticket numbers asked for, each once and in order; 422 for none or more than BULK_MAX."""
    seen: dict[str, None] = {}
    for raw in numbers or []:
        number = str(raw).strip()
        if number:
            seen.setdefault(number[:40], None)
    if not seen:
        raise InvalidInput.field("numbers", _("Select at least one ticket."))
    if len(seen) > BULK_MAX:
        raise InvalidInput.field(
            "numbers",
            _("At most %(max)d tickets can be changed at once; %(count)d were selected.")
            % {"max": BULK_MAX, "count": len(seen)},
        )
    return list(seen)


def ticket_bulk_apply(
    *,
    actor: User,
    numbers: list[str],
    action: str,
    owner: User | None = None,
    group: Team | None = None,
    to_status: str = "",
    priority: str = "",
    reason: str = "",
    note: str = "",
) -> BulkResult:
    """Apply one action to each ticket named, one service call (one transaction) per ticket.

    `take` assigns each ticket to the actor (领取) through ticket_assign. Tickets the actor may not see
    are refused as unknown, the same words for absent and hidden (SEC-2).
    """
    if action not in Action.ALL:
        raise InvalidInput.field("action", _("Choose what to do with the selected tickets."))
    numbers = clean_numbers(numbers)
    # The checks every ticket shares are made once, before anything is written.
    if action == Action.TAKE:
        require(actor, "tickets.assign_ticket")
        if not actor.is_service_staff:
            raise InvalidInput.field("owner", _("Tickets can only be assigned to active service staff."))
        owner = actor
    elif action == Action.ASSIGN:
        require(actor, "tickets.assign_ticket")
        if owner is None and group is None:
            raise InvalidInput.field("owner", _("Choose the owner or the group to assign to."))
        if owner is not None and not owner.is_service_staff:
            raise InvalidInput.field("owner", _("Tickets can only be assigned to active service staff."))
    elif action == Action.STATUS:
        require(actor, "tickets.transition_ticket")
        check_choice("status", to_status, Status)
        if to_status in (Status.RESOLVED, Status.PENDING):
            # Each needs its own record (a root cause; a release date): that is done ticket by ticket.
            raise InvalidInput.field("status", _("Resolving or suspending is done on each ticket's page."))
    else:
        require(actor, "tickets.override_priority")
        check_choice("priority", priority, Priority)
        reason = check_text("reason", reason, required=True)
    note = check_text("note", note)

    found = {t.number: t for t in Ticket.objects.visible_to(actor).filter(number__in=numbers)}
    result = BulkResult(action=action)
    for number in numbers:
        ticket = found.get(number)
        if ticket is None:
            result.refused.append((number, _("no such ticket")))
            continue
        try:
            _apply_one(
                ticket,
                actor=actor,
                action=action,
                owner=owner,
                group=group,
                to_status=to_status,
                priority=priority,
                reason=reason,
                note=note,
            )
        except ServiceError as exc:  # its transaction is rolled back; the others stand
            result.refused.append((number, exc.message))
        else:
            result.done.append(number)
    return result


def _apply_one(ticket: Ticket, *, actor, action, owner, group, to_status, priority, reason, note) -> None:
    if action in (Action.ASSIGN, Action.TAKE):
        services.ticket_assign(
            ticket=ticket,
            actor=actor,
            owner=owner if owner is not None else ticket.owner,
            group=group,
            note=note,
        )
    elif action == Action.STATUS:
        services.ticket_transition(ticket=ticket, actor=actor, to_status=to_status, note=note)
    else:
        services.ticket_set_priority(ticket=ticket, actor=actor, priority=priority, reason=reason)


def summary(result: BulkResult, *, owner: User | None = None, shown: int = 10) -> str:
    """One sentence for the person: what was done, then which tickets were not and why.

    "已指派 98 张；2 张未处理：202611-0002 已关闭…" — the first `shown` refusals by number, then a count.
    """
    count = len(result.done)
    values = {"count": count, "name": owner}
    if result.action == Action.TAKE:
        done = ngettext("Took %(count)s ticket.", "Took %(count)s tickets.", count) % values
    elif result.action == Action.ASSIGN and owner is not None:
        done = (
            ngettext(
                "Assigned %(count)s ticket to %(name)s.", "Assigned %(count)s tickets to %(name)s.", count
            )
            % values
        )
    elif result.action == Action.ASSIGN:
        done = ngettext("Assigned %(count)s ticket.", "Assigned %(count)s tickets.", count) % values
    elif result.action == Action.STATUS:
        done = (
            ngettext(
                "Changed the status of %(count)s ticket.", "Changed the status of %(count)s tickets.", count
            )
            % values
        )
    else:
        done = (
            ngettext(
                "Changed the priority of %(count)s ticket.",
                "Changed the priority of %(count)s tickets.",
                count,
            )
            % values
        )
    if not result.refused:
        return done
    # The separators are the language's own: "；" and "（…）" in Chinese.
    reasons = _("; ").join(
        _("%(number)s (%(reason)s)") % {"number": number, "reason": why}
        for number, why in result.refused[:shown]
    )
    if len(result.refused) > shown:
        reasons += " " + _("and %(count)s more") % {"count": len(result.refused) - shown}
    refused = len(result.refused)
    refusals = ngettext(
        "%(count)s not changed: %(reasons)s", "%(count)s not changed: %(reasons)s", refused
    ) % {"count": refused, "reasons": reasons}
    return _("%(done)s %(refused)s") % {"done": done, "refused": refusals}
