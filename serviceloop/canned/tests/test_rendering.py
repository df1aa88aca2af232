"""Filling a canned reply's variables from a ticket: plain values, missing ones kept and named, the SLA due
time in the service time zone and the reader's language, and no template language ever run."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from serviceloop.canned import rendering, selectors, services
from serviceloop.canned.models import CannedReply
from serviceloop.tickets import selectors as ticket_selectors
from serviceloop.tickets.processing import ticket_set_sub_status
from serviceloop.tickets.services import ticket_assign, ticket_transition

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _render(world, body: str, *, ticket=None, writer="alice", language="zh-hans"):
    ticket = ticket or world.ticket(contact=world.contact_a)
    title = f"t{CannedReply.objects.count()}"
    reply = services.canned_reply_create(actor=world.users[writer], title=title, body=body)
    fresh = ticket_selectors.ticket_get(user=world.users[writer], number=ticket.number)
    with translation.override(language):
        return selectors.canned_reply_render(user=world.users[writer], reply=reply, ticket=fresh)


def test_it_fills_every_variable_in_chinese_or_english_names(world):
    ticket = world.ticket(contact=world.contact_a)
    ticket_assign(ticket=ticket, actor=world.alice, owner=world.eric)
    body = "{客户名}您好，工单 {工单号} 由 {工程师} 处理。Dear {customer_name}, {ticket_number}, {engineer}."
    rendered = _render(world, body, ticket=ticket)
    n = ticket.number
    assert rendered.text == f"王女士您好，工单 {n} 由 Eric 处理。Dear 王女士, {n}, Eric."
    assert rendered.missing == []


def test_the_engineer_is_the_writer_when_the_ticket_has_no_owner(world):
    assert _render(world, "{工程师}", writer="sam").text == "Sam"


def test_the_sla_due_time_is_in_the_service_time_zone_and_the_readers_language(world):
    ticket = world.ticket(contact=world.contact_a)
    due = ticket.sla.resolution_due.astimezone(SHANGHAI)
    zh = _render(world, "请于 {解决时限} 前", ticket=ticket)
    assert zh.text == f"请于 {due.year}年{due.month}月{due.day}日 {due:%H:%M} 前"
    en = _render(world, "by {sla_due}", ticket=ticket, language="en")
    assert en.text == f"by {due.day} {due:%b %Y, %H:%M}"


def test_format_due_converts_utc_to_shanghai(world):
    due = datetime(2026, 12, 31, 9, 30, tzinfo=ZoneInfo("UTC"))
    with translation.override("zh-hans"):
        assert rendering.format_due(due) == "2026年12月31日 17:30"
    with translation.override("en"):
        assert rendering.format_due(due) == "31 Dec 2026, 17:30"


def test_a_paused_clock_says_so_instead_of_a_time(world):
    ticket = world.ticket(contact=world.contact_a)
    ticket_transition(ticket=ticket, actor=world.alice, to_status="in_progress")
    ticket_set_sub_status(ticket=ticket, actor=world.alice, sub_status="waiting_customer")
    assert ticket_selectors.ticket_get(user=world.alice, number=ticket.number).sla.paused_since is not None
    assert _render(world, "{解决时限}", ticket=ticket).text == "暂停计时中"
    english = _render(world, "{sla_due}", ticket=ticket, language="en")
    assert english.text == "on hold (the SLA clock is paused)"


def test_a_resolved_ticket_still_names_the_deadline_it_had(world):
    ticket = world.ticket(contact=world.contact_a)
    deadline = ticket.sla.resolution_due
    ticket_transition(ticket=ticket, actor=world.alice, to_status="in_progress")
    world.resolve(ticket)
    ticket.sla.refresh_from_db()
    assert ticket.sla.resolution_due is None and ticket.sla.resolution_deadline == deadline
    with translation.override("zh-hans"):
        expected = rendering.format_due(deadline)
    assert _render(world, "{解决时限}", ticket=ticket).text == expected


def test_missing_values_keep_their_placeholder_and_are_named(world):
    ticket = world.ticket()  # no contact
    ticket.sla.delete()  # no SLA clock either
    rendered = _render(world, "{客户名}您好，{解决时限}前，{客户名}", ticket=ticket)
    assert rendered.text == "{客户名}您好，{解决时限}前，{客户名}"
    assert rendered.missing == ["{客户名}", "{解决时限}"]


@pytest.mark.parametrize("body", [
    "{{ settings.SECRET_KEY }}",
    "{% load static %}{% debug %}",
    "{{ ticket.organization.name }} {{customer_name|upper}}",
    "<script>alert(1)</script> {\"a\": 1}",
])
def test_template_language_stays_literal(world, settings, body):
    rendered = _render(world, body)
    assert settings.SECRET_KEY not in rendered.text
    assert "华东" not in rendered.text
    # Only a bare known placeholder is replaced; here there is none, so every character stays.
    assert rendered.text == body and rendered.missing == []


def test_a_contact_name_with_braces_or_markup_is_inserted_as_plain_text(world):
    world.contact_a.name = "{工单号}<b>王</b>{{ x }}"
    world.contact_a.save()
    rendered = _render(world, "{客户名}：")
    assert rendered.text == "{工单号}<b>王</b>{{ x }}："  # filled once, never filled again
