"""Every read of the knowledge base, starting from Article.objects.visible_to(user) (KB-4, KB-5)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from serviceloop.assets.models import ProductModel
from serviceloop.core.errors import Forbidden, InvalidInput, NotFound
from serviceloop.core.pagination import Page, keyset_page

from .choices import ArticleStatus
from .diff import DiffRow, version_diff
from .models import Article, ArticleEvent, ArticleImage, ArticleVersion, DeflectionEvent, KnowledgeCategory
from .searchtext import terms


def article_list(*, user, cursor: str | None = None, limit: int = 25, status: str | None = None,
                 q: str = "") -> Page:
    """Articles newest first, by cursor; `q` keeps those whose normalised text contains every term."""
    qs = Article.objects.visible_to(user).select_related("author", "category")
    if status:
        qs = qs.filter(status=status)
    for term in terms(q):
        qs = qs.filter(search_text__contains=term)
    return keyset_page(qs, cursor=cursor, limit=limit)


def article_get(*, user, article_id: int) -> Article:
    article = (
        Article.objects.visible_to(user)
        .select_related("author", "reviewer", "category", "source_ticket")
        .filter(pk=article_id)
        .first()
    )
    if article is None:
        raise NotFound(_("No such article."))
    return article


def review_queue(*, user) -> list[Article]:
    """Submitted articles, oldest first, for those who review them (KB-2)."""
    if not user.has_perm("knowledge.review_article"):
        raise Forbidden(_("You do not have permission to do this."))
    return list(Article.objects.visible_to(user).filter(status=ArticleStatus.SUBMITTED)
                .select_related("author").order_by("updated_at", "id")[:200])


def _history_for_staff(user) -> None:
    # Customers read the published text; drafts and earlier versions are the service team's business.
    if not user.is_authenticated or user.is_customer:
        raise NotFound(_("No such article."))


def article_versions(*, user, article: Article) -> list[ArticleVersion]:
    _history_for_staff(user)
    return list(article.versions.select_related("author").order_by("-number"))


def article_events(*, article: Article) -> list[ArticleEvent]:
    return list(article.events.select_related("actor").order_by("-id")[:100])


def version_get(*, article: Article, number: int) -> ArticleVersion:
    version = ArticleVersion.objects.filter(article=article, number=number).first()
    if version is None:
        raise NotFound(_("This article has no version %(number)s.") % {"number": number})
    return version


def article_diff(*, user, article: Article, old: int, new: int) -> tuple[ArticleVersion, ArticleVersion,
                                                                          list[DiffRow]]:
    """The difference between two versions; staff only (customers see the published text, not its history)."""
    _history_for_staff(user)
    if old == new:
        raise InvalidInput.field("new", _("Choose two different versions."))
    a, b = version_get(article=article, number=old), version_get(article=article, number=new)
    return a, b, version_diff(a, b)


def image_get(*, user, image_id: int) -> ArticleImage:
    """A step's image if its article is visible to the user; one in no article yet only to its uploader."""
    image = ArticleImage.objects.filter(pk=image_id).first()
    visible = image is not None and (
        Article.objects.visible_to(user).filter(pk=image.article_id).exists() if image.article_id
        else user.is_authenticated and image.uploaded_by_id == user.pk)
    if not visible:
        raise NotFound(_("No such image."))
    return image


def categories() -> list[KnowledgeCategory]:
    return list(KnowledgeCategory.objects.select_related("parent"))


def deflections_avoided() -> int:
    """Submissions avoided: "this solved it" answers not followed by a submission from the same form."""
    return DeflectionEvent.objects.filter(ticket__isnull=True).count()


# Up to this many terms the candidates are found by LIKE in the database; beyond, by reading the text.
LIKE_TERMS_MAX = 4


def article_search(user, q: str, product_model: ProductModel | None = None, limit: int = 5) -> list[Article]:
    """Suggestions (KB-4): published articles visible to `user` matching the text, best first.

    Each term is a normalised LIKE over title, scenario, steps, notes and tags; an article scores 3 per term
    in its title and 1 per term elsewhere, plus 2 when it names `product_model`; ties go to the newest. With a
    model given, articles tied only to other models are left out. A text of three or more terms needs two of
    them to match, so one common word in a customer's paragraph does not bring up everything.

    For a few terms the database finds the candidates (any term matches); a customer's sentence (up to 24
    terms) is matched here over the published articles' normalised text, as an OR of 24 LIKEs per row costs
    the database more than reading the rows (bench/knowledge.py). The score is counted here either way:
    summing a CASE per term in SQL was 3-4x slower still, and articles are few.
    """
    wanted = terms(q)
    if not wanted:
        return []
    qs = Article.objects.visible_to(user).filter(status=ArticleStatus.PUBLISHED)
    if len(wanted) <= LIKE_TERMS_MAX:
        match = Q()
        for term in wanted:
            match |= Q(search_text__contains=term)
        qs = qs.filter(match)
    boosted: set[int] = set()
    if product_model is not None:
        links = Article.product_models.through.objects.filter(article_id=OuterRef("pk"))
        qs = qs.filter(Exists(links.filter(productmodel=product_model)) | ~Exists(links))
        boosted = set(Article.product_models.through.objects.filter(productmodel=product_model)
                      .values_list("article_id", flat=True))
    needed = 1 if len(wanted) <= 2 else 2
    scored = []
    for article_id, title, body in qs.values_list("id", "search_title", "search_text").iterator(
        chunk_size=2000
    ):
        hits = [t for t in wanted if t in body]
        if len(hits) >= needed:
            score = sum(3 if t in title else 1 for t in hits) + (2 if article_id in boosted else 0)
            scored.append((score, article_id))
    best = [article_id for _score, article_id in sorted(scored, reverse=True)[:limit]]
    found = Article.objects.in_bulk(best)
    return [found[i] for i in best]
