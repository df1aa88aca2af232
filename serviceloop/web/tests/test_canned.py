"""The canned replies page and the reply box's picker on the ticket page (issue #16.3): staff keep their
own, administrators the shared ones; customers never see either (404 on every page, no picker)."""

from __future__ import annotations

import pytest
from django.test import Client

from serviceloop.canned import services
from serviceloop.canned.models import CannedReply, Scope
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db


def login(username: str, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert client.login(username=username, password=PASSWORD)
    return client


def _rows():
    return list(CannedReply.objects.order_by("pk").values())


def test_staff_write_a_personal_reply_on_the_page_and_see_it_listed(world):
    eric = login("eric")
    page = eric.get("/canned-replies/")
    assert page.status_code == 200 and "快捷回复" in page.content.decode()
    assert 'name="scope"' not in page.content.decode()  # only administrators choose "shared"
    response = eric.post("/canned-replies/", {"title": "问候", "body": "{客户名}您好，"}, follow=True)
    html = response.content.decode()
    assert "快捷回复“问候”已保存。" in html and "{客户名}您好，" in html
    reply = CannedReply.objects.get()
    assert (reply.scope, reply.owner) == (Scope.PERSONAL, world.eric)


def test_an_unknown_variable_is_shown_next_to_the_text_and_nothing_is_saved(world):
    response = login("eric").post("/canned-replies/", {"title": "问候", "body": "{客户姓名}您好"})
    assert response.status_code == 422
    assert "未知变量 {客户姓名}" in response.content.decode()
    assert not CannedReply.objects.exists()


def test_an_administrator_writes_a_shared_reply_and_others_may_use_but_not_change_it(world):
    adam = login("adam")
    assert 'name="scope"' in adam.get("/canned-replies/").content.decode()
    adam.post("/canned-replies/", {"title": "结束语", "body": "祝好", "scope": "shared"})
    reply = CannedReply.objects.get()
    assert reply.scope == Scope.SHARED
    sam = login("sam")
    html = sam.get("/canned-replies/").content.decode()
    assert "结束语" in html and f"/canned-replies/{reply.pk}/edit/" not in html
    before = _rows()
    assert sam.get(f"/canned-replies/{reply.pk}/edit/").status_code == 404
    assert sam.post(f"/canned-replies/{reply.pk}/edit/", {"title": "x", "body": "y"}).status_code == 404
    sam.post(f"/canned-replies/{reply.pk}/delete/")
    assert _rows() == before
    adam.post(f"/canned-replies/{reply.pk}/edit/", {"title": "结束语", "body": "此致敬礼"})
    assert CannedReply.objects.get().body == "此致敬礼"
    adam.post(f"/canned-replies/{reply.pk}/delete/")
    assert not CannedReply.objects.exists()


def test_a_non_administrator_cannot_make_a_shared_reply_by_posting_the_scope(world):
    login("sam").post("/canned-replies/", {"title": "结束语", "body": "祝好", "scope": "shared"})
    assert CannedReply.objects.get().scope == Scope.PERSONAL  # the field is not on sam's form


def test_another_persons_personal_reply_is_not_found(world):
    reply = services.canned_reply_create(actor=world.alice, title="问候", body="您好")
    eric = login("eric")
    assert "问候" not in eric.get("/canned-replies/").content.decode()
    assert eric.get(f"/canned-replies/{reply.pk}/edit/").status_code == 404
    assert eric.post(f"/canned-replies/{reply.pk}/delete/").status_code == 404
    assert CannedReply.objects.filter(pk=reply.pk).exists()


@pytest.mark.parametrize("who", ["carol", "bob"])
def test_customers_get_404_on_every_page_and_no_picker(world, who):
    reply = services.canned_reply_create(actor=world.adam, title="结束语", body="祝好", scope=Scope.SHARED)
    before = _rows()
    customer = login(who)
    assert customer.get("/canned-replies/").status_code == 404
    assert customer.post("/canned-replies/", {"title": "问候", "body": "您好"}).status_code == 404
    assert customer.get(f"/canned-replies/{reply.pk}/edit/").status_code == 404
    assert customer.post(f"/canned-replies/{reply.pk}/delete/").status_code == 404
    assert _rows() == before
    ticket = world.ticket(org=world.users[who].organization, by=who)
    html = customer.get(f"/tickets/{ticket.number}/").content.decode()
    assert "canned-picker" not in html and "/canned-replies/" not in html and "快捷回复" not in html


def test_the_staff_ticket_page_has_the_picker_on_the_reply_box(world):
    ticket = world.ticket(contact=world.contact_a)
    html = login("eric").get(f"/tickets/{ticket.number}/").content.decode()
    assert 'data-canned-for="id_reply-body"' in html
    assert f"/api/v1/tickets/{ticket.number}/canned-replies/{{id}}/render" in html
    assert "js/canned-picker.js" in html


def test_the_page_works_in_english(world):
    services.canned_reply_create(actor=world.adam, title="Closing", body="Regards", scope=Scope.SHARED)
    world.eric.language = "en"  # the saved language decides (web/middleware.py)
    world.eric.save()
    html = login("eric", "en").get("/canned-replies/").content.decode()
    assert "Canned replies" in html and "Shared" in html and "{customer_name}" in html


def test_the_page_is_paged_by_cursor_and_a_foreign_cursor_is_422(world):
    for n in range(55):
        services.canned_reply_create(actor=world.eric, title=f"问候 {n}", body="您好")
    eric = login("eric")
    first = eric.get("/canned-replies/")
    assert first.context["page"].next_cursor and len(first.context["page"].items) == 50
    second = eric.get("/canned-replies/", {"cursor": first.context["page"].next_cursor})
    assert len(second.context["page"].items) == 5
    assert eric.get("/canned-replies/", {"cursor": "!!"}).status_code == 422


def test_the_admin_keeps_shared_replies_through_the_services(world):
    adam = Client()
    world.adam.is_staff = True
    world.adam.save()
    assert adam.login(username="adam", password=PASSWORD)
    refused = adam.post("/admin/canned/cannedreply/add/", {"title": "结束语", "body": "{未知}祝好"})
    assert refused.status_code == 200 and not CannedReply.objects.exists()
    adam.post("/admin/canned/cannedreply/add/", {"title": "结束语", "body": "{工程师} 祝好"})
    reply = CannedReply.objects.get()
    assert (reply.scope, reply.owner, reply.created_by) == (Scope.SHARED, None, world.adam)
    personal = services.canned_reply_create(actor=world.eric, title="问候", body="您好")
    adam.post(f"/admin/canned/cannedreply/{personal.pk}/change/", {"title": "改", "body": "改"})
    personal.refresh_from_db()
    assert personal.title == "问候"  # personal replies are their owner's, read-only here
