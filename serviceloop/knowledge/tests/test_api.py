"""/api/v1/knowledge: the article flow, and bad input answered as JSON 4xx with nothing written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from serviceloop.knowledge.models import Article, ArticleVersion
from serviceloop.tickets.models import TicketEvent

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
A = "knowledge/articles"


def test_an_article_goes_from_draft_through_rejection_to_published_by_api(world, api_as):
    alice, tom, carol = api_as("alice"), api_as("tom"), api_as("carol")
    image = alice.upload("knowledge/images", SimpleUploadedFile("接线图.png", PNG))
    assert image.status_code == 201, image.content
    created = alice.post(
        A,
        {
            "title": "E101 电源故障处理",
            "scenario": "开机报 E101",
            "steps": [{"text": "断电"}, {"text": "按图更换电源模块", "image_id": image.json()["id"]}],
            "tags": ["E101"],
            "visibility": "public",
            "product_model_ids": [world.product_a.product_model_id],
        },
    )
    assert created.status_code == 201, created.content
    article = created.json()
    assert article["status"] == "draft" and article["steps"][1]["image_url"] == image.json()["url"]
    url = f"{A}/{article['id']}"
    assert carol.get(url).status_code == 404
    assert alice.post(f"{url}/submit").json()["status"] == "submitted"
    assert alice.post(f"{url}/publish", {}).status_code == 403
    assert tom.post(f"{url}/reject", {"comment": ""}).status_code == 422
    rejected = tom.post(f"{url}/reject", {"comment": "请补充断电后的等待时间"}).json()
    assert rejected["status"] == "rejected" and rejected["review_comment"] == "请补充断电后的等待时间"
    edited = alice.patch(url, {"steps": [{"text": "断电并等待 30 秒"}]}).json()
    assert edited["version"] == 2
    alice.post(f"{url}/submit")
    assert tom.post(f"{url}/publish", {"comment": "可以发布"}).json()["status"] == "published"
    seen = carol.get(url).json()
    assert (
        seen["title"] == "E101 电源故障处理" and seen["review_comment"] == ""
    )  # the review is staff business
    assert [v["number"] for v in alice.get(f"{url}/versions").json()] == [2, 1]
    diff = alice.get(f"{url}/diff", {"old": 1, "new": 2}).json()
    assert {"op": "insert", "text": "1. 断电并等待 30 秒"} in diff["rows"]
    assert (
        carol.get(f"{url}/versions").status_code == 404
        and carol.get(f"{url}/diff", {"old": 1, "new": 2}).status_code == 404
    )
    assert carol.post(f"{url}/feedback", {"helpful": True}).json()["helpful_yes"] == 1
    assert [s["id"] for s in carol.get("knowledge/suggestions", {"q": "开机报错 E101"}).json()] == [
        article["id"]
    ]


@pytest.mark.parametrize(("query", "status"), [
    ({"old": 1, "new": 7}, 404), ({"old": 1, "new": 1}, 422), ({"old": "x", "new": 1}, 422),
    ({"old": 0, "new": 1}, 422), ({"old": 1}, 422), ({"old": 1, "new": 2**70}, 422),
])
def test_bad_diff_version_numbers_answer_404_or_422(world, api_as, query, status):
    alice = api_as("alice")
    article = alice.post(A, {"title": "标题"}).json()
    alice.patch(f"{A}/{article['id']}", {"notes": "新"})
    response = alice.get(f"{A}/{article['id']}/diff", query)
    assert response.status_code == status, response.content
    assert (
        response.json()["code"] in ("not_found", "invalid", "validation_error") and response.json()["message"]
    )


@pytest.mark.parametrize("body", [
    {"title": ""}, {"title": "x" * 201}, {"title": "a\x00b"}, {"title": "t", "visibility": "secret"},
    {"title": "t", "category_id": 999999}, {"title": "t", "product_model_ids": [999999]},
    {"title": "t", "steps": [{"text": "s", "image_id": 999999}]}, {"title": "t", "tags": ["x" * 41]},
    {"title": "t", "status": "published"}, {"title": "t", "steps": [{"text": "s"}] * 51},
])
def test_bad_article_input_is_refused_and_writes_nothing(world, api_as, body):
    response = api_as("alice").post(A, body)
    assert 400 <= response.status_code < 500 and response.status_code != 404, response.content
    assert response.json()["message"]
    assert not Article.objects.exists() and not ArticleVersion.objects.exists()


@pytest.mark.parametrize("query", ["", "x" * 2000, "\"*\" NEAR OR -", "'; DROP TABLE knowledge_article; --",
                                   "%_%", None])
def test_odd_suggestion_queries_answer_results_never_a_500(world, api_as, query):
    if query is None:  # an unpaired surrogate, as a raw client can send it (the test client cannot encode it)
        response = api_as("carol").get("knowledge/suggestions?q=%ED%A0%80%E7%94%B5")
    else:
        response = api_as("carol").get("knowledge/suggestions", {"q": query})
    assert response.status_code in (200, 422), response.content


def test_sending_an_article_replies_to_the_customer_with_its_public_link(world, api_as):
    alice, tom = api_as("alice"), api_as("tom")
    ticket = world.ticket(contact=world.contact_a)
    internal = alice.post(A, {"title": "内部排查手册"}).json()
    alice.post(f"{A}/{internal['id']}/submit")
    tom.post(f"{A}/{internal['id']}/publish", {})
    refused = alice.post(f"{A}/{internal['id']}/send", {"ticket_number": ticket.number})
    assert refused.status_code == 422 and not TicketEvent.objects.filter(ticket=ticket, kind="reply").exists()
    public = alice.post(A, {"title": "开机无显示", "visibility": "public"}).json()
    alice.post(f"{A}/{public['id']}/submit")
    tom.post(f"{A}/{public['id']}/publish", {})
    sent = alice.post(f"{A}/{public['id']}/send", {"ticket_number": ticket.number})
    assert sent.status_code == 201, sent.content
    reply = TicketEvent.objects.get(ticket=ticket, kind="reply")
    assert reply.is_public and f"/kb/articles/{public['id']}/" in reply.body and "开机无显示" in reply.body
