"""Who hears what, by which channel (NTF-1..3, COM-2, COM-3, COM-4, USR-2): pure decisions, no writes.

Given a recorded timeline event and its ticket, or an SLA alert, each function returns the deliveries to
enqueue (`Planned`); receivers.py hands them to the outbox. The rules in one table:

| cause | who | kind | channels |
|---|---|---|---|
| ticket created | the contact | acknowledged (INT-7) | email, SMS (if configured), in-app |
|  | staff who chose "new ticket" (off by default), not its creator | created | their choice |
|  | robots, webhooks | created | robot card; webhook `created` |
| staff public reply | the contact | replied (COM-2) | email (threaded), in-app |
| customer reply | owner and co-handlers (else the group's supervisor) | customer_replied | their choice |
|  | robots | customer_replied | robot card |
| ticket_resolve | the contact | resolved, with the result and the signed confirmation link | email, in-app |
| confirmation reminder (no answer yet, CSAT-3) | the contact | resolved, as a reminder | email, in-app |
| sub-status → 已发货 / 维修完成 (with a status or alone) | the contact | milestone (COM-3) | email, in-app |
| owner changed | the new owner | assigned | their choice (in-app, email) |
|  | robots | assigned | robot card |
| escalation (manual or SLA) | whom it went to, and the owner | escalated | their choice; SMS when critical |
|  | robots | escalated | robot card |
| SLA at risk / breached | owner and supervisor | breach_warning | their choice; SMS when critical |
|  | robots | breach_warning | robot card |
| update cadence missed | owner and supervisor | breach_warning | their choice |
|  | the contact | progress (COM-3) | email |
| every event above | webhooks subscribed to it | its webhook event (below) | signed JSON |

The webhook events: created, updated, status_changed, assigned, replied, breached.

Internal notes, communication logs and internal attachments never reach the customer (COM-4): no rule
sends them, and a status change's internal note is never part of what a contact's message may show.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from serviceloop.sla.alerts import SlaAlert
from serviceloop.tickets.choices import EventKind, Priority, Status, SubStatus, Urgency
from serviceloop.tickets.events import customer_copy, shareable_data

from .models import Channel, MessageKind, Preference, Robot, TemplateFormat, Webhook, WebhookEvent
from .preferences import Choices
from .templates import has_default
from .transports.sms import normalize_phone, sms_enabled

logger = logging.getLogger(__name__)

# COM-3: the sub-states a customer is told about, in their words.
MILESTONES = {
    SubStatus.SHIPPED: _("Parts shipped"),
    SubStatus.REPAIRED: _("Repair completed"),
}


@dataclass(frozen=True)
class Planned:
    """One delivery to enqueue; (event_key, channel, recipient) is its identity (the outbox's unique key)."""

    event_key: str
    kind: str
    channel: str
    recipient: str
    ticket_id: int | None
    language: str
    user_id: int | None = None
    robot_id: int | None = None
    webhook_id: int | None = None
    context: dict = field(default_factory=dict, hash=False, compare=False)


# --- endpoints, cached per process ---------------------------------------------------------------

ENDPOINT_CACHE_SECONDS = 30
_endpoints: dict[str, tuple[float, list]] = {}


def clear_endpoint_cache() -> None:
    """Robots and webhooks change a few times a year; every ticket event asks for them. A save or delete
    of either clears this process's copy at once (models call it), other processes within 30 seconds. The
    same holds for who watches new tickets (preferences_set clears it)."""
    _endpoints.clear()


def _active(name: str) -> list:
    cached = _endpoints.get(name)
    if cached and time.monotonic() - cached[0] < ENDPOINT_CACHE_SECONDS:
        return cached[1]
    if name == "robots":
        rows = list(Robot.objects.filter(is_active=True).prefetch_related("teams"))
        for robot in rows:
            robot.team_ids = frozenset(t.pk for t in robot.teams.all())
    elif name == "new_ticket_watchers":
        rows = _new_ticket_watchers()
    else:
        rows = list(Webhook.objects.filter(is_active=True))
    _endpoints[name] = (time.monotonic(), rows)
    return rows


def _new_ticket_watchers() -> list[int]:
    """Staff who chose to hear of every new ticket by some channel (off by default, so usually nobody: a
    create then costs no query at all, the list being cached like the endpoints)."""
    return sorted(set(Preference.objects.filter(kind=MessageKind.CREATED, enabled=True, user__is_active=True)
                      .values_list("user_id", flat=True)))


# --- building blocks -----------------------------------------------------------------------------

def _critical(ticket) -> bool:
    return ticket.priority == Priority.URGENT or ticket.urgency == Urgency.CRITICAL


def _contact_language(contact) -> str:
    user = contact.user if contact.user_id else None
    return (user.language if user is not None and user.language else None) or settings.LANGUAGE_CODE


def to_contact(
    ticket, kind: str, key: str, detail: dict, *, channels=(Channel.EMAIL, Channel.INAPP)
) -> list[Planned]:
    """The ticket's contact, by email, in-app (if they have a login) and SMS (if asked for and possible)."""
    contact = ticket.contact if ticket.contact_id else None
    if contact is None:
        return []
    user = contact.user if contact.user_id else None
    if user is not None and not user.is_active:
        user = None
    choices = Choices([user] if user is not None else [])
    language = _contact_language(contact)
    detail = {**detail, "recipient_name": contact.name}

    def wants(channel):
        if user is None:  # a contact without a login has the customer defaults
            from .preferences import CUSTOMER_DEFAULTS

            return channel in CUSTOMER_DEFAULTS.get(kind, ())
        return choices.wants(user, kind, channel)

    out = []
    if (
        Channel.EMAIL in channels
        and contact.email
        and wants(Channel.EMAIL)
        and has_default(kind, TemplateFormat.EMAIL)
    ):
        out.append(Planned(key, kind, Channel.EMAIL, contact.email.strip().lower(), ticket.pk, language,
                           user_id=user.pk if user else None, context=detail))
    if Channel.INAPP in channels and user is not None and wants(Channel.INAPP) \
            and has_default(kind, TemplateFormat.INAPP):
        out.append(Planned(key, kind, Channel.INAPP, f"user:{user.pk}", ticket.pk, language, user_id=user.pk,
                           context=detail))
    phone = normalize_phone(contact.phone)
    if Channel.SMS in channels and phone and sms_enabled() and wants(Channel.SMS) \
            and has_default(kind, TemplateFormat.SMS):
        out.append(
            Planned(
                key,
                kind,
                Channel.SMS,
                phone,
                ticket.pk,
                language,
                user_id=user.pk if user else None,
                context=detail,
            )
        )
    return out


def to_staff(ticket, users, kind: str, key: str, detail: dict, *, sms: bool = False) -> list[Planned]:
    """Staff, each by the channels they chose; SMS only when `sms` (critical) and they have a mobile."""
    people, seen = [], set()
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        people.append(user)
    if not people:
        return []
    choices = Choices(people)
    out = []
    for user in people:
        language = user.language or settings.LANGUAGE_CODE
        mine = {**detail, "recipient_name": str(user)}
        if choices.wants(user, kind, Channel.INAPP) and has_default(kind, TemplateFormat.INAPP):
            out.append(
                Planned(
                    key,
                    kind,
                    Channel.INAPP,
                    f"user:{user.pk}",
                    ticket.pk,
                    language,
                    user_id=user.pk,
                    context=mine,
                )
            )
        if (
            user.email
            and choices.wants(user, kind, Channel.EMAIL)
            and has_default(kind, TemplateFormat.EMAIL)
        ):
            out.append(Planned(key, kind, Channel.EMAIL, user.email.strip().lower(), ticket.pk, language,
                               user_id=user.pk, context=mine))
        phone = normalize_phone(user.phone)
        if sms and phone and sms_enabled() and choices.wants(user, kind, Channel.SMS) \
                and has_default(kind, TemplateFormat.SMS):
            out.append(
                Planned(key, kind, Channel.SMS, phone, ticket.pk, language, user_id=user.pk, context=mine)
            )
    return out


def to_robots(ticket, kind: str, key: str, detail: dict) -> list[Planned]:
    """The group robots that hear this kind for this ticket's group (a robot with no groups hears all)."""
    if not has_default(kind, TemplateFormat.ROBOT):
        return []
    return [Planned(key, kind, robot.kind, f"robot:{robot.pk}", ticket.pk,
                    robot.language or settings.NOTIFY_ROBOT_LANGUAGE, robot_id=robot.pk, context=detail)
            for robot in _active("robots")
            if robot.hears(kind) and (not robot.team_ids or ticket.group_id in robot.team_ids)]


def to_webhooks(ticket, event: str, key: str, detail: dict) -> list[Planned]:
    return [Planned(key, event, Channel.WEBHOOK, f"webhook:{hook.pk}", ticket.pk, settings.LANGUAGE_CODE,
                    webhook_id=hook.pk, context={**detail, "event": event})
            for hook in _active("webhooks") if hook.hears(event)]


def _watching_new_tickets(ticket, *, actor_id=None) -> list:
    """The staff to tell of a new ticket (it has no group or owner yet: the dispatchers' news): those who
    chose to hear of new tickets, never the person who created it."""
    ids = [pk for pk in _active("new_ticket_watchers") if pk != actor_id]
    if not ids:
        return []
    from serviceloop.accounts.models import User

    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("id"))


def _supervisor(ticket):
    return ticket.group.supervisor if ticket.group_id and ticket.group.supervisor_id else None


def _user(user_id):
    from serviceloop.accounts.models import User

    return User.objects.filter(pk=user_id).first() if user_id else None


def _person(user) -> str:
    return str(user) if user is not None else ""


# --- timeline events -----------------------------------------------------------------------------

WEBHOOK_EVENT_OF = {
    EventKind.CREATED: WebhookEvent.CREATED,
    EventKind.STATUS: WebhookEvent.STATUS_CHANGED,
    EventKind.SUB_STATUS: WebhookEvent.STATUS_CHANGED,
    EventKind.ASSIGNED: WebhookEvent.ASSIGNED,
    EventKind.REPLY: WebhookEvent.REPLIED,
    EventKind.CUSTOMER_REPLY: WebhookEvent.REPLIED,
    EventKind.FIELDS: WebhookEvent.UPDATED,
    EventKind.PRIORITY: WebhookEvent.UPDATED,
    EventKind.CO_HANDLERS: WebhookEvent.UPDATED,
}


def for_ticket_event(event, ticket) -> list[Planned]:
    """The deliveries one recorded timeline event causes."""
    key = f"ticket_event:{event.pk}"
    data = event.data or {}
    planned: list[Planned] = []
    kind = event.kind
    if kind == EventKind.CREATED:
        planned += to_contact(ticket, MessageKind.ACKNOWLEDGED, key, {},
                              channels=(Channel.EMAIL, Channel.SMS, Channel.INAPP))
        planned += to_staff(
            ticket, _watching_new_tickets(ticket, actor_id=event.actor_id), MessageKind.CREATED, key, {}
        )
        planned += to_robots(ticket, MessageKind.CREATED, key, {})
    elif kind == EventKind.REPLY:
        planned += to_contact(ticket, MessageKind.REPLIED, key,
                              {"reply": event.body, "reply_by": _person(event.actor)})
    elif kind == EventKind.CUSTOMER_REPLY:
        detail = {"reply": event.body, "reply_by": _person(event.actor)}
        handlers = [ticket.owner if ticket.owner_id else None, *ticket.co_handlers.all()]
        if not any(handlers):
            handlers = [_supervisor(ticket)]
        planned += to_staff(ticket, handlers, MessageKind.CUSTOMER_REPLIED, key, detail)
        planned += to_robots(ticket, MessageKind.CUSTOMER_REPLIED, key, detail)
    elif kind == EventKind.STATUS:
        # COM-4: only the customer-facing copy's text (a public note given with the change) is quoted.
        copy = customer_copy(event)
        detail = {"from": data.get("from"), "to": data.get("to"),
                  "reply": copy.body if copy is not None else ""}
        # 已解决 itself is told by the `resolution` event that follows (it carries the result).
        if data.get("to") != Status.RESOLVED and data.get("sub_status") in MILESTONES:
            planned += to_contact(
                ticket, MessageKind.MILESTONE, key, {**detail, "milestone": data["sub_status"]}
            )
    elif kind == EventKind.SUB_STATUS:
        if data.get("to") in MILESTONES:
            planned += to_contact(ticket, MessageKind.MILESTONE, key, {"milestone": data["to"]})
    elif kind in (EventKind.RESOLUTION, EventKind.CONFIRMATION_REMINDER):
        planned += to_contact(ticket, MessageKind.RESOLVED, key, _resolution_detail(ticket, event))
    elif kind == EventKind.ASSIGNED:
        to = data.get("to") if data.get("to") != data.get("from") else None
        # The ticket as ticket_assign left it holds the new owner already (no query for the person).
        owner = (ticket.owner if to and ticket.owner_id == to else _user(to)) if to else None
        if owner is not None:
            planned += to_staff(ticket, [owner], MessageKind.ASSIGNED, key, {})
            planned += to_robots(ticket, MessageKind.ASSIGNED, key, {})
    elif kind == EventKind.ESCALATED:
        planned += _escalation(ticket, data, event.body)
    webhook_event = WEBHOOK_EVENT_OF.get(kind)
    if webhook_event is not None:
        planned += to_webhooks(ticket, webhook_event, key, _webhook_detail(event))
    return planned


def _resolution_detail(ticket, event) -> dict:
    """The result the customer reads (COM-5) and the signed link that answers without a login (CSAT-3).
    Never the root cause nor the internal note."""
    from serviceloop.tickets.processing import confirmation_link

    reminder = event.kind == EventKind.CONFIRMATION_REMINDER
    return {"result": ticket.customer_result, "warranty_months": ticket.warranty_months,
            "confirm_link": confirmation_link(ticket), "reminder": reminder,
            "auto_close_at": (event.data or {}).get("auto_close_at") or "" if reminder else ""}


def _webhook_detail(event) -> dict:
    """What another system learns of a timeline event: its kind and structured data, never internal text."""
    detail = {"event_id": event.pk, "event_kind": event.kind, "occurred_at": event.created_at.isoformat(),
              "data": shareable_data(event)}
    if event.kind in (EventKind.REPLY, EventKind.CUSTOMER_REPLY, EventKind.RESOLUTION):
        detail["reply"] = event.body
    return detail


def _escalation(ticket, data: dict, reason: str) -> list[Planned]:
    """An escalation, whichever side reports it: keyed by the escalation, so the timeline event and the SLA
    alert for the same escalation make one message per person, never two."""
    target = _user(data.get("to"))
    key = f"escalation:{data['escalation']}" if data.get("escalation") else ""
    if not key or data.get("kind") == "update_overdue":
        # An update-cadence reminder is not news of an escalation: the SLA alert for it (same key) tells the
        # owner and the supervisor, and sends the customer a progress update (COM-3).
        return []
    detail = {"reason": reason, "escalation_kind": data.get("kind", ""), "escalated_to": _person(target)}
    people = [target]
    if data.get("kind") != "manual":
        people.append(ticket.owner if ticket.owner_id else None)
    planned = to_staff(ticket, people, MessageKind.ESCALATED, key, detail, sms=_critical(ticket))
    planned += to_robots(ticket, MessageKind.ESCALATED, key, detail)
    return planned


# --- SLA alerts ----------------------------------------------------------------------------------

def for_sla_alert(kind: str, ticket, *, recipients=(), escalation=None, breach=None, metric: str = "",
                  due_at: datetime | None = None) -> list[Planned]:
    """The deliveries one SLA alert causes. `recipients` are the people the SLA side names (owner,
    supervisor, director); without them, the owner and the group's supervisor."""
    if escalation is not None:
        key = f"escalation:{escalation.pk}"
    elif breach is not None:
        key = f"breach:{breach.pk}"
    else:
        key = f"sla_alert:{ticket.pk}:{kind}:{due_at.isoformat() if due_at else ''}"
    people = list(recipients) or [ticket.owner if ticket.owner_id else None, _supervisor(ticket)]
    metric = metric or (breach.metric if breach is not None else "")
    due = due_at or (breach.due_at if breach is not None else None)
    detail = {"metric": metric, "due_at": due.isoformat() if due else "",
              "breached": kind != SlaAlert.AT_RISK}
    planned: list[Planned] = []
    critical = _critical(ticket)
    if kind in (SlaAlert.ACKNOWLEDGE_OVERDUE, SlaAlert.DIRECTOR):
        esc_kind = "acknowledge_overdue" if kind == SlaAlert.ACKNOWLEDGE_OVERDUE else "resolution_overdue"
        target = people[0] if people else None
        detail = {**detail, "escalation_kind": esc_kind, "escalated_to": _person(target),
                  "reason": escalation.reason if escalation is not None else ""}
        planned += to_staff(ticket, people, MessageKind.ESCALATED, key, detail, sms=critical)
        planned += to_robots(ticket, MessageKind.ESCALATED, key, detail)
    elif kind in (
        SlaAlert.AT_RISK,
        SlaAlert.RESPONSE_MISSED,
        SlaAlert.RESOLUTION_MISSED,
        SlaAlert.UPDATE_OVERDUE,
    ):
        if kind == SlaAlert.UPDATE_OVERDUE:
            detail["metric"] = detail["metric"] or "update"
            # COM-3: the customer hears from us on the cadence even when nobody wrote to them.
            planned += to_contact(ticket, MessageKind.PROGRESS, key, {})
        planned += to_staff(ticket, people, MessageKind.BREACH_WARNING, key, detail,
                            sms=critical and kind != SlaAlert.UPDATE_OVERDUE)
        planned += to_robots(ticket, MessageKind.BREACH_WARNING, key, detail)
    if kind != SlaAlert.AT_RISK:
        planned += to_webhooks(ticket, WebhookEvent.BREACHED, key, {**detail, "alert": kind})
    return planned


# --- surveys -------------------------------------------------------------------------------------

def for_survey(*, survey_key: str, ticket, link: str) -> list[Planned]:
    """The satisfaction survey's invitation (surveys are another issue; this is the message)."""
    return to_contact(ticket, MessageKind.SURVEY, f"survey:{survey_key}", {"survey_link": link},
                      channels=(Channel.EMAIL, Channel.SMS, Channel.INAPP))


def for_report(*, report_key: str, users, detail: dict) -> list[Planned]:
    """A published periodic report (ANA-3) to its subscribers: by email and in-app, in each one's language.
    They asked for it by subscribing, so no per-kind preference is consulted; the mail links to the report's
    page, where the files are downloaded with a permission check (never attached)."""
    out = []
    for user in users:
        if not user.is_active:
            continue
        language = user.language or settings.LANGUAGE_CODE
        mine = {**detail, "recipient_name": str(user)}
        if user.email:
            email = user.email.strip().lower()
            out.append(Planned(report_key, MessageKind.REPORT, Channel.EMAIL, email, None, language,
                               user_id=user.pk, context=mine))
        out.append(Planned(report_key, MessageKind.REPORT, Channel.INAPP, f"user:{user.pk}", None, language,
                           user_id=user.pk, context=mine))
    return out
