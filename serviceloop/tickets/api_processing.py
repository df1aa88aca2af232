"""Processing a ticket to its end under /api/v1 (PRG-2, PRG-7, CSAT-3): records, sub-status, resolution,
the customer's confirmation (or staff's record of it given by phone), and the root-cause tree.

Thin handlers like api.py's: parse with the bounded types, call one service of processing.py, answer.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Field, Router
from ninja import Status as Created

from serviceloop.accounts.models import User
from serviceloop.core.bounds import Bool, Datetime, Id, text
from serviceloop.core.errors import known
from serviceloop.core.schemas import ERRORS, Schema, Strict

from . import processing, selectors
from .api import EventOut, TicketOut, _event, root_cause_or_none, ticket_out
from .choices import SubStatus, TicketType

router = Router(tags=["tickets"])
root_causes_router = Router(tags=["root causes"])


class DiagnosisIn(Strict):
    result: text(5000, min_length=1)
    started_at: Datetime
    ended_at: Datetime | None = Field(None, description="default: now")


class SolutionIn(Strict):
    text: text(5000, min_length=1)
    steps: list[text(500)] = Field(default_factory=list, max_length=processing.STEPS_MAX)


class ExecutionIn(Strict):
    text: text(5000, min_length=1)
    performed_at: Datetime | None = Field(None, description="default: now")
    operator_id: Id | None = Field(None, description="default: the writer")
    customer_feedback: text(5000) = ""


class SubStatusIn(Strict):
    sub_status: SubStatus | None = Field(None, description="none clears it; the status stays as it is")


class ResolveIn(Strict):
    root_cause_id: Id | None = Field(None, description="a leaf of GET /api/v1/root-causes; required")
    customer_result: text(5000) = Field(
        "",
        description="required; what it must say depends on the ticket type "
        "(GET /api/v1/root-causes lists the prompts)",
    )
    resolution_note: text(5000) = Field("", description="internal")
    warranty_months: int | None = Field(None, ge=0, le=processing.WARRANTY_MONTHS_MAX,
                                        description="problems only: the warranty on the repair")


class ConfirmationIn(Strict):
    fixed: Bool
    reason: text(5000) = Field("", description="required when not fixed (the customer's words); for staff "
                                               "recording a phone answer, who said what (required)")


@router.post("/{number}/diagnoses", response={201: EventOut, **ERRORS}, summary="Record a diagnosis (staff)")
def record_diagnosis(request, number: str, payload: DiagnosisIn):
    user = request.auth
    event = processing.ticket_record_diagnosis(
        ticket=selectors.ticket_get(user=user, number=number),
        actor=user,
        result=payload.result,
        started_at=payload.started_at,
        ended_at=payload.ended_at,
    )
    return Created(201, _event(event, user))


@router.post("/{number}/solutions", response={201: EventOut, **ERRORS}, summary="Record the solution (staff)")
def record_solution(request, number: str, payload: SolutionIn):
    user = request.auth
    event = processing.ticket_record_solution(
        ticket=selectors.ticket_get(user=user, number=number),
        actor=user,
        text=payload.text,
        steps=payload.steps,
    )
    return Created(201, _event(event, user))


@router.post("/{number}/executions", response={201: EventOut, **ERRORS},
             summary="Record an execution: time, operator, customer feedback (staff)")
def record_execution(request, number: str, payload: ExecutionIn):
    user = request.auth
    ticket = selectors.ticket_get(user=user, number=number)
    operator = None
    if payload.operator_id is not None:
        operator = known(User.objects.service_staff(), payload.operator_id, "operator_id", _("operator"))
    event = processing.ticket_record_execution(ticket=ticket, actor=user, text=payload.text,
                                               performed_at=payload.performed_at, operator=operator,
                                               customer_feedback=payload.customer_feedback)
    return Created(201, _event(event, user))


@router.post("/{number}/sub-status", response={200: TicketOut, **ERRORS},
             summary="Change the sub-status within the current status (staff)")
def set_sub_status(request, number: str, payload: SubStatusIn):
    user = request.auth
    processing.ticket_set_sub_status(ticket=selectors.ticket_get(user=user, number=number), actor=user,
                                     sub_status=payload.sub_status or "")
    return ticket_out(selectors.ticket_get(user=user, number=number), user)


@router.post("/{number}/resolve", response={200: TicketOut, **ERRORS},
             summary="Resolve: root cause, internal note and the result for the customer (staff)")
def resolve(request, number: str, payload: ResolveIn):
    user = request.auth
    processing.ticket_resolve(
        ticket=selectors.ticket_get(user=user, number=number),
        actor=user,
        root_cause=root_cause_or_none(payload.root_cause_id),
        customer_result=payload.customer_result,
        resolution_note=payload.resolution_note,
        warranty_months=payload.warranty_months,
    )
    return ticket_out(selectors.ticket_get(user=user, number=number), user)


@router.post("/{number}/confirmation", response={200: TicketOut, **ERRORS},
             summary="Answer a resolution: the customer's own, or staff recording one given by phone")
def confirm(request, number: str, payload: ConfirmationIn):
    user = request.auth
    ticket = selectors.ticket_get(user=user, number=number)
    if user.is_customer:
        processing.ticket_customer_answer(
            ticket=ticket, actor=user, fixed=payload.fixed, reason=payload.reason
        )
    else:
        processing.ticket_record_phone_confirmation(ticket=ticket, actor=user, fixed=payload.fixed,
                                                    note=payload.reason)
    return ticket_out(selectors.ticket_get(user=user, number=number), user)


class RootCauseOut(Schema):
    id: int
    code: str
    name: str
    path: str
    parent_id: int | None
    selectable: bool = Field(description="a leaf: what a resolution may name")


class RootCauseTree(Schema):
    items: list[RootCauseOut]
    result_prompts: dict[str, str] = Field(description="what the customer's result must say, by ticket type")


@root_causes_router.get("", response={200: RootCauseTree, **ERRORS},
                        summary="The active root-cause tree, flat, in the reader's language")
def list_root_causes(request):
    leaves = {c.pk for c in processing.root_cause_choices()}
    nodes = processing.root_cause_tree()
    return {
        "items": [
            {
                "id": c.pk,
                "code": c.code,
                "name": c.label(),
                "path": c.path(),
                "parent_id": c.parent_id,
                "selectable": c.pk in leaves,
            }
            for c in nodes
        ],
        "result_prompts": {t: processing.result_prompt(t) for t in TicketType.values},
    }
