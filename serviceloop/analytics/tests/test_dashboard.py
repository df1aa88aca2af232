"""The dashboard (ANA-1) and distributions (ANA-2) on a small fixture made through the real services, every
figure worked out by hand below; the counts the receiver keeps equal the counts the backfill computes; every
bar's drill-down finds as many tickets as the bar; the page, the API and bad input."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import QueryDict
from django.test import Client

from serviceloop.accounts.models import Team
from serviceloop.analytics.dashboard import dashboard, distribution
from serviceloop.analytics.dims import dims_backfill
from serviceloop.analytics.models import DimensionDay, TicketDims
from serviceloop.core.errors import Forbidden, InvalidInput
from serviceloop.sla.services.escalation import ticket_escalate
from serviceloop.surveys import services as surveys
from serviceloop.surveys.models import Survey
from serviceloop.tickets import selectors
from serviceloop.tickets import services as tickets
from serviceloop.web.forms import TicketFilterForm
from serviceloop.web.views.dashboard import list_url
from serviceloop.web.views.lists import _apply_form, _view_filters
from tests.personas import resolve_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Labels in English (the test settings' language is zh-Hans); pages ask for their language."""
    from django.utils import translation

    with translation.override("en"):
        yield


SH = ZoneInfo("Asia/Shanghai")
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def _at(clock, when):
    clock.move_to(when)


@pytest.fixture
def fixture(world):
    return build_fixture(world)


def build_fixture(world) -> dict:
    """Created in March 2026 (Asia/Shanghai); the previous period is 29 January – 28 February:

    T1  2 Mar 09:00  电源模块 (硬件类), X-3000, phone, 华东, eric/硬件组; reply +10 min, resolved +60 min
        (one reply, never reopened: first-contact), survey answered 4.                     finished
    T2  2 Mar 09:00  电源模块, PWR-01, email, 南方电网, eric/硬件组; reply +30 min, resolved +120 min,
        reopened 15:00 (no longer first-contact), priority set to high.                    open: reopened
    T3  3 Mar 09:00  硬件类 itself, no product, portal, 华东, alice/硬件组; escalated; priority urgent.
                                                                                            open: escalated
    T4  4 Mar 10:00  no category, consultation, phone, 华东, nobody; priority low.          open: new
    T5 10 Feb 09:00  电源模块, eric/硬件组; reply +20 min, resolved +30 min.                previous period
    T6 10 Jan 09:00  alice/软件组, priority low: in neither period, in the backlog.        open: new
    """
    hw = Team.objects.create(name="硬件组", supervisor=world.sam)
    sw = Team.objects.create(name="软件组", supervisor=world.sam)
    w = world
    with time_machine.travel(datetime(2026, 1, 10, 9, 0, tzinfo=SH), tick=False) as clock:
        t6 = w.ticket(title="T6")
        tickets.ticket_assign(ticket=t6, actor=w.sam, owner=w.alice, group=sw)
        tickets.ticket_set_priority(ticket=t6, actor=w.sam, priority="low", reason="测试")
        feb = datetime(2026, 2, 10, 9, 0, tzinfo=SH)
        _at(clock, feb)
        t5 = w.ticket(title="T5", category=w.power)
        tickets.ticket_assign(ticket=t5, actor=w.sam, owner=w.eric, group=hw)
        tickets.ticket_transition(ticket=t5, actor=w.eric, to_status="in_progress")
        _at(clock, feb + timedelta(minutes=20))
        tickets.ticket_add_reply(ticket=t5, actor=w.eric, body="已安排")
        _at(clock, feb + timedelta(minutes=30))
        resolve_ticket(t5, w.eric)
        mon = datetime(2026, 3, 2, 9, 0, tzinfo=SH)
        _at(clock, mon)
        t1 = w.ticket(title="T1", category=w.power, product=w.product_a, channel="phone", contact=w.contact_a)
        t2 = w.ticket(
            title="T2",
            org=w.org_b,
            category=w.power,
            product=w.product_b,
            channel="email",
            contact=w.contact_b,
        )
        for t in (t1, t2):
            tickets.ticket_assign(ticket=t, actor=w.sam, owner=w.eric, group=hw)
            tickets.ticket_transition(ticket=t, actor=w.eric, to_status="in_progress")
        _at(clock, mon + timedelta(minutes=10))
        tickets.ticket_add_reply(ticket=t1, actor=w.eric, body="已安排")
        _at(clock, mon + timedelta(minutes=30))
        tickets.ticket_add_reply(ticket=t2, actor=w.eric, body="已安排")
        _at(clock, mon + timedelta(minutes=60))
        resolve_ticket(t1, w.eric)
        _at(clock, mon + timedelta(minutes=120))
        resolve_ticket(t2, w.eric)
        _at(clock, mon + timedelta(hours=6))
        tickets.ticket_transition(ticket=t2, actor=w.eric, to_status="reopened", note="客户反馈仍有异响")
        tickets.ticket_set_priority(ticket=t2, actor=w.sam, priority="high", reason="测试")
        _at(clock, mon + timedelta(days=1))
        t3 = w.ticket(title="T3", category=w.hardware, channel="portal")
        tickets.ticket_assign(ticket=t3, actor=w.sam, owner=w.alice, group=hw)
        tickets.ticket_set_priority(ticket=t3, actor=w.sam, priority="urgent", reason="测试")
        ticket_escalate(ticket=t3, actor=w.alice, reason="需要研发支持", department="研发部")
        tickets.ticket_transition(ticket=t3, actor=w.alice, to_status="escalated")
        _at(clock, mon + timedelta(days=2, hours=1))
        t4 = w.ticket(title="T4", ticket_type="consultation", channel="phone")
        tickets.ticket_set_priority(ticket=t4, actor=w.sam, priority="low", reason="测试")
        _at(clock, mon + timedelta(days=3))
        surveys.surveys_send_due(now=mon + timedelta(days=3))
        survey = Survey.objects.get(ticket=t1, sent_at__isnull=False)
        surveys.survey_answer(survey=survey, overall=4, satisfaction=4)
    return {"T1": t1, "T2": t2, "T3": t3, "T4": t4, "T5": t5, "T6": t6, "hw": hw, "sw": sw}


def test_the_period_figures_match_the_ones_worked_out_by_hand(world, fixture):
    board = dashboard(user=world.sam, first=MARCH[0], last=MARCH[1])
    assert (board.previous_first, board.previous_last) == (date(2026, 1, 29), date(2026, 2, 28))
    now = board.current
    assert now.created == 4  # T1..T4
    assert now.resolution_rate == pytest.approx(1 / 4)  # T1 finished; T2 was reopened
    assert now.mean_first_response_minutes == pytest.approx(20)  # (10 + 30) / 2; T3, T4 no reply
    assert now.resolved == 2  # T1, T2 (latest resolution in March)
    assert now.mean_resolution_minutes == pytest.approx(90)  # (60 + 120) / 2
    assert now.fcr_rate == pytest.approx(1 / 2)  # T1 (T2 reopened)
    assert now.sla_met_rate == 1.0  # both resolved well within the target
    assert now.csat_average == pytest.approx(4)  # T1's 4
    assert now.escalations == 1  # T3
    before = board.previous
    assert (before.created, before.resolution_rate, before.mean_first_response_minutes) == (1, 1.0, 20)
    assert (before.resolved, before.mean_resolution_minutes, before.fcr_rate) == (1, 30, 1.0)
    assert before.csat_average is None and before.escalations == 0


def test_the_backlog_now_matches_the_one_worked_out_by_hand(world, fixture):
    board = dashboard(user=world.sam, first=MARCH[0], last=MARCH[1])
    assert board.backlog_total == 4  # T2, T3, T4, T6
    status = {t.key: t.count for t in board.by_status}
    assert status == {"new": 2, "accepted": 0, "in_progress": 0, "escalated": 1, "pending": 0, "reopened": 1}
    assert {t.key: t.count for t in board.by_priority} == {"urgent": 1, "high": 1, "medium": 0, "low": 2}
    assert {t.label: t.count for t in board.by_group} == {"硬件组": 2, "软件组": 1, "(no group)": 1}
    # At risk and breached are the list's views, counted alike.
    for code, value in (("at_risk", board.at_risk), ("breached", board.breached)):
        listed = selectors.ticket_count(user=world.sam, filters=_view_filters(world.sam, code), cap=10**6)
        assert value == listed


def _bars(dist):
    return {b.label: b.count for b in dist.bars}


def test_the_distributions_match_the_ones_worked_out_by_hand(world, fixture):
    def of(dimension):
        return distribution(user=world.sam, first=MARCH[0], last=MARCH[1], dimension=dimension)

    category = of("category")
    assert category.total == 4
    assert _bars(category) == {"硬件类": 3, "(no category)": 1}  # T1, T2 under 电源模块, T3 on 硬件类
    assert [(c.label, c.count) for c in category.bars[0].children] == [("电源模块", 2)]
    assert category.bars[0].share == pytest.approx(0.75)
    assert category.bars[0].children[0].share == pytest.approx(2 / 3)
    assert _bars(of("type")) == {"Problem / fault": 3, "Consultation": 1}
    assert _bars(of("channel")) == {"Phone": 2, "Email": 1, "Web portal": 1}
    assert _bars(of("product_model")) == {"设备 X-3000": 1, "电源模块 PWR-01": 1, "(no product)": 2}
    assert _bars(of("root_cause")) == {"Hardware fault › Power module": 2, "(no root cause yet)": 2}
    assert _bars(of("organization")) == {"华东精密制造有限公司": 3, "南方电网运维中心": 1}
    assert _bars(of("engineer")) == {"Eric": 2, "Alice": 1, "(unassigned)": 1}


def test_the_top_problems_are_written_the_way_the_seed_writes_them(world, fixture):
    from django.utils import translation

    with translation.override("zh-hans"):
        zh = distribution(user=world.sam, first=MARCH[0], last=MARCH[1], dimension="category").top_problems
    with translation.override("en"):
        en = distribution(user=world.sam, first=MARCH[0], last=MARCH[1], dimension="category").top_problems
    # "3月…" this year, "2026年3月…" once it is a past year.
    assert zh[0].endswith("月硬件类问题占比75%，其中电源模块问题占比67%")
    assert en == ["March 2026: 硬件类 made up 75% of tickets; of those, 电源模块 made up 67%."]


def _drill_count(user, url: str) -> int:
    """The list's count for a drill-down link, read the way the list page reads its query string."""
    query = QueryDict(urlparse(url).query)
    form = TicketFilterForm(query)
    assert form.is_valid(), form.errors
    filters = _apply_form(_view_filters(user, query["view"]), form.cleaned_data)
    return selectors.ticket_count(user=user, filters=filters, cap=10**6)


@pytest.mark.parametrize(
    "dimension", ["type", "category", "product_model", "root_cause", "organization", "engineer", "channel"]
)
def test_every_bar_drills_down_to_as_many_tickets_as_it_counts(world, fixture, dimension):
    dist = distribution(user=world.sam, first=MARCH[0], last=MARCH[1], dimension=dimension)
    bars = [b for b in dist.bars if b.params] + [c for b in dist.bars for c in b.children]
    assert bars
    created = {"created_from": "2026-03-01", "created_to": "2026-03-31"}
    for bar in bars:
        assert _drill_count(world.sam, list_url(**created, **bar.params)) == bar.count, bar.label


def test_the_list_keeps_a_drill_down_filter_when_other_filters_change(world, fixture):
    client = Client()
    client.force_login(world.sam)
    html = client.get(list_url(channel="phone", root_cause=world.power_fault.pk)).content.decode()
    assert '<input type="hidden" name="channel" value="phone">' in html
    assert f'<input type="hidden" name="root_cause" value="{world.power_fault.pk}">' in html


def test_the_backlog_bars_drill_down_to_as_many_tickets(world, fixture):
    from serviceloop.tickets.choices import OPEN_STATUSES

    board = dashboard(user=world.sam, first=MARCH[0], last=MARCH[1])
    for t in board.by_status:
        assert _drill_count(world.sam, list_url(**t.params)) == t.count
    for t in board.by_priority:
        assert _drill_count(world.sam, list_url(**t.params, status=list(OPEN_STATUSES))) == t.count


def test_the_receiver_keeps_the_same_counts_as_the_backfill(world, fixture):
    kept = sorted(
        DimensionDay.objects.exclude(count=0, total=0).values_list(
            "dimension", "day", "key", "count", "total"
        )
    )
    dims = sorted(TicketDims.objects.values_list())
    assert dims_backfill() == 6
    assert sorted(TicketDims.objects.values_list()) == dims
    assert sorted(DimensionDay.objects.values_list("dimension", "day", "key", "count", "total")) == kept


def test_a_corrected_ticket_moves_its_counts(world, fixture):
    """ticket_update (type, category, product, channel) and a new owner move T4 from one bar to another;
    the counts stay those the backfill computes."""
    t4 = fixture["T4"]
    tickets.ticket_update(
        ticket=t4,
        actor=world.sam,
        changes={
            "ticket_type": "problem",
            "category": world.power,
            "product": world.product_a,
            "channel": "email",
        },
    )
    tickets.ticket_assign(ticket=t4, actor=world.sam, owner=world.alice, group=fixture["sw"])

    def bars(dimension):
        return _bars(distribution(user=world.sam, first=MARCH[0], last=MARCH[1], dimension=dimension))

    assert bars("type") == {"Problem / fault": 4}
    assert bars("category") == {"硬件类": 4}
    assert bars("product_model") == {"设备 X-3000": 2, "电源模块 PWR-01": 1, "(no product)": 1}
    assert bars("channel") == {"Phone": 1, "Email": 2, "Web portal": 1}
    assert bars("engineer") == {"Eric": 2, "Alice": 2}
    board = dashboard(user=world.sam, first=MARCH[0], last=MARCH[1])
    assert {t.label: t.count for t in board.by_group} == {"硬件组": 2, "软件组": 2}
    kept = sorted(
        DimensionDay.objects.exclude(count=0, total=0).values_list(
            "dimension", "day", "key", "count", "total"
        )
    )
    dims_backfill()
    assert sorted(DimensionDay.objects.values_list("dimension", "day", "key", "count", "total")) == kept


def test_the_dashboard_reads_seven_statements(world, fixture, django_assert_num_queries):
    with django_assert_num_queries(7):
        dashboard(user=world.sam, first=MARCH[0], last=MARCH[1])
    with django_assert_num_queries(2):
        distribution(user=world.sam, first=MARCH[0], last=MARCH[1], dimension="engineer")


def test_agents_may_not_see_it(world, fixture):
    with pytest.raises(Forbidden):
        dashboard(user=world.alice, first=MARCH[0], last=MARCH[1])
    with pytest.raises(InvalidInput):
        distribution(user=world.sam, first=MARCH[0], last=MARCH[1], dimension="colour")
    client = Client()
    client.force_login(world.alice)
    assert client.get("/dashboard/").status_code == 404
    assert client.get("/dashboard/distributions/").status_code == 404
    assert client.get("/api/v1/dashboard").status_code == 403
    client.force_login(world.carol)
    assert client.get("/dashboard/").status_code == 404


def test_the_page_shows_the_figures_and_links_every_bar(world, fixture, django_assert_max_num_queries):
    client = Client()
    client.force_login(world.sam)
    with django_assert_max_num_queries(12):
        response = client.get("/dashboard/?start=2026-03-01&end=2026-03-31", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    html = response.content.decode()
    assert "首次修复率" in html and "50.0%" in html and "<svg" in html and "<details" in html
    response = client.get(
        "/dashboard/distributions/?start=2026-03-01&end=2026-03-31&dimension=category",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    html = response.content.decode()
    assert "硬件类问题占比75%，其中电源模块问题占比67%" in html
    link = f"?view=all&amp;created_from=2026-03-01&amp;created_to=2026-03-31&amp;category={world.hardware.pk}"
    assert link in html


@pytest.mark.parametrize(
    "query, message",
    [
        ("start=2026-03-31&end=2026-03-01", "结束日期早于开始日期。"),
        ("start=2016-01-01&end=2025-12-31", "统计周期最长 731 天。"),
        ("dimension=colour", "选择一个有效的选项"),
    ],
)
def test_bad_input_is_refused_with_a_message_in_the_users_language(world, fixture, query, message):
    client = Client()
    client.force_login(world.sam)
    response = client.get(f"/dashboard/distributions/?{query}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html and "chart-svg" not in html


def test_the_api(world, fixture):
    client = Client()
    client.force_login(world.sam)
    body = client.get("/api/v1/dashboard?start=2026-03-01&end=2026-03-31").json()
    assert body["current"]["created"] == 4 and body["previous"]["resolved"] == 1
    assert body["backlog_total"] == 4 and body["current"]["fcr_rate"] == 0.5
    body = client.get(
        "/api/v1/dashboard/distributions",
        {"start": "2026-03-01", "end": "2026-03-31", "dimension": "channel"},
    ).json()
    assert {b["key"]: b["count"] for b in body["bars"]} == {"phone": 2, "email": 1, "portal": 1}
    for query in ("start=2026-03-31&end=2026-03-01", "start=2016-01-01&end=2025-12-31"):
        response = client.get(f"/api/v1/dashboard?{query}", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "end"
    response = client.get("/api/v1/dashboard/distributions?dimension=colour")
    assert response.status_code == 422
