"""Canned replies' services: who may write which, validation, unknown variables refused by name."""

from __future__ import annotations

import pytest

from serviceloop.canned import services
from serviceloop.canned.models import CannedReply, Scope
from serviceloop.core.errors import Forbidden, InvalidInput

pytestmark = pytest.mark.django_db


def test_it_creates_a_personal_reply_owned_by_its_writer(world):
    reply = services.canned_reply_create(actor=world.eric, title="问候", body="{客户名}您好，")
    assert (reply.scope, reply.owner, reply.created_by) == (Scope.PERSONAL, world.eric, world.eric)


def test_an_administrator_creates_a_shared_reply_without_owner(world):
    reply = services.canned_reply_create(actor=world.adam, title="结束语", body="祝好", scope=Scope.SHARED)
    assert reply.scope == Scope.SHARED and reply.owner is None


@pytest.mark.parametrize("who", ["alice", "eric", "sam", "dora", "tom"])
def test_only_administrators_create_shared_replies(world, who):
    with pytest.raises(Forbidden):
        services.canned_reply_create(actor=world.users[who], title="结束语", body="祝好", scope=Scope.SHARED)
    assert not CannedReply.objects.exists()


@pytest.mark.parametrize("who", ["carol", "bob"])
def test_customers_can_create_no_canned_reply(world, who):
    with pytest.raises(Forbidden):
        services.canned_reply_create(actor=world.users[who], title="问候", body="您好")
    assert not CannedReply.objects.exists()


def test_an_unknown_variable_is_refused_with_its_name(world, settings):
    with pytest.raises(InvalidInput) as refused:
        services.canned_reply_create(actor=world.eric, title="问候", body="{客户名}您好，{到期时间}前解决")
    assert refused.value.errors[0]["field"] == "body"
    assert "{到期时间}" in refused.value.message and "{customer_name}" in refused.value.message
    assert not CannedReply.objects.exists()


def test_an_unknown_variable_is_refused_on_update_too(world):
    reply = services.canned_reply_create(actor=world.eric, title="问候", body="您好")
    with pytest.raises(InvalidInput, match="customer"):
        services.canned_reply_update(reply=reply, actor=world.eric, body="Dear {customer}")
    reply.refresh_from_db()
    assert reply.body == "您好"


@pytest.mark.parametrize(("field", "values"), [
    ("title", {"title": "  ", "body": "您好"}),
    ("title", {"title": "x" * 101, "body": "您好"}),
    ("body", {"title": "问候", "body": ""}),
    ("body", {"title": "问候", "body": "x" * 5001}),
    ("body", {"title": "问候", "body": "a\x00b"}),
])
def test_bad_titles_and_texts_are_refused_naming_the_field(world, field, values):
    with pytest.raises(InvalidInput) as refused:
        services.canned_reply_create(actor=world.eric, **values)
    assert refused.value.errors[0]["field"] == field
    assert not CannedReply.objects.exists()


def test_template_syntax_is_accepted_as_plain_text(world):
    body = "{{ settings.SECRET_KEY }} {% load static %} {\"a\": 1}"
    assert services.canned_reply_create(actor=world.eric, title="原样", body=body).body == body


def test_the_same_title_twice_is_refused_but_two_people_may_use_it(world):
    services.canned_reply_create(actor=world.eric, title="问候", body="您好")
    with pytest.raises(InvalidInput, match="问候"):
        services.canned_reply_create(actor=world.eric, title="问候", body="您好！")
    services.canned_reply_create(actor=world.alice, title="问候", body="您好")
    assert CannedReply.objects.count() == 2


def test_only_the_owner_changes_or_deletes_a_personal_reply(world):
    reply = services.canned_reply_create(actor=world.eric, title="问候", body="您好")
    for who in ("alice", "adam"):
        with pytest.raises(Forbidden):
            services.canned_reply_update(reply=reply, actor=world.users[who], title="改")
        with pytest.raises(Forbidden):
            services.canned_reply_delete(reply=reply, actor=world.users[who])
    services.canned_reply_update(reply=reply, actor=world.eric, title="问候语")
    reply.refresh_from_db()
    assert reply.title == "问候语"
    services.canned_reply_delete(reply=reply, actor=world.eric)
    assert not CannedReply.objects.exists()


def test_only_administrators_change_or_delete_a_shared_reply(world):
    reply = services.canned_reply_create(actor=world.adam, title="结束语", body="祝好", scope=Scope.SHARED)
    with pytest.raises(Forbidden):
        services.canned_reply_update(reply=reply, actor=world.sam, body="再见")
    with pytest.raises(Forbidden):
        services.canned_reply_delete(reply=reply, actor=world.sam)
    services.canned_reply_update(reply=reply, actor=world.adam, body="此致敬礼")
    reply.refresh_from_db()
    assert reply.body == "此致敬礼"
    services.canned_reply_delete(reply=reply, actor=world.adam)
    assert not CannedReply.objects.exists()
