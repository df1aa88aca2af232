"""Tickets: the problem record (INT-4), its classification, lifecycle and timeline, and attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from serviceloop.core.trees import tree_path
from serviceloop.customers.models import EVERY_ORGANIZATION, OrganizationScopedQuerySet, customer_scope

from .choices import (
    AttachmentSource,
    Channel,
    EventKind,
    ImpactScope,
    Priority,
    Status,
    SubStatus,
    TicketType,
    Urgency,
)


class Category(models.Model):
    """A node of the category tree (硬件类 › 电源模块), optionally tied to one ticket type (CLS-1)."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    ticket_type = models.CharField(_("ticket type"), max_length=32, choices=TicketType.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_in_parent")
        ]

    def __str__(self):
        return self.path

    @property
    def path(self) -> str:
        return tree_path(self)


class RootCause(models.Model):
    """A node of the root-cause tree asked for at resolution (PRG-7): 硬件故障 › 电源模块, 软件缺陷 …

    Names are data, not msgids: `name` in Chinese and `name_en` in English, so an administrator can
    add causes in the admin without a translation file. Seeded by migrations/0011_seed_root_causes.py.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.path()

    def label(self, language: str | None = None) -> str:
        """The name in `language` (default: the active one); English falls back to the Chinese name."""
        from django.utils.translation import get_language

        language = (language or get_language() or "zh-hans").lower()
        return self.name_en if language.startswith("en") and self.name_en else self.name

    def path(self, language: str | None = None) -> str:
        return tree_path(self, lambda node: node.label(language), " › ")


class TicketQuerySet(OrganizationScopedQuerySet):
    def visible_to(self, user) -> TicketQuerySet:
        """SEC-2: a customer sees their organisation's tickets (customer_scope); staff with
        view_all_tickets see every ticket, other staff the ones they own or help with."""
        if customer_scope(user) is not EVERY_ORGANIZATION:
            return super().visible_to(user)
        if user.has_perm("tickets.view_all_tickets"):
            return self
        return self.filter(models.Q(owner=user) | models.Q(co_handlers=user)).distinct()


# The most users a ticket may say are affected (API and forms): a PostgreSQL integer holds 2^31 - 1.
AFFECTED_USERS_MAX = 10_000_000


class Ticket(models.Model):
    """One customer problem from intake to closure.

    The INT-4 problem record is kept as the customer said it (`description`) and as the agent
    describes it objectively (`objective_description`), with symptom, time, steps, environment,
    business impact and what the customer already tried.
    """

    number = models.CharField(_("number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    # --- INT-4 problem record
    description = models.TextField(_("customer's description"))
    objective_description = models.TextField(_("objective description"), blank=True)
    error_code = models.CharField(_("symptom / error code"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    reproduction_steps = models.TextField(_("operation path / reproduction steps"), blank=True)
    environment = models.CharField(_("environment (OS / version)"), max_length=300, blank=True)
    business_interrupted = models.BooleanField(_("business interrupted"), default=False)
    affected_users = models.PositiveIntegerField(_("users affected"), null=True, blank=True)
    business_impact = models.TextField(_("business impact"), blank=True)
    tried_steps = models.TextField(_("steps already tried"), blank=True)
    # --- intake and classification
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.PORTAL)
    ticket_type = models.CharField(
        _("type"), max_length=32, choices=TicketType.choices, default=TicketType.PROBLEM
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    impact_scope = models.CharField(
        _("impact scope"), max_length=16, choices=ImpactScope.choices, default=ImpactScope.SINGLE
    )
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.MEDIUM
    )
    priority_overridden = models.BooleanField(_("priority set by hand"), default=False)
    expedite = models.BooleanField(_("expedite"), default=False)
    # --- lifecycle
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    sub_status = models.CharField(_("sub-status"), max_length=24, choices=SubStatus.choices, blank=True)
    pending_until = models.DateField(_("expected release date"), null=True, blank=True)
    # --- who
    # No single-column indexes on the four list filters below: the composite indexes in Meta start
    # with them and serve the same lookups; a second index would only slow every insert.
    organization = models.ForeignKey(
        "customers.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    product = models.ForeignKey(
        "assets.CustomerProduct",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_tickets",
        db_index=False,
    )
    co_handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("co-handlers"), blank=True, related_name="co_handled_tickets"
    )
    group = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # never filtered on; an index would only cost every insert
    )
    # --- lifecycle timestamps
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # --- resolution (PRG-7, COM-5): written by processing.ticket_resolve, the one way to 已解决
    root_cause = models.ForeignKey(RootCause, verbose_name=_("root cause"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)
    resolution_note = models.TextField(_("resolution note (internal)"), blank=True)
    customer_result = models.TextField(_("result for the customer"), blank=True)
    warranty_months = models.PositiveSmallIntegerField(
        _("warranty on the repair (months)"), null=True, blank=True
    )
    # --- confirmation (CSAT-3): set by the SLA app when the ticket is resolved (on its business calendar),
    # emptied when the reminder is sent / the ticket leaves 已解决; the auto-close sweep reads them.
    confirm_remind_at = models.DateTimeField(_("confirmation reminder due"), null=True, blank=True)
    auto_close_at = models.DateTimeField(_("closes automatically at"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-id"]
        permissions = [
            ("view_all_tickets", _("Can see every organisation's tickets")),
            ("assign_ticket", _("Can assign tickets")),
            ("transition_ticket", _("Can change ticket status")),
            ("add_internal_note", _("Can add internal notes")),
            ("log_communication", _("Can log communications")),
            ("override_priority", _("Can override the computed priority")),
        ]
        # List pages read newest first, filtered by one or two of these: each index ends in id
        # so the keyset cursor (id < last) is served from the index.
        indexes = [
            models.Index(fields=["status", "priority", "id"], name="ticket_status_prio_id"),
            models.Index(fields=["priority", "id"], name="ticket_priority_id"),
            models.Index(fields=["organization", "id"], name="ticket_org_id"),
            models.Index(fields=["owner", "status", "id"], name="ticket_owner_status_id"),
            models.Index(fields=["group", "status", "id"], name="ticket_group_status_id"),
            models.Index(fields=["ticket_type", "id"], name="ticket_type_id"),
            models.Index(fields=["category", "id"], name="ticket_category_id"),
            models.Index(fields=["created_at"], name="ticket_created_at"),
            # Partial: only resolved tickets waiting for an answer are in them, so the sweep reads a few rows.
            models.Index(fields=["confirm_remind_at"], name="ticket_confirm_remind",
                         condition=models.Q(confirm_remind_at__isnull=False)),
            models.Index(fields=["auto_close_at"], name="ticket_auto_close",
                         condition=models.Q(auto_close_at__isnull=False)),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"


class TicketEvent(models.Model):
    """One entry of a ticket's timeline (PRG-2, COM-1): who did what, when.

    `is_public` decides whether the customer ever sees it (COM-4); `data` holds the structured
    detail (old/new values, communication fields) and `body` the text, if any.
    """

    # One index serves the timeline: (ticket, is_public, id) in Meta. Single-column indexes on these
    # fields would be written on every event and read by nothing.
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("at"))
    is_public = models.BooleanField(_("visible to customer"), default=False)
    body = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "is_public", "id"], name="event_ticket_public_id")]

    def __str__(self):
        return f"{self.ticket_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.ticket_id}/{filename}"


class Attachment(models.Model):
    """A file on a ticket (INT-5): stored under the data directory, typed by its content."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="attachments"
    )
    event = models.ForeignKey(
        TicketEvent,
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    source = models.CharField(
        _("obtained by"), max_length=16, choices=AttachmentSource.choices, default=AttachmentSource.UPLOAD
    )
    is_internal = models.BooleanField(_("internal only"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self):
        return self.original_name


class TicketSequence(models.Model):
    """The last number used in one numbering period (NUM-2/3); see numbering.py."""

    period = models.CharField(max_length=80, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self):
        return f"{self.period}: {self.last_value}"


class SavedFilter(models.Model):
    """A list filter a person named and keeps (our hardware queue, 华东 VIP tickets …).

    Kept as the list page's query string, so a saved filter is exactly what the person saw and a
    new filter field needs no migration; the list validates it again each time it is opened.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="saved_filters")
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filter"), max_length=1000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_user_name")]

    def __str__(self):
        return self.name
