"""The knowledge base in a real browser: the review loop end to end, then the portal suggestion (KB-2, KB-4).

alice (agent) drafts an article and submits it; tom (technical lead) rejects it with a comment; alice sees
the comment, fixes the step and submits again; tom publishes; carol (customer) writing a problem sees the
article suggested as she types, and "this solved it" counts a submission avoided. Chinese UI throughout.
"""

from __future__ import annotations

import re

import pytest

from .test_workspace import log_in, text

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips these tests
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "X-3000 电源指示灯不亮的处理"
COMMENT = "第二步请写明电源模块的料号。"


def log_out(page):
    page.get_by_role("button", name=text("Log out"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/login/"))


def test_draft_review_rejection_fix_publication_and_the_customer_sees_it_suggested(new_page, live_world):
    from serviceloop.knowledge.models import Article, DeflectionEvent

    page = new_page()
    log_in(page, "alice")
    page.get_by_role("link", name=text("Knowledge base"), exact=True).click()
    page.get_by_role("link", name=text("New article"), exact=True).click()
    page.get_by_label(text("Title")).fill(TITLE)
    page.get_by_label(text("Scenario (when this applies)")).fill("设备电源指示灯不亮，无法开机。")
    page.get_by_label(text("Visibility")).select_option("public")
    page.get_by_label(text("Step %(n)s") % {"n": 1}, exact=True).fill("检查电源线和插座。")
    page.get_by_label(text("Step %(n)s") % {"n": 2}, exact=True).fill("更换电源模块。")
    page.get_by_role("button", name=text("Preview"), exact=True).click()
    expect(page.get_by_role("region", name=text("Preview"))).to_contain_text("更换电源模块。")
    page.get_by_role("button", name=text("Save"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    page.get_by_role("button", name=text("Submit for review"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(text("Submitted for review."))
    article = Article.objects.get()
    log_out(page)

    log_in(page, "tom")
    page.goto("/kb/review/")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_label(text("Comments for the author")).fill(COMMENT)
    page.get_by_role("button", name=text("Reject"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(text("Sent back to the author."))
    log_out(page)

    log_in(page, "alice")
    page.goto(f"/kb/articles/{article.pk}/")
    expect(page.get_by_role("alert")).to_contain_text(COMMENT)
    page.get_by_role("link", name=text("Edit"), exact=True).click()
    page.get_by_label(text("Step %(n)s") % {"n": 2}, exact=True).fill(
        "更换电源模块 PWR-01（料号 100-2031）。"
    )
    page.get_by_role("button", name=text("Save"), exact=True).click()
    page.get_by_role("button", name=text("Submit for review"), exact=True).click()
    log_out(page)

    log_in(page, "tom")
    page.goto(f"/kb/articles/{article.pk}/")
    page.get_by_role("button", name=text("Publish"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(text("Published."))
    page.get_by_role("button", name=text("Compare"), exact=True).click()
    expect(page.locator(".kb-diff-insert")).to_contain_text(["料号 100-2031"])
    log_out(page)

    log_in(page, "carol")
    page.goto("/submit/")
    page.get_by_label(text("Subject")).fill("电源指示灯不亮")
    suggestions = page.get_by_role("region", name=text("These articles may solve it right away"))
    expect(suggestions.get_by_role("link", name=TITLE)).to_be_visible()
    suggestions.get_by_role("button", name=text("This solved it"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text("Glad it is solved"))
    assert (
        DeflectionEvent.objects.filter(article=article, user__username="carol", ticket__isnull=True).count()
        == 1
    )
