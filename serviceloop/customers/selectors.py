"""Reads of customers, scoped by visible_to(user)."""

from __future__ import annotations

from django.db.models import Q

from serviceloop.core import rows
from serviceloop.core.pagination import Page, keyset_page

from .models import EVERY_ORGANIZATION, Contact, Organization, customer_scope


def organization_list(*, user, q: str = "", cursor: str | None, limit: int) -> Page:
    qs = Organization.objects.visible_to(user)
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(phone__startswith=q) | Q(contacts__phone__startswith=q)
        ).distinct()
    return keyset_page(qs, cursor=cursor, limit=limit)


def organization_get(*, user, pk: int) -> Organization | None:
    """The organisation `pk` if `user` may see it (customer_scope, the rule of `visible_to`), else None;
    read with SQL composed once — every ticket created through the API starts here."""
    scope = customer_scope(user)
    if scope is not EVERY_ORGANIZATION and pk not in scope:
        return None
    return rows.get_by_pk(Organization, pk)


def contact_list(*, user, organization_id: int | None, q: str = "", cursor: str | None, limit: int) -> Page:
    qs = Contact.objects.visible_to(user).select_related("organization")
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(phone__startswith=q) | Q(email__istartswith=q))
    return keyset_page(qs, cursor=cursor, limit=limit)


def email_address_bounced(address: str) -> bool:
    """True when mail to `address` failed permanently (a 5.x.x bounce): the outbox does not send there."""
    return bool(bounced_addresses([address]))


def bounced_addresses(addresses) -> set[str]:
    """Those of `addresses` (as given) that email_address_bounced says yes to, in one query."""
    from .models import EmailBounce

    by_key = {a.strip().lower(): a for a in addresses}
    found = EmailBounce.objects.filter(address__in=list(by_key), permanent=True).values_list(
        "address", flat=True
    )
    return {by_key[a] for a in found}
