"""Surveys under /api/v1: a ticket's surveys and follow-ups (`tickets_router`, on /tickets:
GET /{number}/surveys) and completing a follow-up task (`router`, on /follow-ups: POST /{id}/complete)."""

from __future__ import annotations

from datetime import datetime

from ninja import Router

from serviceloop.core.bounds import Id, text
from serviceloop.core.schemas import ERRORS, Schema, Strict
from serviceloop.tickets import selectors as ticket_selectors

from . import selectors, services
from .models import FollowUpOutcome

router = Router(tags=["surveys"])
tickets_router = Router(tags=["tickets"])


class SurveyOut(Schema):
    cycle: int
    sent_at: datetime | None
    reminded_at: datetime | None
    expires_at: datetime | None
    answered_at: datetime | None
    overall: int | None
    satisfaction: int | None
    response_speed: int | None
    solution_quality: int | None
    attitude: int | None
    communication: int | None
    comment: str


class FollowUpOut(Schema):
    id: int
    survey_cycle: int
    assignee: str | None
    created_at: datetime
    due_at: datetime | None
    outcome: str
    outcome_note: str
    done_at: datetime | None
    done_by: str | None


class TicketSurveysOut(Schema):
    surveys: list[SurveyOut]
    follow_ups: list[FollowUpOut]


def follow_up_out(task) -> dict:
    return {
        "id": task.pk,
        "survey_cycle": task.survey.cycle,
        "assignee": str(task.assignee) if task.assignee else None,
        "created_at": task.created_at,
        "due_at": task.due_at,
        "outcome": task.outcome,
        "outcome_note": task.outcome_note,
        "done_at": task.done_at,
        "done_by": str(task.done_by) if task.done_by else None,
    }


@tickets_router.get(
    "/{number}/surveys", response={200: TicketSurveysOut, **ERRORS}, url_name="ticket-surveys"
)
def ticket_surveys(request, number: str):
    """The ticket's satisfaction surveys (one per resolution cycle) and, for staff, its follow-up tasks."""
    ticket = ticket_selectors.ticket_get(user=request.auth, number=number)
    return {
        "surveys": selectors.ticket_surveys(user=request.auth, ticket=ticket),
        "follow_ups": [
            follow_up_out(t) for t in selectors.ticket_follow_ups(user=request.auth, ticket=ticket)
        ],
    }


class CompleteIn(Strict):
    outcome: FollowUpOutcome
    note: text(2000, min_length=1)


@router.post("/{task_id}/complete", response={200: FollowUpOut, **ERRORS}, url_name="follow-up-complete")
def follow_up_complete(request, task_id: Id, payload: CompleteIn):
    """Record the outcome of second processing (the assignee, or anyone who may complete follow-ups)."""
    task = selectors.follow_up_get(user=request.auth, task_id=task_id)
    task = services.follow_up_complete(
        task=task, actor=request.auth, outcome=payload.outcome, note=payload.note
    )
    return follow_up_out(task)
