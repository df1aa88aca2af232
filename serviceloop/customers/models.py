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


class OrganizationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every organisation; a customer contact sees only their own."""
        if not user.is_authenticated:
            return self.none()
        if user.is_customer:
            return self.filter(pk=user.organization_id)
        return self


class Organization(TimeStampedModel):
    """A customer: a company (or a person) as named on the purchase proof."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, default=Industry.OTHER)
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


class ContactQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_customer:
            return self.filter(organization_id=user.organization_id)
        return self


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

    objects = ContactQuerySet.as_manager()

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
