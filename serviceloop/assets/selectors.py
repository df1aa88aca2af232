"""Reads of products, scoped by visible_to(user)."""

from __future__ import annotations

from serviceloop.core.pagination import Page, keyset_page

from .models import CustomerProduct, ProductModel


def customer_product_list(*, user, organization_id: int | None, serial: str = "", cursor: str | None,
                          limit: int) -> Page:
    qs = CustomerProduct.objects.visible_to(user).select_related("product_model")
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    if serial:
        qs = qs.filter(serial_number__istartswith=serial)
    return keyset_page(qs, cursor=cursor, limit=limit)


def product_model_list() -> list[ProductModel]:
    return list(ProductModel.objects.order_by("code"))
