"""The ticket page in a real browser: a file dropped on the drop zone is stored and previewed; escalation.

The agent works in English here: the page's new strings are translated centrally later, and the
assertions below use the English source strings.
"""

from __future__ import annotations

import base64
import re
import struct
import zlib

import pytest

from tests.personas import PASSWORD

from .conftest import DESKTOP, SCREENSHOTS

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips these tests
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET_PORTRAIT = {"width": 768, "height": 1024}


def png(width: int = 4, height: int = 3) -> bytes:
    """A real (decodable) PNG, so the preview has something to draw."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x0b\x6b\xcb" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def log_in_english(page, username: str):
    from serviceloop.accounts.models import User

    User.objects.filter(username=username).update(language="en")
    page.goto("/login/")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in", exact=True).click()


def drop_files(page, selector: str, files: list[tuple[str, str, bytes]]):
    """Drop files on an element the way a desktop drag does: a drop event carrying a DataTransfer."""
    transfer = page.evaluate_handle(
        """(files) => {
            const transfer = new DataTransfer();
            for (const [name, type, b64] of files) {
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                transfer.items.add(new File([bytes], name, {type}));
            }
            return transfer;
        }""",
        [[name, kind, base64.b64encode(content).decode()] for name, kind, content in files],
    )
    page.dispatch_event(selector, "dragenter", {"dataTransfer": transfer})
    page.dispatch_event(selector, "dragover", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def test_an_agent_drops_a_photo_sees_its_preview_and_escalates(new_page, live_world):
    from serviceloop.sla.models import Escalation
    from serviceloop.tickets.services import ticket_assign

    ticket = ticket_assign(
        ticket=live_world.ticket(contact=live_world.contact_a, product=live_world.product_a),
        actor=live_world.sam,
        owner=live_world.alice,
    )
    page = new_page(viewport=DESKTOP, locale="en-US")
    log_in_english(page, "alice")
    page.goto(f"/tickets/{ticket.number}/")
    timeline = page.get_by_role("region", name="Timeline")

    zone = page.locator("form[data-dropzone]")
    page.dispatch_event(
        "form[data-dropzone]",
        "dragenter",
        {
            "dataTransfer": page.evaluate_handle(
                "() => { const t = new DataTransfer(); t.items.add(new File(['x'], 'x.txt')); return t; }"
            )
        },
    )
    expect(zone).to_have_class(re.compile(r"\bis-dragover\b"))
    with page.expect_navigation():
        drop_files(page, "form[data-dropzone]", [("现场照片.png", "image/png", png())])
    expect(page.locator(".messages")).to_contain_text("1 file added.")
    event = timeline.get_by_role("listitem").filter(has_text="现场照片.png")
    expect(event).to_contain_text("Attachment added")
    preview = event.get_by_role("img", name="现场照片.png")
    expect(preview).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth === 4", arg=preview.element_handle())
    attachments = page.get_by_role("region", name="Attachments")
    expect(attachments.get_by_role("img", name="现场照片.png")).to_be_visible()

    # The same form without dragging: the labelled picker and the Upload button (keyboard friendly).
    picker = page.get_by_label("Add files", exact=True)
    picker.set_input_files([{"name": "诊断日志.txt", "mimeType": "text/plain", "buffer": b"E500 at boot\n"}])
    page.get_by_label("Internal only (never shown to the customer)").check()
    page.get_by_role("button", name="Upload", exact=True).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("1 file added.")
    log_entry = timeline.get_by_role("listitem").filter(has_text="诊断日志.txt")
    expect(log_entry.locator(".internal-badge")).to_have_text("Internal")
    expect(log_entry.get_by_role("img")).to_have_count(0)  # not an image: a link with its size
    expect(log_entry.get_by_role("link", name="诊断日志.txt")).to_be_visible()

    # A disguised file is refused with a message; nothing is added.
    with page.expect_navigation():
        drop_files(page, "form[data-dropzone]", [("截图.png", "image/png", b"MZ\x90\x00" + b"\x00" * 64)])
    expect(page.locator(".messages")).to_contain_text("“截图.png” was refused, so no file was saved")
    assert ticket.attachments.count() == 2

    page.locator("summary", has_text="Escalate").click()
    page.get_by_label("Reason", exact=True).fill("固件疑似缺陷，需要研发确认")
    page.get_by_label("Escalate to", exact=True).select_option(label=str(live_world.tom))
    page.get_by_label("Department", exact=True).fill("研发部")
    page.get_by_role("button", name="Escalate", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("The ticket was escalated.")
    escalated = timeline.get_by_role("listitem").filter(has_text="固件疑似缺陷")
    expect(escalated).to_contain_text("Manual escalation")
    expect(escalated).to_contain_text(str(live_world.tom))
    expect(escalated.locator(".internal-badge")).to_have_text("Internal")
    assert Escalation.objects.get(ticket=ticket).escalated_to == live_world.tom


@pytest.mark.parametrize("name,viewport", [("desktop", DESKTOP), ("tablet", TABLET_PORTRAIT)])
def test_the_ticket_page_fits_desktop_and_tablet_with_every_field_labelled(
    new_page, live_world, name, viewport
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from serviceloop.tickets.services import attachment_add, ticket_add_internal_note

    from .test_workspace import agents_tickets

    ticket = agents_tickets(live_world)  # alice's, with a diagnosis note and a reply
    attachment_add(
        ticket=ticket, actor=live_world.alice, upload=SimpleUploadedFile("现场照片.png", png(640, 480))
    )
    ticket_add_internal_note(ticket=ticket, actor=live_world.alice, body="备件已申请，单号 PO-2026-118。")
    page = new_page(viewport=viewport, locale="en-US")
    log_in_english(page, "alice")
    page.goto(f"/tickets/{ticket.number}/")
    for summary in page.locator(".actions summary").all():
        summary.click()  # open every action so every field is on screen
    page.evaluate("document.fonts.ready")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the ticket page at {name} width scrolls sideways by {overflow}px"
    unlabelled = page.evaluate("""() => [...document.querySelectorAll(
        'main input:not([type=hidden]), main select, main textarea')]
        .filter((el) => !el.labels || el.labels.length === 0).map((el) => el.name)""")
    assert unlabelled == []
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"ticket-actions-{name}.png", full_page=True)
