"""Every write to the knowledge base, one service per state change (KB-1..4).

Each service runs in one transaction, locks the article row, checks who may do it, and writes its trail:
a content change adds an immutable ArticleVersion, every state change an ArticleEvent (the reviewer's
comment on a rejection included). Errors are core.errors, so the API and the pages answer alike.
"""

from __future__ import annotations

import hashlib
import os

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.accounts.models import User
from serviceloop.assets.models import ProductModel
from serviceloop.core.bounds import nul_message
from serviceloop.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from serviceloop.tickets import filetypes
from serviceloop.tickets import services as ticket_services
from serviceloop.tickets.choices import FINISHED_STATUSES, EventKind
from serviceloop.tickets.models import Ticket, TicketEvent
from serviceloop.tickets.services import sanitise_filename

from .choices import EDITABLE_STATUSES, ArticleEventKind, ArticleStatus, Visibility
from .models import (
    Article,
    ArticleEvent,
    ArticleFeedback,
    ArticleImage,
    ArticleVersion,
    DeflectionEvent,
    KnowledgeCategory,
    Tag,
)
from .searchtext import normalise

TITLE_MAX = 200
TEXT_MAX = 20000
STEP_MAX = 5000
STEPS_MAX = 50
TAGS_MAX = 20
TAG_MAX = 40
COMMENT_MAX = 5000
IMAGE_TYPES = ("jpg", "png", "gif")


# --- checks ---------------------------------------------------------------------------------------

def _require_staff(actor: User) -> None:
    if not actor.is_authenticated or actor.is_customer:
        raise Forbidden(_("Only service staff can do this."))


def _require(actor: User, perm: str) -> None:
    _require_staff(actor)
    if not actor.has_perm(perm):
        raise Forbidden(_("You do not have permission to do this."))


def _may_edit(actor: User, article: Article) -> None:
    _require(actor, "knowledge.change_article")
    if article.author_id != actor.pk and not actor.has_perm("knowledge.review_article"):
        raise Forbidden(_("Only the author or a reviewer may change this article."))


def _text(field: str, value: str, limit: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidInput.field(field, nul_message())
    if required and not value:
        raise InvalidInput.field(field, _("This field is required."))
    if len(value) > limit:
        raise InvalidInput.field(field, _("At most %(limit)d characters are allowed (got %(size)d).")
                                 % {"limit": limit, "size": len(value)})
    return value


def _visibility(value: str) -> str:
    if value not in Visibility.values:
        raise InvalidInput.field("visibility", _("“%(value)s” is not a valid choice. Allowed: %(allowed)s")
                                 % {"value": value, "allowed": ", ".join(Visibility.values)})
    return value


def _tags(names) -> list[str]:
    cleaned: dict[str, str] = {}
    for raw in names or []:
        name = _text("tags", str(raw), TAG_MAX)
        if name and name.casefold() not in cleaned:
            cleaned[name.casefold()] = name
    if len(cleaned) > TAGS_MAX:
        raise InvalidInput.field("tags", _("At most %(limit)d tags are allowed.") % {"limit": TAGS_MAX})
    return list(cleaned.values())


def _steps(steps, *, actor: User, article: Article | None) -> list[dict]:
    """Ordered steps, each text and/or one image of this article (or one the actor uploaded for it)."""
    steps = list(steps or [])
    if len(steps) > STEPS_MAX:
        raise InvalidInput.field("steps", _("At most %(limit)d steps are allowed.") % {"limit": STEPS_MAX})
    cleaned = []
    for index, step in enumerate(steps, start=1):
        text = _text(f"steps[{index}].text", step.get("text", ""), STEP_MAX)
        image_id = step.get("image_id")
        if image_id is not None:
            image = ArticleImage.objects.filter(pk=image_id).first()
            allowed = image is not None and (
                image.article_id == (article.pk if article else None) if image.article_id else
                image.uploaded_by_id == actor.pk)
            if not allowed:
                raise InvalidInput.field(f"steps[{index}].image_id", _("Unknown image."))
        if not text and image_id is None:
            continue  # an empty row of the form
        cleaned.append({"text": text, "image_id": image_id})
    return cleaned


def _locked(article: Article) -> Article:
    return Article.objects.select_for_update().get(pk=article.pk)


def _refresh_search(article: Article) -> None:
    parts = [article.title, article.scenario, article.notes, *(s["text"] for s in article.steps),
             *article.tags.values_list("name", flat=True), *(m.code for m in article.product_models.all())]
    article.search_title = normalise(article.title)[:200]
    article.search_text = normalise("\n".join(parts))
    Article.objects.filter(pk=article.pk).update(
        search_title=article.search_title, search_text=article.search_text
    )


def _snapshot(article: Article, actor: User) -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        scenario=article.scenario,
        steps=article.steps,
        notes=article.notes,
        category_path=article.category.path if article.category else "",
        tags=sorted(article.tags.values_list("name", flat=True)),
        product_models=sorted(article.product_models.values_list("code", flat=True)),
        visibility=article.visibility,
        author=actor,
    )


def _event(article: Article, kind: str, actor: User | None, *, comment: str = "", data: dict | None = None):
    return ArticleEvent.objects.create(article=article, kind=kind, actor=actor, version=article.version,
                                       comment=comment, data=data or {})


def _claim_images(article: Article) -> None:
    ids = [s["image_id"] for s in article.steps if s.get("image_id")]
    if ids:
        ArticleImage.objects.filter(pk__in=ids, article__isnull=True).update(article=article)


def _set_relations(article: Article, tags: list[str], product_models) -> None:
    tag_rows = []
    for name in tags:
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        tag_rows.append(tag)
    article.tags.set(tag_rows)
    article.product_models.set(list(product_models or []))


# --- writing --------------------------------------------------------------------------------------

@transaction.atomic
def article_create(*, actor: User, title: str, scenario: str = "", steps=(), notes: str = "",
                   category: KnowledgeCategory | None = None, tags=(), product_models=(),
                   visibility: str = Visibility.INTERNAL, source_ticket: Ticket | None = None) -> Article:
    """A new draft by `actor` (KB-1): version 1 and its `created` event."""
    _require(actor, "knowledge.add_article")
    article = Article(
        title=_text("title", title, TITLE_MAX, required=True),
        scenario=_text("scenario", scenario, TEXT_MAX),
        notes=_text("notes", notes, TEXT_MAX),
        steps=_steps(steps, actor=actor, article=None),
        category=category,
        visibility=_visibility(visibility),
        author=actor,
        source_ticket=source_ticket,
    )
    tags = _tags(tags)
    article.save()
    _set_relations(article, tags, product_models)
    _claim_images(article)
    _refresh_search(article)
    _snapshot(article, actor)
    _event(article, ArticleEventKind.CREATED, actor,
           data={"ticket": source_ticket.number} if source_ticket else None)
    return article


CONTENT_FIELDS = ("title", "scenario", "steps", "notes", "category", "tags", "product_models", "visibility")


@transaction.atomic
def article_update(*, article: Article, actor: User, changes: dict) -> Article:
    """Change an article's content: a new version when anything changed (KB-1).

    A submitted article waits for its reviewer and is not edited meanwhile; a published one goes back
    to draft, so the portal never shows text nobody reviewed.
    """
    unknown = set(changes) - set(CONTENT_FIELDS)
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], _("This field cannot be changed."))
    article = _locked(article)
    _may_edit(actor, article)
    if article.status not in EDITABLE_STATUSES:
        raise Conflict(_("The article is waiting for review; it can be edited after the review."))
    before = _snapshot_dict(article)
    if "title" in changes:
        article.title = _text("title", changes["title"], TITLE_MAX, required=True)
    for name in ("scenario", "notes"):
        if name in changes:
            setattr(article, name, _text(name, changes[name], TEXT_MAX))
    if "steps" in changes:
        article.steps = _steps(changes["steps"], actor=actor, article=article)
    if "category" in changes:
        article.category = changes["category"]
    if "visibility" in changes:
        article.visibility = _visibility(changes["visibility"])
    tags = _tags(changes["tags"]) if "tags" in changes else list(article.tags.values_list("name", flat=True))
    models = changes["product_models"] if "product_models" in changes else list(article.product_models.all())
    article.save()
    _set_relations(article, tags, models)
    after = _snapshot_dict(article)
    if after == before:
        return article
    unpublished = article.status == ArticleStatus.PUBLISHED
    article.version = F("version") + 1
    if article.status in (ArticleStatus.PUBLISHED, ArticleStatus.REJECTED):
        article.status = ArticleStatus.DRAFT
    article.save(update_fields=["version", "status", "updated_at"])
    article.refresh_from_db(fields=["version"])
    _claim_images(article)
    _refresh_search(article)
    _snapshot(article, actor)
    _event(article, ArticleEventKind.EDITED, actor, data={"unpublished": True} if unpublished else None)
    return article


def _snapshot_dict(article: Article) -> dict:
    return {
        "title": article.title,
        "scenario": article.scenario,
        "steps": article.steps,
        "notes": article.notes,
        "category": article.category_id,
        "visibility": article.visibility,
        "tags": sorted(article.tags.values_list("name", flat=True)),
        "models": sorted(article.product_models.values_list("pk", flat=True)),
    }


@transaction.atomic
def article_submit(*, article: Article, actor: User) -> Article:
    """draft / rejected → submitted: the author asks a technical lead to review it (KB-2)."""
    article = _locked(article)
    _may_edit(actor, article)
    if article.status not in (ArticleStatus.DRAFT, ArticleStatus.REJECTED):
        raise Conflict(_("Only a draft or a rejected article can be submitted for review."))
    article.status = ArticleStatus.SUBMITTED
    article.save(update_fields=["status", "updated_at"])
    _event(article, ArticleEventKind.SUBMITTED, actor)
    return article


@transaction.atomic
def article_publish(*, article: Article, actor: User, comment: str = "") -> Article:
    """submitted → published, by a reviewer (knowledge.review_article, the technical lead's right)."""
    _require(actor, "knowledge.review_article")
    comment = _text("comment", comment, COMMENT_MAX)
    article = _locked(article)
    if article.status != ArticleStatus.SUBMITTED:
        raise Conflict(_("Only a submitted article can be published."))
    article.status = ArticleStatus.PUBLISHED
    article.reviewer = actor
    article.review_comment = comment
    article.published_at = timezone.now()
    article.save(update_fields=["status", "reviewer", "review_comment", "published_at", "updated_at"])
    _event(article, ArticleEventKind.PUBLISHED, actor, comment=comment)
    return article


@transaction.atomic
def article_reject(*, article: Article, actor: User, comment: str) -> Article:
    """submitted → rejected: back to the author with the reviewer's comments (required) (KB-2)."""
    _require(actor, "knowledge.review_article")
    comment = _text("comment", comment, COMMENT_MAX, required=True)
    article = _locked(article)
    if article.status != ArticleStatus.SUBMITTED:
        raise Conflict(_("Only a submitted article can be rejected."))
    article.status = ArticleStatus.REJECTED
    article.reviewer = actor
    article.review_comment = comment
    article.save(update_fields=["status", "reviewer", "review_comment", "updated_at"])
    _event(article, ArticleEventKind.REJECTED, actor, comment=comment)
    return article


def article_image_add(*, actor: User, upload, article: Article | None = None) -> ArticleImage:
    """Store a step's image after checking its size and its content (tickets/filetypes.py, INT-5 rules).

    Only images (JPEG, PNG, GIF) are accepted, whatever the name says. The file is written before the row;
    if the row cannot be written the file is removed again.
    """
    if article is None:
        _require(actor, "knowledge.add_article")
    else:
        _may_edit(actor, article)
    size = upload.size
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise PayloadTooLarge(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}
        )
    if size == 0:
        raise InvalidInput.field("image", _("The file is empty."))
    upload.seek(0)
    kind = filetypes.sniff(upload.read(4096))
    upload.seek(0)
    if kind is None or kind.code not in IMAGE_TYPES:
        raise UnsupportedMediaType(_("Only images are accepted here: %(allowed)s")
                                   % {"allowed": ", ".join(t.upper() for t in IMAGE_TYPES)})
    name = sanitise_filename(upload.name)
    if os.path.splitext(name)[1] not in kind.extensions:
        name = f"{os.path.splitext(name)[0]}{kind.extensions[0]}"
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    stored = default_storage.save(f"knowledge/{digest.hexdigest()[:16]}{kind.extensions[0]}", File(upload))
    try:
        with transaction.atomic():
            return ArticleImage.objects.create(article=article, file=stored, original_name=name,
                                               content_type=kind.mime, size=size, sha256=digest.hexdigest(),
                                               uploaded_by=actor)
    except Exception:
        default_storage.delete(stored)
        raise


@transaction.atomic
def article_feedback(*, article: Article, user: User, helpful: bool) -> Article:
    """"Was this helpful?": one answer per person; answering again replaces the first answer."""
    if not user.is_authenticated:
        raise Forbidden(_("Log in to rate an article."))
    article = _locked(article)
    previous = ArticleFeedback.objects.filter(article=article, user=user).first()
    if previous is not None and previous.helpful == helpful:
        return article
    counts = {"helpful_yes": F("helpful_yes") + (1 if helpful else 0),
              "helpful_no": F("helpful_no") + (0 if helpful else 1)}
    if previous is not None:
        counts["helpful_yes" if previous.helpful else "helpful_no"] -= 1
        previous.helpful = helpful
        previous.save(update_fields=["helpful"])
    else:
        ArticleFeedback.objects.create(article=article, user=user, helpful=helpful)
    Article.objects.filter(pk=article.pk).update(**counts)
    article.refresh_from_db(fields=["helpful_yes", "helpful_no"])
    return article


def article_viewed(*, article: Article) -> None:
    """Count one read: a single UPDATE … SET view_count = view_count + 1, no lock, no read first."""
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


# --- from a ticket, to a ticket ---------------------------------------------------------------------

def _ticket_texts(ticket: Ticket) -> dict:
    """What a resolved ticket says about its problem: the cause (root cause, diagnosis records and
    notes) and the solution's steps (solution records with their steps, else solution notes, else the
    result the customer was given, else the last public reply) and what was carried out."""
    events = list(
        TicketEvent.objects.filter(
            ticket=ticket,
            kind__in=(EventKind.NOTE, EventKind.DIAGNOSIS, EventKind.SOLUTION, EventKind.EXECUTION),
        ).order_by("id")
    )
    notes: dict[str, list[str]] = {}
    for note in (e for e in events if e.kind == EventKind.NOTE):
        notes.setdefault(note.data.get("note_type", "progress"), []).append(note.body)
    records = {kind: [e for e in events if e.kind == kind]
               for kind in (EventKind.DIAGNOSIS, EventKind.SOLUTION, EventKind.EXECUTION)}
    cause = [str(ticket.root_cause)] if ticket.root_cause_id else []
    cause += [e.body for e in records[EventKind.DIAGNOSIS] if e.body] + notes.get("diagnosis", [])
    solution = [
        step for e in records[EventKind.SOLUTION] for step in (e.data.get("steps") or [e.body]) if step
    ]
    if not solution:
        last_reply = (TicketEvent.objects.filter(ticket=ticket, kind=EventKind.REPLY, is_public=True)
                      .order_by("-id").values_list("body", flat=True).first())
        solution = notes.get("solution", []) or [t for t in (ticket.customer_result, last_reply) if t][:1]
    execution = [e.body for e in records[EventKind.EXECUTION] if e.body] + notes.get("execution", [])
    return {"cause": "\n\n".join(cause), "solution": solution, "execution": execution}


@transaction.atomic
def article_draft_from_ticket(*, ticket: Ticket, actor: User) -> Article:
    """KB-3: a draft from a resolved ticket in one step, its fields prefilled from the ticket.

    Title from the ticket; the scenario (适用场景) is the symptom: the description, the error code and the
    product model; the cause from the root cause and the diagnosis; the steps from the solution records (else
    the solution notes, the customer's result or the last public reply). The article stays internal until
    its author decides otherwise.
    """
    _require(actor, "knowledge.add_article")
    ticket = Ticket.objects.select_related("product__product_model", "root_cause").get(
        pk=ticket.pk
    )  # the caller's may be stale
    if ticket.status not in FINISHED_STATUSES:
        raise Conflict(_("Only a resolved or closed ticket can become an article."))
    texts = _ticket_texts(ticket)
    scenario = [ticket.objective_description or ticket.description]
    if ticket.error_code:
        scenario.append(_("Error code: %(code)s") % {"code": ticket.error_code})
    model = ticket.product.product_model if ticket.product_id else None
    if model is not None:
        scenario.append(_("Product model: %(model)s") % {"model": model})
    notes = []
    if texts["cause"]:
        notes.append(_("Cause: %(cause)s") % {"cause": texts["cause"]})
    steps = [{"text": body[:STEP_MAX], "image_id": None} for body in texts["solution"] + texts["execution"]]
    tags = [ticket.error_code[:TAG_MAX]] if ticket.error_code else []
    return article_create(
        actor=actor,
        title=ticket.title[:TITLE_MAX],
        scenario="\n\n".join(scenario)[:TEXT_MAX],
        steps=steps,
        notes="\n\n".join(notes)[:TEXT_MAX],
        tags=tags,
        product_models=[model] if model else [],
        source_ticket=ticket,
    )


@transaction.atomic
def article_send_to_ticket(*, article: Article, ticket: Ticket, actor: User, link: str) -> TicketEvent:
    """An agent sends a published public article to the ticket's customer as a reply, in one click (KB-4).

    The reply goes through tickets' own ticket_add_reply (first response, SLA clock, outbox), with the
    article's title, scenario and public link.
    """
    _require_staff(actor)
    if article.status != ArticleStatus.PUBLISHED or article.visibility != Visibility.PUBLIC:
        raise InvalidInput.field(
            "article_id", _("Only a published public article can be sent to a customer.")
        )
    body = "\n\n".join(p for p in (
        _("This article may solve your problem: %(title)s") % {"title": article.title},
        article.scenario[:500], link) if p)
    event = ticket_services.ticket_add_reply(ticket=ticket, actor=actor, body=body)
    _event(article, ArticleEventKind.SENT, actor, data={"ticket": ticket.number})
    return event


# --- deflection ---------------------------------------------------------------------------------------

@transaction.atomic
def deflection_record(*, article: Article, user: User, query: str = "") -> DeflectionEvent:
    """A customer writing a problem says a suggested public article solved it: one submission avoided."""
    if not user.is_authenticated or not user.is_customer:
        raise Forbidden(_("Only customers writing a problem can do this."))
    if article.status != ArticleStatus.PUBLISHED or article.visibility != Visibility.PUBLIC:
        raise NotFound(_("No such article."))
    return DeflectionEvent.objects.create(article=article, user=user, organization_id=user.organization_id,
                                          query=_text("query", query[:500], 500))


@transaction.atomic
def deflection_withdraw(*, user: User, deflection_id: int | None, ticket: Ticket) -> None:
    """The same customer submitted the problem after all: that deflection avoided nothing."""
    if deflection_id:
        DeflectionEvent.objects.filter(pk=deflection_id, user=user, ticket__isnull=True).update(ticket=ticket)


def product_model_get(model_id: int) -> ProductModel:
    model = ProductModel.objects.filter(pk=model_id).first()
    if model is None:
        raise InvalidInput.field("product_model_ids", _("Unknown product model."))
    return model


def category_get(category_id: int) -> KnowledgeCategory:
    category = KnowledgeCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise InvalidInput.field("category_id", _("Unknown category."))
    return category
