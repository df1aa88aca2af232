"""The survey page (CSAT-1): by its link without login (signed token, rate-limited), or from the portal
by the logged-in customer; completing a follow-up task (CSAT-2); the KPI page for supervisors (CSAT-4)."""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from serviceloop.analytics.periods import period
from serviceloop.analytics.selectors import kpis
from serviceloop.core.errors import ServiceError
from serviceloop.core.ratelimit import rate_hit
from serviceloop.surveys import selectors as survey_selectors
from serviceloop.surveys import services as surveys
from serviceloop.surveys.models import DIMENSIONS
from serviceloop.web.survey_forms import FollowUpForm, KpiForm, SurveyForm
from serviceloop.web.views.ticket import ticket_or_404

TEMPLATE = "web/survey.html"


def _answer(form: SurveyForm, survey, actor):
    data = form.cleaned_data
    return surveys.survey_answer(survey=survey, actor=actor, overall=data["overall"],
                                 satisfaction=data["satisfaction"], comment=data["comment"],
                                 **{name: data.get(name) for name, _label in DIMENSIONS})


def _page(request, survey, form, *, status=200, action=""):
    return render(
        request,
        TEMPLATE,
        {"survey": survey, "ticket": survey.ticket, "form": form, "action": action},
        status=status,
    )


def _refused(request, exc: ServiceError):
    return render(request, TEMPLATE, {"error": exc.message}, status=exc.status_code)


@require_http_methods(["GET", "POST"])
def survey_by_link(request, token: str):
    """No login: the token names one survey of one ticket; every request counts against the client address
    (SURVEY_MAX_PER_IP per window), so tokens cannot be tried one after another."""
    hit = rate_hit(scope="survey-ip", key=request.META.get("REMOTE_ADDR") or "unknown",
                   limit=settings.SURVEY_MAX_PER_IP, window=timedelta(minutes=settings.SURVEY_WINDOW_MINUTES))
    if not hit.allowed:
        seconds = max(1, math.ceil((hit.retry_at - timezone.now()).total_seconds()))
        minutes = math.ceil(seconds / 60)
        response = render(request, TEMPLATE, {"error": ngettext(
            "Too many attempts. Please try again in %(minutes)d minute.",
            "Too many attempts. Please try again in %(minutes)d minutes.", minutes) % {"minutes": minutes}},
            status=429)
        response["Retry-After"] = str(seconds)
        return response
    try:
        survey = surveys.survey_from_token(token)
    except ServiceError as exc:
        return _refused(request, exc)
    if request.method == "GET":
        return _page(request, survey, SurveyForm())
    form = SurveyForm(request.POST)
    if not form.is_valid():
        return _page(request, survey, form, status=422)
    try:
        _answer(form, survey, None)
    except ServiceError as exc:
        return _refused(request, exc)
    return render(request, TEMPLATE, {"thanks": True, "ticket": survey.ticket})


@login_required
@require_http_methods(["GET", "POST"])
def survey_in_portal(request, number: str):
    """The customer's pending survey of their own ticket, answered while logged in (the portal's link)."""
    ticket = ticket_or_404(request.user, number)
    survey = surveys.pending_survey_for(user=request.user, ticket=ticket)
    if survey is None:
        raise Http404(_("This ticket has no survey waiting for an answer."))
    survey.ticket = ticket
    if request.method == "GET":
        return _page(request, survey, SurveyForm(), action=request.path)
    form = SurveyForm(request.POST)
    if not form.is_valid():
        return _page(request, survey, form, status=422, action=request.path)
    try:
        _answer(form, survey, request.user)
    except ServiceError as exc:
        return _refused(request, exc)
    messages.success(request, _("Thank you for your feedback."))
    return redirect("web:ticket", number=ticket.number)


@login_required
@require_POST
def follow_up_complete(request, number: str, task_id: int):
    """The supervisor records the outcome of second processing, from the ticket page."""
    ticket = ticket_or_404(request.user, number)
    form = FollowUpForm(request.POST)
    try:
        task = survey_selectors.follow_up_get(user=request.user, task_id=task_id)
        if task.ticket_id != ticket.pk:
            raise Http404
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        else:
            surveys.follow_up_complete(task=task, actor=request.user, outcome=form.cleaned_data["outcome"],
                                       note=form.cleaned_data["note"])
            messages.success(request, _("Follow-up recorded."))
    except ServiceError as exc:
        if exc.status_code == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
    return redirect("web:ticket", number=ticket.number)


@login_required
@require_GET
def kpi_page(request):
    """Per engineer or group, for a period (default: this month): supervisors, directors, administrators."""
    if request.user.is_customer or not request.user.has_perm("analytics.view_kpis"):
        raise Http404
    form = KpiForm(request.GET or None)
    start = end = None
    by = "engineer"
    if form.is_bound and form.is_valid():
        start, end, by = (
            form.cleaned_data["start"],
            form.cleaned_data["end"],
            form.cleaned_data["by"] or "engineer",
        )
    rows, error, first, last = [], None, None, None
    if not form.is_bound or form.is_valid():
        try:
            since, until, first, last = period(start, end)
            rows = kpis(user=request.user, start=since, end=until, by=by)
        except ServiceError as exc:
            error = exc.message
    status = 422 if (form.is_bound and not form.is_valid()) or error else 200
    return render(request, "web/kpis.html", {"form": form, "rows": rows, "by": by, "error": error,
                                              "first": first, "last": last}, status=status)
