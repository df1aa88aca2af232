"""Periodic reports and the customer's SLA report in a real browser (ANA-3, ANA-4).

A supervisor opens 报表 from the menu, asks for November's monthly report, reads its findings, adds
recommendations, publishes it and downloads the PDF; a customer contact opens SLA 报告 and exports it.
Both pages at 1280 and 768 px in both languages, with screenshots under var/screenshots/ (not committed).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from tests.personas import PASSWORD

from .conftest import chinese_font_installed

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips these tests
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WIDTHS = {"1280": {"width": 1280, "height": 900}, "768": {"width": 768, "height": 1024}}


def tr(msgid: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(msgid)


def log_in(page, username: str, language: str):
    page.goto("/login/")
    page.get_by_label(tr("Username", language), exact=True).fill(username)
    page.get_by_label(tr("Password", language), exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name=tr("Log in", language), exact=True).click()


def _shot(page, name: str):
    if chinese_font_installed():
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _no_sideways_scroll(page, what: str):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{what} scrolls sideways by {overflow}px"


def _patient(page):
    """Generating a report takes a few seconds in the request's commit (jobs run at once in tests), more on a
    busy machine: longer waits than the suite's 5 s."""
    page.set_default_timeout(30_000)
    page.set_default_navigation_timeout(30_000)
    return page


@pytest.fixture
def reports_dir(settings, tmp_path):
    settings.REPORTS_DIR = tmp_path / "reports"
    return settings.REPORTS_DIR


def test_a_supervisor_generates_reviews_and_publishes_the_monthly_report(new_page, live_world, reports_dir):
    from serviceloop.reports.models import Report
    from serviceloop.reports.tests.conftest import build_month

    build_month(live_world)
    page = _patient(new_page(viewport=WIDTHS["1280"]))
    log_in(page, "sam", "zh-hans")
    page.get_by_role("link", name="报表", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("定期报告")
    page.get_by_label("类型", exact=True).select_option("monthly")
    page.get_by_label("周期开始", exact=True).fill("2026-11-01")
    with page.expect_navigation():
        page.get_by_role("button", name="立即生成", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("服务月报 · 2026年11月")
    expect(page.locator(".findings")).to_contain_text(
        "2026年11月硬件类工单占比50%，其中电源模块问题占比60%。"
    )
    expect(page.locator(".findings")).to_contain_text("SLA 达成率最低的是硬件组：75%")
    page.get_by_role("textbox", name="改进建议").fill("加强电源模块来料检验；硬件组增加一名值班工程师。")
    with page.expect_navigation():
        page.get_by_role("button", name="保存改进建议", exact=True).click()
    _shot(page, "report-draft-zh-1280")
    with page.expect_navigation():
        page.get_by_role("button", name="发布", exact=True).click()
    expect(page.locator("h1 .badge")).to_have_text("已发布")
    expect(page.get_by_text("加强电源模块来料检验；硬件组增加一名值班工程师。")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF · 简体中文").click()
    assert download.value.suggested_filename == "monthly-20261101-final-zh-hans.pdf"
    assert Report.objects.get().status == "published"
    _shot(page, "report-published-zh-1280")

    page.set_viewport_size(WIDTHS["768"])
    page.reload()
    _no_sideways_scroll(page, "the report at 768 px")
    _shot(page, "report-published-zh-768")
    page.goto("/reports/")
    _no_sideways_scroll(page, "the reports list at 768 px")
    _shot(page, "reports-zh-768")

    page.locator("#language-select").select_option("en")  # autosubmit.js sends the form
    page.wait_for_url("**/reports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Periodic reports")
    _no_sideways_scroll(page, "the reports list at 768 px in English")
    _shot(page, "reports-en-768")
    page.get_by_role("link", name="Monthly report").click()
    expect(page.locator(".findings")).to_contain_text("In November 2026, 硬件类 made up 50% of the tickets")
    _no_sideways_scroll(page, "the report at 768 px in English")
    _shot(page, "report-published-en-768")
    page.set_viewport_size(WIDTHS["1280"])
    page.reload()
    _shot(page, "report-published-en-1280")
    page.goto("/reports/")
    _shot(page, "reports-en-1280")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_customer_reads_and_exports_her_organisations_sla_report(
    new_page, live_world, language, browser_problems
):
    from serviceloop.reports.tests.conftest import build_month

    build_month(live_world)
    live_world.carol.language = language
    live_world.carol.save()
    for width, viewport in WIDTHS.items():
        page = _patient(new_page(viewport=viewport, locale="zh-CN" if language == "zh-hans" else "en-US"))
        log_in(page, "carol", language)  # the login page speaks the browser's language
        page.get_by_role("link", name=tr("SLA report", language), exact=True).click()
        page.get_by_label(tr("From", language), exact=True).fill("2026-11-01")
        page.get_by_label(tr("To", language), exact=True).fill("2026-11-30")
        with page.expect_navigation():
            page.get_by_role("button", name=tr("Show", language), exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("华东精密制造有限公司")
        expect(page.locator(".kpis")).to_contain_text("50%")
        expect(page.locator(".kpis")).to_contain_text("300")
        expect(page.locator("table.figures tbody tr")).to_have_count(13)
        _no_sideways_scroll(page, f"the SLA report at {width} px")
        _shot(page, f"sla-report-{language}-{width}")
        with page.expect_download() as download:
            page.get_by_role("link", name="XLSX", exact=True).click()
        assert download.value.suggested_filename == f"sla-{live_world.org_a.pk}-20261101-20261130.xlsx"

        # Another organisation's report is not there for her.
        browser_problems.allow(r"sla-report/\?organization=.*404|status of 404")
        response = page.goto(f"/sla-report/?organization={live_world.org_b.pk}")
        assert response.status == 404
