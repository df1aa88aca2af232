"""Customer products and product models under /api/v1."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja import Status as Created

from serviceloop.core.bounds import Cursor, Date, Id, text
from serviceloop.core.errors import known
from serviceloop.core.schemas import ERRORS, Schema, Strict
from serviceloop.customers.models import Organization

from . import selectors, services
from .models import CustomerProduct, ProductModel

products_router = Router(tags=["products"])
models_router = Router(tags=["products"])


class ProductModelOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    warranty_months: int
    is_core: bool


class CustomerProductOut(Schema):
    id: int
    organization_id: int
    product_model: ProductModelOut
    serial_number: str
    firmware_version: str
    purchase_date: date | None
    order_number: str


class CustomerProductPage(Schema):
    items: list[CustomerProductOut]
    next_cursor: str | None


class CustomerProductIn(Strict):
    organization_id: Id
    product_model_id: Id
    serial_number: text(100, min_length=1)
    firmware_version: text(64) = ""
    purchase_date: Date | None = None
    order_number: text(64) = ""


def _model(m: ProductModel) -> dict:
    return {f: getattr(m, f) for f in ("id", "code", "name", "kind", "warranty_months", "is_core")}


def _product(p: CustomerProduct) -> dict:
    return {"id": p.pk, "organization_id": p.organization_id, "product_model": _model(p.product_model),
            "serial_number": p.serial_number, "firmware_version": p.firmware_version,
            "purchase_date": p.purchase_date, "order_number": p.order_number}


@products_router.get("", response={200: CustomerProductPage, **ERRORS}, summary="List customer products")
def list_products(request, organization_id: Id | None = None, serial: text(100) = "",
                  cursor: Cursor | None = None,
                  limit: int = Query(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)):
    page = selectors.customer_product_list(user=request.auth, organization_id=organization_id, serial=serial,
                                           cursor=cursor, limit=limit)
    return {"items": [_product(p) for p in page.items], "next_cursor": page.next_cursor}


@products_router.post("", response={201: CustomerProductOut, **ERRORS}, summary="Register a customer product")
def create_product(request, payload: CustomerProductIn):
    org = known(Organization.objects.visible_to(request.auth), payload.organization_id, "organization_id",
                _("organisation"))
    model = known(ProductModel, payload.product_model_id, "product_model_id", _("product model"))
    product = services.customer_product_create(
        actor=request.auth, organization=org, product_model=model,
        **payload.dict(exclude={"organization_id", "product_model_id"}))
    return Created(201, _product(product))


@models_router.get("", response={200: list[ProductModelOut], **ERRORS}, summary="List product models")
def list_models(request):
    return [_model(m) for m in selectors.product_model_list()]
