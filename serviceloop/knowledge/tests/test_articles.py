"""The article life cycle: drafts, versions, review, feedback, views, drafts from tickets (KB-1..3, KB-5)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from serviceloop.core.errors import Conflict, Forbidden, InvalidInput, NotFound, UnsupportedMediaType
from serviceloop.knowledge import selectors, services
from serviceloop.knowledge.models import Article, ArticleEvent, ArticleVersion
from serviceloop.tickets import services as ticket_services
from tests.personas import resolve_ticket

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def draft(world, **kwargs):
    fields = {"title": "X-3000 上电无显示的排查", "scenario": "设备上电后屏幕无显示，电源指示灯不亮。",
              "steps": [{"text": "检查电源线与插座。"}, {"text": "更换电源模块 PWR-01。"}],
              "notes": "更换前断电。", "tags": ["电源", "E101"], "visibility": "public",
              "product_models": [world.product_a.product_model]}
    fields.update(kwargs)
    return services.article_create(actor=world.alice, **fields)


def publish(world, article):
    services.article_submit(article=article, actor=world.alice)
    return services.article_publish(article=article, actor=world.tom)


def test_it_creates_a_draft_with_version_one_and_a_created_event(world):
    article = draft(world)
    assert article.status == "draft" and article.version == 1
    version = ArticleVersion.objects.get(article=article)
    assert version.number == 1 and version.tags == ["E101", "电源"] and version.product_models == ["X-3000"]
    assert [s["text"] for s in version.steps] == ["检查电源线与插座。", "更换电源模块 PWR-01。"]
    assert list(article.events.values_list("kind", flat=True)) == ["created"]


def test_every_edit_keeps_a_new_immutable_version_and_an_unchanged_save_keeps_none(world):
    article = draft(world)
    services.article_update(
        article=article, actor=world.alice, changes={"notes": "更换前务必断电并等待 30 秒。"}
    )
    services.article_update(
        article=article, actor=world.alice, changes={"notes": "更换前务必断电并等待 30 秒。"}
    )
    article.refresh_from_db()
    assert article.version == 2
    assert list(article.versions.values_list("number", "notes")) == [
        (1, "更换前断电。"),
        (2, "更换前务必断电并等待 30 秒。"),
    ]
    first = article.versions.get(number=1)
    first.notes = "rewritten"
    with pytest.raises(ValueError):
        first.save()


def test_the_review_flow_rejects_with_comments_and_then_publishes(world):
    article = draft(world)
    with pytest.raises(Conflict):
        services.article_publish(article=article, actor=world.tom)  # not submitted yet
    services.article_submit(article=article, actor=world.alice)
    with pytest.raises(Forbidden):
        services.article_publish(article=article, actor=world.alice)  # an agent does not review
    with pytest.raises(InvalidInput):
        services.article_reject(article=article, actor=world.tom, comment="  ")
    services.article_reject(article=article, actor=world.tom, comment="第二步请写明电源模块的料号。")
    article.refresh_from_db()
    assert article.status == "rejected" and article.review_comment == "第二步请写明电源模块的料号。"
    services.article_update(article=article, actor=world.alice, changes={
        "steps": [{"text": "检查电源线与插座。"}, {"text": "更换电源模块 PWR-01（料号 100-2031）。"}]})
    services.article_submit(article=article, actor=world.alice)
    services.article_publish(article=article, actor=world.tom)
    article.refresh_from_db()
    assert article.status == "published" and article.reviewer == world.tom and article.published_at
    kinds = list(ArticleEvent.objects.filter(article=article).values_list("kind", "actor__username"))
    assert kinds == [("created", "alice"), ("submitted", "alice"), ("rejected", "tom"), ("edited", "alice"),
                     ("submitted", "alice"), ("published", "tom")]


def test_a_submitted_article_is_not_edited_and_an_edited_published_one_leaves_the_portal(world):
    article = draft(world)
    services.article_submit(article=article, actor=world.alice)
    with pytest.raises(Conflict):
        services.article_update(article=article, actor=world.alice, changes={"title": "新标题"})
    services.article_publish(article=article, actor=world.tom)
    assert selectors.article_get(user=world.carol, article_id=article.pk)
    services.article_update(
        article=article, actor=world.alice, changes={"title": "X-3000 上电无显示（修订）"}
    )
    with pytest.raises(NotFound):
        selectors.article_get(user=world.carol, article_id=article.pk)


def test_only_the_author_or_a_reviewer_edits_and_customers_write_nothing(world):
    article = draft(world)
    with pytest.raises(Forbidden):
        services.article_update(article=article, actor=world.eric, changes={"title": "改"})
    services.article_update(article=article, actor=world.tom, changes={"title": "技术负责人改过的标题"})
    with pytest.raises(Forbidden):
        services.article_create(actor=world.carol, title="客户写的文章")


def test_customers_never_see_internal_or_unpublished_articles(world):
    public_draft = draft(world, title="公开草稿")
    internal = publish(world, draft(world, title="内部文章", visibility="internal"))
    public = publish(world, draft(world, title="公开文章"))
    submitted = draft(world, title="待审核")
    services.article_submit(article=submitted, actor=world.alice)
    for hidden in (public_draft, internal, submitted):
        with pytest.raises(NotFound):
            selectors.article_get(user=world.carol, article_id=hidden.pk)
        assert selectors.article_get(user=world.alice, article_id=hidden.pk)
    assert [a.pk for a in selectors.article_list(user=world.carol).items] == [public.pk]
    assert {a.pk for a in selectors.article_list(user=world.alice).items} == {
        public_draft.pk, internal.pk, public.pk, submitted.pk}


def test_helpful_is_counted_once_per_person_and_a_changed_mind_moves_the_count(world):
    article = publish(world, draft(world))
    services.article_feedback(article=article, user=world.carol, helpful=True)
    services.article_feedback(article=article, user=world.carol, helpful=True)
    services.article_feedback(article=article, user=world.bob, helpful=True)
    article = services.article_feedback(article=article, user=world.carol, helpful=False)
    assert (article.helpful_yes, article.helpful_no) == (1, 1)


def test_a_view_is_one_update_statement(world, django_assert_num_queries):
    article = publish(world, draft(world))
    with django_assert_num_queries(1):
        services.article_viewed(article=article)
    article.refresh_from_db()
    assert article.view_count == 1


def test_step_images_are_checked_by_content_and_claimed_by_the_article(world):
    with pytest.raises(UnsupportedMediaType):
        services.article_image_add(
            actor=world.alice, upload=SimpleUploadedFile("evil.png", b"MZ\x90\x00" + b"x" * 50)
        )
    with pytest.raises(UnsupportedMediaType):  # text is a valid attachment, not a step image
        services.article_image_add(actor=world.alice, upload=SimpleUploadedFile("a.png", "纯文本".encode()))
    image = services.article_image_add(actor=world.alice, upload=SimpleUploadedFile("现场.jpg", PNG))
    assert image.original_name == "现场.png" and image.content_type == "image/png"
    with pytest.raises(InvalidInput):  # somebody else's unclaimed image
        services.article_create(
            actor=world.eric, title="借图", steps=[{"text": "看图", "image_id": image.pk}]
        )
    article = draft(world, steps=[{"text": "看图", "image_id": image.pk}])
    image.refresh_from_db()
    assert image.article == article
    with pytest.raises(NotFound):
        selectors.image_get(user=world.carol, image_id=image.pk)  # the article is still a draft
    publish(world, article)
    assert selectors.image_get(user=world.carol, image_id=image.pk) == image


def test_diff_between_two_versions_shows_removed_and_added_lines(world):
    article = draft(world)
    services.article_update(
        article=article, actor=world.alice, changes={"notes": "<script>alert(1)</script>"}
    )
    _a, _b, rows = selectors.article_diff(user=world.alice, article=article, old=1, new=2)
    assert ("delete", "更换前断电。") in [(r.op, r.text) for r in rows]
    assert ("insert", "<script>alert(1)</script>") in [(r.op, r.text) for r in rows]
    with pytest.raises(NotFound):
        selectors.article_diff(user=world.alice, article=article, old=1, new=9)
    with pytest.raises(InvalidInput):
        selectors.article_diff(user=world.alice, article=article, old=2, new=2)


def resolved_ticket(world):
    ticket = world.ticket(title="X-3000 开机报错 E101", contact=world.contact_a, product=world.product_a,
                          details={"error_code": "E101"})
    ticket_services.ticket_add_internal_note(ticket=ticket, actor=world.eric, body="电源模块电容鼓包。",
                                             note_type="diagnosis")
    ticket_services.ticket_add_internal_note(
        ticket=ticket, actor=world.eric, body="更换电源模块 PWR-01 后正常开机。", note_type="solution"
    )
    ticket_services.ticket_add_reply(ticket=ticket, actor=world.alice, body="已为您更换电源模块。")
    ticket_services.ticket_transition(ticket=ticket, actor=world.alice, to_status="in_progress")
    resolve_ticket(ticket, world.alice)
    return ticket


def test_a_resolved_ticket_becomes_a_prefilled_draft_in_one_step(world):
    ticket = resolved_ticket(world)
    article = services.article_draft_from_ticket(ticket=ticket, actor=world.eric)
    assert (
        article.title == "X-3000 开机报错 E101"
        and article.status == "draft"
        and article.visibility == "internal"
    )
    assert ticket.description in article.scenario and "E101" in article.scenario
    assert (
        "电源模块电容鼓包。" in article.notes and ticket.number not in article.notes
    )  # source_ticket says it
    assert [s["text"] for s in article.steps] == ["更换电源模块 PWR-01 后正常开机。"]
    assert list(article.product_models.all()) == [world.product_a.product_model]
    assert article.source_ticket == ticket


def test_an_open_ticket_is_no_article_yet(world):
    with pytest.raises(Conflict):
        services.article_draft_from_ticket(ticket=world.ticket(), actor=world.alice)
    assert not Article.objects.exists()
