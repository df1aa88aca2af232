"""Issue #9: the pages work under the Content-Security-Policy (a violation is a console error, which
fails the test): the list's htmx refresh and order select, the language switch, the API docs."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.test_workspace import log_in


def test_the_workspace_and_the_api_docs_work_under_the_policy(page, live_world):
    ticket = live_world.ticket(title="CSP 下的列表")
    page.goto("/login/")
    log_in(page, "alice")
    response = page.goto("/?view=all")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("link", name=ticket.number, exact=True)).to_be_visible()
    page.select_option("select[name=order]", "newest")  # data-autosubmit="request": no inline handler
    expect(page).to_have_url(re.compile(r"order=newest"))
    page.goto(f"/tickets/{ticket.number}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(ticket.title)
    page.select_option("#language-select", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(ticket.title)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title").first).to_contain_text("ServiceLoop API", timeout=15_000)
