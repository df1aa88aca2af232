"""Shared people and things for every test: one persona per role, two customer organisations.

alice (agent), eric (engineer), sam (supervisor), dora (director), adam (admin), pete (product
manager), rita (customer relations), tom (technical lead); carol is a customer contact at 华东精密制造,
bob one at 南方电网 — they must never see each other's tickets.
"""

from __future__ import annotations

from dataclasses import dataclass

from serviceloop.accounts.models import User
from serviceloop.accounts.roles import Role
from serviceloop.accounts.services import token_create, user_create
from serviceloop.assets.models import CustomerProduct, ProductModel
from serviceloop.customers.models import Contact, Organization
from serviceloop.tickets.models import Category, RootCause, Ticket
from serviceloop.tickets.services import ticket_create

PASSWORD = "correct-horse-battery-9"

STAFF = {
    "alice": Role.AGENT,
    "eric": Role.ENGINEER,
    "sam": Role.SUPERVISOR,
    "dora": Role.DIRECTOR,
    "adam": Role.ADMIN,
    "pete": Role.PRODUCT_MANAGER,
    "rita": Role.CUSTOMER_RELATIONS,
    "tom": Role.TECH_LEAD,
}


@dataclass
class World:
    """Everything a test usually needs, created once per test."""

    users: dict[str, User]
    org_a: Organization
    org_b: Organization
    contact_a: Contact
    contact_b: Contact
    product_a: CustomerProduct
    product_b: CustomerProduct
    hardware: Category
    power: Category

    def __getattr__(self, name):
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)

    def token(self, username: str) -> str:
        return token_create(user=self.users[username])[1]

    def ticket(self, *, by: str = "alice", org: Organization | None = None, **kwargs) -> Ticket:
        org = org or self.org_a
        defaults = {
            "title": "设备无法开机",
            "description": "客户反馈设备 X-3000 上电后无显示，提示错误代码500。",
        }
        defaults.update(kwargs)
        return ticket_create(actor=self.users[by], organization=org, **defaults)

    @property
    def power_fault(self) -> RootCause:
        return power_fault()

    def resolve(self, ticket: Ticket, *, by: str = "eric", **kwargs) -> Ticket:
        return resolve_ticket(ticket, self.users[by], **kwargs)


def power_fault() -> RootCause:
    """硬件故障 › 电源模块: seeded by a migration, created again after a flushed (transactional) test."""
    parent, _ = RootCause.objects.get_or_create(code="hardware", defaults={"name": "硬件故障",
                                                                          "name_en": "Hardware fault"})
    return RootCause.objects.get_or_create(code="hardware-power", defaults={
        "name": "电源模块", "name_en": "Power module", "parent": parent})[0]


def resolve_ticket(
    ticket: Ticket, actor: User, *, result: str = "已更换电源模块，设备恢复正常。", **kwargs
) -> Ticket:
    """Resolve the ticket the one way there is (processing.ticket_resolve), with a root cause."""
    from serviceloop.tickets.processing import ticket_resolve

    kwargs.setdefault("root_cause", power_fault())
    return ticket_resolve(ticket=ticket, actor=actor, customer_result=result, **kwargs)


def transition(ticket: Ticket, actor: User, status: str, **kwargs) -> Ticket:
    """A status change as a test's set-up wants it: 已解决 through ticket_resolve, every other one plainly."""
    from serviceloop.tickets.services import ticket_transition

    if status == "resolved":
        return resolve_ticket(ticket, actor)
    return ticket_transition(ticket=ticket, actor=actor, to_status=status, **kwargs)


def build_world() -> World:
    org_a = Organization.objects.create(name="华东精密制造有限公司", industry="manufacturing", tier="vip",
                                        contract_level="金牌", phone="021-55501234")
    org_b = Organization.objects.create(name="南方电网运维中心", industry="energy", tier="normal")
    x3000 = ProductModel.objects.create(code="X-3000", name="设备", kind="equipment", is_core=True)
    pwr = ProductModel.objects.create(code="PWR-01", name="电源模块", kind="component", is_core=False)
    users = {name: user_create(username=name, password=PASSWORD, role=role, display_name=name.title())
             for name, role in STAFF.items()}
    users["carol"] = user_create(username="carol", password=PASSWORD, role=Role.CUSTOMER, organization=org_a,
                                 display_name="王女士")
    users["bob"] = user_create(username="bob", password=PASSWORD, role=Role.CUSTOMER, organization=org_b,
                               display_name="李先生")
    contact_a = Contact.objects.create(
        organization=org_a,
        name="王女士",
        phone="13812345678",
        phone_customer_provided=True,
        email="wang@example.cn",
        user=users["carol"],
    )
    contact_b = Contact.objects.create(
        organization=org_b, name="李先生", phone="13998765432", user=users["bob"]
    )
    hardware = Category.objects.create(name="硬件类")
    power = Category.objects.create(name="电源模块", parent=hardware)
    return World(
        users=users,
        org_a=org_a,
        org_b=org_b,
        contact_a=contact_a,
        contact_b=contact_b,
        product_a=CustomerProduct.objects.create(
            organization=org_a,
            product_model=x3000,
            serial_number="SN-A-0001",
            firmware_version="v2.3.1",
            order_number="PO-2026-001",
        ),
        product_b=CustomerProduct.objects.create(
            organization=org_b, product_model=pwr, serial_number="SN-B-0001"
        ),
        hardware=hardware,
        power=power,
    )


def db_snapshot() -> dict:
    """Everything a refused request must leave untouched: ticket rows, related rows, stored files."""
    from pathlib import Path

    from django.conf import settings

    from serviceloop.canned.models import CannedReply
    from serviceloop.tickets.models import Attachment, TicketEvent

    media = Path(settings.MEDIA_ROOT)
    return {
        "tickets": list(Ticket.objects.order_by("pk").values()),
        "co_handlers": list(Ticket.co_handlers.through.objects.order_by("pk").values_list("pk", flat=True)),
        "events": TicketEvent.objects.count(),
        "attachments": Attachment.objects.count(),
        "organizations": Organization.objects.count(),
        "contacts": Contact.objects.count(),
        "products": CustomerProduct.objects.count(),
        "canned_replies": list(CannedReply.objects.order_by("pk").values()),
        "files": sorted(str(p) for p in media.rglob("*") if p.is_file()) if media.exists() else [],
    }
