"""Organisations and contacts under /api/v1."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja import Status as Created

from serviceloop.core.bounds import Bool, Cursor, Id, text
from serviceloop.core.errors import NotFound, known
from serviceloop.core.masking import mask_phone
from serviceloop.core.schemas import ERRORS, Schema, Strict

from . import selectors, services
from .models import Industry, Organization, Tier

organizations_router = Router(tags=["organizations"])
contacts_router = Router(tags=["contacts"])


class OrganizationOut(Schema):
    id: int
    name: str
    industry: str
    tier: str
    contract_level: str
    phone: str
    address: str


class OrganizationPage(Schema):
    items: list[OrganizationOut]
    next_cursor: str | None


class OrganizationIn(Strict):
    name: text(200, min_length=1)
    industry: Industry = Industry.OTHER
    tier: Tier = Tier.NORMAL
    contract_level: text(50) = ""
    phone: text(32) = ""
    address: text(300) = ""


class OrganizationUpdateIn(Strict):
    """Only the fields sent change; a new tier or contract level moves the open tickets' SLA deadlines."""

    name: text(200, min_length=1) | None = None
    industry: Industry | None = None
    tier: Tier | None = None
    contract_level: text(50) | None = None
    phone: text(32) | None = None
    address: text(300) | None = None


class ContactOut(Schema):
    id: int
    organization_id: int
    name: str
    phone: str
    phone_customer_provided: bool
    email: str
    email_customer_provided: bool
    title: str


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None


class ContactIn(Strict):
    organization_id: Id
    name: text(100, min_length=1)
    phone: text(32, pattern=r"^[0-9+\-() ]*$") = ""
    phone_customer_provided: Bool = False
    email: text(254, pattern=r"^$|^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$") = ""
    email_customer_provided: Bool = False
    title: text(100) = ""


def _org(o: Organization) -> dict:
    return {
        f: getattr(o, f) for f in ("id", "name", "industry", "tier", "contract_level", "phone", "address")
    }


def _contact(c, *, masked: bool) -> dict:
    data = {f: getattr(c, f) for f in ("id", "organization_id", "name", "phone", "phone_customer_provided",
                                       "email", "email_customer_provided", "title")}
    if masked:
        data["phone"] = mask_phone(c.phone)
    return data


@organizations_router.get("", response={200: OrganizationPage, **ERRORS}, summary="List organisations")
def list_organizations(request, q: text(100) = "", cursor: Cursor | None = None,
                       limit: int = Query(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)):
    page = selectors.organization_list(user=request.auth, q=q, cursor=cursor, limit=limit)
    return {"items": [_org(o) for o in page.items], "next_cursor": page.next_cursor}


@organizations_router.post("", response={201: OrganizationOut, **ERRORS}, summary="Create an organisation")
def create_organization(request, payload: OrganizationIn):
    org = services.organization_create(actor=request.auth, **payload.dict())
    return Created(201, _org(org))


@organizations_router.get(
    "/{org_id}", response={200: OrganizationOut, **ERRORS}, summary="Get an organisation"
)
def get_organization(request, org_id: Id):
    org = Organization.objects.visible_to(request.auth).filter(pk=org_id).first()
    if org is None:
        raise NotFound(_("Organisation not found."))
    return _org(org)


@organizations_router.patch("/{org_id}", response={200: OrganizationOut, **ERRORS},
                           summary="Change an organisation (a new tier moves its tickets' SLA deadlines)")
def update_organization(request, org_id: int, payload: OrganizationUpdateIn):
    org = Organization.objects.visible_to(request.auth).filter(pk=org_id).first()
    if org is None:
        raise NotFound(_("Organisation not found."))
    changes = payload.dict(exclude_unset=True)  # a null name, industry or tier is refused by the service
    return _org(services.organization_update(actor=request.auth, organization=org, changes=changes))


@contacts_router.get("", response={200: ContactPage, **ERRORS}, summary="List contacts (phones masked)")
def list_contacts(request, organization_id: Id | None = None, q: text(100) = "",
                  cursor: Cursor | None = None,
                  limit: int = Query(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)):
    page = selectors.contact_list(user=request.auth, organization_id=organization_id, q=q, cursor=cursor,
                                  limit=limit)
    return {"items": [_contact(c, masked=True) for c in page.items], "next_cursor": page.next_cursor}


@contacts_router.post("", response={201: ContactOut, **ERRORS}, summary="Create a contact")
def create_contact(request, payload: ContactIn):
    org = known(Organization.objects.visible_to(request.auth), payload.organization_id, "organization_id",
                _("organisation"))
    contact = services.contact_create(actor=request.auth, organization=org,
                                      **payload.dict(exclude={"organization_id"}))
    return Created(201, _contact(contact, masked=False))
