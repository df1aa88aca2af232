"""Writes to products (INT-3): customer units with serial number, version, purchase date, order."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.errors import Forbidden, InvalidInput

from .models import CustomerProduct, ProductModel


@transaction.atomic
def customer_product_create(*, actor, organization, product_model: ProductModel, serial_number: str,
                            firmware_version: str = "", purchase_date: date | None = None,
                            order_number: str = "") -> CustomerProduct:
    """Register a unit a customer owns; serial numbers are unique across all customers."""
    if not actor.has_perm("assets.add_customerproduct"):
        raise Forbidden(_("You do not have permission to do this."))
    serial_number = serial_number.strip()
    if not serial_number:
        raise InvalidInput.field("serial_number", _("This field is required."))
    if CustomerProduct.objects.filter(serial_number=serial_number).exists():
        raise InvalidInput.field("serial_number", _("This serial number is already registered."))
    if purchase_date is not None and purchase_date > timezone.localdate():
        raise InvalidInput.field("purchase_date", _("The purchase date cannot be in the future."))
    return CustomerProduct.objects.create(
        organization=organization, product_model=product_model, serial_number=serial_number,
        firmware_version=firmware_version, purchase_date=purchase_date, order_number=order_number)
