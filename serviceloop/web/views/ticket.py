"""One ticket's page and the actions on it, each one service call."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from serviceloop.accounts.models import Team, User
from serviceloop.assets.models import CustomerProduct
from serviceloop.core.errors import NotFound, ServiceError
from serviceloop.customers.models import Contact
from serviceloop.sla.models import Escalation, EscalationKind
from serviceloop.sla.selectors import sla_summary
from serviceloop.sla.services import escalation
from serviceloop.tickets import filetypes, processing, selectors, services
from serviceloop.tickets.choices import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    SUB_STATUS_ALLOWED_IN,
    Channel,
    CommunicationChannel,
    ConfirmationMethod,
    ConfirmationOutcome,
    EventKind,
    NoteType,
    Priority,
    Status,
    SubStatus,
    allowed_next,
)
from serviceloop.tickets.events import internal_text
from serviceloop.tickets.models import Attachment, Category, Ticket, TicketEvent
from serviceloop.web.forms import (
    AssignForm,
    AttachForm,
    CommunicationForm,
    DiagnosisForm,
    EscalateForm,
    ExecutionForm,
    NoteForm,
    NotFixedForm,
    PhoneConfirmationForm,
    ReplyForm,
    ResolveForm,
    SolutionForm,
    SubStatusForm,
    TransitionForm,
)
from serviceloop.web.templatetags.sla_time import duration_words
from serviceloop.web.uploads import answers_oversized_uploads


def ticket_or_404(user, number: str):
    """The ticket if the user may see it; a 404 page otherwise, never a 403 (SEC-2)."""
    try:
        return selectors.ticket_get(user=user, number=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def download_url(ticket: Ticket, attachment: Attachment) -> str:
    """The API's permission-checked download (it accepts sessions): the one way a file leaves the server."""
    return f"/api/v1/tickets/{ticket.number}/attachments/{attachment.pk}/download"


# --- the timeline as the page shows it -------------------------------------------------------------

@dataclass
class Entry:
    """One timeline event made readable: labels instead of codes, names instead of ids."""

    event: TicketEvent
    title: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (what, old, new)
    facts: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    attachment: Attachment | None = None
    internal_text: str = ""  # a note given with a status change that the customer must not see
    original_url: str = ""  # staff: the original mail (.eml) a reply came in


# Fields of a `fields` event (ticket_update) that hold a row's id, and how to read those rows.
_REFERENCES = {
    "category": lambda ids: Category.objects.filter(pk__in=ids).select_related("parent__parent"),
    "contact": lambda ids: Contact.objects.filter(pk__in=ids).only("id", "name"),
    "product": lambda ids: CustomerProduct.objects.filter(pk__in=ids).select_related("product_model"),
}


def _names(events: list[TicketEvent]) -> dict[str, dict[int, str]]:
    """Every person, group, escalation and record the events name by id, one query per kind of row.

    The events store ids (JSON); reading each name while rendering would cost a query per event.
    """
    ids: dict[str, set[int]] = {
        "user": set(),
        "team": set(),
        "escalation": set(),
        **{k: set() for k in _REFERENCES},
    }
    for e in events:
        data = e.data or {}
        if e.kind == EventKind.EXECUTION:
            ids["user"].add(data.get("operator"))
        elif e.kind == EventKind.ASSIGNED:
            ids["user"].update((data.get("from"), data.get("to")))
            ids["team"].add(data.get("group"))
        elif e.kind == EventKind.CO_HANDLERS:
            ids["user"].update([*(data.get("from") or []), *(data.get("to") or [])])
        elif e.kind == EventKind.ESCALATED:
            ids["user"].add(data.get("to"))
            ids["escalation"].add(data.get("escalation"))
        elif e.kind == EventKind.FIELDS:
            for name, pair in (data.get("changes") or {}).items():
                if name in _REFERENCES:
                    ids[name].update(pair)
    wanted = {kind: {i for i in found if isinstance(i, int)} for kind, found in ids.items()}
    names: dict[str, dict] = {kind: {} for kind in wanted}
    if wanted["user"]:
        names["user"] = {u.pk: str(u) for u in User.objects.filter(pk__in=wanted["user"])}
    if wanted["team"]:
        names["team"] = {t.pk: t.name for t in Team.objects.filter(pk__in=wanted["team"])}
    if wanted["escalation"]:
        names["escalation"] = dict(Escalation.objects.filter(pk__in=wanted["escalation"])
                                   .values_list("pk", "expected_feedback_at"))
    for kind, query in _REFERENCES.items():
        if wanted[kind]:
            names[kind] = {row.pk: row.name if kind == "contact" else str(row) for row in query(wanted[kind])}
    return names


def _when(value) -> str:
    """A moment in the reader's language and the site's time zone."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value,
                           "SHORT_DATETIME_FORMAT")
    return date_format(value, "SHORT_DATE_FORMAT")


def _label(choices, value) -> str:
    """A choice's label; a value no longer in the list is shown as stored rather than hidden."""
    if value in (None, ""):
        return "—"
    return str(choices(value).label) if value in choices.values else str(value)


def _field_value(name: str, value, names) -> str:
    if value is None or value == "":
        return "—"
    if name in _REFERENCES:
        return names[name].get(value, "—")
    try:
        model_field = Ticket._meta.get_field(name)
    except FieldDoesNotExist:
        return Truncator(str(value)).chars(120)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if model_field.get_internal_type() in ("DateTimeField", "DateField"):
        return _when(value)
    return Truncator(str(value)).chars(120)


_SLA_DEADLINE_LABELS = {
    "sla_acknowledge_due": _lazy("Acknowledge by"), "sla_first_response_due": _lazy("First response by"),
    "sla_resolution_due": _lazy("Resolve by"), "sla_update_due": _lazy("next update by"),
}


def _field_label(name: str) -> str:
    try:
        return capfirst(Ticket._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _people(ids, names) -> str:
    return ", ".join(names["user"].get(i, "—") for i in ids) or "—"


def timeline_entries(events: list[TicketEvent], *, user, attachments: list[Attachment]) -> list[Entry]:
    """The events with what each one changed in words; costs a fixed number of queries, whatever the count."""
    names = _names(events)
    files = {a.pk: a for a in attachments}  # already limited to what the user may see
    staff = not user.is_customer
    entries = []
    for e in events:
        data = e.data or {}
        entry = Entry(event=e, title=_label(EventKind, e.kind))
        if e.kind == EventKind.CREATED and data.get("channel"):
            entry.facts.append((_("Channel"), _label(Channel, data["channel"])))
        elif e.kind == EventKind.CUSTOMER_REPLY and data.get("channel"):
            # A reply that came by email (channels): the contact may have no login to show as its author.
            entry.facts.append((_("Channel"), _label(Channel, data["channel"])))
            if data.get("from"):
                entry.facts.append((_("Sender"), data["from"]))
            if staff and data.get("inbound_message"):
                entry.original_url = f"/api/v1/email/messages/{int(data['inbound_message'])}/original"
        elif e.kind == EventKind.STATUS:
            entry.changes.append(
                (_("Status"), _label(Status, data.get("from")), _label(Status, data.get("to")))
            )
            if data.get("sub_status"):
                entry.facts.append((_("Sub-status"), _label(SubStatus, data["sub_status"])))
            if staff:
                entry.internal_text = internal_text(e)
        elif e.kind == EventKind.ASSIGNED:
            entry.changes.append((_("Owner"), names["user"].get(data.get("from"), "—"),
                                  names["user"].get(data.get("to"), "—")))
            if data.get("group"):
                entry.facts.append((_("Group"), names["team"].get(data["group"], "—")))
        elif e.kind == EventKind.CO_HANDLERS:
            old, new = data.get("from") or [], data.get("to") or []
            entry.changes.append((_("Co-handlers"), _people(old, names), _people(new, names)))
        elif e.kind == EventKind.PRIORITY:
            entry.changes.append(
                (_("Priority"), _label(Priority, data.get("from")), _label(Priority, data.get("to")))
            )
        elif e.kind == EventKind.FIELDS and data.get("sla_deadline_moved"):
            # sla/services/clock.py: the working calendar changed, moving this ticket's deadlines (issue #11).
            entry.title = _("SLA deadline moved: calendar changed")
            for name, pair in (data.get("changes") or {}).items():
                old, new = (list(pair) + [None, None])[:2]
                entry.changes.append((_SLA_DEADLINE_LABELS.get(name, name), _when(old) if old else "—",
                                      _when(new) if new else "—"))
        elif e.kind == EventKind.FIELDS:
            for name, pair in (data.get("changes") or {}).items():
                old, new = (list(pair) + [None, None])[:2]
                entry.changes.append((_field_label(name), _field_value(name, old, names),
                                      _field_value(name, new, names)))
        elif e.kind == EventKind.NOTE:
            if data.get("note_type") in NoteType.values:
                entry.title = f"{entry.title} · {NoteType(data['note_type']).label}"
        elif e.kind == EventKind.COMMUNICATION:
            entry.facts += [(_("Channel"), _label(CommunicationChannel, data.get("channel"))),
                            (_("Time"), _when(data["happened_at"]) if data.get("happened_at") else "—"),
                            (_("Customer feedback"), data.get("customer_feedback") or "—"),
                            (_("Next step"), data.get("next_step") or "—")]
        elif e.kind == EventKind.SUB_STATUS:
            entry.changes.append((_("Sub-status"), _label(SubStatus, data.get("from")),
                                  _label(SubStatus, data.get("to"))))
        elif e.kind == EventKind.DIAGNOSIS:
            entry.facts += [(_("From"), _when(data["started_at"]) if data.get("started_at") else "—"),
                            (_("To"), _when(data["ended_at"]) if data.get("ended_at") else "—"),
                            (_("Minutes"), str(data.get("minutes", "—")))]
        elif e.kind == EventKind.SOLUTION:
            entry.facts += [
                (_("Step %(n)d") % {"n": n}, step) for n, step in enumerate(data.get("steps") or [], 1)
            ]
        elif e.kind == EventKind.EXECUTION:
            entry.facts += [
                (_("Performed at"), _when(data["performed_at"]) if data.get("performed_at") else "—"),
                (_("Operator"), names["user"].get(data.get("operator"), "—")),
                (_("Customer feedback"), data.get("customer_feedback") or "—"),
            ]
        elif e.kind == EventKind.RESOLUTION:
            if data.get("warranty_months") is not None:
                entry.facts.append((_("Warranty on the repair"), ngettext(
                    "%(n)d month", "%(n)d months", data["warranty_months"]) % {"n": data["warranty_months"]}))
            if staff:
                entry.facts.append((_("Root cause"), data.get("root_cause_path") or "—"))
                entry.internal_text = internal_text(e)
        elif e.kind == EventKind.CONFIRMATION:
            entry.facts.append((_("Answer"), _label(ConfirmationOutcome, data.get("outcome"))))
            entry.facts.append((_("How"), _label(ConfirmationMethod, data.get("method"))))
            if data.get("resolution_minutes") is not None:
                entry.facts.append((_("Resolution time"), duration_words(data["resolution_minutes"])))
        elif e.kind == EventKind.CONFIRMATION_REMINDER and data.get("auto_close_at"):
            entry.facts.append((_("Closes automatically at"), _when(data["auto_close_at"])))
        elif e.kind == EventKind.ATTACHMENT:
            entry.attachment = files.get(data.get("attachment"))
            if entry.attachment is None:
                entry.facts.append((_("File"), data.get("name", "—")))
        elif e.kind == EventKind.ESCALATED:
            entry.facts.append((_("Kind"), _label(EscalationKind, data.get("kind"))))
            if data.get("to"):
                entry.facts.append((_("Escalated to"), names["user"].get(data["to"], "—")))
            if data.get("department"):
                entry.facts.append((_("Department"), data["department"]))
            expected = names["escalation"].get(data.get("escalation"))
            if expected:
                entry.facts.append((_("Feedback expected by"), _when(expected)))
        entries.append(entry)
    return entries


def _upload_rules() -> tuple[str, str]:
    """The file picker's `accept` list and the allowed types in words, from ATTACHMENT_ALLOWED_TYPES."""
    allowed = filetypes.normalise_allow_list(settings.ATTACHMENT_ALLOWED_TYPES)
    types = [t for code, t in filetypes.TYPES.items() if code in allowed]
    accept = ",".join(ext for t in types for ext in t.extensions)
    return accept, ", ".join(t.code.upper() for t in types)


@login_required
@require_GET
def ticket_detail(request, number: str):
    """One ticket: header, SLA timers, customer and product, and the timeline the user may see."""
    user = request.user
    ticket = ticket_or_404(user, number)
    timeline = selectors.ticket_timeline(
        user=user, ticket=ticket, cursor=request.GET.get("cursor"), limit=100
    )
    attachments = selectors.attachment_list(user=user, ticket=ticket)
    for a in attachments:
        a.download_url = download_url(ticket, a)
        a.is_image = a.content_type.startswith("image/")
    allowed = allowed_next(ticket.status, customer=user.is_customer)
    co_handlers = list(ticket.co_handlers.all())
    accept, types = _upload_rules()
    staff = not user.is_customer
    can_move = staff and user.has_perm("tickets.transition_ticket")
    can_record = staff and user.has_perm("tickets.add_internal_note") and ticket.status != Status.CLOSED
    return render(request, "web/ticket.html", {
        "ticket": ticket, "sla": sla_summary(getattr(ticket, "sla", None), ticket),
        "entries": timeline_entries(timeline.items, user=user, attachments=attachments),
        "next_cursor": timeline.next_cursor, "attachments": attachments,
        "co_handlers": co_handlers,
        "allowed": allowed,
        "can_accept": (not user.is_customer and ticket.accepted_at is None and ticket.status in OPEN_STATUSES
                       and (ticket.owner_id in (None, user.pk) or user.has_perm("tickets.assign_ticket"))),
        "can_assign": user.has_perm("tickets.assign_ticket") and ticket.status != Status.CLOSED,
        # The same test escalation.ticket_escalate makes (and so the API): staff who may move tickets.
        "can_escalate": (not user.is_customer and user.has_perm("tickets.transition_ticket")
                         and ticket.status != Status.CLOSED),
        # attachment_add takes files from staff on any ticket and from customers on their own;
        # customers are offered it while the ticket is not closed, like their reply box.
        "can_upload": not user.is_customer or ticket.status != Status.CLOSED,
        "upload_accept": accept, "upload_types": types,
        "upload_limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
        # Canned replies (issue #16.3) in the reply box: service staff only, never customers.
        "can_use_canned": user.is_service_staff,
        "reply_form": ReplyForm(), "note_form": NoteForm(), "communication_form": CommunicationForm(),
        "transition_form": TransitionForm(allowed=allowed) if allowed and not user.is_customer else None,
        "assign_form": AssignForm(initial={"owner": ticket.owner_id, "group": ticket.group_id,
                                           "co_handlers": [u.pk for u in co_handlers]}),
        "escalate_form": EscalateForm(), "attach_form": AttachForm(),
        # PRG-2 records, the sub-status within the status, PRG-7 resolution, CSAT-3 answers.
        "can_record": can_record,
        "diagnosis_form": DiagnosisForm(), "solution_form": SolutionForm(), "execution_form": ExecutionForm(),
        "sub_status_form": (SubStatusForm(initial={"sub_status": ticket.sub_status})
                            if can_move and ticket.status in SUB_STATUS_ALLOWED_IN else None),
        "resolve_form": (ResolveForm(ticket_type=ticket.ticket_type)
                         if can_move and Status.RESOLVED in allowed else None),
        "awaiting_answer": ticket.status == Status.RESOLVED,
        "phone_form": PhoneConfirmationForm() if can_move and ticket.status == Status.RESOLVED else None,
        "not_fixed_form": NotFixedForm() if user.is_customer and ticket.status == Status.RESOLVED else None,
        "show_result": bool(ticket.customer_result) and ticket.status in FINISHED_STATUSES,
    })


def _act(request, number: str, form_class, perform, *, form_kwargs=None, ticket=None):
    """Run one ticket action from a form: validate, call the service, say what happened, go back.

    Every action is one service call (or several in one transaction), so a refused action writes nothing.
    """
    ticket = ticket or ticket_or_404(request.user, number)
    form = (form_class(request.POST, request.FILES, **(form_kwargs(ticket) if form_kwargs else {}))
            if form_class else None)
    if form is not None and not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
    else:
        try:
            done = perform(ticket, form.cleaned_data if form is not None else {})
            messages.success(request, done if isinstance(done, str) else _("Saved."))
        except ServiceError as exc:
            messages.error(request, exc.message)
    return redirect("web:ticket", number=number)


@login_required
@require_POST
def ticket_accept(request, number: str):
    return _act(request, number, None, lambda t, d: services.ticket_accept(ticket=t, actor=request.user))


@login_required
@require_POST
def ticket_transition(request, number: str):
    def perform(ticket, data):
        services.ticket_transition(ticket=ticket, actor=request.user, to_status=data["status"],
                                   sub_status=data.get("sub_status") or "", note=data.get("note") or "",
                                   pending_until=data.get("pending_until"))

    def kwargs(ticket):
        return {"allowed": allowed_next(ticket.status, customer=request.user.is_customer)}

    return _act(request, number, TransitionForm, perform, form_kwargs=kwargs)


@login_required
@require_POST
def ticket_sub_status(request, number: str):
    return _act(request, number, SubStatusForm, lambda t, d: processing.ticket_set_sub_status(
        ticket=t, actor=request.user, sub_status=d.get("sub_status") or ""))


@login_required
@require_POST
def ticket_diagnosis(request, number: str):
    return _act(
        request,
        number,
        DiagnosisForm,
        lambda t, d: processing.ticket_record_diagnosis(
            ticket=t,
            actor=request.user,
            result=d["result"],
            started_at=d["started_at"],
            ended_at=d.get("ended_at"),
        ),
    )


@login_required
@require_POST
def ticket_solution(request, number: str):
    return _act(request, number, SolutionForm, lambda t, d: processing.ticket_record_solution(
        ticket=t, actor=request.user, text=d["text"], steps=d["steps"]))


@login_required
@require_POST
def ticket_execution(request, number: str):
    return _act(
        request,
        number,
        ExecutionForm,
        lambda t, d: processing.ticket_record_execution(
            ticket=t,
            actor=request.user,
            text=d["text"],
            performed_at=d.get("performed_at"),
            operator=d.get("operator"),
            customer_feedback=d.get("customer_feedback") or "",
        ),
    )


@login_required
@require_POST
def ticket_resolve(request, number: str):
    """已解决 (PRG-7): the service refuses a missing root cause or result, and nothing is written."""

    def perform(ticket, data):
        processing.ticket_resolve(ticket=ticket, actor=request.user, root_cause=data.get("root_cause"),
                                  customer_result=data.get("customer_result") or "",
                                  resolution_note=data.get("resolution_note") or "",
                                  warranty_months=data.get("warranty_months"))
        return _("The ticket is resolved; the customer has been asked to confirm.")

    return _act(request, number, ResolveForm, perform, form_kwargs=lambda t: {"ticket_type": t.ticket_type})


@login_required
@require_POST
def ticket_phone_confirmation(request, number: str):
    def perform(ticket, data):
        processing.ticket_record_phone_confirmation(ticket=ticket, actor=request.user, fixed=data["fixed"],
                                                    note=data["note"])
        return _("The customer's answer was recorded.")

    return _act(request, number, PhoneConfirmationForm, perform)


@login_required
@require_POST
def ticket_customer_confirm(request, number: str):
    """The customer in the portal: fixed → closed."""
    def perform(ticket, data):
        processing.ticket_customer_answer(ticket=ticket, actor=request.user, fixed=True)
        return _("Thank you for confirming. The ticket is closed.")

    return _act(request, number, None, perform)


@login_required
@require_POST
def ticket_customer_not_fixed(request, number: str):
    """The customer in the portal: not fixed → reopened (重新处理) with their reason, which is required."""
    def perform(ticket, data):
        processing.ticket_customer_answer(
            ticket=ticket, actor=request.user, fixed=False, reason=data["reason"]
        )
        return _("We have reopened the ticket and will take it up again.")

    return _act(request, number, NotFixedForm, perform)


@login_required
@require_POST
def ticket_assign(request, number: str):
    def perform(ticket, data):
        # As the API does: owner, group and co-handlers commit together or not at all.
        with transaction.atomic():
            services.ticket_assign(
                ticket=ticket,
                actor=request.user,
                owner=data["owner"],
                group=data["group"],
                clear_group=data["group"] is None,
            )
            services.ticket_set_co_handlers(
                ticket=ticket, actor=request.user, users=list(data["co_handlers"])
            )
        # Say to whom (已指派给 张伟 · 硬件组), not just that something was saved.
        to = " · ".join(str(x) for x in (data["owner"], data["group"]) if x is not None)
        return _("Assigned to %(to)s.") % {"to": to} if to else _("Unassigned.")

    return _act(request, number, AssignForm, perform)


@login_required
@require_POST
def ticket_reply(request, number: str):
    return _act(request, number, ReplyForm,
                lambda t, d: services.ticket_add_reply(ticket=t, actor=request.user, body=d["body"]))


@login_required
@require_POST
def ticket_note(request, number: str):
    return _act(request, number, NoteForm, lambda t, d: services.ticket_add_internal_note(
        ticket=t, actor=request.user, body=d["body"], note_type=d["note_type"]))


@login_required
@require_POST
def ticket_communication(request, number: str):
    return _act(request, number, CommunicationForm, lambda t, d: services.ticket_log_communication(
        ticket=t, actor=request.user, channel=d["channel"], happened_at=None,
        customer_feedback=d["customer_feedback"], next_step=d.get("next_step") or ""))


@login_required
@require_POST
def ticket_escalate(request, number: str):
    """上报 (ASN-5): the SLA service decides who may, exactly as for the API."""

    def perform(ticket, data):
        escalation.ticket_escalate(ticket=ticket, actor=request.user, reason=data["reason"], to=data["to"],
                                   department=data["department"] or "",
                                   expected_feedback_at=data["expected_feedback_at"])
        return _("The ticket was escalated.")

    return _act(request, number, EscalateForm, perform)


def _attach_too_large(request, exc, number: str):
    messages.error(request, exc.message)
    return redirect("web:ticket", number=number)


@login_required
@answers_oversized_uploads(_attach_too_large)
@require_POST
def ticket_attach(request, number: str):
    """Add one or more files to the ticket (INT-5), dropped on the drop zone or chosen."""
    ticket = ticket_or_404(request.user, number)
    return _attach(request, number, ticket)


def _attach(request, number: str, ticket: Ticket):
    def perform(ticket, data):
        # All the files are one transaction (attachments_add): a refused file refuses the others.
        try:
            added = services.attachments_add(ticket=ticket, actor=request.user, uploads=data["files"],
                                             internal=data["internal"])
        except ServiceError as exc:
            name = getattr(exc, "refused_name", None)
            if name is not None:
                # Say which file it was: the service's reason does not always name it.
                raise type(exc)(_("“%(name)s” was refused, so no file was saved: %(error)s")
                                % {"name": name, "error": exc.message}, errors=exc.errors) from exc
            raise
        return ngettext("%(count)d file added.", "%(count)d files added.", len(added)) % {"count": len(added)}

    return _act(request, number, AttachForm, perform, ticket=ticket)
