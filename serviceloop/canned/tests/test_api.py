"""/api/v1/canned-replies and the render for a ticket: staff only, bad input 422 with nothing written,
keyset pages, a pinned query count for the list."""

from __future__ import annotations

import pytest

from serviceloop.canned import services
from serviceloop.canned.models import CannedReply, Scope

pytestmark = pytest.mark.django_db

URL = "canned-replies"


def _rows():
    return list(CannedReply.objects.order_by("pk").values())


def test_staff_create_list_update_and_delete_their_own(world, api_as):
    eric = api_as("eric", "zh-hans")
    created = eric.post(URL, {"title": "问候", "body": "{客户名}您好，"})
    assert created.status_code == 201, created.content
    reply = created.json()
    assert (reply["scope"], reply["may_edit"]) == ("personal", True)
    listed = eric.get(URL).json()
    assert [r["id"] for r in listed["items"]] == [reply["id"]] and listed["next_cursor"] is None
    changed = eric.patch(f"{URL}/{reply['id']}", {"body": "Dear {customer_name},"})
    assert changed.status_code == 200 and changed.json()["body"] == "Dear {customer_name},"
    assert eric.delete(f"{URL}/{reply['id']}").status_code == 204
    assert not CannedReply.objects.exists()


def test_everyone_sees_shared_replies_and_only_their_own_personal_ones(world, api_as):
    shared = services.canned_reply_create(actor=world.adam, title="结束语", body="祝好", scope=Scope.SHARED)
    mine = services.canned_reply_create(actor=world.eric, title="问候", body="您好")
    services.canned_reply_create(actor=world.alice, title="问候", body="您好！")
    items = api_as("eric").get(URL).json()["items"]
    assert [(r["id"], r["may_edit"]) for r in items] == [(mine.pk, True), (shared.pk, False)]
    assert [r["id"] for r in api_as("eric").get(URL, {"scope": "shared"}).json()["items"]] == [shared.pk]
    assert api_as("adam").get(f"{URL}/{shared.pk}").json()["may_edit"] is True


def test_another_persons_personal_reply_is_not_found(world, api_as):
    reply = services.canned_reply_create(actor=world.alice, title="问候", body="您好")
    before = _rows()
    eric = api_as("eric")
    assert eric.get(f"{URL}/{reply.pk}").status_code == 404
    assert eric.patch(f"{URL}/{reply.pk}", {"title": "x"}).status_code == 404
    assert eric.delete(f"{URL}/{reply.pk}").status_code == 404
    assert _rows() == before


@pytest.mark.parametrize("who", ["alice", "eric", "sam", "dora", "tom"])
def test_only_administrators_write_shared_replies(world, api_as, who):
    shared = services.canned_reply_create(actor=world.adam, title="结束语", body="祝好", scope=Scope.SHARED)
    before = _rows()
    api = api_as(who)
    assert api.post(URL, {"title": "x", "body": "y", "scope": "shared"}).status_code == 403
    assert api.patch(f"{URL}/{shared.pk}", {"body": "改"}).status_code == 403
    assert api.delete(f"{URL}/{shared.pk}").status_code == 403
    assert _rows() == before


@pytest.mark.parametrize("who", ["carol", "bob"])
def test_customers_are_refused_every_endpoint(world, api_as, who):
    shared = services.canned_reply_create(actor=world.adam, title="结束语", body="祝好", scope=Scope.SHARED)
    ticket = world.ticket(org=world.users[who].organization, by=who)
    before = _rows()
    api = api_as(who)
    answers = [
        api.get(URL),
        api.post(URL, {"title": "问候", "body": "您好"}),
        api.get(f"{URL}/{shared.pk}"),
        api.patch(f"{URL}/{shared.pk}", {"body": "改"}),
        api.delete(f"{URL}/{shared.pk}"),
        api.post(f"tickets/{ticket.number}/canned-replies/{shared.pk}/render"),
    ]
    assert [a.status_code for a in answers] == [403] * 6
    assert all(a.json()["code"] == "forbidden" for a in answers)
    assert "祝好" not in "".join(a.content.decode() for a in answers)
    assert _rows() == before


@pytest.mark.parametrize(("body", "field"), [
    ({"title": "问候", "body": "{客户姓名}您好"}, "body"),
    ({"title": "", "body": "您好"}, "title"),
    ({"title": "   ", "body": "您好"}, "title"),
    ({"title": "问候", "body": "x" * 5001}, "body"),
    ({"title": "问候", "body": "a\u0000b"}, "body"),
    ({"title": "问候", "body": "您好", "scope": "team"}, "scope"),
    ({"title": "问候", "body": "您好", "owner_id": 1}, "owner_id"),
    ({"title": "问候"}, "body"),
])
def test_bad_input_is_422_naming_the_field_and_writes_nothing(world, api_as, body, field):
    response = api_as("eric").post(URL, body)
    assert response.status_code == 422, response.content
    fields = [e["field"] for e in response.json()["errors"]]
    assert any(f == field or f.endswith(f".{field}") for f in fields), fields
    assert not CannedReply.objects.exists()


def test_the_unknown_variable_is_named_in_both_languages(world, api_as):
    zh = api_as("eric", "zh-hans").post(URL, {"title": "问候", "body": "{客户姓名}您好"}).json()
    assert "{客户姓名}" in zh["message"] and "未知变量" in zh["message"]
    en = api_as("eric", "en").post(URL, {"title": "Hello", "body": "Hi {name}"}).json()
    assert en["message"].startswith("Unknown variable {name}.")


def test_a_duplicate_title_is_422(world, api_as):
    services.canned_reply_create(actor=world.eric, title="问候", body="您好")
    before = _rows()
    response = api_as("eric").post(URL, {"title": "问候", "body": "您好！"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "title"
    assert _rows() == before


def test_the_list_is_paged_by_cursor_and_filtered_as_typed(world, api_as):
    for n in range(5):
        services.canned_reply_create(actor=world.eric, title=f"问候 {n}", body="您好")
    for n in range(3):
        services.canned_reply_create(actor=world.adam, title=f"结束语 {n}", body="祝好", scope=Scope.SHARED)
    services.canned_reply_create(actor=world.alice, title="别人的", body="您好")
    eric = api_as("eric")
    seen, cursor = [], None
    for _page in range(10):
        page = eric.get(URL, {"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        assert len(page["items"]) <= 3
        seen += [r["title"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 8 and len(set(seen)) == 8 and "别人的" not in seen
    found = {r["title"] for r in eric.get(URL, {"q": "结束"}).json()["items"]}
    assert found == {f"结束语 {n}" for n in range(3)}
    assert eric.get(URL, {"cursor": "!!"}).status_code == 422


def test_the_list_costs_the_same_few_queries_whatever_its_length(world, api_as, django_assert_num_queries):
    eric = api_as("eric")
    eric.get(URL)  # the token's first use
    for n in range(30):
        services.canned_reply_create(actor=world.eric, title=f"问候 {n}", body="您好")
        services.canned_reply_create(actor=world.adam, title=f"结束语 {n}", body="祝好", scope=Scope.SHARED)
    # the token with its user and permissions (one statement), then one ordered read per scope
    with django_assert_num_queries(3):
        assert len(eric.get(URL, {"limit": 50}).json()["items"]) == 50


def test_render_fills_the_ticket_and_refuses_an_unknown_ticket_or_reply(world, api_as):
    ticket = world.ticket(contact=world.contact_a)
    reply = services.canned_reply_create(actor=world.eric, title="问候", body="{客户名}您好，工单 {工单号}")
    eric = api_as("eric")
    url = f"tickets/{ticket.number}/canned-replies/{reply.pk}/render"
    answer = eric.post(url)
    assert answer.status_code == 200
    assert answer.json() == {"text": f"王女士您好，工单 {ticket.number}", "missing": []}
    assert eric.post(f"tickets/NOPE-1/canned-replies/{reply.pk}/render").status_code == 404
    assert eric.post(f"tickets/{ticket.number}/canned-replies/{reply.pk + 99}/render").status_code == 404
    assert api_as("alice").post(url).status_code == 404  # eric's own reply: nobody else's to use
