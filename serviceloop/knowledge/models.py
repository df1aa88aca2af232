"""The knowledge base (KB-1..5): articles with versions, review trail, images, feedback and deflections."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from serviceloop.core.trees import tree_path

from .choices import ArticleEventKind, ArticleStatus, Visibility


class KnowledgeCategory(models.Model):
    """A node of the knowledge base's category tree (硬件 › 电源), independent of ticket categories."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("knowledge category")
        verbose_name_plural = _("knowledge categories")
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="kb_category_unique_name_in_parent")
        ]

    def __str__(self):
        return self.path

    @property
    def path(self) -> str:
        return tree_path(self)


class Tag(models.Model):
    """A free label on articles (电源, 开机, E101), stored once, compared case-insensitively."""

    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ArticleQuerySet(models.QuerySet):
    def visible_to(self, user) -> ArticleQuerySet:
        """KB-5: staff see every article; customers and anonymous readers only published public ones."""
        published = self.filter(status=ArticleStatus.PUBLISHED, visibility=Visibility.PUBLIC)
        if not user.is_authenticated or user.is_customer:
            return published
        return self

    def published_public(self) -> ArticleQuerySet:
        return self.filter(status=ArticleStatus.PUBLISHED, visibility=Visibility.PUBLIC)


class Article(models.Model):
    """One how-to or known-problem article: the working copy of its latest version.

    The text fields always hold the newest version (ArticleVersion keeps every one, immutably). `search_title`
    and `search_text` are the same text normalised (NFKC, case-folded) for the suggestions' LIKE look-up
    (selectors.article_search); services keep them in step with every edit.
    """

    title = models.CharField(_("title"), max_length=200)
    scenario = models.TextField(_("scenario"), blank=True)
    # [{"text": "…", "image_id": 3 | null}, …] in order; image ids name ArticleImage rows of this article.
    steps = models.JSONField(_("steps"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    category = models.ForeignKey(KnowledgeCategory, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="articles")
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="articles")
    product_models = models.ManyToManyField(
        "assets.ProductModel", verbose_name=_("product models"), blank=True, related_name="articles"
    )
    visibility = models.CharField(_("visibility"), max_length=16, choices=Visibility.choices,
                                  default=Visibility.INTERNAL)
    status = models.CharField(
        _("status"), max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
                               related_name="kb_articles")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    source_ticket = models.ForeignKey("tickets.Ticket", verbose_name=_("from ticket"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    search_title = models.CharField(max_length=200, editable=False, default="")
    search_text = models.TextField(editable=False, default="")
    view_count = models.PositiveIntegerField(_("views"), default=0)
    helpful_yes = models.PositiveIntegerField(_("helpful"), default=0)
    helpful_no = models.PositiveIntegerField(_("not helpful"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-id"]
        permissions = [("review_article", _("Can review and publish knowledge articles"))]
        indexes = [models.Index(fields=["status", "visibility", "id"], name="kb_article_status_vis_id")]

    def __str__(self):
        return self.title


class ArticleVersion(models.Model):
    """One saved state of an article's content, never changed after it is written (KB-1: versioned)."""

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE,
                                related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    scenario = models.TextField(_("scenario"), blank=True)
    steps = models.JSONField(_("steps"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    category_path = models.CharField(_("category"), max_length=400, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    product_models = models.JSONField(_("product models"), default=list, blank=True)
    visibility = models.CharField(_("visibility"), max_length=16, choices=Visibility.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True,
                               on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="kb_version_unique_number")]

    def __str__(self):
        return f"{self.article_id} v{self.number}"

    def save(self, *args, **kwargs):
        # Immutable: a version is written once; history that can be rewritten is no history.
        if self.pk is not None:
            raise ValueError("An article version is never changed once written.")
        super().save(*args, **kwargs)


class ArticleEvent(models.Model):
    """The review trail: who created, edited, submitted, published, rejected (with the comment) or sent it."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ArticleEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True,
                              on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(_("version"))
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("article event")
        verbose_name_plural = _("article events")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.article_id} {self.kind}"


def image_path(instance: ArticleImage, filename: str) -> str:
    return f"knowledge/{filename}"


class ArticleImage(models.Model):
    """An image of a step, checked by its content (tickets/filetypes.py) and stored under the data directory.

    Uploaded before the article text that names it is saved, so `article` is set when a step first names it.
    """

    article = models.ForeignKey(Article, verbose_name=_("article"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="images")
    file = models.FileField(_("file"), upload_to=image_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("article image")
        verbose_name_plural = _("article images")
        ordering = ["id"]

    def __str__(self):
        return self.original_name


class ArticleFeedback(models.Model):
    """"Was this helpful?": one answer per person and article; a changed mind replaces the answer."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    helpful = models.BooleanField(_("helpful"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="kb_feedback_once_per_user")]

    def __str__(self):
        return f"{self.article_id} {self.user_id} {self.helpful}"


class DeflectionEvent(models.Model):
    """A customer writing a problem said a suggested article solved it (KB-4 deflection).

    It counts as a submission avoided unless the same person submits the problem anyway from the same
    form; then `ticket` names what was submitted and the row no longer counts.
    """

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE,
                                related_name="deflections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey("customers.Organization", null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    query = models.CharField(_("what the customer wrote"), max_length=500, blank=True)
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("deflection")
        verbose_name_plural = _("deflections")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.article_id} {self.created_at:%Y-%m-%d}"
