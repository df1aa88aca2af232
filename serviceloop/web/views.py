"""The web workspace's entry points: thin views over the domain services and selectors."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from serviceloop.accounts import services as accounts
from serviceloop.core.errors import NotFound, PayloadTooLarge, ServiceError
from serviceloop.core.masking import mask_phone
from serviceloop.sla.services import sla_summary
from serviceloop.tickets import selectors, services
from serviceloop.tickets.choices import OPEN_STATUSES, Status, allowed_next

from .forms import (
    AssignForm,
    CommunicationForm,
    IntakeForm,
    LoginForm,
    NoteForm,
    ProblemForm,
    ReplyForm,
    TransitionForm,
)

PAGE_SIZE = 25


def _safe_next(request, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return fallback


def _show_service_error(form, exc: ServiceError, *, upload_field: str | None = None) -> None:
    """Put a service's refusal next to the form field it names (services say `category_id`, forms
    `category`); a refused upload goes to the upload field; anything else above the form."""
    field = exc.errors[0]["field"].removesuffix("_id") if exc.errors else None
    if field is None and exc.status_code in (413, 415):
        field = upload_field
    form.add_error(field if field in form.fields else None, exc.message)


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


@require_http_methods(["GET", "POST"])
def login_view(request):
    """Log in; a username with too many failures in a row is locked for a while (SEC-5)."""
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        locked = accounts.login_locked_until(username=username)
        if locked:
            minutes = max(1, round((locked - timezone.now()).total_seconds() / 60))
            error = _("Too many failed attempts. Try again in %(minutes)d minutes.") % {"minutes": minutes}
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                row = accounts.login_failed(username=username, ip=_client_ip(request))
                if row.locked_until:
                    error = _("Too many failed attempts. Try again in %(minutes)d minutes.") % {
                        "minutes": settings.LOGIN_LOCK_MINUTES}
                else:
                    error = _("The username or password is wrong.")
            else:
                accounts.login_succeeded(username=username)
                login(request, user)
                response = HttpResponseRedirect(_safe_next(request))
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
                return response
    # A refused login re-shows the form with 200, as Django's admin does.
    return render(request, "web/login.html", {"form": form, "error": error, "next": _safe_next(request, "")})


@require_POST
def logout_view(request):
    logout(request)
    return redirect(settings.LOGIN_URL)


@require_POST
def language_view(request):
    """Switch zh-Hans / English; remembered on the user, and in a cookie for the login page."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    if request.user.is_authenticated:
        accounts.user_set_language(user=request.user, language=language)
    translation.activate(language)
    response = redirect(_safe_next(request))
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", max_age=365 * 24 * 3600)
    return response


@login_required
@require_GET
def home(request):
    """The person's own work: staff see their open tickets, a customer contact their company's tickets."""
    user = request.user
    filters = selectors.TicketFilters()
    if user.is_customer:
        heading = _("Our tickets")
    else:
        heading = _("My tickets")
        filters.owner_id = user.pk
        filters.status = list(OPEN_STATUSES)
    try:
        page = selectors.ticket_list(user=user, filters=filters, cursor=request.GET.get("cursor"), limit=PAGE_SIZE,
                                     related=("contact", "sla__version__policy"))
    except ServiceError:
        return redirect("web:home")
    rows = [{"ticket": t, "contact_phone": mask_phone(t.contact.phone) if t.contact_id else "",
             "sla": sla_summary(getattr(t, "sla", None), t)} for t in page.items]
    return render(request, "web/home.html", {"heading": heading, "rows": rows, "next_cursor": page.next_cursor,
                                             "first_page": not request.GET.get("cursor")})


@login_required
@require_GET
def ticket_detail(request, number: str):
    """One ticket: header, SLA timers, customer and product, and the timeline the user may see."""
    user = request.user
    try:
        ticket = selectors.ticket_get(user=user, number=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc
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
    try:
        ticket = selectors.ticket_get(user=request.user, number=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc
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


@login_required
@require_http_methods(["GET", "POST"])
def submit_problem(request):
    """提交问题 (INT-1, INT-4, INT-5, INT-7, INT-8): a customer reports a problem with files.

    The ticket and its attachments are one transaction: a refused file refuses the whole submission,
    the customer sees why next to the field, and nothing is left half-saved.
    """
    user = request.user
    if not user.is_customer or user.organization_id is None:
        raise Http404
    try:
        files = request.FILES if request.method == "POST" else None
    except PayloadTooLarge as exc:  # stopped while arriving (tickets/uploads.py)
        form = ProblemForm(organization=user.organization)
        form.add_error("attachments", exc.message)
        return render(request, "web/submit.html", {"form": form}, status=413)
    form = ProblemForm(request.POST or None, files, organization=user.organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        description = data["description"]
        if data["product_details"]:
            description = f"{description}\n\n{_('Product')}: {data['product_details']}"
        stored = []
        try:
            with transaction.atomic():
                ticket = services.ticket_create(
                    actor=user, organization=user.organization, title=data["title"], description=description,
                    channel="portal", product=data["product"], occurred_at=data["occurred_at"],
                    expedite=data["expedite"],
                    details={"error_code": data["error_code"], "tried_steps": data["tried_steps"]})
                for upload in data["attachments"]:
                    stored.append(services.attachment_add(ticket=ticket, actor=user, upload=upload).file.name)
        except ServiceError as exc:
            for name in stored:  # the rows rolled back; their files must go too
                default_storage.delete(name)
            _show_service_error(form, exc, upload_field="attachments")
        else:
            return redirect("web:submitted", number=ticket.number)
    return render(request, "web/submit.html", {"form": form}, status=422 if form.errors else 200)


@login_required
@require_GET
def submitted(request, number: str):
    """After submitting: the number, the expected response time, and how to follow up (INT-7)."""
    try:
        ticket = selectors.ticket_get(user=request.user, number=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(request, "web/submitted.html",
                  {"ticket": ticket, "sla": sla_summary(getattr(ticket, "sla", None), ticket)})


def _organization_matches(q: str):
    """Organisations by name, or by their or a contact's phone; at most 10, with their contacts."""
    from django.db.models import Prefetch, Q

    from serviceloop.customers.models import Contact, Organization

    q = q.strip()
    if len(q) < 2:
        return []
    qs = Organization.objects.filter(
        Q(name__icontains=q) | Q(phone__startswith=q) | Q(contacts__phone__startswith=q)).distinct()
    return list(qs.prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("name")))[:10])


@login_required
@require_GET
def intake_lookup(request):
    """htmx: the organisations (and their contacts) matching what the agent typed."""
    if request.user.is_customer:
        raise Http404
    return render(request, "web/_intake_matches.html", {"matches": _organization_matches(request.GET.get("q", ""))})


@login_required
@require_http_methods(["GET", "POST"])
def intake(request):
    """电话登记 (INT-1, INT-4): an agent registers a caller's problem; the number and the expected
    response time are shown at once."""
    user = request.user
    if user.is_customer or not user.has_perm("tickets.add_ticket"):
        raise Http404
    form = IntakeForm(request.POST or None)
    matches = _organization_matches(request.POST.get("q", "")) if request.method == "POST" else []
    if request.method == "POST" and "lookup" not in request.POST and form.is_valid():
        data = form.cleaned_data
        product = None
        if data["serial_number"]:
            from serviceloop.assets.models import CustomerProduct

            product = CustomerProduct.objects.filter(serial_number=data["serial_number"].strip(),
                                                     organization=data["organization"]).first()
            if product is None:
                form.add_error("serial_number", _("No product with this serial number belongs to this organisation."))
        contact = data["contact"]
        if contact is not None and contact.organization_id != data["organization"].pk:
            form.add_error(None, _("The contact does not belong to this organisation."))
        if not form.errors:
            try:
                ticket = services.ticket_create(
                    actor=user, organization=data["organization"], contact=contact, product=product,
                    title=data["title"], description=data["description"], channel="phone",
                    ticket_type=data["ticket_type"], category=data["category"], urgency=data["urgency"],
                    impact_scope=data["impact_scope"], expedite=data["expedite"], occurred_at=data["occurred_at"],
                    business_interrupted=data["business_interrupted"], affected_users=data["affected_users"],
                    details={k: data[k] for k in ("objective_description", "error_code", "reproduction_steps",
                                                  "environment", "business_impact", "tried_steps")})
            except ServiceError as exc:
                _show_service_error(form, exc)
            else:
                return redirect("web:submitted", number=ticket.number)
    selected = form["organization"].value()
    return render(request, "web/intake.html", {"form": form, "matches": matches, "selected": str(selected or "")},
                  status=422 if form.errors and "lookup" not in request.POST else 200)
