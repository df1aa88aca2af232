"""The web workspace in a real browser: log in, the own tickets, a ticket's timeline, language, safety.

Each test runs against pytest-django's live server with committed data (transactional database), so
the server thread sees what the test created. Chinese is the default language; strings other than the
ones a person would name (我的工单, 内部) come from the zh-Hans catalogue and must be translated.
"""

from __future__ import annotations

import re
import warnings

import pytest
from django.utils import translation

from tests.personas import PASSWORD

from .conftest import DESKTOP, SCREENSHOTS, TABLET, chinese_font_installed

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips these tests
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "已远程查看：电源模块指示灯不亮，怀疑 PWR-01 损坏，准备安排备件。"
REPLY = "您好，我们已收到您的反馈，工程师正在排查，今天 18:00 前给您答复。"


def text(msgid: str, language: str = "zh-hans") -> str:
    """The catalogue's translation of msgid; a Chinese one must really be translated."""
    with translation.override(language):
        translated = translation.gettext(msgid)
    if language == "zh-hans":
        assert translated != msgid, f"{msgid!r} is not translated to zh-Hans yet"
    return translated


def log_in(page, username: str, password: str = PASSWORD, *, language: str = "zh-hans"):
    """Fill the login form by its labels and send it; returns the response of the form's POST."""
    if "/login/" not in page.url:
        page.goto("/login/")
    page.get_by_label(text("Username", language), exact=True).fill(username)
    page.get_by_label(text("Password", language), exact=True).fill(password)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=text("Log in", language), exact=True).click()
    return navigation.value


def agents_tickets(world):
    """alice's work: a fault she owns with an internal note and a reply, plus two more open tickets."""
    from serviceloop.tickets.services import ticket_add_internal_note, ticket_add_reply, ticket_assign

    fault = world.ticket(
        title="X-3000 上电无显示，报错 500",
        contact=world.contact_a,
        product=world.product_a,
        category=world.power,
        urgency="urgent",
        details={"error_code": "E500"},
    )
    fault = ticket_assign(ticket=fault, actor=world.sam, owner=world.alice)
    ticket_add_internal_note(ticket=fault, actor=world.alice, body=NOTE, note_type="diagnosis")
    ticket_add_reply(ticket=fault, actor=world.alice, body=REPLY)
    others = [
        world.ticket(title="固件 v2.3.1 升级后报表导出变慢", org=world.org_b, contact=world.contact_b,
                     product=world.product_b, ticket_type="consultation", urgency="normal"),
        world.ticket(title="希望增加批量导入设备序列号的功能", ticket_type="suggestion", urgency="important",
                     contact=world.contact_a),
    ]
    for ticket in others:
        ticket_assign(ticket=ticket, actor=world.sam, owner=world.alice)
    return fault


def test_agent_logs_in_sees_own_ticket_with_masked_phone_and_internal_note(page, live_world):
    fault = agents_tickets(live_world)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    log_in(page, "alice")

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("我的工单")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=fault.number, exact=True))
    expect(row).to_contain_text(fault.title)
    expect(row).to_contain_text("138****5678")
    expect(page.locator("main")).not_to_contain_text("13812345678")

    row.get_by_role("link", name=fault.number, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/tickets/{re.escape(fault.number)}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(fault.title)
    timeline = page.get_by_role("region", name=text("Timeline"))
    note = timeline.get_by_role("listitem").filter(has_text=NOTE)
    expect(note).to_have_count(1)
    expect(note.locator(".internal-badge")).to_have_text("内部")
    reply = timeline.get_by_role("listitem").filter(has_text=REPLY)
    expect(reply).to_have_count(1)
    expect(reply).not_to_contain_text("内部")


def test_five_wrong_passwords_lock_the_username(page, live_world, settings, browser_problems):
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_LOCK_MINUTES = 7  # not the default 15: proves the live server thread reads these settings
    wrong = text("The username or password is wrong.")
    locked = text("Too many failed attempts. Try again in %(minutes)d minutes.") % {"minutes": 7}

    page.goto("/login/")
    for _attempt in range(4):
        assert log_in(page, "alice", "not-the-password").status == 200
        expect(page.get_by_role("alert")).to_have_text(wrong)
    assert log_in(page, "alice", "not-the-password").status == 200
    expect(page.get_by_role("alert")).to_have_text(locked)

    # Locked means locked: the right password is refused too, and nobody got in.
    assert log_in(page, "alice").status == 200
    expect(page.get_by_role("alert")).to_have_text(locked)
    expect(page).to_have_url(re.compile(r"/login/$"))


def test_language_switch_is_remembered_across_logins(page, new_page, live_world):
    log_in(page, "alice")
    expect(page.get_by_role("heading", level=1)).to_have_text("我的工单")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")

    with page.expect_navigation():
        page.get_by_label(text("Language"), exact=True).select_option("en")  # submits on change
    expect(page.get_by_role("heading", level=1)).to_have_text("My tickets")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    log_in(page, "alice", language="en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My tickets")

    # Saved on the person, not only in this browser's cookie: a fresh Chinese browser gets English too.
    elsewhere = new_page()
    log_in(elsewhere, "alice")
    expect(elsewhere.get_by_role("heading", level=1)).to_have_text("My tickets")
    expect(elsewhere.get_by_label("Language", exact=True)).to_have_value("en")


def test_customer_sees_only_her_organisations_tickets(page, live_world, browser_problems):
    from serviceloop.tickets.services import ticket_add_internal_note

    ours = live_world.ticket(title="车间二号线设备报警", contact=live_world.contact_a)
    ticket_add_internal_note(ticket=ours, actor=live_world.alice, body=NOTE)
    theirs = live_world.ticket(title="变电站监控终端离线", org=live_world.org_b, contact=live_world.contact_b)
    browser_problems.allow(r"status of 404 \(Not Found\)")

    log_in(page, "carol")
    expect(page.get_by_role("heading", level=1)).to_have_text(text("Our tickets"))
    main = page.locator("main")
    expect(main.get_by_role("link", name=ours.number, exact=True)).to_be_visible()
    expect(main).not_to_contain_text(theirs.number)
    expect(main).not_to_contain_text(theirs.title)
    expect(main).not_to_contain_text(live_world.org_b.name)

    page.get_by_role("link", name=ours.number, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ours.title)
    expect(page.locator("main")).not_to_contain_text(NOTE)  # internal notes stay internal

    response = page.goto(f"/tickets/{theirs.number}/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text(theirs.title)


def test_markup_in_a_ticket_title_is_shown_as_text_never_run(page, live_world):
    from serviceloop.tickets.services import ticket_add_internal_note, ticket_assign

    title = '<img src=x onerror="alert(1)"><script>alert(2)</script><b>粗体</b>'
    body = '<script>alert(3)</script><a href="javascript:alert(4)">点我</a>'
    ticket = live_world.ticket(title=title, description=body, contact=live_world.contact_a)
    ticket_assign(ticket=ticket, actor=live_world.sam, owner=live_world.alice)
    ticket_add_internal_note(ticket=ticket, actor=live_world.alice, body=body)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    log_in(page, "alice")
    cell = page.locator("td.title", has_text="粗体")
    expect(cell).to_have_text(title)
    assert cell.locator("img, script, b").count() == 0

    page.get_by_role("link", name=ticket.number, exact=True).click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(title)
    assert heading.locator("img, script, b").count() == 0
    expect(page.locator("main script, main img, main a[href^='javascript:']")).to_have_count(0)
    expect(page.get_by_role("listitem").filter(has_text="点我").first).to_contain_text(body)
    assert dialogs == [], f"script from a ticket ran: {dialogs}"


@pytest.mark.parametrize("name,viewport", [("desktop", DESKTOP), ("tablet", TABLET)])
def test_screenshots_of_login_list_and_ticket(new_page, live_world, name, viewport):
    fault = agents_tickets(live_world)
    page = new_page(viewport=viewport)
    SCREENSHOTS.mkdir(exist_ok=True)
    if not chinese_font_installed():
        warnings.warn(
            "No Chinese font (apt-get install fonts-noto-cjk): screenshots show boxes for Chinese text",
            stacklevel=1,
        )

    def shoot(what: str):
        page.evaluate("document.fonts.ready")
        # The page itself never scrolls sideways; only the ticket table may, inside its own frame.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{what} at {name} width scrolls sideways by {overflow}px"
        page.screenshot(path=SCREENSHOTS / f"{what}-{name}.png", full_page=True)

    page.goto("/login/")
    shoot("login")
    log_in(page, "alice")
    expect(page.get_by_role("heading", level=1)).to_have_text("我的工单")
    shoot("list")
    page.get_by_role("link", name=fault.number, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(fault.title)
    shoot("ticket")


def test_login_form_works_with_the_keyboard_alone(page, live_world):
    page.goto("/login/")
    username = page.get_by_label(text("Username"), exact=True)
    password = page.get_by_label(text("Password"), exact=True)
    expect(username).to_be_focused()  # autofocus: no mouse needed to start typing

    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=text("Log in"), exact=True)).to_be_focused()
    page.keyboard.press("Shift+Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("我的工单")


def test_pages_declare_an_icon_so_browsers_log_no_favicon_404(page, live_world):
    page.goto("/login/")
    icon = page.locator("link[rel~='icon']")
    expect(icon).to_have_count(1, timeout=500)
    assert page.request.get(icon.get_attribute("href")).status == 200


def test_an_agent_registers_a_phone_call_assigns_it_and_replies(page, live_world):
    from serviceloop.tickets.models import Ticket

    log_in(page, "alice")
    page.get_by_role("navigation", name=text("Main")).get_by_role("link", name=text("Phone intake")).click()
    page.get_by_label(text("Organisation name or caller's phone")).fill("13812345")  # htmx looks it up
    page.get_by_label(live_world.org_a.name).check()
    page.get_by_label("王女士").check()
    page.get_by_label(text("Serial number")).fill("SN-A-0001")
    page.get_by_label(text("Subject")).fill("客户来电：X-3000 无法开机")
    page.get_by_label(text("The customer's words")).fill("按电源键没反应，指示灯不亮")
    page.get_by_label(text("Urgency")).select_option("urgent")
    page.get_by_role("button", name=text("Register the ticket")).click()
    ticket = Ticket.objects.get(title="客户来电：X-3000 无法开机")
    # The agent reads what to tell the caller, not the customer's own confirmation.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        text("Ticket %(number)s is registered") % {"number": ticket.number})
    expect(page.locator("main dl.facts dt").nth(1)).to_have_text(text("First response due"))
    expect(page.locator("main")).not_to_contain_text(text("Quote the ticket number when you call us."
                                                          " You can follow the progress, add information and"
                                                          " confirm the fix on the ticket's page."))

    page.get_by_role("link", name=text("Open the ticket")).click()
    page.locator("summary", has_text=text("Assign")).click()
    page.get_by_label(text("Owner"), exact=True).select_option(label=str(live_world.eric))
    page.get_by_role("button", name=text("Save"), exact=True).first.click()
    # The message says to whom (已指派给 …), not just 已保存。
    assigned = text("Assigned to %(to)s.") % {"to": str(live_world.eric)}
    expect(page.locator(".messages")).to_contain_text(assigned)
    page.locator("summary", has_text=text("Reply to the customer")).click()
    page.get_by_label(text("Reply to the customer"), exact=True).fill("您好，已安排工程师上门检查。")
    page.get_by_role("button", name=text("Send"), exact=True).click()
    timeline = page.get_by_role("region", name=text("Timeline"))
    expect(timeline.get_by_role("listitem").filter(has_text="已安排工程师上门检查")).to_have_count(1)
    ticket.refresh_from_db()
    assert (ticket.channel, ticket.product, ticket.owner) == ("phone", live_world.product_a, live_world.eric)
    assert ticket.first_response_at is not None


def test_a_customer_submits_a_problem_with_a_photo_and_gets_the_number(page, live_world, tmp_path):
    from serviceloop.tickets.models import Ticket

    photo = tmp_path / "现场照片.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    log_in(page, "carol")
    page.get_by_role("navigation", name=text("Main")).get_by_role(
        "link", name=text("Report a problem")
    ).click()
    page.get_by_label(text("Subject")).fill("设备 X-3000 无法开机")
    page.get_by_label(text("Product (model and serial number)")).select_option(index=1)
    page.get_by_label(text("What happened")).fill("按电源键无反应，指示灯不亮，提示错误代码500。")
    page.get_by_label(text("Photos, screenshots, logs, purchase proof")).set_input_files(str(photo))
    page.get_by_role("group", name=text("Is your business interrupted?")).get_by_label(
        text("Yes, work has stopped")).check()
    page.get_by_role("group", name=text("How many users are affected?")).get_by_label(
        text("One person")).check()
    page.get_by_role("group", name=text("Is it core equipment for your work?")).get_by_label(
        text("Yes, our work depends on it")).check()
    page.get_by_role("button", name=text("Submit"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text("We have received your request"))
    ticket = Ticket.objects.get(title="设备 X-3000 无法开机")
    expect(page.locator("main")).to_contain_text(ticket.number)
    assert ticket.urgency == "critical" and ticket.priority == "urgent" and ticket.attachments.count() == 1
    page.get_by_role("link", name=text("Open the ticket")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("设备 X-3000 无法开机")


# The customer's confirmation (fixed / not fixed with a reason) is tested with the whole resolution in
# test_resolution.py: the engineer resolves with a root cause, the customer reads the result and answers.
