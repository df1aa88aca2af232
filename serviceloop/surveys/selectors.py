"""Survey reads: a ticket's surveys and follow-up tasks, as the user may see them."""

from __future__ import annotations

from serviceloop.accounts.models import User
from serviceloop.core.errors import NotFound
from serviceloop.tickets.models import Ticket

from .models import FollowUpTask, Survey


def ticket_surveys(*, user: User, ticket: Ticket) -> list[Survey]:
    """Every cycle's survey of a ticket the user may see (the caller got the ticket through visible_to)."""
    return list(Survey.objects.filter(ticket_id=ticket.pk).order_by("cycle"))


def ticket_follow_ups(*, user: User, ticket: Ticket) -> list[FollowUpTask]:
    """The ticket's follow-up tasks: internal work, so staff only (a customer gets none)."""
    if user.is_customer:
        return []
    return list(FollowUpTask.objects.filter(ticket_id=ticket.pk)
                .select_related("assignee", "done_by", "survey").order_by("id"))


def ticket_loop(*, user: User, ticket: Ticket) -> tuple[list[Survey], list[FollowUpTask]]:
    """For the staff's ticket page, in one query: the answered surveys and follow-up tasks (with assignee)."""
    if user.is_customer:
        return [], []
    rows = list(Survey.objects.filter(ticket_id=ticket.pk, answered_at__isnull=False)
                .select_related("follow_up__assignee", "follow_up__done_by").order_by("cycle"))
    tasks = []
    for survey in rows:
        try:
            tasks.append(survey.follow_up)
        except FollowUpTask.DoesNotExist:
            continue
    return rows, tasks


def follow_up_get(*, user: User, task_id: int) -> FollowUpTask:
    """A follow-up task for staff; customers and unknown ids alike get NotFound."""
    task = None
    if not user.is_customer:
        task = FollowUpTask.objects.select_related("ticket").filter(pk=task_id).first()
    if task is None or not Ticket.objects.visible_to(user).filter(pk=task.ticket_id).exists():
        raise NotFound("No such follow-up task.")
    return task
