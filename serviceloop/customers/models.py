"""Customers (INT-2): organisations with industry, tier and contract level, and their contacts."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from serviceloop.core.models import TimeStampedModel


class Tier(models.TextChoices):
    VIP = "vip", _("VIP")
    NORMAL = "normal", _("Normal")


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    FINANCE = "finance", _("Finance")
    ENERGY = "energy", _("Energy")
    HEALTHCARE = "healthcare", _("Healthcare")
    EDUCATION = "education", _("Education")
    GOVERNMENT = "government", _("Government")
    RETAIL = "retail", _("Retail")
    TELECOM = "telecom", _("Telecom")
    LOGISTICS = "logistics", _("Logistics")
    OTHER = "other", _("Other")


# What customer_scope answers for a user who may see every organisation (service staff).
EVERY_ORGANIZATION = None


def customer_scope(user) -> tuple[int, ...] | None:
    """SEC-2, the one rule: the organisation ids `user` may see, or EVERY_ORGANIZATION.

    Nobody logged in sees none; a customer contact sees their own organisation (none if they are tied
    to no organisation); anyone else is service staff and sees every organisation (which of those
    tickets they see is Ticket's own further rule, tickets/models.py).
    """
    if not user.is_authenticated:
        return ()
    if user.is_customer:
        return () if user.organization_id is None else (user.organization_id,)
    return EVERY_ORGANIZATION


class OrganizationScopedQuerySet(models.QuerySet):
    """Rows that belong to one organisation, read through `visible_to(user)` (customer_scope).

    `organization_field` names the column holding the organisation's id; Organization itself uses its pk.
    """

    organization_field = "organization_id"

    def visible_to(self, user):
        """The rows of the organisations `user` may see (customer_scope)."""
        scope = customer_scope(user)
        if scope is EVERY_ORGANIZATION:
            return self
        if not scope:
            return self.none()
        return self.filter(**{self.organization_field: scope[0]})


class OrganizationQuerySet(OrganizationScopedQuerySet):
    organization_field = "pk"


class Organization(TimeStampedModel):
    """A customer: a company (or a person) as named on the purchase proof."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    industry = models.CharField(
        _("industry"), max_length=32, choices=Industry.choices, default=Industry.OTHER
    )
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.NORMAL)
    contract_level = models.CharField(
        _("contract SLA level"), max_length=50, blank=True, help_text=_("e.g. Gold / Silver / Standard")
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Contact(TimeStampedModel):
    """A person at a customer organisation; phone and email may be marked 客户提供 (customer-supplied)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    phone_customer_provided = models.BooleanField(_("phone supplied by customer"), default=False)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    email_customer_provided = models.BooleanField(_("email supplied by customer"), default=False)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    user = models.OneToOneField(
        "accounts.User",
        verbose_name=_("portal login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact",
    )

    objects = OrganizationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["organization_id", "name"]

    def __str__(self):
        return f"{self.name} ({self.organization})"


class EmailBounce(models.Model):
    """An email address that mail to it bounced from (a delivery status report, RFC 3464).

    Written by inbound email (channels) when a bounce arrives; read by the outbox, which skips
    addresses with a permanent failure (a 5.x.x status) so that we stop writing to a dead mailbox.
    Keyed by the lowercased address, so it covers every contact with that address. Delete the row
    (admin) once the customer has fixed their mailbox.
    """

    address = models.CharField(_("address"), max_length=254, unique=True)
    permanent = models.BooleanField(_("permanent failure"), default=False)
    status = models.CharField(_("status code"), max_length=16, blank=True)
    diagnostic = models.CharField(_("diagnostic"), max_length=500, blank=True)
    count = models.PositiveIntegerField(_("bounces"), default=0)
    first_bounced_at = models.DateTimeField(_("first bounce"))
    last_bounced_at = models.DateTimeField(_("last bounce"))

    class Meta:
        verbose_name = _("bounced email address")
        verbose_name_plural = _("bounced email addresses")
        ordering = ["-last_bounced_at"]

    def __str__(self):
        return f"{self.address} ({self.status})"
