"""The notification centre in a real browser: the bell's count appears by itself, the list opens the
ticket, mark read updates the count; screenshots at desktop and tablet width (tests/screenshots/)."""

from __future__ import annotations

import re

import pytest

from .conftest import DESKTOP, SCREENSHOTS, TABLET
from .test_workspace import log_in, text

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips these tests
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def engineer_with_news(world):
    """eric is assigned two tickets and the customer replied on one: three notifications, unread, written by
    the outbox's in-app channel from the events the hooks hand it (sent after each commit)."""
    from serviceloop.notifications import outbox
    from serviceloop.tickets import services

    first = world.ticket(title="X-3000 上电无显示，报错 500", contact=world.contact_a, urgency="urgent")
    second = world.ticket(title="固件 v2.3.1 升级后报表导出变慢", contact=world.contact_a)
    for ticket in (first, second):
        services.ticket_assign(ticket=ticket, actor=world.sam, owner=world.eric)
    first = type(first).objects.get(pk=first.pk)
    services.ticket_add_reply(ticket=first, actor=world.carol, body="重启后依旧黑屏，指示灯不亮。")
    outbox.send_all_due(max_seconds=30)
    return first, second


@pytest.mark.parametrize("viewport,name", [(DESKTOP, "desktop"), (TABLET, "tablet")])
def test_the_bell_counts_the_list_opens_the_ticket_and_mark_read_counts_down(
    new_page, live_world, viewport, name
):
    first, _second = engineer_with_news(live_world)
    page = new_page(viewport=viewport)
    log_in(page, "eric")
    bell = page.locator("#notification-bell")
    expect(bell.locator(".bell-count")).to_have_text("3")  # loaded by htmx after the page
    expect(bell).to_have_attribute("aria-label", "通知，3 条未读")
    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(text("Notifications"))
    items = page.locator(".notification.unread")
    expect(items).to_have_count(3)
    expect(page.locator(".notification").first).to_contain_text("重启后依旧黑屏")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"notifications-{name}.png"), full_page=True)

    page.locator(".notification").first.get_by_role("button", name=text("Mark as read")).click()
    expect(page.locator(".notification.unread")).to_have_count(2)
    expect(page.locator("#notification-bell .bell-count")).to_have_text("2")
    page.get_by_role("link", name=re.compile(f"{first.number}.*指派给您")).click()
    expect(page).to_have_url(re.compile(f"/tickets/{first.number}/$"))
    page.goto("/notifications/")
    page.get_by_role("button", name=text("Mark all as read")).click()
    expect(page.locator(".notification.unread")).to_have_count(0)
    expect(page.locator("#notification-bell .bell-count")).to_have_count(0)


def test_the_settings_page_saves_a_choice(page, live_world):
    log_in(page, "eric")
    page.goto("/notifications/settings/")
    email = page.get_by_label("工单指派: 邮件")
    expect(email).to_be_checked()
    email.uncheck()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "notification-settings-desktop.png"), full_page=True)
    page.get_by_role("button", name=text("Save")).click()
    expect(page.get_by_role("status")).to_contain_text(text("Your notification settings were saved."))
    expect(page.get_by_label("工单指派: 邮件")).not_to_be_checked()
