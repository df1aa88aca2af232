"""The agent's workbench in a real browser (issue #16, points 2, 4 and 8), at desktop (1280 px) and tablet
(768 px) width, in Chinese and in English: bulk actions with their summary, whole-row click, 领取 from the
list and the ticket page, the folding filter bar, the SLA column on screen at 768 px; the keyboard
shortcuts and their help; durations as "6 天 11 小时" / "6 d 11 h". axe-core checks every page touched.
Screenshots go to var/screenshots/ (not committed).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from tests.personas import PASSWORD

from .accessibility import assert_accessible
from .test_lists import workload

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips these tests
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 768, "height": 1024}
SIZES = {"desktop": DESKTOP, "tablet": TABLET}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CASES = [(size, lang) for size in SIZES for lang in ("zh-hans", "en")]


def tr(lang: str, msgid: str) -> str:
    with translation.override(lang):
        text = translation.gettext(msgid)
    assert lang == "en" or text != msgid, f"{msgid!r} is not translated to {lang}"
    return text


def open_as(new_page, world, username: str, lang: str, size: str):
    user = world.users[username]
    user.language = lang
    user.save(update_fields=["language"])
    page = new_page(viewport=SIZES[size], locale="zh-CN" if lang == "zh-hans" else "en-US")
    page.goto("/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("button[type=submit]").click()
    return page


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.fonts.ready")
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def row(page, number: str):
    return page.locator("table.list tbody tr", has=page.locator(f"a:text-is('{number}')"))


@pytest.mark.parametrize("size,lang", CASES)
def test_a_supervisor_assigns_several_tickets_at_once_and_reads_what_was_refused(
    new_page, live_world, size, lang
):
    from serviceloop.tickets import services
    from serviceloop.tickets.models import Ticket

    t = workload(live_world)
    services.ticket_transition(ticket=t["consult"], actor=live_world.sam, to_status="closed")
    page = open_as(new_page, live_world, "sam", lang, size)
    page.goto("/?view=all")
    # The filters fold away until asked for; the bar says nothing is ticked yet.
    fold = page.locator("#filter-fold")
    expect(fold).not_to_have_attribute("open", "")
    expect(page.locator(".filterbar")).to_be_hidden()
    expect(page.locator(".bulk-count")).to_have_text(tr(lang, "No ticket selected"))
    expect(page.locator(".bulk-apply")).to_be_disabled()
    assert_accessible(page, f"the list with its bulk bar ({size}, {lang})")

    chosen = [t["power"].number, t["unassigned"].number, t["consult"].number]
    for number in chosen:
        row(page, number).locator(".row-select").check()
    expect(page.locator(".bulk-count")).to_have_text(tr(lang, "COUNT selected").replace("COUNT", "3"))
    page.locator(".bulk-action").select_option("assign")
    expect(page.locator("#id_bulk-status")).to_be_hidden()  # only the assign fields show
    page.locator("#id_bulk-owner").select_option(str(live_world.eric.pk))
    shot(page, f"workbench-bulk-{size}-{lang}")
    with page.expect_navigation():
        page.locator(".bulk-apply").click()
    message = page.locator(".messages")
    with translation.override(lang):
        done = translation.ngettext(
            "Assigned %(count)s ticket to %(name)s.", "Assigned %(count)s tickets to %(name)s.", 2
        ) % {"count": 2, "name": live_world.eric}
    expect(message).to_contain_text(done)
    expect(message).to_contain_text(t["consult"].number)  # closed: named with the reason
    expect(message).to_contain_text(tr(lang, "A closed ticket cannot be reassigned; reopen it first."))
    assert set(Ticket.objects.filter(owner=live_world.eric).values_list("number", flat=True)) == {
        t["power"].number,
        t["unassigned"].number,
    }
    assert page.url.endswith("/?view=all")
    shot(page, f"workbench-bulk-done-{size}-{lang}")

    # The filter bar opens on demand.
    page.locator("#filter-fold > summary").click()
    expect(page.locator(".filterbar")).to_be_visible()
    assert_accessible(page, f"the list with its filters open ({size}, {lang})")


@pytest.mark.parametrize("size,lang", CASES)
def test_the_whole_row_opens_the_ticket_and_take_assigns_it_to_me(new_page, live_world, size, lang):
    t = workload(live_world)
    page = open_as(new_page, live_world, "alice", lang, size)
    page.goto("/?view=unassigned")
    # A click on the title, not the link, opens the ticket; the number is still a link.
    with page.expect_navigation():
        row(page, t["unassigned"].number).locator("td.title").click()
    assert page.url.endswith(f"/tickets/{t['unassigned'].number}/")
    take = page.get_by_role("button", name=tr(lang, "Take (assign to me)"), exact=True)
    assert_accessible(page, f"the ticket page with 领取 ({size}, {lang})")
    shot(page, f"workbench-ticket-{size}-{lang}")
    with page.expect_navigation():
        take.click()
    expect(page.locator(".messages")).to_contain_text(
        tr(lang, "%(number)s is now yours.") % {"number": t["unassigned"].number}
    )
    expect(take).to_have_count(0)
    t["unassigned"].refresh_from_db()
    assert t["unassigned"].owner == live_world.alice

    # 领取 from the list, one row.
    page.goto("/?view=unassigned")
    assert_accessible(page, f"未分配 with its 领取 buttons ({size}, {lang})")
    number = t["unassigned_high"].number
    with page.expect_navigation():
        page.get_by_role("button", name=tr(lang, "Take %(number)s") % {"number": number}).click()
    assert "view=unassigned" in page.url
    taken = tr(lang, "%(number)s is now yours.") % {"number": number}
    expect(page.locator(".messages")).to_contain_text(taken)
    t["unassigned_high"].refresh_from_db()
    assert t["unassigned_high"].owner == live_world.alice


@pytest.mark.parametrize("size,lang", CASES)
def test_the_sla_column_stays_on_screen_and_durations_read_naturally(new_page, live_world, size, lang):
    workload(live_world)
    page = open_as(new_page, live_world, "alice", lang, size)
    page.goto("/?view=all")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the list scrolls sideways by {overflow}px"
    header = page.get_by_role("columnheader", name="SLA", exact=True)
    box = header.bounding_box()
    wrap = page.locator("#ticket-table").bounding_box()
    assert box["x"] + box["width"] <= wrap["x"] + wrap["width"] + 1, f"SLA is cut off at {size} in {lang}"
    assert box["x"] + box["width"] <= SIZES[size]["width"]
    times = page.locator("table.list td.col-sla time").all_inner_texts()
    assert times
    unit = r"(天|小时|分钟)" if lang == "zh-hans" else r"\b(d|h|min)\b"
    for text in times:
        assert re.search(r"\d+ " + unit, text), text
        assert "日，" not in text and "hour" not in text and "minute" not in text, text
    assert_accessible(page, f"the list ({size}, {lang})")
    shot(page, f"workbench-list-{size}-{lang}")


@pytest.mark.parametrize("size,lang", [("desktop", "zh-hans"), ("tablet", "en")])
def test_the_keyboard_moves_through_the_list_and_acts_on_the_ticket(new_page, live_world, size, lang):
    t = workload(live_world)
    page = open_as(new_page, live_world, "alice", lang, size)
    page.goto("/?view=mine")
    links = page.locator("table.list tbody td.mono a")
    numbers = links.all_inner_texts()
    assert len(numbers) == 4
    page.locator("body").press("j")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(links.nth(2)).to_be_focused()
    page.keyboard.press("k")
    expect(links.nth(1)).to_be_focused()
    page.keyboard.press("x")  # ticks it for the bulk bar
    expect(page.locator("table.list tbody tr").nth(1).locator(".row-select")).to_be_checked()
    page.keyboard.press("x")

    # ? shows the help, translated; Esc closes it.
    page.keyboard.press("?")
    help_dialog = page.locator("#shortcut-help")
    expect(help_dialog).to_be_visible()
    expect(help_dialog.get_by_role("heading")).to_have_text(tr(lang, "Keyboard shortcuts"))
    expect(help_dialog).to_contain_text(tr(lang, "Unassigned"))
    assert_accessible(page, f"the shortcut help ({size}, {lang})")
    shot(page, f"workbench-shortcuts-{size}-{lang}")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    # / goes to the search box; typing there takes no shortcut.
    page.keyboard.press("/")
    expect(page.locator("#topbar-search")).to_be_focused()
    page.keyboard.type("jk")
    expect(page.locator("#topbar-search")).to_have_value("jk")
    assert page.url.endswith("/?view=mine")
    page.locator("#topbar-search").fill("")
    page.locator("#topbar-search").blur()

    # Enter opens the chosen ticket; there j / k go to the next and previous ticket of the list.
    page.keyboard.press("k")  # from the second row to the first
    expect(links.nth(0)).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/tickets/{numbers[0]}/")
    with page.expect_navigation():
        page.keyboard.press("j")
    assert page.url.endswith(f"/tickets/{numbers[1]}/")
    with page.expect_navigation():
        page.keyboard.press("k")
    assert page.url.endswith(f"/tickets/{numbers[0]}/")
    with page.expect_navigation():
        page.keyboard.press("j")

    # r reply, n note, a assign: the field is opened and focused, and typing there stays there.
    page.keyboard.press("r")
    reply = page.locator('form[action$="/reply/"] textarea')
    expect(reply).to_be_focused()
    page.keyboard.type("j k g u ?")
    expect(reply).to_have_value("j k g u ?")
    assert page.url.endswith(f"/tickets/{numbers[1]}/")
    expect(help_dialog).to_be_hidden()
    reply.blur()
    page.keyboard.press("n")
    expect(page.locator('form[action$="/note/"] textarea')).to_be_focused()
    page.locator('form[action$="/note/"] textarea').blur()
    page.keyboard.press("a")
    expect(page.locator('form[action$="/assign/"] select').first).to_be_focused()
    page.locator('form[action$="/assign/"] select').first.blur()

    # g then a letter: the views.
    with page.expect_navigation():
        page.keyboard.press("g")
        page.keyboard.press("u")
    assert page.url.endswith("/?view=unassigned")
    expect(page.get_by_role("heading", level=1)).to_have_text(tr(lang, "Unassigned"))
    with page.expect_navigation():
        page.keyboard.press("g")
        page.keyboard.press("b")
    assert page.url.endswith("/?view=breached")
    assert sorted(page.locator("table.list tbody td.mono a").all_inner_texts()) == [t["overdue"].number]
