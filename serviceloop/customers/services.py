"""Writes to customers: organisations and contacts (INT-2)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from serviceloop.core.errors import Forbidden, InvalidInput

from .models import Contact, Industry, Organization, Tier


@transaction.atomic
def organization_create(*, actor, name: str, industry: str = Industry.OTHER, tier: str = Tier.NORMAL,
                        contract_level: str = "", phone: str = "", address: str = "") -> Organization:
    """Register a customer organisation; its name must be unique (it matches the purchase proof)."""
    if not actor.has_perm("customers.add_organization"):
        raise Forbidden(_("You do not have permission to do this."))
    name = name.strip()
    if not name:
        raise InvalidInput.field("name", _("This field is required."))
    if Organization.objects.filter(name=name).exists():
        raise InvalidInput.field("name", _("An organisation with this name already exists."))
    return Organization.objects.create(name=name, industry=industry, tier=tier, contract_level=contract_level,
                                       phone=phone, address=address)


@transaction.atomic
def contact_create(*, actor, organization: Organization, name: str, phone: str = "", email: str = "",
                   phone_customer_provided: bool = False, email_customer_provided: bool = False,
                   title: str = "") -> Contact:
    """Add a contact person to an organisation; phone or email is needed to reach them."""
    if not actor.has_perm("customers.add_contact"):
        raise Forbidden(_("You do not have permission to do this."))
    name = name.strip()
    if not name:
        raise InvalidInput.field("name", _("This field is required."))
    if not (phone.strip() or email.strip()):
        raise InvalidInput.field("phone", _("Give a phone number or an email address."))
    return Contact.objects.create(
        organization=organization, name=name, phone=phone.strip(), email=email.strip(), title=title,
        phone_customer_provided=phone_customer_provided, email_customer_provided=email_customer_provided)
