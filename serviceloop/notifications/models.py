"""In-app notifications (NTF-1, minimal): one row per person per event; email goes out on commit."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("Ticket assigned to you")
    ACKNOWLEDGE_OVERDUE = "acknowledge_overdue", _("Acknowledgement overdue")
    UPDATE_OVERDUE = "update_overdue", _("Update overdue")
    ESCALATED = "escalated", _("Ticket escalated")
    BREACH = "breach", _("SLA breached")


class Notification(models.Model):
    """A message for one user about one ticket; `read_at` is empty until they open it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                             verbose_name=_("user"))
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+", verbose_name=_("ticket"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at", "id"], name="notification_user_unread")]

    def __str__(self):
        return self.title
