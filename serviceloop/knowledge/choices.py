"""The knowledge base's choice lists and its review flow (KB-2, KB-5)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public (portal)")
    INTERNAL = "internal", _("Internal")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")


# Statuses in which the author may change the text. A published article may be edited too: the edit
# takes it back to draft (it leaves the portal until a reviewer publishes it again), so readers never see
# text nobody reviewed.
EDITABLE_STATUSES = frozenset({ArticleStatus.DRAFT, ArticleStatus.REJECTED, ArticleStatus.PUBLISHED})


class ArticleEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    SUBMITTED = "submitted", _("Submitted for review")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    SENT = "sent", _("Sent to a customer")

