"""Tickets and categories under /api/v1: thin handlers that parse, call one service or selector, answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.conf import settings
from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router
from ninja import Status as Created
from ninja.files import UploadedFile
from pydantic import AwareDatetime

from serviceloop.accounts.models import Team, User
from serviceloop.assets.models import CustomerProduct
from serviceloop.core.bounds import Bool, Cursor, Date, Datetime, FormBool, Id, text
from serviceloop.core.errors import InvalidInput, known
from serviceloop.core.schemas import ERRORS, Schema, Strict
from serviceloop.core.validation import require_single
from serviceloop.customers.models import Contact
from serviceloop.customers.selectors import organization_get

from . import bulk, events, processing, selectors, services
from .choices import (
    Channel,
    CommunicationChannel,
    ImpactScope,
    NoteType,
    Priority,
    Status,
    SubStatus,
    TicketType,
    Urgency,
    allowed_next,
)
from .models import AFFECTED_USERS_MAX, Attachment, Category, RootCause, Ticket, TicketEvent

tickets_router = Router(tags=["tickets"])
categories_router = Router(tags=["categories"])


# --- output schemas -------------------------------------------------------------------------------

class Ref(Schema):
    """A row another names: its id and its name (an organisation, group, category, contact or person)."""

    id: int
    name: str


def _user_ref(user: User | None) -> dict | None:
    return {"id": user.pk, "name": str(user)} if user else None


def _ref(obj, name_attr: str = "name") -> dict | None:
    return {"id": obj.pk, "name": getattr(obj, name_attr)} if obj else None


class TicketListItem(Schema):
    number: str
    title: str
    status: str
    sub_status: str
    priority: str
    ticket_type: str
    channel: str
    expedite: bool
    organization: Ref
    owner: Ref | None
    group: Ref | None
    category: Ref | None
    created_at: datetime
    updated_at: datetime


class TicketPage(Schema):
    items: list[TicketListItem]
    next_cursor: str | None


class ProductOut(Schema):
    id: int
    serial_number: str
    model_code: str
    model_name: str
    firmware_version: str
    purchase_date: date | None
    order_number: str


class TicketOut(TicketListItem):
    description: str
    objective_description: str
    error_code: str
    occurred_at: AwareDatetime | None
    reproduction_steps: str
    environment: str
    business_interrupted: bool
    affected_users: int | None
    business_impact: str
    tried_steps: str
    urgency: str
    impact_scope: str
    priority_overridden: bool
    pending_until: date | None
    contact: Ref | None
    product: ProductOut | None
    co_handlers: list[Ref]
    category_path: str | None
    accepted_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    allowed_transitions: list[str]
    sla: dict | None = Field(None, description="deadlines, minutes left, paused, at risk, breached (SLA-5)")
    customer_result: str = Field("", description="the result the customer reads (COM-5), set at resolution")
    warranty_months: int | None = None
    root_cause: Ref | None = Field(None, description="staff only: the cause chosen at resolution (PRG-7)")
    root_cause_path: str | None = None
    resolution_note: str | None = Field(None, description="staff only: the internal resolution note")
    auto_close_at: datetime | None = Field(
        None, description="a resolved ticket without an answer closes then"
    )


def _list_item(t: Ticket) -> dict:
    return {
        "number": t.number, "title": t.title, "status": t.status, "sub_status": t.sub_status,
        "priority": t.priority, "ticket_type": t.ticket_type, "channel": t.channel, "expedite": t.expedite,
        "organization": _ref(t.organization), "owner": _user_ref(t.owner), "group": _ref(t.group),
        "category": _ref(t.category), "created_at": t.created_at, "updated_at": t.updated_at,
    }


def ticket_out(t: Ticket, user: User, co_handlers: list[User] | None = None) -> dict:
    """The full ticket (TicketOut); pass `co_handlers` when already known (a new ticket has none) to skip
    a query. Also the answer of the ticket endpoints the SLA app mounts (sla/api.py)."""
    product = t.product
    sla = getattr(t, "sla", None)  # joined by the selectors; TicketSLA.summary is the SLA app's own read
    return {
        **_list_item(t),
        **{
            f: getattr(t, f)
            for f in (
                "description",
                "objective_description",
                "error_code",
                "occurred_at",
                "reproduction_steps",
                "environment",
                "business_interrupted",
                "affected_users",
                "business_impact",
                "tried_steps",
                "urgency",
                "impact_scope",
                "priority_overridden",
                "pending_until",
                "accepted_at",
                "first_response_at",
                "resolved_at",
                "closed_at",
            )
        },
        "contact": _ref(t.contact),
        "product": {
            "id": product.pk,
            "serial_number": product.serial_number,
            "model_code": product.product_model.code,
            "model_name": product.product_model.name,
            "firmware_version": product.firmware_version,
            "purchase_date": product.purchase_date,
            "order_number": product.order_number,
        }
        if product
        else None,
        "co_handlers": [_user_ref(u) for u in (t.co_handlers.all() if co_handlers is None else co_handlers)],
        "category_path": t.category.path if t.category else None,
        "allowed_transitions": list(allowed_next(t.status, customer=user.is_customer)),
        "sla": sla.summary() if sla is not None else None,
        **_resolution(t, user),
    }


def _resolution(t: Ticket, user: User) -> dict:
    """The resolution as the reader may see it: a customer gets the result and the warranty, never the
    root cause nor the internal note."""
    out = {"customer_result": t.customer_result, "warranty_months": t.warranty_months,
           "auto_close_at": t.auto_close_at}
    if not user.is_customer:
        cause = t.root_cause if t.root_cause_id else None
        out.update(root_cause={"id": cause.pk, "name": cause.label()} if cause else None,
                   root_cause_path=cause.path() if cause else None, resolution_note=t.resolution_note)
    return out


class EventOut(Schema):
    id: int
    kind: str
    actor: Ref | None
    created_at: datetime
    is_public: bool
    body: str
    data: dict


class EventPage(Schema):
    items: list[EventOut]
    next_cursor: str | None


def _event(e: TicketEvent, user: User) -> dict:
    body, data = e.body, e.data
    if user.is_customer:  # the customer-facing copy (tickets/events.py); a customer reads public events only
        copy = events.customer_copy(e)
        body, data = (copy.body, copy.data) if copy is not None else ("", {})
    return {"id": e.pk, "kind": e.kind, "actor": _user_ref(e.actor), "created_at": e.created_at,
            "is_public": e.is_public, "body": body, "data": data}


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    source: str
    is_internal: bool
    created_at: datetime
    download_url: str


def _attachment(a: Attachment, number: str) -> dict:
    return {"id": a.pk, "name": a.original_name, "content_type": a.content_type, "size": a.size,
            "source": a.source, "is_internal": a.is_internal, "created_at": a.created_at,
            "download_url": f"/api/v1/tickets/{number}/attachments/{a.pk}/download"}


# --- input schemas --------------------------------------------------------------------------------

class ProblemFields(Strict):
    objective_description: text(20000) = ""
    error_code: text(200) = ""
    reproduction_steps: text(20000) = ""
    environment: text(300) = ""
    business_impact: text(5000) = ""
    tried_steps: text(5000) = ""


class TicketCreateIn(ProblemFields):
    title: text(200, min_length=1)
    description: text(20000, min_length=1)
    organization_id: Id | None = Field(None, description=(
        "Required for staff (422 without it); a customer's tickets are always for their own organisation, "
        "so a customer may leave it out."))
    contact_id: Id | None = None
    product_id: Id | None = None
    category_id: Id | None = None
    channel: Channel = Channel.API
    ticket_type: TicketType = TicketType.PROBLEM
    urgency: Urgency = Urgency.NORMAL
    impact_scope: ImpactScope = ImpactScope.SINGLE
    expedite: Bool = False
    occurred_at: Datetime | None = None
    business_interrupted: Bool = False
    affected_users: int | None = Field(None, ge=0, le=AFFECTED_USERS_MAX)


class TicketUpdateIn(Strict):
    title: text(200, min_length=1) | None = None
    description: text(20000, min_length=1) | None = None
    objective_description: text(20000) | None = None
    error_code: text(200) | None = None
    reproduction_steps: text(20000) | None = None
    environment: text(300) | None = None
    business_impact: text(5000) | None = None
    tried_steps: text(5000) | None = None
    contact_id: Id | None = None
    product_id: Id | None = None
    category_id: Id | None = None
    channel: Channel | None = None
    ticket_type: TicketType | None = None
    urgency: Urgency | None = None
    impact_scope: ImpactScope | None = None
    expedite: Bool | None = None
    occurred_at: Datetime | None = None
    business_interrupted: Bool | None = None
    affected_users: int | None = Field(None, ge=0, le=AFFECTED_USERS_MAX)


class TransitionIn(Strict):
    status: Status
    sub_status: SubStatus | None = None
    note: text(5000) = Field("", description="with status `reopened` from 已解决: the reason, required")
    pending_until: Date | None = None
    # 已解决 only with these (the same as POST /{number}/resolve): a root cause and the customer's result.
    root_cause_id: Id | None = None
    customer_result: text(5000) = ""
    resolution_note: text(5000) = ""
    warranty_months: int | None = Field(None, ge=0, le=120)


class AssignIn(Strict):
    owner_id: Id | None = None
    group_id: Id | None = None
    co_handler_ids: list[Id] | None = Field(None, max_length=50)
    note: text(5000) = ""


class PriorityIn(Strict):
    priority: Priority
    reason: text(2000, min_length=1)


class BodyIn(Strict):
    body: text(20000, min_length=1)


class NoteIn(BodyIn):
    note_type: NoteType = NoteType.PROGRESS


class CommunicationIn(Strict):
    channel: CommunicationChannel
    happened_at: Datetime | None = None
    customer_feedback: text(5000, min_length=1)
    next_step: text(5000) = ""
    summary: text(5000) = ""


class BulkIn(Strict):
    numbers: list[text(40)] = Field(default_factory=list, max_length=1000, description=(
        f"the tickets, by number: 1 to {bulk.BULK_MAX} (422 beyond)"))
    action: Literal["assign", "take", "status", "priority"]
    owner_id: Id | None = Field(None, description="assign: the new owner")
    group_id: Id | None = Field(None, description="assign: the new group")
    status: Status | None = Field(None, description="status: the new status (not resolved or pending)")
    priority: Priority | None = Field(None, description="priority: the new priority")
    reason: text(2000) = Field("", description="priority: the reason, required")
    note: text(5000) = ""


class BulkRefusal(Schema):
    number: str
    message: str


class BulkOut(Schema):
    done: list[str]
    refused: list[BulkRefusal]
    summary: str


class TicketListQuery(Schema):
    status: list[Status] = Field(default_factory=list)
    priority: list[Priority] = Field(default_factory=list)
    ticket_type: list[TicketType] = Field(default_factory=list)
    category_id: Id | None = None
    owner_id: Id | None = None
    unassigned: bool = False
    group_id: Id | None = None
    organization_id: Id | None = None
    created_after: Datetime | None = None
    created_before: Datetime | None = None
    cursor: Cursor | None = None
    limit: int = Field(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)


# --- resolving references -------------------------------------------------------------------------

def _staff(pk: int | None, field: str) -> User | None:
    return known(User.objects.service_staff(), pk, field, _("user"))


# --- tickets --------------------------------------------------------------------------------------

@tickets_router.post("", response={201: TicketOut, **ERRORS}, summary="Create a ticket")
def create_ticket(request, payload: TicketCreateIn):
    user = request.auth
    if user.is_customer:
        org_id = user.organization_id
    else:
        if payload.organization_id is None:
            raise InvalidInput.field("organization_id", _("This field is required."))
        org_id = payload.organization_id
    if org_id is None:
        raise InvalidInput.field("organization_id", _("Your login is not linked to an organisation."))
    organization = organization_get(user=user, pk=org_id)
    if organization is None:
        raise InvalidInput.unknown("organization_id", _("organisation"), org_id)
    ticket = services.ticket_create(
        actor=user,
        organization=organization,
        title=payload.title,
        description=payload.description,
        channel=payload.channel,
        ticket_type=payload.ticket_type,
        category=known(Category.objects.select_related("parent__parent"), payload.category_id,
                          "category_id", _("category")),
        urgency=payload.urgency,
        impact_scope=payload.impact_scope,
        expedite=payload.expedite,
        contact=known(Contact.objects.visible_to(user), payload.contact_id, "contact_id", _("contact")),
        product=known(CustomerProduct.objects.visible_to(user).select_related("product_model"),
                         payload.product_id,
                         "product_id", _("product")),
        occurred_at=payload.occurred_at,
        business_interrupted=payload.business_interrupted,
        affected_users=payload.affected_users,
        details=payload.dict(include=set(ProblemFields.model_fields)),
    )
    return Created(201, ticket_out(ticket, user, co_handlers=[]))


@tickets_router.get(
    "", response={200: TicketPage, **ERRORS}, summary="List tickets (newest first, cursor pages)"
)
def list_tickets(request, q: Query[TicketListQuery]):
    filters = selectors.TicketFilters(**q.dict(exclude={"cursor", "limit"}))
    page = selectors.ticket_list(user=request.auth, filters=filters, cursor=q.cursor, limit=q.limit)
    return {"items": [_list_item(t) for t in page.items], "next_cursor": page.next_cursor}


# Before "/{number}": that path would take "bulk" for a ticket number and answer 405.
@tickets_router.post("/bulk", response={200: BulkOut, **ERRORS},
                     summary=f"Assign, take, change status or priority of up to {bulk.BULK_MAX} tickets")
def bulk_tickets(request, payload: BulkIn):
    """One service call per ticket, each its own transaction: `refused` names each ticket that was not
    changed and why; a request refused as a whole (no tickets, too many, a bad value) changes nothing."""
    user = request.auth
    owner = _staff(payload.owner_id, "owner_id")
    group = known(Team.objects.all(), payload.group_id, "group_id", _("group"))
    result = bulk.ticket_bulk_apply(
        actor=user, numbers=payload.numbers, action=payload.action, owner=owner, group=group,
        to_status=payload.status or "", priority=payload.priority or "", reason=payload.reason,
        note=payload.note)
    return {"done": result.done, "refused": [{"number": n, "message": m} for n, m in result.refused],
            "summary": bulk.summary(result, owner=user if payload.action == "take" else owner)}


@tickets_router.get("/{number}", response={200: TicketOut, **ERRORS}, summary="Get a ticket by number")
def get_ticket(request, number: str):
    return ticket_out(selectors.ticket_get(user=request.auth, number=number), request.auth)


@tickets_router.patch("/{number}", response={200: TicketOut, **ERRORS}, summary="Update ticket fields")
def update_ticket(request, number: str, payload: TicketUpdateIn):
    user = request.auth
    ticket = selectors.ticket_get(user=user, number=number)
    data = payload.dict(exclude_unset=True)
    changes = {k: v for k, v in data.items() if not k.endswith("_id")}
    org_scope = {"organization_id": ticket.organization_id}
    if "contact_id" in data:
        changes["contact"] = known(Contact.objects.filter(**org_scope), data["contact_id"],
                                      "contact_id", _("contact"))
    if "product_id" in data:
        changes["product"] = known(CustomerProduct.objects.filter(**org_scope),
                                      data["product_id"], "product_id", _("product"))
    if "category_id" in data:
        changes["category"] = known(Category.objects.all(), data["category_id"], "category_id",
                                       _("category"))
    for key in ("title", "description"):
        if key in changes and changes[key] is None:
            raise InvalidInput.field(key, _("This field is required."))
    services.ticket_update(ticket=ticket, actor=user, changes=changes)
    return ticket_out(selectors.ticket_get(user=user, number=number), user)


@tickets_router.post("/{number}/transition", response={200: TicketOut, **ERRORS}, summary="Change status")
def transition_ticket(request, number: str, payload: TransitionIn):
    user = request.auth
    ticket = selectors.ticket_get(user=user, number=number)
    if payload.status == Status.RESOLVED and not user.is_customer:
        # The plain transition cannot bypass the resolution: it is the resolution, with the same checks.
        processing.ticket_resolve(
            ticket=ticket, actor=user, root_cause=root_cause_or_none(payload.root_cause_id),
            customer_result=payload.customer_result, resolution_note=payload.resolution_note,
            warranty_months=payload.warranty_months)
    else:
        services.ticket_transition(ticket=ticket, actor=user, to_status=payload.status,
                                   sub_status=payload.sub_status or "", note=payload.note,
                                   pending_until=payload.pending_until)
    return ticket_out(selectors.ticket_get(user=user, number=number), user)


def root_cause_or_none(pk: int | None) -> RootCause | None:
    """The root cause a request names; an unknown id is a 422 on root_cause_id, none at all is the
    service's own refusal ("choose the root cause")."""
    return known(RootCause, pk, "root_cause_id", _("root cause"))


@tickets_router.post(
    "/{number}/accept", response={200: TicketOut, **ERRORS}, summary="Acknowledge (确认接收)"
)
def accept_ticket(request, number: str):
    user = request.auth
    services.ticket_accept(ticket=selectors.ticket_get(user=user, number=number), actor=user)
    return ticket_out(selectors.ticket_get(user=user, number=number), user)


@tickets_router.post("/{number}/assign", response={200: TicketOut, **ERRORS},
                     summary="Set owner, group and co-handlers")
def assign_ticket(request, number: str, payload: AssignIn):
    user = request.auth
    ticket = selectors.ticket_get(user=user, number=number)
    data = payload.dict(exclude_unset=True)
    # Every id is checked before anything is written, and both changes commit together or not at all.
    owner = _staff(payload.owner_id, "owner_id") if "owner_id" in data else ticket.owner
    group = known(Team.objects.all(), payload.group_id, "group_id", _("group"))
    users = None
    if payload.co_handler_ids is not None:
        users = [_staff(pk, "co_handler_ids") for pk in payload.co_handler_ids]
    with transaction.atomic():
        if "owner_id" in data or "group_id" in data:
            services.ticket_assign(ticket=ticket, actor=user, owner=owner, group=group, note=payload.note,
                                   clear_group="group_id" in data and payload.group_id is None)
        if users is not None:
            services.ticket_set_co_handlers(ticket=ticket, actor=user, users=users)
    return ticket_out(selectors.ticket_get(user=user, number=number), user)


@tickets_router.post("/{number}/priority", response={200: TicketOut, **ERRORS},
                     summary="Override the priority (supervisors, with a reason)")
def set_priority(request, number: str, payload: PriorityIn):
    user = request.auth
    services.ticket_set_priority(ticket=selectors.ticket_get(user=user, number=number), actor=user,
                                 priority=payload.priority, reason=payload.reason)
    return ticket_out(selectors.ticket_get(user=user, number=number), user)


@tickets_router.post("/{number}/replies", response={201: EventOut, **ERRORS}, summary="Public reply")
def add_reply(request, number: str, payload: BodyIn):
    user = request.auth
    ticket = selectors.ticket_get(user=user, number=number)
    return Created(201, _event(services.ticket_add_reply(ticket=ticket, actor=user, body=payload.body), user))


@tickets_router.post("/{number}/notes", response={201: EventOut, **ERRORS}, summary="Internal note (staff)")
def add_note(request, number: str, payload: NoteIn):
    user = request.auth
    ticket = selectors.ticket_get(user=user, number=number)
    event = services.ticket_add_internal_note(ticket=ticket, actor=user, body=payload.body,
                                              note_type=payload.note_type)
    return Created(201, _event(event, user))


@tickets_router.post("/{number}/communications", response={201: EventOut, **ERRORS},
                     summary="Log a communication with the customer (staff)")
def log_communication(request, number: str, payload: CommunicationIn):
    user = request.auth
    ticket = selectors.ticket_get(user=user, number=number)
    event = services.ticket_log_communication(
        ticket=ticket, actor=user, channel=payload.channel, happened_at=payload.happened_at,
        customer_feedback=payload.customer_feedback, next_step=payload.next_step, summary=payload.summary)
    return Created(201, _event(event, user))


@tickets_router.get(
    "/{number}/timeline", response={200: EventPage, **ERRORS}, summary="Timeline, oldest first"
)
def timeline(
    request,
    number: str,
    cursor: Cursor | None = None,
    limit: int = Query(50, ge=1, le=settings.API_MAX_PAGE_SIZE),
):
    user = request.auth
    ticket = selectors.ticket_get(user=user, number=number)
    page = selectors.ticket_timeline(user=user, ticket=ticket, cursor=cursor, limit=limit)
    return {"items": [_event(e, user) for e in page.items], "next_cursor": page.next_cursor}


@tickets_router.get("/{number}/attachments", response={200: list[AttachmentOut], **ERRORS},
                    summary="List attachments")
def list_attachments(request, number: str):
    user = request.auth
    ticket = selectors.ticket_get(user=user, number=number)
    return [_attachment(a, number) for a in selectors.attachment_list(user=user, ticket=ticket)]


# The multipart flag as "true" or "false" (core/bounds.py FormBool), not internal by default.
_INTERNAL_DEFAULT = Form(False)


@tickets_router.post("/{number}/attachments", response={201: AttachmentOut, **ERRORS},
                     summary="Upload an attachment (multipart field `file`)")
def upload_attachment(request, number: str, file: File[UploadedFile], internal: FormBool = _INTERNAL_DEFAULT):
    require_single(request, "file", "internal")
    user = request.auth
    ticket = selectors.ticket_get(user=user, number=number)
    attachment = services.attachment_add(ticket=ticket, actor=user, upload=file, internal=internal)
    return Created(201, _attachment(attachment, number))


@tickets_router.get("/{number}/attachments/{attachment_id}/download", response={200: None, **ERRORS},
                    summary="Download an attachment")
def download_attachment(request, number: str, attachment_id: Id):
    user = request.auth
    ticket = selectors.ticket_get(user=user, number=number)
    attachment = selectors.attachment_get(user=user, ticket=ticket, attachment_id=attachment_id)
    # Images and PDFs may show inline; everything else downloads. nosniff is set globally.
    inline = attachment.content_type.startswith("image/") or attachment.content_type == "application/pdf"
    response = FileResponse(attachment.file.open("rb"), as_attachment=not inline,
                            filename=attachment.original_name, content_type=attachment.content_type)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- categories -----------------------------------------------------------------------------------

class CategoryOut(Schema):
    id: int
    name: str
    path: str
    parent_id: int | None
    ticket_type: str


@categories_router.get("", response={200: list[CategoryOut], **ERRORS}, summary="The category tree, flat")
def list_categories(request):
    return [
        {"id": c.pk, "name": c.name, "path": c.path, "parent_id": c.parent_id, "ticket_type": c.ticket_type}
        for c in selectors.category_list()
    ]
