"""/api/v1/notifications: the user's in-app notifications and preferences; for administrators the outbox's
deliveries (failures, attempts, resend), group robots and webhooks (secrets write-only, shown masked)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja import Status as Created
from pydantic import Field

from serviceloop.core.bounds import Bool, Cursor, Id, text
from serviceloop.core.errors import Forbidden, InvalidInput, NotFound
from serviceloop.core.pagination import keyset_page
from serviceloop.core.schemas import ERRORS, Schema, Strict

from . import outbox, preferences, services
from .models import Channel, Delivery, DeliveryStatus, MessageKind, Notification, Robot, Webhook, WebhookEvent

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    ticket_number: str | None
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class MarkedOut(Schema):
    marked: int


def _out(n: Notification) -> dict:
    return {"id": n.pk, "kind": n.kind, "ticket_number": n.ticket.number if n.ticket_id else None,
            "title": n.title, "body": n.body, "created_at": n.created_at, "read_at": n.read_at}


@router.get("", response={200: NotificationPage, **ERRORS}, summary="My notifications, newest first")
def list_notifications(request, unread_only: bool = False, cursor: Cursor | None = None,
                       limit: int = Query(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)):
    qs = Notification.objects.filter(user=request.auth).select_related("ticket")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = keyset_page(qs, cursor=cursor, limit=limit)
    unread = Notification.objects.filter(user=request.auth, read_at__isnull=True).count()
    return {"items": [_out(n) for n in page.items], "next_cursor": page.next_cursor, "unread": unread}


@router.post("/{notification_id}/read", response={200: MarkedOut, **ERRORS}, summary="Mark one as read")
def mark_read(request, notification_id: Id):
    return {"marked": services.notification_mark_read(user=request.auth, notification_id=notification_id)}


@router.post("/read-all", response={200: MarkedOut, **ERRORS}, summary="Mark all as read")
def mark_all_read(request):
    return {"marked": services.notification_mark_read(user=request.auth)}


# --- preferences -------------------------------------------------------------------------------------

class PreferenceOut(Schema):
    kind: str
    label: str
    channels: dict[str, bool]


PersonalChannel = Literal["inapp", "email", "sms"]


class PreferencesIn(Strict):
    choices: dict[MessageKind, dict[PersonalChannel, Bool]]


@router.get("/preferences", response={200: list[PreferenceOut], **ERRORS},
            summary="Which messages reach me by which channel")
def get_preferences(request):
    return preferences.preference_grid(request.auth)


@router.put(
    "/preferences", response={200: list[PreferenceOut], **ERRORS}, summary="Choose my channels per kind"
)
def set_preferences(request, payload: PreferencesIn):
    choices = {str(kind.value if hasattr(kind, "value") else kind): dict(channels.items())
               for kind, channels in payload.choices.items()}
    return preferences.preferences_set(user=request.auth, choices=choices)


# --- the outbox (administrators) ------------------------------------------------------------------

def _require(user, perm: str) -> None:
    if user.is_customer or not user.has_perm(perm):
        raise Forbidden(_("You do not have permission to do this."))


class DeliveryOut(Schema):
    id: int
    delivery_id: UUID
    event_key: str
    kind: str
    channel: str
    recipient: str
    ticket_number: str | None
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    created_at: datetime
    sent_at: datetime | None


class AttemptOut(Schema):
    number: int
    started_at: datetime
    duration_ms: int
    ok: bool
    status_code: int | None
    error: str
    response: str


class DeliveryDetailOut(DeliveryOut):
    subject: str
    body: str
    message_id: str
    attempt_log: list[AttemptOut]


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None


def _delivery(d: Delivery) -> dict:
    recipient = str(d.robot or d.webhook or d.recipient) if (d.robot_id or d.webhook_id) else d.recipient
    return {
        "id": d.pk,
        "delivery_id": d.public_id,
        "event_key": d.event_key,
        "kind": d.kind,
        "channel": d.channel,
        "recipient": recipient,
        "ticket_number": d.ticket.number if d.ticket_id else None,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at,
        "last_error": d.last_error,
        "created_at": d.created_at,
        "sent_at": d.sent_at,
    }


@router.get("/deliveries", response={200: DeliveryPage, **ERRORS},
            summary="The outbox: deliveries, newest first (default: the failed and given-up ones)")
def list_deliveries(request, status: DeliveryStatus | None = None, channel: Channel | None = None,
                    ticket: str | None = None, cursor: str | None = None,
                    limit: int = Query(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)):
    _require(request.auth, "notifications.view_delivery")
    qs = Delivery.objects.select_related("ticket", "robot", "webhook").filter(
        status__in=[status] if status else [DeliveryStatus.FAILED, DeliveryStatus.DEAD])
    if channel:
        qs = qs.filter(channel=channel)
    if ticket:
        qs = qs.filter(ticket__number=ticket)
    page = keyset_page(qs, cursor=cursor, limit=limit)
    return {"items": [_delivery(d) for d in page.items], "next_cursor": page.next_cursor}


@router.get("/deliveries/{delivery_id}", response={200: DeliveryDetailOut, **ERRORS},
            summary="One delivery with every attempt (response codes, errors)")
def get_delivery(request, delivery_id: Id):
    _require(request.auth, "notifications.view_delivery")
    delivery = Delivery.objects.select_related("ticket", "robot", "webhook").filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(_("Not found."))
    return {
        **_delivery(delivery),
        "subject": delivery.subject,
        "body": delivery.body,
        "message_id": delivery.message_id,
        "attempt_log": [
            {
                "number": a.number,
                "started_at": a.started_at,
                "duration_ms": a.duration_ms,
                "ok": a.ok,
                "status_code": a.status_code,
                "error": a.error,
                "response": a.response,
            }
            for a in delivery.attempt_log.all()
        ],
    }


@router.post("/deliveries/{delivery_id}/resend", response={200: MarkedOut, **ERRORS},
             summary="Send a failed or given-up delivery again (the same row: never a duplicate)")
def resend_delivery(request, delivery_id: Id):
    _require(request.auth, "notifications.resend_delivery")
    if not Delivery.objects.filter(pk=delivery_id).exists():
        raise NotFound(_("Not found."))
    return {"marked": outbox.delivery_resend(deliveries=[delivery_id], actor=request.auth)}


# --- robots and webhooks ----------------------------------------------------------------------------

class EndpointOut(Schema):
    id: int
    name: str
    url: str  # masked: the URL of a WeCom or DingTalk robot holds its key
    secret: str  # masked
    is_active: bool


class RobotOut(EndpointOut):
    kind: str
    team_ids: list[int]
    kinds: list[str]
    language: str


class WebhookOut(EndpointOut):
    events: list[str]


# The admin form's limits (admin.py SealedEndpointForm): the name column, a URL and a secret that fit sealed.
EndpointName = text(100)
EndpointUrl = text(2000)
EndpointSecret = text(500)


class RobotIn(Strict):
    name: EndpointName | None = None
    kind: Literal["wecom", "dingtalk", "feishu"] | None = None
    url: EndpointUrl | None = None
    secret: EndpointSecret | None = None
    is_active: Bool | None = None
    team_ids: list[Id] | None = Field(None, max_length=500)
    kinds: list[MessageKind] | None = None
    language: Literal["zh-hans", "en"] | None = None


class WebhookIn(Strict):
    name: EndpointName | None = None
    url: EndpointUrl | None = None
    secret: EndpointSecret | None = None
    is_active: Bool | None = None
    events: list[WebhookEvent] | None = None


def _endpoint(row) -> dict:
    out = {"id": row.pk, "name": row.name, "url": row.url_masked, "secret": row.secret_masked,
           "is_active": row.is_active}
    if isinstance(row, Robot):
        out.update(kind=row.kind, team_ids=sorted(t.pk for t in row.teams.all()), kinds=list(row.kinds),
                   language=row.language)
    else:
        out["events"] = list(row.events)
    return out


def _values(payload, *lists: str) -> dict:
    values = payload.dict(exclude_unset=True)
    for name in lists:
        if values.get(name) is not None:
            values[name] = [str(getattr(v, "value", v)) for v in values[name]]
    return values


@router.get(
    "/robots", response={200: list[RobotOut], **ERRORS}, summary="Group robots (WeCom, DingTalk, Feishu)"
)
def list_robots(request):
    _require(request.auth, "notifications.view_robot")
    return [_endpoint(r) for r in Robot.objects.prefetch_related("teams")]


@router.post("/robots", response={201: RobotOut, **ERRORS}, summary="Add a group robot")
def create_robot(request, payload: RobotIn):
    _require(request.auth, "notifications.add_robot")
    values = _values(payload, "kinds")
    if not values.get("kind"):
        raise InvalidInput.field("kind", _("This field is required."))
    return Created(201, _endpoint(services.endpoint_save(model=Robot, actor=request.auth, **values)))


@router.patch("/robots/{robot_id}", response={200: RobotOut, **ERRORS}, summary="Change a group robot")
def update_robot(request, robot_id: Id, payload: RobotIn):
    return _endpoint(services.endpoint_save(model=Robot, actor=request.auth, endpoint_id=robot_id,
                                            **_values(payload, "kinds")))


@router.get("/webhooks", response={200: list[WebhookOut], **ERRORS}, summary="Outgoing webhooks")
def list_webhooks(request):
    _require(request.auth, "notifications.view_webhook")
    return [_endpoint(w) for w in Webhook.objects.all()]


@router.post("/webhooks", response={201: WebhookOut, **ERRORS}, summary="Add an outgoing webhook")
def create_webhook(request, payload: WebhookIn):
    return Created(201, _endpoint(services.endpoint_save(model=Webhook, actor=request.auth,
                                                         **_values(payload, "events"))))


@router.patch(
    "/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS}, summary="Change an outgoing webhook"
)
def update_webhook(request, webhook_id: Id, payload: WebhookIn):
    return _endpoint(services.endpoint_save(model=Webhook, actor=request.auth, endpoint_id=webhook_id,
                                            **_values(payload, "events")))
