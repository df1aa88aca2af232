"""The knowledge base's pages (KB-1..5): list, article, editor with preview, review queue, version diff;
the portal's suggestions while a problem is written and the ticket page's suggestions with one-click send.

Every action is one service call (or several in one transaction); a published public article is readable
without logging in, at the link an agent sends to a customer.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from serviceloop.core.errors import NotFound, ServiceError
from serviceloop.knowledge import selectors, services
from serviceloop.knowledge.choices import ArticleStatus
from serviceloop.knowledge.models import Article
from serviceloop.tickets.choices import FINISHED_STATUSES
from serviceloop.web.forms import show_service_error
from serviceloop.web.knowledge_forms import (
    ArticleForm,
    DiffForm,
    FeedbackForm,
    ReviewForm,
    SendArticleForm,
    SolvedForm,
    StepFormSet,
)

from .ticket import ticket_or_404

# The session key of the customer's last "this solved it": a submission after it withdraws the deflection.
DEFLECTION_SESSION_KEY = "kb_deflection"


def _article_or_404(user, article_id: int) -> Article:
    try:
        return selectors.article_get(user=user, article_id=article_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _require_staff(request) -> None:
    if request.user.is_customer:
        raise Http404


def article_link(request, article: Article) -> str:
    return request.build_absolute_uri(reverse("web:kb-article", args=[article.pk]))


def _steps_for_display(article_or_steps) -> list[dict]:
    steps = article_or_steps.steps if hasattr(article_or_steps, "steps") else article_or_steps
    return [
        {
            "text": s["text"],
            "image_url": reverse("web:kb-image", args=[s["image_id"]]) if s.get("image_id") else None,
        }
        for s in steps
    ]


# --- reading ------------------------------------------------------------------------------------

@login_required
@require_GET
def article_list(request):
    """Staff: every article, by status; customers: the published public ones. `q` searches the text."""
    user = request.user
    status = request.GET.get("status", "")
    if status not in ArticleStatus.values or user.is_customer:
        status = ""
    q = request.GET.get("q", "")[:200]
    http_status = 200
    try:
        page = selectors.article_list(
            user=user, cursor=request.GET.get("cursor") or None, status=status or None, q=q
        )
    except ServiceError as exc:  # a cursor that is not ours: say so and show the first page
        messages.error(request, exc.message)
        page, http_status = selectors.article_list(user=user, status=status or None, q=q), exc.status_code
    context = {"page": page, "q": q, "status": status, "statuses": ArticleStatus.choices}
    if not user.is_customer:
        context["avoided"] = selectors.deflections_avoided()
        context["may_review"] = user.has_perm("knowledge.review_article")
    return render(request, "web/knowledge/list.html", context, status=http_status)


@require_GET
def article_detail(request, article_id: int):
    """The article as its reader sees it; staff also see its state, review, history and actions."""
    user = request.user
    article = _article_or_404(user, article_id)
    services.article_viewed(article=article)
    context = {"article": article, "steps": _steps_for_display(article),
               "tags": article.tags.all(), "models": article.product_models.all(),
               "staff": user.is_authenticated and not user.is_customer}
    if context["staff"]:
        may_edit = article.author_id == user.pk or user.has_perm("knowledge.review_article")
        context.update(
            {
                "versions": selectors.article_versions(user=user, article=article),
                "events": selectors.article_events(article=article),
                "may_edit": may_edit and article.status != ArticleStatus.SUBMITTED,
                "may_submit": may_edit and article.status in (ArticleStatus.DRAFT, ArticleStatus.REJECTED),
                "may_review": user.has_perm("knowledge.review_article")
                and article.status == ArticleStatus.SUBMITTED,
                "review_form": ReviewForm(),
            }
        )
    if user.is_authenticated:
        mine = article.feedback.filter(user=user).first()
        context["my_feedback"] = None if mine is None else mine.helpful
    return render(request, "web/knowledge/article.html", context)


@require_GET
def article_image(request, image_id: int):
    try:
        image = selectors.image_get(user=request.user, image_id=image_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response = FileResponse(
        image.file.open("rb"), filename=image.original_name, content_type=image.content_type
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_GET
def review_queue(request):
    _require_staff(request)
    if not request.user.has_perm("knowledge.review_article"):
        raise Http404
    return render(
        request, "web/knowledge/review.html", {"articles": selectors.review_queue(user=request.user)}
    )


@login_required
@require_GET
def article_diff(request, article_id: int):
    """Two versions side by side as one list of removed, added, unchanged lines (escaped by the template)."""
    _require_staff(request)
    article = _article_or_404(request.user, article_id)
    form = DiffForm(request.GET)
    context = {"article": article, "form": form, "versions": selectors.article_versions(user=request.user,
                                                                                          article=article)}
    if not form.is_valid():
        return render(request, "web/knowledge/diff.html", context, status=422)
    try:
        old, new, rows = selectors.article_diff(
            user=request.user, article=article, old=form.cleaned_data["old"], new=form.cleaned_data["new"]
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ServiceError as exc:
        show_service_error(form, exc)
        return render(request, "web/knowledge/diff.html", context, status=exc.status_code)
    context.update({"old": old, "new": new, "rows": rows})
    return render(request, "web/knowledge/diff.html", context)


# --- writing ------------------------------------------------------------------------------------

def _initial_steps(article: Article | None) -> list[dict]:
    return [{"text": s["text"], "image_id": s.get("image_id")} for s in (article.steps if article else [])]


def _collect_steps(request, formset, stored: list[str], article: Article | None) -> list[dict]:
    """The formset's steps in order; a new upload is stored first (services.article_image_add)."""
    steps = []
    for step in formset.cleaned_data:
        if not step:
            continue
        image_id = None if step.get("remove_image") else step.get("image_id")
        if step.get("image"):
            image = services.article_image_add(actor=request.user, upload=step["image"], article=article)
            stored.append(image.file.name)
            image_id = image.pk
        if step.get("text") or image_id:
            steps.append({"text": step.get("text", ""), "image_id": image_id})
    return steps


@login_required
@require_http_methods(["GET", "POST"])
def article_edit(request, article_id: int | None = None):
    """Write or change an article: "Preview" shows it as readers will, "Save" writes a new version."""
    _require_staff(request)
    article = _article_or_404(request.user, article_id) if article_id else None
    if article is None and not request.user.has_perm("knowledge.add_article"):
        raise Http404
    if request.method == "POST":
        form = ArticleForm(request.POST)
        formset = StepFormSet(request.POST, request.FILES, prefix="steps")
    else:
        initial = None
        if article is not None:
            initial = {"title": article.title, "scenario": article.scenario, "notes": article.notes,
                       "category": article.category_id, "visibility": article.visibility,
                       "tags": ", ".join(article.tags.values_list("name", flat=True)),
                       "product_models": list(article.product_models.values_list("pk", flat=True))}
        form = ArticleForm(initial=initial)
        formset = StepFormSet(initial=_initial_steps(article), prefix="steps")
    preview = None
    status = 200
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            stored: list[str] = []
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    steps = _collect_steps(request, formset, stored, article)
                    fields = {
                        "title": data["title"],
                        "scenario": data["scenario"],
                        "notes": data["notes"],
                        "category": data["category"],
                        "tags": data["tags"],
                        "steps": steps,
                        "product_models": list(data["product_models"]),
                        "visibility": data["visibility"],
                    }
                    if "preview" in request.POST:
                        preview = {**fields, "steps": _steps_for_display(steps)}
                        # The new images are kept (unclaimed, the author's own) so the next Save names them.
                        formset = StepFormSet(initial=steps, prefix="steps")
                        stored.clear()
                    elif article is None:
                        article = services.article_create(actor=request.user, **fields)
                    else:
                        article = services.article_update(article=article, actor=request.user, changes=fields)
            except ServiceError as exc:
                for name in stored:  # the rows rolled back; their files must go too
                    default_storage.delete(name)
                show_service_error(form, exc)
                status = exc.status_code
            else:
                if preview is None:
                    messages.success(request, _("Saved as version %(number)s.") % {"number": article.version})
                    return redirect("web:kb-article", article_id=article.pk)
        else:
            status = 422
    return render(request, "web/knowledge/edit.html",
                  {"article": article, "form": form, "formset": formset, "preview": preview}, status=status)


def _act(request, article_id: int, perform, done: str):
    """One review-flow action from a button: the service decides who may; its refusal is shown, not raised."""
    _require_staff(request)
    article = _article_or_404(request.user, article_id)
    try:
        perform(article)
        messages.success(request, done)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("web:kb-article", article_id=article.pk)


def _review_comment(request) -> str:
    form = ReviewForm(request.POST)
    return form.cleaned_data["comment"] if form.is_valid() else ""


@login_required
@require_POST
def article_submit(request, article_id: int):
    return _act(request, article_id, lambda a: services.article_submit(article=a, actor=request.user),
                _("Submitted for review."))


@login_required
@require_POST
def article_publish(request, article_id: int):
    return _act(request, article_id, lambda a: services.article_publish(
        article=a, actor=request.user, comment=_review_comment(request)), _("Published."))


@login_required
@require_POST
def article_reject(request, article_id: int):
    return _act(request, article_id, lambda a: services.article_reject(
        article=a, actor=request.user, comment=_review_comment(request)), _("Sent back to the author."))


@login_required
@require_POST
def article_feedback(request, article_id: int):
    article = _article_or_404(request.user, article_id)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        services.article_feedback(article=article, user=request.user, helpful=form.cleaned_data["helpful"])
        messages.success(request, _("Thank you for your feedback."))
    return redirect("web:kb-article", article_id=article.pk)


@login_required
@require_POST
def draft_from_ticket(request, number: str):
    """KB-3: one click on a resolved ticket → a prefilled draft, opened in the editor."""
    _require_staff(request)
    ticket = ticket_or_404(request.user, number)
    try:
        article = services.article_draft_from_ticket(ticket=ticket, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("web:ticket", number=number)
    messages.success(
        request, _("A draft was made from ticket %(number)s; check it and save.") % {"number": number}
    )
    return redirect("web:kb-edit", article_id=article.pk)


# --- suggestions ----------------------------------------------------------------------------------

@login_required
@require_GET
def portal_suggestions(request):
    """htmx: public articles matching what the customer is writing (static/js/kb-suggest.js asks)."""
    q = request.GET.get("q", "")[:2000]
    articles = selectors.article_search(request.user, q) if request.user.is_customer else []
    return render(request, "web/knowledge/_portal_suggestions.html", {"articles": articles, "q": q[:500]})


@login_required
@require_POST
def portal_solved(request):
    """"This solved it" on a suggestion: one submission avoided, unless the customer submits after all."""
    form = SolvedForm(request.POST)
    if not request.user.is_customer or not form.is_valid():
        raise Http404
    article = _article_or_404(request.user, form.cleaned_data["article"])
    try:
        deflection = services.deflection_record(
            article=article, user=request.user, query=form.cleaned_data["q"]
        )
    except ServiceError as exc:
        raise Http404(exc.message) from exc
    request.session[DEFLECTION_SESSION_KEY] = deflection.pk
    return render(request, "web/knowledge/solved.html", {"article": article})


@login_required
@require_GET
def ticket_suggestions(request, number: str):
    """htmx on the ticket page: articles for its product model and text, each sendable in one click."""
    _require_staff(request)
    ticket = ticket_or_404(request.user, number)
    model = ticket.product.product_model if ticket.product_id else None
    text = " ".join(p for p in (ticket.title, ticket.error_code, ticket.description[:500]) if p)
    articles = selectors.article_search(request.user, text, product_model=model, limit=5)
    return render(request, "web/knowledge/_ticket_suggestions.html", {
        "ticket": ticket, "articles": articles,
        "may_draft": ticket.status in FINISHED_STATUSES and request.user.has_perm(
            "knowledge.add_article")})


@login_required
@require_POST
def send_to_ticket(request, number: str):
    """One click: the article's title, scenario and public link as a reply to the customer (KB-4)."""
    _require_staff(request)
    ticket = ticket_or_404(request.user, number)
    form = SendArticleForm(request.POST)
    if form.is_valid():
        try:
            article = selectors.article_get(user=request.user, article_id=form.cleaned_data["article"])
            services.article_send_to_ticket(article=article, ticket=ticket, actor=request.user,
                                            link=article_link(request, article))
            messages.success(request, _("The article was sent to the customer."))
        except ServiceError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("No such article."))
    return redirect("web:ticket", number=number)


