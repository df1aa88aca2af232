"""Products (INT-3): the models a company sells and the units its customers own."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from serviceloop.core.models import TimeStampedModel
from serviceloop.customers.models import OrganizationScopedQuerySet


class ProductKind(models.TextChoices):
    EQUIPMENT = "equipment", _("Equipment")
    COMPONENT = "component", _("Component")
    SOFTWARE = "software", _("Software")
    DEVICE = "device", _("Device")


class ProductModel(TimeStampedModel):
    """A sellable model (型号), e.g. 设备 X-3000 or 电源模块 PWR-01."""

    code = models.CharField(_("model code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=ProductKind.choices, default=ProductKind.EQUIPMENT
    )
    warranty_months = models.PositiveIntegerField(_("warranty (months)"), default=12)
    is_core = models.BooleanField(
        _("core product"), default=True, help_text=_("Problems with core products get a higher priority.")
    )

    class Meta:
        verbose_name = _("product model")
        verbose_name_plural = _("product models")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} {self.code}"


class CustomerProduct(TimeStampedModel):
    """One unit a customer owns: serial number, firmware/software version, purchase date, order."""

    organization = models.ForeignKey(
        "customers.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="products",
    )
    product_model = models.ForeignKey(
        ProductModel, verbose_name=_("product model"), on_delete=models.PROTECT, related_name="units"
    )
    serial_number = models.CharField(_("serial number"), max_length=100, unique=True)
    firmware_version = models.CharField(_("firmware / software version"), max_length=64, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    order_number = models.CharField(_("order number"), max_length=64, blank=True, db_index=True)

    objects = OrganizationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer product")
        verbose_name_plural = _("customer products")
        ordering = ["organization_id", "serial_number"]

    def __str__(self):
        return f"{self.product_model.code} #{self.serial_number}"
