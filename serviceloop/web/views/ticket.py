"""One ticket's page and the actions on it, each one service call."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from serviceloop.core.errors import NotFound, ServiceError
from serviceloop.sla.services import sla_summary
from serviceloop.tickets import selectors, services
from serviceloop.tickets.choices import OPEN_STATUSES, Status, allowed_next
from serviceloop.web.forms import (
    AssignForm,
    CommunicationForm,
    NoteForm,
    ReplyForm,
    TransitionForm,
)


def ticket_or_404(user, number: str):
    """The ticket if the user may see it; a 404 page otherwise, never a 403 (SEC-2)."""
    try:
        return selectors.ticket_get(user=user, number=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
@require_GET
def ticket_detail(request, number: str):
    """One ticket: header, SLA timers, customer and product, and the timeline the user may see."""
    user = request.user
    ticket = ticket_or_404(user, number)
    timeline = selectors.ticket_timeline(user=user, ticket=ticket, cursor=request.GET.get("cursor"), limit=100)
    attachments = selectors.attachment_list(user=user, ticket=ticket)
    allowed = allowed_next(ticket.status, customer=user.is_customer)
    return render(request, "web/ticket.html", {
        "ticket": ticket, "sla": sla_summary(getattr(ticket, "sla", None), ticket), "events": timeline.items,
        "next_cursor": timeline.next_cursor, "attachments": attachments,
        "co_handlers": list(ticket.co_handlers.all()),
        "allowed": allowed,
        "can_accept": (not user.is_customer and ticket.accepted_at is None and ticket.status in OPEN_STATUSES
                       and (ticket.owner_id in (None, user.pk) or user.has_perm("tickets.assign_ticket"))),
        "can_assign": user.has_perm("tickets.assign_ticket") and ticket.status != Status.CLOSED,
        "reply_form": ReplyForm(), "note_form": NoteForm(), "communication_form": CommunicationForm(),
        "transition_form": TransitionForm(allowed=allowed) if allowed and not user.is_customer else None,
        "assign_form": AssignForm(initial={"owner": ticket.owner_id, "group": ticket.group_id}),
    })


def _act(request, number: str, form_class, perform, *, form_kwargs=None):
    """Run one ticket action from a form: validate, call the service, say what happened, go back.

    Every action is one service call, so it is one transaction: a refused action writes nothing.
    """
    ticket = ticket_or_404(request.user, number)
    form = form_class(request.POST, **(form_kwargs(ticket) if form_kwargs else {})) if form_class else None
    if form is not None and not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
    else:
        try:
            perform(ticket, form.cleaned_data if form is not None else {})
            messages.success(request, _("Saved."))
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
def ticket_assign(request, number: str):
    return _act(request, number, AssignForm, lambda t, d: services.ticket_assign(
        ticket=t, actor=request.user, owner=d["owner"], group=d["group"], clear_group=d["group"] is None))


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
