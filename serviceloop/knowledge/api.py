"""The knowledge base at /api/v1/knowledge: thin handlers that parse, call one service or selector, answer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.http import FileResponse
from ninja import Field, File, Query, Router
from ninja import Status as Created
from ninja.files import UploadedFile

from serviceloop.core.bounds import Bool, Cursor, Id
from serviceloop.core.bounds import text as bounded
from serviceloop.core.schemas import ERRORS, Schema, Strict
from serviceloop.tickets import selectors as ticket_selectors

from . import selectors, services
from .choices import ArticleStatus, Visibility
from .models import Article, ArticleImage

router = Router(tags=["knowledge"])


# --- output ---------------------------------------------------------------------------------------

class StepOut(Schema):
    text: str
    image_id: int | None
    image_url: str | None


class ArticleListItem(Schema):
    id: int
    title: str
    status: str
    visibility: str
    version: int
    author: str
    updated_at: datetime
    published_at: datetime | None


class ArticleOut(ArticleListItem):
    scenario: str
    steps: list[StepOut]
    notes: str
    category: str | None
    tags: list[str]
    product_models: list[str]
    review_comment: str
    view_count: int
    helpful_yes: int
    helpful_no: int
    source_ticket: str | None
    url: str


class ArticlePage(Schema):
    items: list[ArticleListItem]
    next_cursor: str | None


class ArticleVersionOut(Schema):
    number: int
    title: str
    author: str | None
    created_at: datetime


class DiffRowOut(Schema):
    op: Literal["equal", "delete", "insert"]
    text: str


class DiffOut(Schema):
    old: int
    new: int
    rows: list[DiffRowOut]


class ImageOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class SuggestionOut(Schema):
    id: int
    title: str
    scenario: str
    url: str


def image_url(image_id: int) -> str:
    return f"/api/v1/knowledge/images/{image_id}"


def _list_item(a: Article) -> dict:
    return {
        "id": a.pk,
        "title": a.title,
        "status": a.status,
        "visibility": a.visibility,
        "version": a.version,
        "author": str(a.author),
        "updated_at": a.updated_at,
        "published_at": a.published_at,
    }


def article_out(a: Article, user) -> dict:
    """The article; a customer is not told the review comments or the source ticket
    (possibly another organisation's)."""
    staff = not user.is_customer
    return {
        **_list_item(a),
        "scenario": a.scenario,
        "notes": a.notes,
        "steps": [
            {
                "text": s["text"],
                "image_id": s.get("image_id"),
                "image_url": image_url(s["image_id"]) if s.get("image_id") else None,
            }
            for s in a.steps
        ],
        "category": a.category.path if a.category else None,
        "tags": sorted(t.name for t in a.tags.all()),
        "product_models": sorted(m.code for m in a.product_models.all()),
        "review_comment": a.review_comment if staff else "",
        "view_count": a.view_count,
        "helpful_yes": a.helpful_yes,
        "helpful_no": a.helpful_no,
        "source_ticket": a.source_ticket.number if a.source_ticket and staff else None,
        "url": f"/kb/articles/{a.pk}/",
    }


def _image(i: ArticleImage) -> dict:
    return {"id": i.pk, "name": i.original_name, "content_type": i.content_type, "size": i.size,
            "url": image_url(i.pk)}


# --- input ----------------------------------------------------------------------------------------

class StepIn(Strict):
    text: bounded(services.STEP_MAX) = ""
    image_id: Id | None = None


class ArticleFields(Strict):
    scenario: bounded(services.TEXT_MAX) = ""
    steps: list[StepIn] = Field(default_factory=list, max_length=services.STEPS_MAX)
    notes: bounded(services.TEXT_MAX) = ""
    category_id: Id | None = None
    tags: list[bounded(services.TAG_MAX)] = Field(default_factory=list, max_length=services.TAGS_MAX)
    product_model_ids: list[Id] = Field(default_factory=list, max_length=100)
    visibility: Visibility = Visibility.INTERNAL


class ArticleCreateIn(ArticleFields):
    title: bounded(services.TITLE_MAX, min_length=1)


class ArticleUpdateIn(Strict):
    title: bounded(services.TITLE_MAX, min_length=1) | None = None
    scenario: bounded(services.TEXT_MAX) | None = None
    steps: list[StepIn] | None = Field(None, max_length=services.STEPS_MAX)
    notes: bounded(services.TEXT_MAX) | None = None
    category_id: Id | None = None
    tags: list[bounded(services.TAG_MAX)] | None = Field(None, max_length=services.TAGS_MAX)
    product_model_ids: list[Id] | None = Field(None, max_length=100)
    visibility: Visibility | None = None


class ReviewIn(Strict):
    comment: bounded(services.COMMENT_MAX) = ""


class FeedbackIn(Strict):
    helpful: Bool


class SendIn(Strict):
    ticket_number: bounded(40, min_length=1)


class ArticleListQuery(Schema):
    q: bounded(200) = ""
    status: ArticleStatus | None = None
    cursor: Cursor | None = None
    limit: int = Field(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)


class DiffQuery(Schema):
    old: int = Field(ge=1, le=2**31 - 1)
    new: int = Field(ge=1, le=2**31 - 1)


class SuggestionQuery(Schema):
    q: bounded(2000) = ""
    product_model_id: Id | None = None
    limit: int = Field(5, ge=1, le=20)


def _changes(payload: Schema, *, partial: bool) -> dict:
    data = payload.dict(exclude_unset=partial)
    changes = {k: v for k, v in data.items() if k not in ("category_id", "product_model_ids")}
    if "steps" in changes and changes["steps"] is not None:
        changes["steps"] = [dict(s) for s in changes["steps"]]
    if "category_id" in data:
        changes["category"] = services.category_get(data["category_id"]) if data["category_id"] else None
    if "product_model_ids" in data and data["product_model_ids"] is not None:
        changes["product_models"] = [services.product_model_get(i) for i in data["product_model_ids"]]
    return {k: v for k, v in changes.items() if v is not None or k == "category"}


# --- handlers -------------------------------------------------------------------------------------

@router.get("/articles", response={200: ArticlePage, **ERRORS}, summary="List articles (newest first)")
def list_articles(request, q: Query[ArticleListQuery]):
    page = selectors.article_list(user=request.auth, cursor=q.cursor, limit=q.limit, status=q.status, q=q.q)
    return {"items": [_list_item(a) for a in page.items], "next_cursor": page.next_cursor}


@router.post("/articles", response={201: ArticleOut, **ERRORS}, summary="Write a draft article")
def create_article(request, payload: ArticleCreateIn):
    article = services.article_create(actor=request.auth, **_changes(payload, partial=False))
    return Created(201, article_out(article, request.auth))


@router.get("/articles/{article_id}", response={200: ArticleOut, **ERRORS}, summary="Get an article")
def get_article(request, article_id: Id):
    return article_out(selectors.article_get(user=request.auth, article_id=article_id), request.auth)


@router.patch("/articles/{article_id}", response={200: ArticleOut, **ERRORS}, summary="Edit (a new version)")
def update_article(request, article_id: Id, payload: ArticleUpdateIn):
    article = selectors.article_get(user=request.auth, article_id=article_id)
    article = services.article_update(
        article=article, actor=request.auth, changes=_changes(payload, partial=True)
    )
    return article_out(selectors.article_get(user=request.auth, article_id=article.pk), request.auth)


@router.post(
    "/articles/{article_id}/submit", response={200: ArticleOut, **ERRORS}, summary="Submit for review"
)
def submit_article(request, article_id: Id):
    article = selectors.article_get(user=request.auth, article_id=article_id)
    return article_out(services.article_submit(article=article, actor=request.auth), request.auth)


@router.post(
    "/articles/{article_id}/publish", response={200: ArticleOut, **ERRORS}, summary="Publish (reviewer)"
)
def publish_article(request, article_id: Id, payload: ReviewIn):
    article = selectors.article_get(user=request.auth, article_id=article_id)
    return article_out(
        services.article_publish(article=article, actor=request.auth, comment=payload.comment), request.auth
    )


@router.post("/articles/{article_id}/reject", response={200: ArticleOut, **ERRORS},
             summary="Reject back to the author with comments (reviewer)")
def reject_article(request, article_id: Id, payload: ReviewIn):
    article = selectors.article_get(user=request.auth, article_id=article_id)
    return article_out(
        services.article_reject(article=article, actor=request.auth, comment=payload.comment), request.auth
    )


@router.get("/articles/{article_id}/versions", response={200: list[ArticleVersionOut], **ERRORS},
            summary="Every version of an article (staff)")
def list_versions(request, article_id: Id):
    article = selectors.article_get(user=request.auth, article_id=article_id)
    return [
        {
            "number": v.number,
            "title": v.title,
            "author": str(v.author) if v.author else None,
            "created_at": v.created_at,
        }
        for v in selectors.article_versions(user=request.auth, article=article)
    ]


@router.get("/articles/{article_id}/diff", response={200: DiffOut, **ERRORS},
            summary="The difference between two versions (staff)")
def diff_versions(request, article_id: Id, q: Query[DiffQuery]):
    article = selectors.article_get(user=request.auth, article_id=article_id)
    old, new, rows = selectors.article_diff(user=request.auth, article=article, old=q.old, new=q.new)
    return {"old": old.number, "new": new.number, "rows": [{"op": r.op, "text": r.text} for r in rows]}


@router.post(
    "/articles/{article_id}/feedback", response={200: ArticleOut, **ERRORS}, summary="Was this helpful?"
)
def article_feedback(request, article_id: Id, payload: FeedbackIn):
    article = selectors.article_get(user=request.auth, article_id=article_id)
    return article_out(
        services.article_feedback(article=article, user=request.auth, helpful=payload.helpful), request.auth
    )


@router.post("/articles/{article_id}/send", response={201: dict, **ERRORS},
             summary="Send a published public article to a ticket's customer as a reply")
def send_article(request, article_id: Id, payload: SendIn):
    article = selectors.article_get(user=request.auth, article_id=article_id)
    ticket = ticket_selectors.ticket_get(user=request.auth, number=payload.ticket_number)
    event = services.article_send_to_ticket(article=article, ticket=ticket, actor=request.auth,
                                            link=request.build_absolute_uri(f"/kb/articles/{article.pk}/"))
    return Created(201, {"event_id": event.pk, "body": event.body})


@router.post("/from-ticket/{number}", response={201: ArticleOut, **ERRORS},
             summary="A draft article from a resolved ticket, prefilled (KB-3)")
def draft_from_ticket(request, number: str):
    ticket = ticket_selectors.ticket_get(user=request.auth, number=number)
    return Created(
        201, article_out(services.article_draft_from_ticket(ticket=ticket, actor=request.auth), request.auth)
    )


@router.post("/images", response={201: ImageOut, **ERRORS}, summary="Upload a step image (JPEG, PNG, GIF)")
def upload_image(request, file: File[UploadedFile]):
    return Created(201, _image(services.article_image_add(actor=request.auth, upload=file)))


@router.get("/images/{image_id}", summary="A step image", response={200: None, **ERRORS})
def download_image(request, image_id: Id):
    image = selectors.image_get(user=request.auth, image_id=image_id)
    response = FileResponse(
        image.file.open("rb"), filename=image.original_name, content_type=image.content_type
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@router.get("/suggestions", response={200: list[SuggestionOut], **ERRORS},
            summary="Articles matching a problem's text, best first (KB-4)")
def suggestions(request, q: Query[SuggestionQuery]):
    model = services.product_model_get(q.product_model_id) if q.product_model_id else None
    found = selectors.article_search(request.auth, q.q, product_model=model, limit=q.limit)
    return [{"id": a.pk, "title": a.title, "scenario": a.scenario[:300], "url": f"/kb/articles/{a.pk}/"}
            for a in found]
