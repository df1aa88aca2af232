"""The canned replies page (快捷回复, issue #16.3): one's own replies and the shared ones, written and
changed here; administrators keep the shared ones. Each action is one service call; customers get 404.

The ticket page's picker (static/js/canned-picker.js) reads and renders them through the API.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from serviceloop.canned import selectors, services
from serviceloop.canned.models import CannedReply, Scope
from serviceloop.canned.rendering import VARIABLES
from serviceloop.core.errors import NotFound, ServiceError
from serviceloop.web.canned_forms import CannedReplyForm
from serviceloop.web.forms import show_service_error

PAGE_SIZE = 50


def _require_staff(request) -> None:
    if not request.user.is_service_staff:
        raise Http404


def _reply_or_404(user, reply_id: int) -> CannedReply:
    try:
        return selectors.canned_reply_get(user=user, reply_id=reply_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
@require_http_methods(["GET", "POST"])
def canned_replies(request, reply_id: int | None = None):
    """The list (all, mine, shared; `q` filters) beside the form: a new reply, or the one being edited."""
    _require_staff(request)
    user = request.user
    editing = _reply_or_404(user, reply_id) if reply_id else None
    if editing is not None and not services.may_manage(user, editing):
        raise Http404
    may_share = user.has_perm(services.MANAGE_SHARED)
    scope = request.GET.get("scope", "")
    scope = scope if scope in Scope.values else ""
    q = request.GET.get("q", "")[:100]
    status = 200
    initial = {"title": editing.title, "body": editing.body} if editing else None
    data = request.POST if request.method == "POST" else None
    form = CannedReplyForm(data, initial=initial, may_share=may_share, editing=editing is not None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if editing is None:
                    services.canned_reply_create(actor=user, title=data["title"], body=data["body"],
                                                 scope=data.get("scope") or Scope.PERSONAL)
                else:
                    services.canned_reply_update(reply=editing, actor=user, title=data["title"],
                                                 body=data["body"])
            except ServiceError as exc:
                show_service_error(form, exc)
                status = exc.status_code
            else:
                messages.success(request, _("Canned reply “%(title)s” saved.") % {"title": data["title"]})
                return redirect("web:canned")
        else:
            status = 422
    try:
        page = selectors.canned_reply_list(user=user, cursor=request.GET.get("cursor") or None,
                                           limit=PAGE_SIZE, q=q, scope=scope or None)
    except ServiceError as exc:  # a cursor that is not ours: say so and show the first page
        messages.error(request, exc.message)
        page = selectors.canned_reply_list(user=user, limit=PAGE_SIZE, q=q, scope=scope or None)
        status = exc.status_code
    for reply in page.items:
        reply.may_edit = services.may_manage(user, reply)
    return render(request, "web/canned.html", {
        "page": page, "form": form, "editing": editing, "scope": scope, "q": q,
        "scopes": Scope.choices, "variables": VARIABLES, "may_share": may_share,
    }, status=status)


@login_required
@require_POST
def canned_reply_delete(request, reply_id: int):
    _require_staff(request)
    reply = _reply_or_404(request.user, reply_id)
    try:
        services.canned_reply_delete(reply=reply, actor=request.user)
        messages.success(request, _("Canned reply “%(title)s” deleted.") % {"title": reply.title})
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("web:canned")
