"""The ticket list in a real browser: view tabs, a priority filter saved, reopened from its chip and
deleted; the list at tablet width (768 px); screenshots of the list at desktop and tablet width.

Chinese is the person's language, as for the people who use ServiceLoop; every label is looked up in
the zh-Hans catalogue (and must be translated there).
"""

from __future__ import annotations

import re
import warnings
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.utils import timezone, translation

from tests.personas import PASSWORD

from .conftest import DESKTOP, SCREENSHOTS, chinese_font_installed

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips these tests
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET_PORTRAIT = {"width": 768, "height": 1024}


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        translated = translation.gettext(msgid)
    assert translated != msgid, f"{msgid!r} is not translated to zh-Hans"
    return translated


def log_in(page, username: str):
    page.goto("/login/")
    page.get_by_label(zh("Username"), exact=True).fill(username)
    page.get_by_label(zh("Password"), exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Log in"), exact=True).click()


def workload(world) -> dict:
    """A morning's queue: alice's own tickets, unassigned ones, her group's; overdue, at risk and
    paused clocks, two high-priority tickets among them."""
    from serviceloop.accounts.models import Team
    from serviceloop.sla.services.sweep import sla_sweep
    from serviceloop.tickets import services

    team = Team.objects.create(name="硬件组")
    team.members.add(world.alice, world.eric)
    now = timezone.now()
    t = {}
    # Assigning restarts the acknowledgement clock (ASN-3), so each is assigned when it came in.
    with time_machine.travel(now - timedelta(hours=2), tick=False):
        t["overdue"] = world.ticket(title="产线 PLC 通讯中断，二号线停产", contact=world.contact_a,
                                    category=world.hardware)
        services.ticket_set_priority(ticket=t["overdue"], actor=world.sam, priority="high", reason="客户停产")
        services.ticket_assign(ticket=t["overdue"], actor=world.sam, owner=world.alice, group=team)
    with time_machine.travel(now - timedelta(minutes=52), tick=False):
        t["at_risk"] = world.ticket(title="X-3000 上电无显示，报错 E500", contact=world.contact_a,
                                    category=world.power, product=world.product_a)
        services.ticket_assign(ticket=t["at_risk"], actor=world.sam, owner=world.alice, group=team)
    t["power"] = world.ticket(title="电源模块风扇异响", org=world.org_b, contact=world.contact_b,
                              category=world.power)
    t["consult"] = world.ticket(title="固件 v2.3.1 升级步骤咨询", ticket_type="consultation",
                                contact=world.contact_a)
    t["waiting"] = world.ticket(title="等待客户提供现场照片", contact=world.contact_a)
    t["unassigned_high"] = world.ticket(
        title="南方电网监控终端离线", org=world.org_b, contact=world.contact_b
    )
    t["unassigned"] = world.ticket(title="希望增加批量导入序列号的功能", ticket_type="suggestion")
    for key in ("consult", "waiting"):
        services.ticket_assign(ticket=t[key], actor=world.sam, owner=world.alice, group=team)
    services.ticket_assign(ticket=t["power"], actor=world.sam, owner=world.eric, group=team)
    services.ticket_transition(ticket=t["waiting"], actor=world.alice, to_status="in_progress",
                               sub_status="waiting_customer")
    services.ticket_set_priority(
        ticket=t["unassigned_high"], actor=world.sam, priority="high", reason="变电站告警"
    )
    sla_sweep()
    for ticket in t.values():
        ticket.refresh_from_db()
    return t


def shown_numbers(page) -> list[str]:
    return page.locator("table.list tbody td.mono a").all_inner_texts()


def tab(page, msgid: str):
    return page.locator("nav.viewtabs a", has_text=zh(msgid))


def test_an_agent_switches_views_filters_saves_reopens_and_deletes_a_filter(page, live_world):
    from serviceloop.tickets.models import SavedFilter

    t = workload(live_world)
    log_in(page, "alice")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("My tickets"))
    mine = [t[k].number for k in ("overdue", "at_risk", "consult", "waiting")]
    assert sorted(shown_numbers(page)) == sorted(mine)
    assert shown_numbers(page)[0] == t["overdue"].number  # the overdue ticket first
    expect(page.locator(f"tr:has(a:text-is('{t['overdue'].number}'))")).to_have_class("row-sla-breached")
    expect(page.locator(f"tr:has(a:text-is('{t['at_risk'].number}'))")).to_have_class("row-sla-at_risk")
    expect(page.locator(f"tr:has(a:text-is('{t['waiting'].number}'))")).to_have_class("row-sla-paused")
    expect(tab(page, "Unassigned").locator(".count")).to_have_text("2")

    # Views, by clicking their tabs.
    tab(page, "Unassigned").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Unassigned"))
    expect(tab(page, "Unassigned")).to_have_attribute("aria-current", "page")
    assert sorted(shown_numbers(page)) == sorted([t["unassigned"].number, t["unassigned_high"].number])
    tab(page, "My groups").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("My groups"))
    assert sorted(shown_numbers(page)) == sorted([*mine, t["power"].number])
    tab(page, "At risk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("At risk"))
    assert shown_numbers(page) == [t["at_risk"].number]
    tab(page, "Breached").click()
    assert shown_numbers(page) == [t["overdue"].number]
    tab(page, "All").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("All"))
    expect(page.locator("table.list tbody tr")).to_have_count(len(t))

    # Filter by priority: the filters fold away until asked for (issue #16.2).
    page.locator("#filter-fold > summary").click()
    page.locator("summary", has_text=zh("Status, priority and type")).click()
    page.get_by_role("group", name=zh("Priority")).get_by_label(zh("High"), exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Apply filters"), exact=True).click()
    high = sorted([t["overdue"].number, t["unassigned_high"].number])
    assert sorted(shown_numbers(page)) == high
    query = parse_qs(urlparse(page.url).query)
    assert query["view"] == ["all"] and query["priority"] == ["high"]

    # Save it.
    page.get_by_label(zh("Name of this filter"), exact=True).fill("高优先级")
    page.get_by_role("button", name=zh("Save this filter"), exact=True).click()
    expect(page.locator(".messages")).to_contain_text(zh("Filter “%(name)s” saved.") % {"name": "高优先级"})
    chip = page.locator(".saved-filters .chip", has_text="高优先级")
    expect(chip).to_have_class(re.compile(r"\bcurrent\b"))
    assert SavedFilter.objects.get(user=live_world.alice).name == "高优先级"

    # Back to the start, then open it again from its chip.
    page.get_by_role("link", name=zh("My tickets"), exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("My tickets"))
    expect(chip).not_to_have_class(re.compile(r"\bcurrent\b"))
    chip.get_by_role("link", name="高优先级", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("All"))
    expect(chip).to_have_class(re.compile(r"\bcurrent\b"))
    assert sorted(shown_numbers(page)) == high
    expect(
        page.get_by_role("group", name=zh("Priority")).get_by_label(zh("High"), exact=True)
    ).to_be_checked()

    # Delete it.
    page.get_by_role("button", name=zh("Delete saved filter %(name)s") % {"name": "高优先级"}).click()
    expect(page.locator(".messages")).to_contain_text(zh("Saved filter deleted."))
    expect(page.locator(".saved-filters .chip")).to_have_count(0)
    assert not SavedFilter.objects.exists()


def _no_sideways_scroll(page, what: str):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{what} scrolls sideways by {overflow}px"


def test_at_tablet_width_the_table_and_the_filters_are_usable(new_page, live_world):
    t = workload(live_world)
    page = new_page(viewport=TABLET_PORTRAIT)
    log_in(page, "alice")
    page.goto("/?view=all")
    _no_sideways_scroll(page, "the list at 768 px")

    # Every tab is on screen (they wrap rather than run off the edge).
    for link in page.locator("nav.viewtabs a").all():
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= TABLET_PORTRAIT["width"], box

    # The columns that matter are visible without scrolling the table; the rest may hide.
    table = page.locator("#ticket-table")
    wrap = table.bounding_box()
    for header in (zh("Number"), zh("Title"), zh("Priority"), zh("Status"), "SLA"):
        cell = page.get_by_role("columnheader", name=header, exact=True)
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box["x"] + box["width"] <= wrap["x"] + wrap["width"] + 1, f"{header} is cut off at 768 px"
    first = page.get_by_role("link", name=t["overdue"].number, exact=True)
    expect(first).to_be_in_viewport()

    # The filters can be used: a category chosen and applied, the date fields at hand.
    page.locator("#filter-fold > summary").click()
    category = page.get_by_label(zh("Category"), exact=True)
    expect(category).to_be_visible()
    category.select_option(label=str(live_world.power))
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Apply filters"), exact=True).click()
    assert sorted(shown_numbers(page)) == sorted([t["at_risk"].number, t["power"].number])
    for label in ("Created from", "Created up to", "Organisation", "Owner", "Sort by"):
        field = page.get_by_label(zh(label), exact=True)
        expect(field).to_be_visible()
        box = field.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= TABLET_PORTRAIT["width"], (label, box)
        assert box["height"] >= 32, f"{label} is too small to tap ({box['height']}px)"
    _no_sideways_scroll(page, "the filtered list at 768 px")


@pytest.mark.parametrize("name,viewport", [("desktop", DESKTOP), ("tablet", TABLET_PORTRAIT)])
def test_screenshots_of_the_list(new_page, live_world, name, viewport):
    from serviceloop.tickets.models import SavedFilter

    workload(live_world)
    SavedFilter.objects.create(user=live_world.alice, name="硬件组待办", query="view=group")
    SavedFilter.objects.create(user=live_world.alice, name="高优先级", query="view=all&priority=high")
    SCREENSHOTS.mkdir(exist_ok=True)
    if not chinese_font_installed():
        warnings.warn(
            "No Chinese font (apt-get install fonts-noto-cjk): screenshots show boxes for Chinese text",
            stacklevel=1,
        )
    page = new_page(viewport=viewport)
    log_in(page, "alice")
    page.goto("/?view=all")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("All"))
    page.evaluate("document.fonts.ready")
    _no_sideways_scroll(page, f"the list at {name} width")
    page.screenshot(path=SCREENSHOTS / f"lists-{name}.png", full_page=True)
    page.goto("/?view=all&priority=high&priority=medium")
    page.evaluate("document.fonts.ready")
    page.screenshot(path=SCREENSHOTS / f"lists-filtered-{name}.png", full_page=True)
