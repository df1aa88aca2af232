"""The knowledge base's pages: editor with steps and images, preview, review, diff, public pages,
portal suggestions with deflection, the ticket page's suggestions and one-click send (KB-1..5)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from serviceloop.knowledge import services
from serviceloop.knowledge.models import Article, ArticleImage, ArticleVersion, DeflectionEvent
from serviceloop.tickets import services as ticket_services
from serviceloop.tickets.models import TicketEvent
from tests.personas import PASSWORD, resolve_ticket

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def form_data(**overrides) -> dict:
    data = {"article-title": "X-3000 上电无显示", "article-scenario": "设备上电后屏幕无显示。",
            "article-notes": "", "article-tags": "电源，E101", "article-visibility": "public",
            "steps-TOTAL_FORMS": "3", "steps-INITIAL_FORMS": "0", "steps-MIN_NUM_FORMS": "0",
            "steps-MAX_NUM_FORMS": "50", "steps-0-text": "检查电源线", "steps-1-text": "更换电源模块",
            "steps-2-text": ""}
    data.update(overrides)
    return data


def published(world, title="X-3000 上电无显示", *, visibility="public", models=()):
    article = services.article_create(
        actor=world.alice,
        title=title,
        scenario="电源指示灯不亮",
        visibility=visibility,
        product_models=list(models),
    )
    services.article_submit(article=article, actor=world.alice)
    return services.article_publish(article=article, actor=world.tom)


def test_an_agent_writes_an_article_with_a_step_image_and_previews_it_first(world):
    alice = login("alice")
    assert alice.get("/kb/new/").status_code == 200
    preview = alice.post("/kb/new/", form_data(**{"steps-1-image": SimpleUploadedFile("接线.png", PNG),
                                                  "preview": "1"}))
    assert preview.status_code == 200 and not Article.objects.exists()
    assert "检查电源线" in preview.content.decode() and ArticleImage.objects.count() == 1
    image = ArticleImage.objects.get()
    saved = alice.post("/kb/new/", form_data(**{"steps-1-image_id": str(image.pk)}))
    article = Article.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/kb/articles/{article.pk}/"
    assert article.steps == [
        {"text": "检查电源线", "image_id": None},
        {"text": "更换电源模块", "image_id": image.pk},
    ]
    assert sorted(article.tags.values_list("name", flat=True)) == ["E101", "电源"]
    page = alice.get(f"/kb/articles/{article.pk}/").content.decode()
    assert f"/kb/images/{image.pk}/" in page and alice.get(f"/kb/images/{image.pk}/").status_code == 200


def test_a_disguised_image_is_refused_next_to_the_form_and_nothing_is_written(world):
    response = login("alice").post("/kb/new/", form_data(**{
        "steps-0-image": SimpleUploadedFile("photo.png", b"MZ\x90\x00" + b"x" * 100)}))
    assert response.status_code == 415
    assert not Article.objects.exists() and not ArticleImage.objects.exists()


def test_a_lead_rejects_with_a_comment_the_author_sees_it_fixes_and_the_lead_publishes(world):
    alice, tom = login("alice"), login("tom")
    alice.post("/kb/new/", form_data())
    article = Article.objects.get()
    alice.post(f"/kb/articles/{article.pk}/submit/")
    assert article.title in tom.get("/kb/review/").content.decode()
    assert login("eric").get("/kb/review/").status_code == 404
    alice.post(f"/kb/articles/{article.pk}/publish/", {"review-comment": ""})  # not a reviewer: refused
    article.refresh_from_db()
    assert article.status == "submitted"
    tom.post(f"/kb/articles/{article.pk}/reject/", {"review-comment": "请补充 PWR-01 的料号"})
    page = alice.get(f"/kb/articles/{article.pk}/").content.decode()
    assert "请补充 PWR-01 的料号" in page
    alice.post(
        f"/kb/articles/{article.pk}/edit/",
        form_data(**{"steps-1-text": "更换电源模块 PWR-01（料号 100-2031）"}),
    )
    alice.post(f"/kb/articles/{article.pk}/submit/")
    tom.post(f"/kb/articles/{article.pk}/publish/", {"review-comment": ""})
    article.refresh_from_db()
    assert article.status == "published" and article.version == 2
    diff = alice.get(f"/kb/articles/{article.pk}/diff/", {"old": 1, "new": 2})
    assert diff.status_code == 200 and "料号 100-2031" in diff.content.decode()


def test_the_diff_page_escapes_article_text_and_answers_404_or_422_for_bad_versions(world):
    alice = login("alice")
    article = services.article_create(actor=world.alice, title="标题")
    services.article_update(
        article=article, actor=world.alice, changes={"notes": "<script>alert(1)</script>"}
    )
    page = alice.get(f"/kb/articles/{article.pk}/diff/", {"old": 1, "new": 2}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert alice.get(f"/kb/articles/{article.pk}/diff/", {"old": 1, "new": 9}).status_code == 404
    assert alice.get(f"/kb/articles/{article.pk}/diff/", {"old": 2, "new": 2}).status_code == 422
    assert alice.get(f"/kb/articles/{article.pk}/diff/", {"old": "x", "new": 2}).status_code == 422
    assert login("carol").get(f"/kb/articles/{article.pk}/diff/", {"old": 1, "new": 2}).status_code == 404


def test_customers_and_anonymous_readers_see_only_published_public_articles(world):
    public = published(world)
    internal = published(world, "内部处理", visibility="internal")
    draft = services.article_create(actor=world.alice, title="草稿", visibility="public")
    carol, anonymous = login("carol"), Client()
    for client in (carol, anonymous):
        assert client.get(f"/kb/articles/{public.pk}/").status_code == 200
        assert client.get(f"/kb/articles/{internal.pk}/").status_code == 404
        assert client.get(f"/kb/articles/{draft.pk}/").status_code == 404
    listing = carol.get("/kb/").content.decode()
    assert public.title in listing and "内部处理" not in listing and "草稿" not in listing
    public.refresh_from_db()
    assert public.view_count == 2
    carol.post(f"/kb/articles/{public.pk}/feedback/", {"helpful": "yes"})
    carol.post(f"/kb/articles/{public.pk}/feedback/", {"helpful": "yes"})
    public.refresh_from_db()
    assert public.helpful_yes == 1


def test_the_portal_suggests_public_articles_and_counts_a_deflection_unless_submitted_anyway(world):
    article = published(world, "电源指示灯不亮怎么办")
    published(world, "电源指示灯不亮（内部）", visibility="internal")
    carol = login("carol")
    assert 'data-kb-suggest="/kb/suggest/"' in carol.get("/submit/").content.decode()
    found = carol.get("/kb/suggest/", {"q": "设备电源指示灯不亮"}).content.decode()
    assert "电源指示灯不亮怎么办" in found and "内部" not in found
    assert carol.post("/kb/solved/", {"article": article.pk, "q": "电源指示灯不亮"}).status_code == 200
    deflection = DeflectionEvent.objects.get()
    assert deflection.ticket is None and deflection.organization == world.org_a
    carol.post("/submit/", {"problem-title": "电源指示灯不亮", "problem-description": "还是不亮",
                            "problem-business_stop": "running", "problem-reach": "one", "problem-core": "no"})
    deflection.refresh_from_db()
    assert deflection.ticket is not None  # submitted after all: not a submission avoided
    assert (
        login("alice").get("/kb/suggest/").content.decode().strip() == ""
    )  # staff get no portal suggestions


def test_the_ticket_page_suggests_articles_and_sends_one_as_a_reply_in_one_click(world):
    article = published(world, "X-3000 上电无显示", models=[world.product_a.product_model])
    ticket = world.ticket(title="X-3000 上电无显示", contact=world.contact_a, product=world.product_a)
    alice = login("alice")
    assert f"/kb/tickets/{ticket.number}/" in alice.get(f"/tickets/{ticket.number}/").content.decode()
    panel = alice.get(f"/kb/tickets/{ticket.number}/").content.decode()
    assert article.title in panel and f"/kb/tickets/{ticket.number}/send/" in panel
    assert login("carol").get(f"/kb/tickets/{ticket.number}/").status_code == 404
    sent = alice.post(f"/kb/tickets/{ticket.number}/send/", {"article": article.pk})
    assert sent.status_code == 302
    reply = TicketEvent.objects.get(ticket=ticket, kind="reply")
    assert f"http://testserver/kb/articles/{article.pk}/" in reply.body


def test_a_resolved_ticket_becomes_a_draft_in_one_click(world):
    ticket = world.ticket(title="E101 开机报错", contact=world.contact_a)
    ticket_services.ticket_add_internal_note(
        ticket=ticket, actor=world.alice, body="更换电源模块", note_type="solution"
    )
    ticket_services.ticket_transition(ticket=ticket, actor=world.alice, to_status="in_progress")
    resolve_ticket(ticket, world.alice)
    alice = login("alice")
    assert (
        f"/kb/tickets/{ticket.number}/draft/" in alice.get(f"/kb/tickets/{ticket.number}/").content.decode()
    )
    response = alice.post(f"/kb/tickets/{ticket.number}/draft/")
    article = Article.objects.get()
    assert response["Location"] == f"/kb/articles/{article.pk}/edit/"
    assert (
        article.steps[0]["text"] == "更换电源模块"
        and ArticleVersion.objects.filter(article=article).count() == 1
    )
    edit = alice.get(response["Location"]).content.decode()
    assert "E101 开机报错" in edit and "更换电源模块" in edit


def test_a_cursor_that_is_not_ours_shows_the_first_page_with_a_message(world):
    article = published(world)
    response = login("carol").get("/kb/", {"cursor": "not-a-cursor!"})
    assert response.status_code == 422 and article.title in response.content.decode()


def test_a_rejection_without_a_comment_is_refused_with_a_message_and_changes_nothing(world):
    article = services.article_create(actor=world.alice, title="标题")
    services.article_submit(article=article, actor=world.alice)
    response = login("tom").post(f"/kb/articles/{article.pk}/reject/", {"review-comment": " "}, follow=True)
    article.refresh_from_db()
    assert article.status == "submitted" and not article.events.filter(kind="rejected").exists()
    assert 'class="msg-error"' in response.content.decode()  # the reason, in the page's language


def test_editing_a_published_article_warns_that_it_leaves_the_portal_until_published_again(world):
    from django.utils import translation

    article = published(world)
    with translation.override("zh-hans"):
        warning = translation.gettext("This article is published. Saving a change takes it back to draft: it "
                                      "leaves the portal until a reviewer publishes it again.")
    assert warning in login("alice").get(f"/kb/articles/{article.pk}/edit/").content.decode()


def test_the_search_page_lists_matching_articles_the_reader_may_see(world):
    public = published(world, "X-3000 电源模块更换步骤")
    internal = published(world, "X-3000 电源模块内部排查", visibility="internal")
    staff_page = login("alice").get("/search/", {"q": "电源模块"}).content.decode()
    customer_page = login("carol").get("/search/", {"q": "电源模块"}).content.decode()
    assert f"/kb/articles/{public.pk}/" in staff_page and f"/kb/articles/{internal.pk}/" in staff_page
    assert (
        f"/kb/articles/{public.pk}/" in customer_page and f"/kb/articles/{internal.pk}/" not in customer_page
    )
