"""Writes to customers: organisations and contacts (INT-2)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from serviceloop.core.errors import Forbidden, InvalidInput
from serviceloop.core.hooks import Hook

from .models import Contact, Industry, Organization, Tier

# Called as terms_changed(organization=…) when a tier or contract level changed, inside the change's
# transaction: the SLA targets of the customer's open tickets depend on them (sla/receivers.py).
terms_changed = Hook("customers.terms_changed")
TERMS_FIELDS = ("tier", "contract_level")
# Called as organization_renamed(organization=…) after a new name is saved, in the same transaction
# (the search index holds the name on each of the organisation's tickets).
organization_renamed = Hook("customers.organization_renamed")


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


# What organization_update may change, with each text's size limit (as the model's columns).
ORGANIZATION_FIELDS = {"name": 200, "industry": 32, "tier": 16, "contract_level": 50, "phone": 32,
                       "address": 300, "timezone": 64}


@transaction.atomic
def organization_update(*, actor, organization: Organization, changes: dict) -> Organization:
    """Change an organisation's record (INT-2); a new tier or contract level moves its open tickets'
    SLA deadlines (announced on `terms_changed`, recomputed in the background after commit)."""
    if not actor.has_perm("customers.change_organization"):
        raise Forbidden(_("You do not have permission to do this."))
    unknown = sorted(set(changes) - set(ORGANIZATION_FIELDS))
    if unknown:
        raise InvalidInput(_("Unknown fields: %(fields)s") % {"fields": ", ".join(unknown)},
                           errors=[{"field": f, "message": _("Unknown field.")} for f in unknown])
    changes = {f: ("" if v is None else str(v)).strip() for f, v in changes.items()}
    for field, limit in ORGANIZATION_FIELDS.items():
        if len(changes.get(field, "")) > limit:
            raise InvalidInput.field(field, _("At most %(limit)d characters are allowed (got %(size)d).")
                                     % {"limit": limit, "size": len(changes[field])})
    for field, choices in (("industry", Industry), ("tier", Tier)):
        if field in changes and changes[field] not in choices.values:
            raise InvalidInput.field(field, _("“%(value)s” is not a valid choice. Allowed: %(allowed)s")
                                     % {"value": changes[field], "allowed": ", ".join(choices.values)})
    for field in ("name", "industry", "tier", "timezone"):
        if field in changes and not changes[field]:
            raise InvalidInput.field(field, _("This field is required."))
    # NO KEY UPDATE: tickets being created for this customer reference it (KEY SHARE) and must not wait.
    locked = Organization.objects.select_for_update(no_key=True).get(pk=organization.pk)
    if "name" in changes and Organization.objects.filter(name=changes["name"]).exclude(pk=locked.pk).exists():
        raise InvalidInput.field("name", _("An organisation with this name already exists."))
    changed = [f for f, v in changes.items() if getattr(locked, f) != v]
    if not changed:
        return locked
    for field in changed:
        setattr(locked, field, changes[field])
    locked.save(update_fields=[*changed, "updated_at"])
    if set(changed) & set(TERMS_FIELDS):
        terms_changed(organization=locked)
    if "name" in changed:
        organization_renamed(organization=locked)
    return locked


@transaction.atomic
def email_bounce_record(*, address: str, status: str = "", diagnostic: str = "", at=None):
    """Remember that mail to `address` bounced (a delivery status report arrived for it).

    A 5.x.x status is permanent; a later 4.x.x (temporary) report never clears a permanent one.
    Insert-or-update on the unique address, so two reports at once make one row counting two.
    """
    from django.db import IntegrityError
    from django.utils import timezone

    from .models import EmailBounce

    address = address.strip().lower()[:254]
    now = at or timezone.now()
    status = status.strip()[:16]
    permanent = status.startswith("5")
    bounce = EmailBounce.objects.select_for_update().filter(address=address).first()
    if bounce is None:
        try:
            with transaction.atomic():
                return EmailBounce.objects.create(address=address, permanent=permanent, status=status,
                                                  diagnostic=diagnostic[:500], count=1, first_bounced_at=now,
                                                  last_bounced_at=now)
        except IntegrityError:  # another report for the address was recorded at the same moment
            bounce = EmailBounce.objects.select_for_update().get(address=address)
    bounce.count += 1
    bounce.last_bounced_at = now
    if permanent or not bounce.permanent:
        bounce.permanent = bounce.permanent or permanent
        bounce.status = status
        bounce.diagnostic = diagnostic[:500]
    bounce.save(update_fields=["count", "last_bounced_at", "permanent", "status", "diagnostic"])
    return bounce
