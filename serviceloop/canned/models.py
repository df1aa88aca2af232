"""Canned replies (快捷回复, issue #16.3): texts an agent inserts into a reply, with a few variables."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    SHARED = "shared", _("Shared")


class CannedReplyQuerySet(models.QuerySet):
    def visible_to(self, user) -> CannedReplyQuerySet:
        """Staff see the shared replies and their own; customers (and anyone else) none at all."""
        if not user.is_authenticated or not user.is_service_staff:
            return self.none()
        return self.filter(models.Q(scope=Scope.SHARED) | models.Q(owner=user))

    def personal_of(self, user) -> CannedReplyQuerySet:
        return self.filter(scope=Scope.PERSONAL, owner=user)

    def shared(self) -> CannedReplyQuerySet:
        return self.filter(scope=Scope.SHARED)


class CannedReply(models.Model):
    """One canned reply: a title to find it by and the text inserted into the reply box.

    Personal ones belong to one staff member (`owner`) and only they see and change them; shared ones
    have no owner, every staff member sees them and administrators (canned.manage_shared) keep them.
    The body may name variables ({客户名} / {customer_name} …, rendering.VARIABLES), filled from the
    ticket when it is inserted; plain text otherwise, never a template.
    """

    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, default=Scope.PERSONAL)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("belongs to"), null=True, blank=True,
                              on_delete=models.CASCADE, related_name="canned_replies")
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CannedReplyQuerySet.as_manager()

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["-id"]
        permissions = [("manage_shared", _("Can manage shared canned replies"))]
        # The list reads "shared OR mine" newest first as two ordered reads (keyset_page_merged),
        # each served by one of these indexes ending in id.
        indexes = [
            models.Index(fields=["owner", "id"], name="canned_owner_id"),
            models.Index(fields=["scope", "id"], name="canned_scope_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(scope=Scope.PERSONAL, owner__isnull=False)
                           | models.Q(scope=Scope.SHARED, owner__isnull=True)),
                name="canned_owner_matches_scope",
            ),
            models.UniqueConstraint(fields=["owner", "title"], condition=models.Q(scope=Scope.PERSONAL),
                                    name="canned_personal_unique_title"),
            models.UniqueConstraint(fields=["title"], condition=models.Q(scope=Scope.SHARED),
                                    name="canned_shared_unique_title"),
        ]

    def __str__(self):
        return self.title
