"""`serviceloop demo`: realistic reference data once, then N tickets that behave like real ones."""

from __future__ import annotations

import io
import re
from collections import defaultdict

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, Max
from django.utils import timezone

from serviceloop.accounts.models import Team, User
from serviceloop.accounts.roles import INTERNAL_ROLES, Role
from serviceloop.assets.models import CustomerProduct, ProductModel
from serviceloop.customers.models import Contact, Organization
from serviceloop.demo.loader import DEMO_PASSWORD, load_demo
from serviceloop.tickets.choices import PUBLIC_EVENT_KINDS, Status, SubStatus, TicketType
from serviceloop.tickets.models import Category, Ticket, TicketEvent, TicketSequence
from serviceloop.tickets.numbering import NumberPattern
from serviceloop.tickets.priority import compute_priority
from serviceloop.tickets.services import ticket_create

pytestmark = pytest.mark.django_db
TICKETS = 200


def quiet(_line: str) -> None:
    """Swallow the loader's progress lines."""


def load(tickets: int = TICKETS, seed: int = 42):
    """Run the demo loader without printing."""
    return load_demo(tickets=tickets, seed=seed, out=quiet)


def number_parser(pattern: str) -> re.Pattern:
    """A regex for numbers of `pattern`, capturing the sequence digits."""
    regex = ""
    for part in NumberPattern.parse(pattern).parts:
        if part in ("YYYY",):
            regex += r"\d{4}"
        elif part in ("YY", "MM", "DD"):
            regex += r"\d{2}"
        elif set(part) == {"N"}:
            regex += rf"(\d{{{len(part)},}})"
        else:
            regex += re.escape(part)
    return re.compile(f"^{regex}$")


def test_it_writes_tickets_in_every_type_and_status_and_in_progress_sub_status():
    summary = load()

    assert summary.tickets == Ticket.objects.count() == TICKETS
    assert set(Ticket.objects.values_list("ticket_type", flat=True)) == set(TicketType.values)
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
    in_progress_subs = set(
        Ticket.objects.filter(status=Status.IN_PROGRESS).values_list("sub_status", flat=True)
    )
    assert set(SubStatus.values) <= in_progress_subs


def test_it_creates_support_groups_staff_for_every_role_and_customer_logins():
    load(tickets=0)

    assert set(Team.objects.values_list("name", flat=True)) >= {"硬件组", "软件组", "网络组", "客户关系组"}
    for team in Team.objects.filter(name__in=["硬件组", "软件组", "网络组", "客户关系组"]):
        assert team.supervisor is not None and team.supervisor.has_role(Role.SUPERVISOR)
        assert team.members.count() >= 3
    for role in INTERNAL_ROLES:
        if role in (Role.ADMIN, Role.INTEGRATION, Role.AUTOMATION):  # system accounts are made at first use
            continue  # `serviceloop run` creates the administrator itself; system accounts are no staff
        assert User.objects.filter(groups__name=role).exists(), role
    customers = User.objects.filter(groups__name=Role.CUSTOMER)
    assert customers.count() >= 2
    for user in customers:
        assert user.is_customer and user.organization is not None
        assert Contact.objects.get(user=user).organization == user.organization


def test_demo_logins_work_with_the_printed_password():
    out = io.StringIO()
    call_command("demo", tickets=0, stdout=out)

    assert DEMO_PASSWORD in out.getvalue()
    for username in ("agent1", "engineer1", "supervisor1", "director1", "customer1"):
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username
    assert User.objects.get(username="engineer1").display_name == "张伟"


def test_reference_data_is_realistic_chinese_data():
    load(tickets=0)

    assert Organization.objects.count() >= 45
    assert {"华东精密制造有限公司", "招商银行深圳分行"} <= set(
        Organization.objects.values_list("name", flat=True)
    )
    assert set(Organization.objects.values_list("contract_level", flat=True)) == {"金牌", "银牌", "标准"}
    assert Organization.objects.values("industry").distinct().count() >= 8
    assert all(
        re.fullmatch(r"1[3-9]\d{9}", phone) for phone in Contact.objects.values_list("phone", flat=True)
    )
    assert Contact.objects.filter(phone_customer_provided=True).exists()
    assert ProductModel.objects.filter(code="X-3000", name="设备").exists()
    assert ProductModel.objects.filter(code="PWR-01", name="电源模块").exists()
    assert set(ProductModel.objects.values_list("kind", flat=True)) >= {"equipment", "component", "software"}
    unit = CustomerProduct.objects.first()
    assert unit.serial_number and unit.firmware_version and unit.purchase_date and unit.order_number
    assert Category.objects.filter(name="电源模块", parent__name="硬件类").exists()
    assert Category.objects.filter(name="授权许可", parent__name="软件类").exists()
    assert Category.objects.filter(parent=None, name="网络类").exists()
    assert Category.objects.exclude(ticket_type="").exists()


def test_ticket_numbers_follow_the_pattern_and_each_counter_holds_the_highest_value_used():
    load()

    parser = number_parser(settings.TICKET_NUMBER_PATTERN)
    highest: dict[str, int] = defaultdict(int)
    pattern = NumberPattern.parse(settings.TICKET_NUMBER_PATTERN)
    for number, created_at in Ticket.objects.values_list("number", "created_at"):
        match = parser.match(number)
        assert match, number
        period = pattern.period_key(timezone.localtime(created_at))
        assert pattern.format(timezone.localtime(created_at), int(match.group(1))) == number
        highest[period] = max(highest[period], int(match.group(1)))
    counters = dict(TicketSequence.objects.values_list("period", "last_value"))
    assert counters == highest


def test_a_ticket_created_after_the_demo_gets_the_next_number():
    load()
    agent = User.objects.get(username="agent1")
    org = Organization.objects.get(name="华东精密制造有限公司")
    pattern = NumberPattern.parse(settings.TICKET_NUMBER_PATTERN)
    period = pattern.period_key(timezone.localtime())
    before = TicketSequence.objects.filter(period=period).values_list("last_value", flat=True).first() or 0

    ticket = ticket_create(actor=agent, organization=org, title="设备无法开机", description="提示错误代码500")

    assert ticket.number == pattern.format(timezone.localtime(), before + 1)


def test_running_it_again_adds_tickets_and_continues_the_numbers_without_duplicating_reference_data():
    load()
    counts = (Organization.objects.count(), User.objects.count(), CustomerProduct.objects.count(),
              Category.objects.count(), Team.objects.count(), Contact.objects.count())
    agent = User.objects.get(username="agent1")
    ticket_create(
        actor=agent, organization=Organization.objects.first(), title="网络中断", description="无法访问"
    )

    summary = load(tickets=150, seed=7)

    assert summary.tickets == 150
    assert Ticket.objects.count() == TICKETS + 1 + 150
    assert counts == (Organization.objects.count(), User.objects.count(), CustomerProduct.objects.count(),
                      Category.objects.count(), Team.objects.count(), Contact.objects.count())
    assert Ticket.objects.values("number").distinct().count() == Ticket.objects.count()
    parser = number_parser(settings.TICKET_NUMBER_PATTERN)
    highest: dict[str, int] = defaultdict(int)
    pattern = NumberPattern.parse(settings.TICKET_NUMBER_PATTERN)
    for number, created_at in Ticket.objects.values_list("number", "created_at"):
        period = pattern.period_key(timezone.localtime(created_at))
        highest[period] = max(highest[period], int(parser.match(number).group(1)))
    assert dict(TicketSequence.objects.values_list("period", "last_value")) == highest


def test_it_respects_another_number_pattern(settings):
    settings.TICKET_NUMBER_PATTERN = "FBYYYYMMDDNNN"
    load()

    assert all(re.fullmatch(r"FB\d{8}\d{3,}", n) for n in Ticket.objects.values_list("number", flat=True))
    assert TicketSequence.objects.filter(period__startswith="FBYYYYMMDDNNN|").count() > 30


def test_lifecycle_timestamps_agree_with_the_status():
    load()
    now = timezone.now()

    for t in Ticket.objects.all():
        stamps = [s for s in (t.accepted_at, t.first_response_at, t.resolved_at, t.closed_at) if s]
        assert all(t.created_at <= s <= t.updated_at <= now for s in stamps), t.number
        assert now - t.created_at <= timezone.timedelta(days=366)
        if t.status == Status.NEW:
            assert not stamps and t.owner_id is None and t.group_id is None
            continue
        assert t.owner_id is not None and t.group_id is not None, t.number
        assert t.accepted_at is not None
        assert (t.resolved_at is not None) == (t.status in (Status.RESOLVED, Status.CLOSED)), t.number
        assert (t.closed_at is not None) == (t.status == Status.CLOSED), t.number
        if t.closed_at:
            assert t.resolved_at <= t.closed_at
        assert (t.pending_until is not None) == (t.status == Status.PENDING)
        if t.sub_status:
            assert t.status in (Status.IN_PROGRESS, Status.ESCALATED, Status.REOPENED)


def test_tickets_tell_a_consistent_story():
    load()

    for t in Ticket.objects.select_related("category", "product__product_model", "organization", "contact"):
        assert t.title and t.description and t.objective_description
        if t.ticket_type == TicketType.PROBLEM:
            assert t.error_code and t.reproduction_steps and t.business_impact and t.tried_steps
            assert t.occurred_at is not None and t.occurred_at <= t.created_at
        if t.category and t.category.ticket_type:
            assert t.category.ticket_type == t.ticket_type
        if t.product:
            assert t.environment
            assert t.product.organization_id == t.organization_id
            assert (
                t.product.product_model.name in t.title
                or t.product.product_model.code in t.objective_description
            )
        if t.contact:
            assert t.contact.organization_id == t.organization_id
    assert Ticket.objects.filter(error_code__contains="提示错误代码").exists()


def test_priority_follows_the_rule_unless_overridden():
    load()

    for t in Ticket.objects.select_related("product__product_model", "organization").filter(
        priority_overridden=False
    ):
        expected = compute_priority(
            urgency=t.urgency, impact_scope=t.impact_scope,
            core_module=t.product.product_model.is_core if t.product else True,
            vip=t.organization.tier == "vip", ticket_type=t.ticket_type, expedite=t.expedite)
        assert t.priority == expected, t.number


def test_every_ticket_has_a_public_created_event_and_internal_events_stay_internal():
    load()

    created = TicketEvent.objects.filter(kind="created")
    assert created.count() == TICKETS
    assert not created.filter(is_public=False).exists()
    assert set(TicketEvent.objects.values_list("kind", flat=True)) >= {
        "created", "status", "reply", "note", "assigned", "accepted"}
    for kind, public in TicketEvent.objects.values_list("kind", "is_public").distinct():
        assert public == (kind in PUBLIC_EVENT_KINDS), kind
    for ticket in Ticket.objects.annotate(n=Count("events"), last=Max("events__created_at")).filter(n__gt=1):
        assert ticket.last <= ticket.updated_at, ticket.number
        assert not ticket.events.filter(created_at__lt=ticket.created_at).exists()


def test_the_status_events_walk_the_allowed_flow():
    from serviceloop.tickets.choices import SUB_STATUS_ALLOWED_IN, TRANSITIONS

    load()
    timelines: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for ticket_id, data in TicketEvent.objects.filter(kind="status").order_by("created_at", "id").values_list(
            "ticket_id", "data"):
        timelines[ticket_id].append((data["from"], data["to"], data["sub_status"]))
    assert timelines
    final = {pk: (status, sub) for pk, status, sub in
             Ticket.objects.filter(pk__in=timelines).values_list("pk", "status", "sub_status")}
    for ticket_id, steps in timelines.items():
        assert steps[0][0] == Status.NEW
        for (old, new, sub), following in zip(steps, steps[1:] + [None], strict=True):
            # ticket_transition also allows a new sub-status without leaving the state.
            same_state_sub_change = old == new and sub and new in SUB_STATUS_ALLOWED_IN
            assert new in TRANSITIONS[old] or same_state_sub_change, (old, new, sub)
            if following:
                assert following[0] == new
        assert steps[-1][1:] == final[ticket_id]


def test_the_command_reports_progress_and_a_summary():
    out = io.StringIO()
    call_command("demo", tickets=120, seed=3, stdout=out)

    text = out.getvalue()
    assert "120 tickets" in text and "timeline events" in text
    assert Ticket.objects.count() == 120
