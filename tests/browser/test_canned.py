"""Canned replies in a real browser (issue #16.3): "/" at the start of the reply box opens the picker,
typing filters it, Enter inserts the reply with its variables filled for this ticket; the button does the
same at the cursor; the reply is sent. Screenshots of the page and of the picker at desktop (1280) and
tablet (768) width go to tests/screenshots/ (or CANNED_SHOTS_DIR); axe-core checks both."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from .accessibility import assert_accessible
from .conftest import SCREENSHOTS
from .test_workspace import log_in, text

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips these tests
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("CANNED_SHOTS_DIR") or SCREENSHOTS)
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "tablet": {"width": 768, "height": 1024}}


def _replies(world):
    from serviceloop.canned import services

    services.canned_reply_create(actor=world.adam, title="预计解决时间", scope="shared",
                                 body="{客户名}您好，工单 {工单号} 预计在 {解决时限} 前解决。\n—— {工程师}")
    services.canned_reply_create(actor=world.eric, title="上门安排",
                                 body="{客户名}您好，工程师将于明天上午上门检修，请保持电话畅通。")
    services.canned_reply_create(actor=world.eric, title="索取日志",
                                 body="麻烦您导出设备日志（菜单 › 系统 › 导出日志）后回复本邮件，谢谢。")


def _reply_box(page):
    page.get_by_text(text("Reply to the customer"), exact=True).first.click()  # the <details> summary
    return page.locator("#id_reply-body")


def test_slash_in_the_reply_box_picks_a_reply_and_inserts_it_filled(new_page, live_world):
    _replies(live_world)
    ticket = live_world.ticket(contact=live_world.contact_a)
    page = new_page(viewport=WIDTHS["desktop"])
    log_in(page, "eric")
    page.goto(f"/tickets/{ticket.number}/")
    box = _reply_box(page)
    box.click()
    page.keyboard.type("/预计")
    picker = page.locator(".canned-picker")
    expect(picker).to_be_visible()
    expect(picker.get_by_role("option")).to_have_count(1)
    expect(picker.get_by_role("option")).to_contain_text("预计解决时间")
    page.keyboard.press("Enter")
    expect(picker).to_be_hidden()
    due = r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d"
    filled = rf"^王女士您好，工单 {ticket.number} 预计在 {due} 前解决。\n—— Eric$"
    expect(box).to_have_value(re.compile(filled))
    assert "/预计" not in box.input_value() and "{" not in box.input_value()

    # The button: the picker's own search field, the reply inserted where the cursor was.
    page.keyboard.press("End")
    page.keyboard.type("\n")
    page.get_by_role("button", name=text("Canned replies"), exact=True).click()
    search = page.get_by_role("combobox", name=text("Search canned replies"))
    expect(search).to_be_focused()
    search.fill("日志")
    expect(picker.get_by_role("option")).to_have_count(1)
    picker.get_by_role("option").click()
    expect(box).to_have_value(re.compile(r"—— Eric\n麻烦您导出设备日志.*谢谢。$"))

    page.get_by_role("button", name=text("Send"), exact=True).click()
    expect(page.locator(".timeline")).to_contain_text("麻烦您导出设备日志")


def test_a_missing_value_is_named_after_insertion(new_page, live_world):
    _replies(live_world)
    ticket = live_world.ticket()  # no contact
    page = new_page(viewport=WIDTHS["desktop"])
    log_in(page, "eric")
    page.goto(f"/tickets/{ticket.number}/")
    box = _reply_box(page)
    box.click()
    page.keyboard.type("/上门")
    expect(page.locator(".canned-option")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(box).to_have_value(re.compile(r"^\{客户名\}您好，工程师将于明天"))
    expect(page.locator(".canned-note")).to_contain_text("{客户名}")


@pytest.mark.parametrize("name", list(WIDTHS))
def test_screenshots_of_the_page_and_the_picker(new_page, live_world, name):
    from serviceloop.canned import services

    _replies(live_world)
    services.canned_reply_create(actor=live_world.adam, title="周末值班说明",
                                 body="周末及节假日由值班工程师处理紧急问题，一般问题将在下一个工作日回复。")
    ticket = live_world.ticket(contact=live_world.contact_a, title="X-3000 上电无显示，报错 500")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(viewport=WIDTHS[name])
    log_in(page, "adam")
    page.goto(f"/tickets/{ticket.number}/")
    _reply_box(page)
    page.get_by_role("link", name=text("Manage"), exact=True).click()  # the page is reached from the box
    expect(page.get_by_role("heading", level=1)).to_have_text(text("Canned replies"))
    page.evaluate("document.fonts.ready")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTHS[name]["width"], f"the page scrolls sideways at {name} width ({width}px)"
    page.screenshot(path=SHOTS / f"canned-page-{name}.png", full_page=True)
    assert_accessible(page, f"the canned replies page at {name} width")
    page.goto(f"/tickets/{ticket.number}/")
    box = _reply_box(page)
    box.click()
    page.keyboard.type("/")
    expect(page.locator(".canned-option")).to_have_count(2)  # adam's own and the shared one
    picker = page.locator(".canned-picker")
    box_right = picker.bounding_box()["x"] + picker.bounding_box()["width"]
    assert box_right <= WIDTHS[name]["width"], "the picker reaches beyond the screen"
    picker.evaluate("element => element.scrollIntoView({block: 'center'})")
    page.screenshot(path=SHOTS / f"canned-picker-{name}.png")
    assert_accessible(page, f"the reply box with the picker open at {name} width", context=".canned")


def test_in_english_the_button_inserts_the_reply_with_an_english_due_time(new_page, live_world):
    from serviceloop.canned import services

    live_world.eric.language = "en"
    live_world.eric.save()
    services.canned_reply_create(actor=live_world.eric, title="Due time",
                                 body="Dear {customer_name}, ticket {ticket_number} is due by {sla_due}.")
    ticket = live_world.ticket(contact=live_world.contact_a)
    page = new_page(viewport=WIDTHS["tablet"], locale="en-GB")
    log_in(page, "eric", language="en")
    page.goto(f"/tickets/{ticket.number}/")
    page.get_by_text(text("Reply to the customer", "en"), exact=True).first.click()
    page.get_by_role("button", name="Canned replies", exact=True).click()
    search = page.get_by_role("combobox", name="Search canned replies")
    search.type("due")
    search.press("Enter")  # at once: the picker chooses the first match when the answer comes
    expect(page.locator("#id_reply-body")).to_have_value(re.compile(
        rf"^Dear 王女士, ticket {ticket.number} is due by \d{{1,2}} [A-Z][a-z]{{2}} \d{{4}}, \d\d:\d\d\.$"))
