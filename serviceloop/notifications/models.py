"""Notifications (NTF-1..3, COM-2, COM-3, USR-2): one outbox for every channel.

A `Delivery` is one message to one recipient by one channel because of one event. It is written in the
same transaction as the event, unique per (event key, channel, recipient), and sent by the worker after
commit (outbox.py); every try is a `DeliveryAttempt`. In-app messages are `Notification` rows, written by
the outbox's in-app channel. Endpoints for group
robots and webhooks keep their URL and secret sealed (core/secretbox.py). `MessageTemplate` rows override
the default wording shipped in notifications/defaults/. `Preference` rows are each person's choices.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from serviceloop.core import secretbox


class Channel(models.TextChoices):
    """NTF-1: how a message travels."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    INAPP = "inapp", _("In-app")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk robot")
    FEISHU = "feishu", _("Feishu bot")
    WEBHOOK = "webhook", _("Webhook")


ROBOT_CHANNELS = (Channel.WECOM, Channel.DINGTALK, Channel.FEISHU)
# The channels a person chooses for themselves (robots and webhooks are configured by administrators).
PERSONAL_CHANNELS = (Channel.INAPP, Channel.EMAIL, Channel.SMS)


class MessageKind(models.TextChoices):
    """NTF-2: what a message is about; each kind has its wording per channel format and language."""

    CREATED = "created", _("New ticket")
    ACKNOWLEDGED = "acknowledged", _("Acknowledgement to the customer")
    ASSIGNED = "assigned", _("Ticket assigned")
    ESCALATED = "escalated", _("Ticket escalated")
    CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
    REPLIED = "replied", _("Reply to the customer")
    MILESTONE = "milestone", _("Milestone reached")
    PROGRESS = "progress", _("Progress update")
    RESOLVED = "resolved", _("Ticket resolved")
    SURVEY = "survey", _("Satisfaction survey")
    BREACH_WARNING = "breach_warning", _("SLA breach warning")
    REPORT = "report", _("Periodic report published")


class TemplateFormat(models.TextChoices):
    """Each channel's own shape: email subject + text (+ HTML), SMS template parameters, a robot's
    markdown card, an in-app title + text. Webhooks carry a fixed JSON document, not a template."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS parameters")
    ROBOT = "robot", _("Group robot card")
    INAPP = "inapp", _("In-app")


class WebhookEvent(models.TextChoices):
    """USR-2: what another system may subscribe to."""

    CREATED = "created", _("Ticket created")
    UPDATED = "updated", _("Ticket updated")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    REPLIED = "replied", _("Replied")
    BREACHED = "breached", _("SLA breached")


class NotificationKind(models.TextChoices):
    """In-app notification kinds: the kinds rows written before the outbox carry, then every message kind."""

    ASSIGNED = "assigned", _("Ticket assigned to you")
    ACKNOWLEDGE_OVERDUE = "acknowledge_overdue", _("Acknowledgement overdue")
    UPDATE_OVERDUE = "update_overdue", _("Update overdue")
    ESCALATED = "escalated", _("Ticket escalated")
    BREACH = "breach", _("SLA breached")
    CREATED = "created", _("New ticket")
    ACKNOWLEDGED = "acknowledged", _("Acknowledgement to the customer")
    CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
    REPLIED = "replied", _("Reply to the customer")
    MILESTONE = "milestone", _("Milestone reached")
    PROGRESS = "progress", _("Progress update")
    RESOLVED = "resolved", _("Ticket resolved")
    SURVEY = "survey", _("Satisfaction survey")
    BREACH_WARNING = "breach_warning", _("SLA breach warning")
    REPORT = "report", _("Periodic report published")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Given up")


class Delivery(models.Model):
    """One message to one recipient by one channel because of one event (NTF-3).

    `event_key` names the cause (`ticket_event:<id>`, `escalation:<id>`, `breach:<id>`, `survey:<id>` …);
    the unique (event_key, channel, recipient) makes a second enqueue of the same thing a no-op, whichever
    path (timeline event or SLA alert) asks for it. `context` holds what the event itself exposes (a reply's
    text, the old and new status …, JSON primitives only); the ticket's own fields are read when it is sent.
    What was sent is kept: `subject` and `body` as rendered, `message_id` for email threading (the inbound
    side matches replies' In-Reply-To / References against it).
    """

    public_id = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    event_key = models.CharField(_("event"), max_length=120)
    kind = models.CharField(_("kind"), max_length=32)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("user"), db_index=False)
    robot = models.ForeignKey("Robot", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("group robot"), db_index=False)
    webhook = models.ForeignKey("Webhook", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("webhook"), db_index=False)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+", verbose_name=_("ticket"))
    context = models.JSONField(_("event detail"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=250, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text sent"), blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["event_key", "channel", "recipient"], name="delivery_once")
        ]
        indexes = [
            # The worker's read: what is due. Partial, so sent rows (nearly all of them) cost it nothing.
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due",
                condition=models.Q(status__in=["pending", "failed"]),
            ),
            models.Index(
                fields=["claimed_until"], name="delivery_leased", condition=models.Q(status="sending")
            ),
            models.Index(
                fields=["message_id"], name="delivery_message_id", condition=~models.Q(message_id="")
            ),
            models.Index(
                fields=["status", "id"],
                name="delivery_failures",
                condition=models.Q(status__in=["failed", "dead"]),
            ),
        ]
        permissions = [("resend_delivery", _("Can resend a failed delivery"))]

    def __str__(self):
        return f"{self.channel} → {self.recipient} ({self.kind})"


class DeliveryAttempt(models.Model):
    """One try at sending a delivery: what the other side answered (status code, its first bytes), how
    long it took, and the error, if any (NTF-3: failures are visible)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log",
                                 verbose_name=_("delivery"))
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    ok = models.BooleanField(_("succeeded"), default=False)
    status_code = models.IntegerField(_("response code"), null=True, blank=True)
    response = models.TextField(_("response"), blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        # By id, not number: a resend starts counting again, the log keeps every try in order.
        ordering = ["delivery_id", "id"]

    def __str__(self):
        return f"{self.delivery_id} #{self.number}"


def _endpoints_changed() -> None:
    from .rules import clear_endpoint_cache

    clear_endpoint_cache()


class SealedEndpoint(models.Model):
    """An address we post to, with its URL and secret sealed (the URL of a WeCom or DingTalk robot carries
    its access key, so it is as secret as the signing secret)."""

    name = models.CharField(_("name"), max_length=100)
    url_sealed = models.TextField(_("address (encrypted)"), editable=False)
    secret_sealed = models.TextField(_("secret (encrypted)"), blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    url_validator = URLValidator(schemes=["http", "https"])

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        _endpoints_changed()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _endpoints_changed()
        return result

    @property
    def url(self) -> str:
        return secretbox.unseal(self.url_sealed)

    @url.setter
    def url(self, value: str) -> None:
        self.url_sealed = secretbox.seal(value.strip())

    @property
    def secret(self) -> str:
        return secretbox.unseal(self.secret_sealed)

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_sealed = secretbox.seal(value.strip())

    @property
    def url_masked(self) -> str:
        """scheme://host/path with the query (where the tokens are) and the path's last part masked."""
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(self.url)
        except secretbox.SecretUnreadable:
            return "?"
        path = parts.path.rsplit("/", 1)
        shown = f"{path[0]}/{secretbox.mask(path[1])}" if len(path) == 2 and len(path[1]) > 12 else parts.path
        return f"{parts.scheme}://{parts.netloc}{shown}" + ("?…" if parts.query else "")

    @property
    def secret_masked(self) -> str:
        try:
            return secretbox.mask(self.secret)
        except secretbox.SecretUnreadable:
            return "?"


class Robot(SealedEndpoint):
    """A group robot (WeCom 企业微信 / DingTalk 钉钉 / Feishu 飞书) that hears about the tickets of some
    teams (none chosen: every ticket) and some message kinds (none chosen: new, escalated, breach warning)."""

    kind = models.CharField(_("kind"), max_length=16,
                            choices=[(c.value, c.label) for c in ROBOT_CHANNELS])
    teams = models.ManyToManyField(
        "accounts.Team",
        blank=True,
        related_name="+",
        verbose_name=_("support groups"),
        help_text=_("Only tickets of these groups; none chosen: every ticket."),
    )
    kinds = models.JSONField(_("message kinds"), default=list, blank=True,
                             help_text=_("None chosen: new tickets, escalations and SLA breach warnings."))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")

    DEFAULT_KINDS = (MessageKind.CREATED, MessageKind.ESCALATED, MessageKind.BREACH_WARNING)

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        ordering = ["name", "id"]

    def hears(self, kind: str) -> bool:
        return kind in (self.kinds or self.DEFAULT_KINDS)


class Webhook(SealedEndpoint):
    """USR-2: another system that receives signed JSON about the events it subscribed to."""

    events = models.JSONField(_("events"), default=list, blank=True,
                              help_text=_("None chosen: every event."))

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name", "id"]

    def hears(self, event: str) -> bool:
        return not self.events or event in self.events


class MessageTemplate(models.Model):
    """An administrator's wording for one kind, channel format and language (NTF-2), replacing the default
    file notifications/defaults/<language>/<kind>.txt; checked when saved (templates.py), so a mistake is a
    form error and never a failure at send time. `sms_template_code` is the provider's approved template
    (an SMS says only what that template says; `body` fills its parameters as JSON)."""

    kind = models.CharField(_("kind"), max_length=32, choices=MessageKind.choices)
    format = models.CharField(_("channel format"), max_length=8, choices=TemplateFormat.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject / title"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    html = models.TextField(_("HTML (optional)"), blank=True,
                            help_text=_("Email only: an HTML version besides the plain text."))
    sms_template_code = models.CharField(_("SMS template code"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("updated by"))

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["kind", "format", "language"]
        constraints = [models.UniqueConstraint(fields=["kind", "format", "language"], name="template_once")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.get_format_display()} · {self.language}"


class Preference(models.Model):
    """One person's choice for one message kind by one channel; no row means the default (preferences.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("user"))
    kind = models.CharField(_("kind"), max_length=32, choices=MessageKind.choices)
    channel = models.CharField(
        _("channel"), max_length=16, choices=[(c.value, c.label) for c in PERSONAL_CHANNELS]
    )
    enabled = models.BooleanField(_("enabled"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind", "channel"], name="preference_once")]

    def __str__(self):
        return f"{self.user_id} {self.kind} {self.channel} {'on' if self.enabled else 'off'}"


class Notification(models.Model):
    """A message for one user about one ticket; `read_at` is empty until they open it.

    Written by the outbox's in-app channel (`delivery` set, unique: a delivery makes at most one row); rows
    from before the outbox have no delivery."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                             verbose_name=_("user"))
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+", verbose_name=_("ticket"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    delivery = models.OneToOneField(Delivery, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="notification", verbose_name=_("delivery"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at", "id"], name="notification_user_unread")]

    def __str__(self):
        return self.title
