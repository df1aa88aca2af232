"""The dashboard (ANA-1) and a drill-down from the distributions (ANA-2) in a real browser, in Chinese and
English; screenshots at 1280 and 768 px in var/screenshots/ (not committed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from tests.personas import PASSWORD

from .test_lists import _no_sideways_scroll, shown_numbers

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips these tests
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WIDTHS = {"1280": {"width": 1280, "height": 900}, "768": {"width": 768, "height": 1024}}
LOCALES = {"zh": ("zh-CN", "zh-hans"), "en": ("en-US", "en")}


def tr(language: str, msgid: str) -> str:
    with translation.override(language):
        return translation.gettext(msgid)


def log_in(page, language: str = "zh-hans"):
    page.goto("/login/")
    page.get_by_label(tr(language, "Username"), exact=True).fill("sam")
    page.get_by_label(tr(language, "Password"), exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name=tr(language, "Log in"), exact=True).click()


@pytest.mark.parametrize("lang", list(LOCALES))
@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_dashboard_and_a_drill_down(new_page, live_world, lang, width):
    from serviceloop.analytics.tests.test_dashboard import build_fixture

    t = build_fixture(live_world)
    locale, language = LOCALES[lang]
    page = new_page(viewport=WIDTHS[width], locale=locale)
    log_in(page, language)  # the login page follows the browser; the workspace the person's own choice
    page.goto("/dashboard/?start=2026-03-01&end=2026-03-31")
    if language == "en":
        with page.expect_navigation():
            page.locator("#language-select").select_option("en")
    expect(page.get_by_role("heading", level=1)).to_have_text(tr(language, "Dashboard"))
    fcr = page.locator('[data-figure="fcr_rate"]')
    expect(fcr).to_contain_text(tr(language, "First-contact resolution rate"))
    expect(fcr.locator(".kpi-value")).to_have_text("50.0%")
    expect(page.locator('[data-figure="backlog"] .kpi-value')).to_have_text("4")
    # The numbers behind a chart are one click away.
    numbers = page.locator("#chart-status details")
    numbers.locator("summary").click()
    expect(numbers.locator("table")).to_be_visible()
    page.evaluate("document.fonts.ready")
    _no_sideways_scroll(page, f"the dashboard at {width} px")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"dashboard-{lang}-{width}.png", full_page=True)

    # Distributions by category: the 硬件类 bar opens the list with the same filter, three tickets.
    page.get_by_role("link", name=f"{tr(language, 'Distributions')} →").click()
    expect(page.locator(".top-problems li").first).to_contain_text("75%")
    page.evaluate("document.fonts.ready")
    _no_sideways_scroll(page, f"the distributions at {width} px")
    page.screenshot(path=SHOTS / f"distributions-{lang}-{width}.png", full_page=True)
    with page.expect_navigation():
        page.locator("#chart-category svg a").first.click()
    assert sorted(shown_numbers(page)) == sorted(t[k].number for k in ("T1", "T2", "T3"))
    page.screenshot(path=SHOTS / f"drilldown-{lang}-{width}.png", full_page=True)
