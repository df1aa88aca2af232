"""Every write to a ticket, one service per state change.

Each service: runs in one transaction, locks the ticket row, checks the actor's permission and
the allowed transition on the server, saves with `update_fields`, writes a timeline event
(events.py) and schedules side effects with `transaction.on_commit`, so nothing is sent for a
change that did not happen.

The SLA clock is not called from here: recording the event announces it (events.recorded), and
the SLA app's receiver moves the clock in the same transaction. So each service saves the ticket
first and records its event after, for the receiver to see the ticket as it now is.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.accounts.models import Team, User
from serviceloop.assets.models import CustomerProduct
from serviceloop.core import rows
from serviceloop.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    ServiceError,
    UnsupportedMediaType,
)
from serviceloop.core.hooks import Hook
from serviceloop.customers.models import Contact, Organization

from . import events, filetypes, processing
from .choices import (
    OPEN_STATUSES,
    SUB_STATUS_ALLOWED_IN,
    AttachmentSource,
    Channel,
    CommunicationChannel,
    ConfirmationMethod,
    ImpactScope,
    NoteType,
    Priority,
    Status,
    SubStatus,
    TicketType,
    Urgency,
    allowed_next,
)
from .guards import PROBLEM_FIELDS
from .guards import check_choice as _check_choice
from .guards import check_text as _check_text
from .guards import locked as _locked
from .guards import require as _require
from .guards import require_staff as _require_staff
from .guards import touch as _touch
from .models import Attachment, Category, SavedFilter, Ticket, TicketEvent
from .numbering import next_number
from .priority import compute_priority

# Called as creating(ticket=…) with a new ticket, valid but unsaved and without its number, just before
# the number is taken. A receiver may prepare what it will write once the `created` event is recorded
# (the SLA clock computes its deadlines here) and must write nothing yet: taking the number locks the
# period's counter row until commit, so work done before it does not hold up every other creation.
creating = Hook("tickets.creating")

# Fields that can be changed but never emptied.
NOT_NULL_FIELDS = set(PROBLEM_FIELDS) | {
    "business_interrupted",
    "ticket_type",
    "urgency",
    "impact_scope",
    "expedite",
    "channel",
}
# Fields ticket_update accepts besides the problem texts.
UPDATABLE_FIELDS = set(PROBLEM_FIELDS) | {
    "occurred_at", "business_interrupted", "affected_users", "ticket_type", "category", "urgency",
    "impact_scope", "expedite", "contact", "product", "channel",
}


# --- helpers ------------------------------------------------------------------------------------
# The checks every ticket write shares (permission, row lock, choices, texts) live in guards.py, so
# processing.py (the resolution and confirmation loop) uses the very same ones.

def _check_references(*, organization: Organization, contact: Contact | None, product: CustomerProduct | None,
                      category: Category | None, ticket_type: str) -> None:
    if contact is not None and contact.organization_id != organization.pk:
        raise InvalidInput.field("contact_id", _("The contact does not belong to this organisation."))
    if product is not None and product.organization_id != organization.pk:
        raise InvalidInput.field("product_id", _("The product does not belong to this organisation."))
    if category is not None:
        if not category.is_active:
            raise InvalidInput.field("category_id", _("This category is no longer in use."))
        if category.ticket_type and category.ticket_type != ticket_type:
            raise InvalidInput.field("category_id", _("This category belongs to another ticket type."))


# --- create -------------------------------------------------------------------------------------

@transaction.atomic
def ticket_create(
    *,
    actor: User,
    organization: Organization,
    title: str,
    description: str,
    channel: str = Channel.PORTAL,
    ticket_type: str = TicketType.PROBLEM,
    category: Category | None = None,
    urgency: str = "normal",
    impact_scope: str = "single",
    expedite: bool = False,
    contact: Contact | None = None,
    product: CustomerProduct | None = None,
    occurred_at: datetime | None = None,
    business_interrupted: bool = False,
    affected_users: int | None = None,
    core_equipment: bool | None = None,
    details: dict | None = None,
) -> Ticket:
    """Register a new ticket (INT-1..4, NUM-1): number it, compute its priority, write `created`.

    `core_equipment`: the customer's own answer to 是否为核心设备 (the portal's impact questions); a
    "yes" counts as a core module even when the product's model is not one.

    A customer can only open tickets for their own organisation; `details` carries the other
    INT-4 texts (objective_description, error_code, reproduction_steps, environment,
    business_impact, tried_steps).
    """
    _require(actor, "tickets.add_ticket")
    if actor.is_customer:
        if organization.pk != actor.organization_id:
            raise InvalidInput.field(
                "organization", _("Customers can open tickets only for their own organisation.")
            )
        channel = Channel.PORTAL if channel in (Channel.PHONE, Channel.ONSITE) else channel
        if contact is None:
            contact = Contact.objects.filter(user=actor).first()
    _check_choice("channel", channel, Channel)
    _check_choice("ticket_type", ticket_type, TicketType)
    _check_choice("urgency", urgency, Urgency)
    _check_choice("impact_scope", impact_scope, ImpactScope)
    _check_references(organization=organization, contact=contact, product=product, category=category,
                      ticket_type=ticket_type)
    texts = {"title": _check_text("title", title, required=True),
             "description": _check_text("description", description, required=True)}
    for key, value in (details or {}).items():
        if key not in PROBLEM_FIELDS or key in texts:
            raise InvalidInput.field(key, _("Unknown field."))
        texts[key] = _check_text(key, value or "")
    if affected_users is not None and affected_users < 0:
        raise InvalidInput.field("affected_users", _("Must be zero or more."))

    now = timezone.now()
    core = product.product_model.is_core if product is not None else core_equipment is not False
    core = core or bool(core_equipment)
    ticket = Ticket(
        number="",
        channel=channel,
        ticket_type=ticket_type,
        category=category,
        urgency=urgency,
        impact_scope=impact_scope,
        expedite=expedite,
        priority=compute_priority(urgency=urgency, impact_scope=impact_scope, core_module=core,
                                  vip=organization.tier == "vip", ticket_type=ticket_type, expedite=expedite),
        organization=organization,
        contact=contact,
        product=product,
        occurred_at=occurred_at,
        business_interrupted=business_interrupted,
        affected_users=affected_users,
        created_by=actor,
        created_at=now,
        updated_at=now,
        **texts,
    )
    creating(ticket=ticket)
    # The number last: taking it locks the period's counter row until commit, so every other
    # creation waits; only the INSERTs below (the ticket, its event, its SLA clock) run while it is held.
    ticket.number = next_number(settings.TICKET_NUMBER_PATTERN, now)
    rows.insert(ticket)
    # Recording `created` also reaches the apps above: the SLA clock's row, and the INT-7 acknowledgement
    # to the contact through the notifications outbox (notifications/rules.py).
    events.created(ticket, actor)
    return ticket


# --- lifecycle ----------------------------------------------------------------------------------

@transaction.atomic
def ticket_accept(*, ticket: Ticket, actor: User) -> Ticket:
    """The assignee acknowledges the ticket (确认接收, ASN-3); a new ticket becomes 已受理."""
    _require(actor, "tickets.transition_ticket")
    ticket = _locked(ticket)
    if ticket.accepted_at is not None:
        raise Conflict(_("This ticket has already been acknowledged."))
    if ticket.status not in OPEN_STATUSES:
        raise Conflict(_("A ticket in status “%(status)s” cannot be acknowledged.")
                       % {"status": ticket.get_status_display()})
    # ASN-3 is the owner's own confirmation; a dispatcher may record it on their behalf. Without an
    # owner, acknowledging is the intake check of INT-6 that any service staff may do.
    if ticket.owner_id and ticket.owner_id != actor.pk and not actor.has_perm("tickets.assign_ticket"):
        raise Forbidden(_("Only the owner of the ticket can acknowledge it."))
    now = timezone.now()
    ticket.accepted_at = now
    fields = ["accepted_at"]
    old_status = ticket.status
    if ticket.status == Status.NEW:
        ticket.status = Status.ACCEPTED
        fields.append("status")
    _touch(ticket, now, fields)
    # Acknowledged first, then the status change: the clock meets the target before it moves on.
    events.accepted(ticket, actor)
    if old_status != ticket.status:
        events.status_changed(ticket, actor, old=old_status, new=ticket.status)
    return ticket


@transaction.atomic
def ticket_transition(
    *,
    ticket: Ticket,
    actor: User,
    to_status: str,
    sub_status: str = "",
    note: str = "",
    pending_until: date | None = None,
) -> Ticket:
    """Move a ticket along the status flow (PRG-1); refuse, naming the allowed states, otherwise.

    Customers may only confirm a resolved ticket (closed) or say it is not fixed (reopened, `note` is
    their reason, required). 已解决 is reached only through processing.ticket_resolve (a root cause and
    the customer's result); resolved → closed / reopened go through the confirmation of processing.py, so
    they record the answer, the resolution time and summary whichever door they came through. The same
    status with another sub-status is a sub-status change (processing.set_sub_status_locked).
    """
    ticket = _locked(ticket)
    customer = actor.is_customer
    if not customer:
        _require(actor, "tickets.transition_ticket")
    _check_choice("status", to_status, Status)
    if sub_status:
        _check_choice("sub_status", sub_status, SubStatus)
    allowed = allowed_next(ticket.status, customer=customer)
    if customer and sub_status:
        raise Forbidden(_("Only service staff can change the sub-status."))
    same_state_sub_change = (not customer and to_status == ticket.status and bool(sub_status)
                             and to_status in SUB_STATUS_ALLOWED_IN)
    if to_status not in allowed and not same_state_sub_change:
        names = ", ".join(str(Status(s).label) for s in allowed) or _("none")
        raise Conflict(
            _("A ticket in status “%(current)s” cannot move to “%(target)s”. Allowed next: %(allowed)s.")
            % {"current": ticket.get_status_display(), "target": Status(to_status).label, "allowed": names},
            extra={"allowed": list(allowed)},
        )
    if same_state_sub_change:
        return processing.set_sub_status_locked(ticket, actor, sub_status)
    if to_status == Status.RESOLVED:
        raise InvalidInput.field("root_cause_id", _("Resolving needs a root cause and the result for the "
                                                    "customer: use “Resolve”."))
    if ticket.status == Status.RESOLVED:
        method = ConfirmationMethod.PORTAL if customer else ConfirmationMethod.STAFF
        if to_status == Status.CLOSED:
            return processing.close_resolved(ticket, actor, method=method, note=_check_text("note", note))
        return processing.reopen_not_fixed(ticket, actor, method=method, reason=note)
    if sub_status and to_status not in SUB_STATUS_ALLOWED_IN:
        raise InvalidInput.field(
            "sub_status", _("A sub-status is only used while the ticket is being worked on.")
        )
    if to_status == Status.PENDING and pending_until is None:
        raise InvalidInput.field("pending_until", _("Give the expected release date for a pending ticket."))
    note = _check_text("note", note)

    now = timezone.now()
    old = ticket.status
    ticket.status = to_status
    ticket.sub_status = sub_status if to_status in SUB_STATUS_ALLOWED_IN else ""
    ticket.pending_until = pending_until if to_status == Status.PENDING else None
    fields = ["status", "sub_status", "pending_until"]
    if to_status == Status.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
        if ticket.resolved_at is None:
            ticket.resolved_at = now
            fields.append("resolved_at")
    elif to_status == Status.REOPENED:
        ticket.resolved_at = None
        ticket.closed_at = None
        fields += ["resolved_at", "closed_at"]
    acknowledged = to_status in (Status.ACCEPTED, Status.IN_PROGRESS) and ticket.accepted_at is None
    if acknowledged:
        ticket.accepted_at = now
        fields.append("accepted_at")
    _touch(ticket, now, fields)
    events.status_changed(ticket, actor, old=old, new=to_status, sub_status=ticket.sub_status, note=note,
                          public_note=customer, acknowledged=acknowledged)
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, actor: User, owner: User | None, group: Team | None = None,
                  note: str = "", clear_group: bool = False) -> Ticket:
    """Set the primary owner (主责任人, ASN-2), optionally the group; a new owner must acknowledge again."""
    _require(actor, "tickets.assign_ticket")
    if owner is not None and not owner.is_service_staff:
        raise InvalidInput.field("owner", _("Tickets can only be assigned to active service staff."))
    ticket = _locked(ticket)
    if ticket.status == Status.CLOSED:
        raise Conflict(_("A closed ticket cannot be reassigned; reopen it first."))
    old_owner = ticket.owner_id
    new_owner = owner.pk if owner else None
    new_group = group.pk if group else (None if clear_group else ticket.group_id)
    if old_owner == new_owner and new_group == ticket.group_id:
        return ticket
    fields = ["owner", "group"]
    # The object, not only its id: the notification of this event reads it from the ticket, and a bulk
    # assign (tickets/bulk.py) passes the same owner, whose roles are then read once, not per ticket.
    ticket.owner = owner
    ticket.group_id = new_group
    if old_owner != new_owner:
        ticket.accepted_at = None  # ASN-3: the new owner has to confirm receipt themselves
        fields.append("accepted_at")
    _touch(ticket, timezone.now(), fields)
    events.assigned(ticket, actor, old_owner_id=old_owner, new_owner_id=new_owner, group_id=new_group,
                    note=_check_text("note", note))
    return ticket


@transaction.atomic
def ticket_set_co_handlers(*, ticket: Ticket, actor: User, users: list[User]) -> Ticket:
    """Replace the co-handlers (协办人, ASN-2)."""
    _require(actor, "tickets.assign_ticket")
    for user in users:
        if not user.is_service_staff:
            raise InvalidInput.field("co_handlers", _("Co-handlers must be active service staff."))
    ticket = _locked(ticket)
    old = sorted(ticket.co_handlers.values_list("pk", flat=True))
    new = sorted({u.pk for u in users})
    if old != new:
        ticket.co_handlers.set(new)
        _touch(ticket, timezone.now(), [])
        events.co_handlers_changed(ticket, actor, old=old, new=new)
    return ticket


@transaction.atomic
def ticket_set_priority(*, ticket: Ticket, actor: User, priority: str, reason: str) -> Ticket:
    """Override the computed priority (CLS-3): supervisors only, with a reason, logged."""
    _require(actor, "tickets.override_priority")
    _check_choice("priority", priority, Priority)
    reason = _check_text("reason", reason, required=True)
    ticket = _locked(ticket)
    if ticket.priority == priority:
        return ticket
    old = ticket.priority
    ticket.priority = priority
    ticket.priority_overridden = True
    _touch(ticket, timezone.now(), ["priority", "priority_overridden"])
    events.priority_changed(ticket, actor, old=old, new=priority, reason=reason)
    return ticket


def _json_value(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@transaction.atomic
def ticket_update(*, ticket: Ticket, actor: User, changes: dict) -> Ticket:
    """Correct or complete the ticket's fields (INT-4, CLS-1..2); one `fields` event lists old and new.

    Classification changes re-run the priority rule unless a supervisor has overridden it.
    """
    _require_staff(actor)
    _require(actor, "tickets.change_ticket")
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise InvalidInput(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))},
                           errors=[{"field": f, "message": _("Unknown field.")} for f in sorted(unknown)])
    ticket = _locked(ticket)
    for field, choices in (("ticket_type", TicketType), ("urgency", Urgency), ("impact_scope", ImpactScope),
                           ("channel", Channel)):
        if field in changes:
            _check_choice(field, changes[field], choices)
    for field in NOT_NULL_FIELDS & set(changes):
        if changes[field] is None:
            raise InvalidInput.field(field, _("This field may not be empty."))
    for field in PROBLEM_FIELDS:
        if field in changes:
            changes[field] = _check_text(field, changes[field], required=field in ("title", "description"))
    _check_references(
        organization=ticket.organization,
        contact=changes.get("contact", ticket.contact),
        product=changes.get("product", ticket.product),
        category=changes.get("category", ticket.category),
        ticket_type=changes.get("ticket_type", ticket.ticket_type),
    )
    diff = {}
    for field, value in changes.items():
        old = getattr(ticket, field)
        if old != value:
            diff[field] = [_json_value(old), _json_value(value)]
            setattr(ticket, field, value)
    if not diff:
        return ticket
    fields = list(diff)
    if not ticket.priority_overridden and set(diff) & {"urgency", "impact_scope", "ticket_type", "expedite",
                                                       "product"}:
        product = ticket.product
        new_priority = compute_priority(
            urgency=ticket.urgency, impact_scope=ticket.impact_scope,
            core_module=product.product_model.is_core if product else True,
            vip=ticket.organization.tier == "vip", ticket_type=ticket.ticket_type, expedite=ticket.expedite)
        if new_priority != ticket.priority:
            diff["priority"] = [ticket.priority, new_priority]
            ticket.priority = new_priority
            fields.append("priority")
    _touch(ticket, timezone.now(), fields)
    events.fields_changed(ticket, actor, changes=diff)
    return ticket


# --- conversation -------------------------------------------------------------------------------

@transaction.atomic
def ticket_add_reply(*, ticket: Ticket, actor: User, body: str) -> TicketEvent:
    """A public reply: from staff to the customer (sets first response), or from the customer."""
    body = _check_text("body", body, required=True)
    ticket = _locked(ticket)
    if ticket.status == Status.CLOSED and not actor.is_customer:
        raise Conflict(_("The ticket is closed; reopen it before replying."))
    now = timezone.now()
    from_customer = actor.is_customer
    fields = []
    if not from_customer and ticket.first_response_at is None:
        ticket.first_response_at = now
        fields.append("first_response_at")
    _touch(ticket, now, fields)
    return events.reply(ticket, actor, body=body, from_customer=from_customer,
                        first_response="first_response_at" in fields)


@transaction.atomic
def ticket_add_customer_reply(*, ticket: Ticket, contact: Contact | None, body: str, channel: str,
                              sender: str = "", data: dict | None = None) -> TicketEvent:
    """The customer's reply that arrived by a channel (an email answer, COM-2), from a contact who may
    have no login. Called by intake adapters (serviceloop/channels), never by a request handler: the
    caller has already decided which ticket the words belong to.

    Unlike `ticket_add_reply`, any status is accepted, a closed ticket included: the customer's words
    are never refused, they are put where staff see them.
    """
    body = _check_text("body", body, required=True)
    _check_choice("channel", channel, Channel)
    if contact is not None and contact.organization_id != ticket.organization_id:
        raise InvalidInput.field("contact", _("The contact does not belong to this organisation."))
    ticket = _locked(ticket)
    _touch(ticket, timezone.now(), [])
    return events.customer_reply(ticket, contact.user if contact is not None and contact.user_id else None,
                                 body=body, channel=channel, contact_id=contact.pk if contact else None,
                                 sender=sender, data=data)


@transaction.atomic
def ticket_add_internal_note(*, ticket: Ticket, actor: User, body: str,
                             note_type: str = NoteType.PROGRESS) -> TicketEvent:
    """An internal note (progress, diagnosis, solution …; PRG-2). Never shown to the customer (COM-4)."""
    _require_staff(actor)
    _require(actor, "tickets.add_internal_note")
    if note_type not in NoteType.values:
        raise InvalidInput.field("note_type", _("Unknown note type. Allowed: %(allowed)s")
                                 % {"allowed": ", ".join(NoteType.values)})
    body = _check_text("body", body, required=True)
    ticket = _locked(ticket)
    _touch(ticket, timezone.now(), [])
    return events.internal_note(ticket, actor, body=body, note_type=note_type)



@transaction.atomic
def ticket_log_communication(*, ticket: Ticket, actor: User, channel: str, happened_at: datetime | None,
                             customer_feedback: str, next_step: str, summary: str = "") -> TicketEvent:
    """Record a conversation with the customer (COM-1: time, channel, feedback, next step). Internal."""
    _require_staff(actor)
    _require(actor, "tickets.log_communication")
    _check_choice("channel", channel, CommunicationChannel)
    happened_at = happened_at or timezone.now()
    if happened_at > timezone.now() + timedelta(minutes=5):
        raise InvalidInput.field("happened_at", _("A communication cannot be logged in the future."))
    feedback = _check_text("customer_feedback", customer_feedback, required=True)
    ticket = _locked(ticket)
    _touch(ticket, timezone.now(), [])
    return events.communication(ticket, actor, channel=channel, happened_at=happened_at,
                                customer_feedback=feedback, next_step=_check_text("next_step", next_step),
                                summary=_check_text("summary", summary))


# --- attachments --------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^\w.\-() ]+", re.UNICODE)


def sanitise_filename(name: str) -> str:
    """Keep a readable name (Chinese included) without paths, control characters or leading dots."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = _UNSAFE.sub("_", name).strip(" .")
    stem, ext = os.path.splitext(name)
    return (stem[:120] or "file") + ext[:10].lower()


def attachment_add(*, ticket: Ticket, actor: User, upload, internal: bool = False,
                   source: str = AttachmentSource.UPLOAD) -> Attachment:
    """Store a file on a ticket (INT-5) after checking its size and its content type.

    The type comes from the file's first bytes against ATTACHMENT_ALLOWED_TYPES; a name whose
    extension claims another type is refused too (an executable renamed .png). The file is written
    before the rows; if the transaction fails the file is removed again, so nothing half-written stays.
    """
    if internal:
        _require_staff(actor)
    size = upload.size
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise PayloadTooLarge(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}
        )
    if size == 0:
        raise InvalidInput.field("file", _("The file is empty."))
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    kind = filetypes.sniff(head)
    allowed = filetypes.normalise_allow_list(settings.ATTACHMENT_ALLOWED_TYPES)
    name = sanitise_filename(upload.name)
    ext = os.path.splitext(name)[1]
    if kind is None or kind.code not in allowed:
        raise UnsupportedMediaType(_("This type of file is not accepted. Allowed: %(allowed)s")
                                   % {"allowed": ", ".join(sorted(allowed))})
    claimed = next((t for t in filetypes.TYPES.values() if ext in t.extensions), None)
    if claimed is not None and claimed.code != kind.code:
        raise UnsupportedMediaType(_("The file's content (%(real)s) does not match its name (%(name)s).")
                                   % {"real": kind.code.upper(), "name": name})
    if claimed is None:
        name = f"{name}{kind.extensions[0]}"

    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    stored = default_storage.save(f"attachments/{ticket.pk}/{digest.hexdigest()[:16]}{kind.extensions[0]}",
                                  File(upload))
    try:
        with transaction.atomic():
            locked = _locked(ticket)
            attachment = Attachment.objects.create(
                ticket=locked, file=stored, original_name=name, content_type=kind.mime, size=size,
                sha256=digest.hexdigest(), source=source, is_internal=internal, uploaded_by=actor,
            )
            event = events.attachment_added(locked, actor, attachment_id=attachment.pk, name=name,
                                            public=not internal)
            attachment.event = event
            attachment.save(update_fields=["event"])
            _touch(locked, timezone.now(), [])
    except Exception:
        default_storage.delete(stored)
        raise
    return attachment


def attachments_add(*, ticket: Ticket, actor: User, uploads, internal: bool = False,
                    source: str = AttachmentSource.UPLOAD) -> list[Attachment]:
    """Several files on a ticket in one transaction (INT-5): all of them are added, or none.

    Each goes through `attachment_add` (size, content type, its timeline event). A refused file refuses
    the others: the rows roll back and every file already written to storage is removed again, so no
    file outlives its row; the error names the refused upload in `refused_name` (the ticket page says
    which file it was). When the caller has opened a transaction around it (the portal: the ticket and
    its files), the files are removed with the rows if this call fails; call it last in that transaction.
    """
    added: list[Attachment] = []
    upload = None
    try:
        with transaction.atomic():
            for upload in uploads:
                added.append(attachment_add(ticket=ticket, actor=actor, upload=upload, internal=internal,
                                            source=source))
    except BaseException as exc:
        for attachment in added:  # their rows rolled back: their files go too
            default_storage.delete(attachment.file.name)
        if isinstance(exc, ServiceError) and upload is not None:
            exc.refused_name = upload.name
        raise
    return added


# --- saved list filters ---------------------------------------------------------------------------

SAVED_FILTERS_PER_USER = 30


@transaction.atomic
def saved_filter_save(*, user: User, name: str, query: str) -> SavedFilter:
    """Keep the list's current filter under a name; saving under a name already used replaces it."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput.field("name", _("This field is required."))
    if len(name) > 60:
        raise InvalidInput.field("name", _("At most %(limit)d characters are allowed (got %(size)d).")
                                 % {"limit": 60, "size": len(name)})
    query = (query or "").lstrip("?")
    if len(query) > 1000:
        raise InvalidInput.field("query", _("This filter is too long to save."))
    User.objects.select_for_update().filter(pk=user.pk).first()  # two saves at once must not pass the limit
    existing = SavedFilter.objects.filter(user=user, name=name).first()
    if existing is not None:
        existing.query = query
        existing.save(update_fields=["query"])
        return existing
    if SavedFilter.objects.filter(user=user).count() >= SAVED_FILTERS_PER_USER:
        raise InvalidInput.field("name", _("You can keep at most %(limit)d saved filters; delete one first.")
                                 % {"limit": SAVED_FILTERS_PER_USER})
    return SavedFilter.objects.create(user=user, name=name, query=query)


@transaction.atomic
def saved_filter_delete(*, user: User, filter_id: int) -> None:
    """Delete one of the person's own saved filters; someone else's is not found (never 403)."""
    deleted, _rows = SavedFilter.objects.filter(user=user, pk=filter_id).delete()
    if not deleted:
        raise NotFound(_("This saved filter was not found."))
