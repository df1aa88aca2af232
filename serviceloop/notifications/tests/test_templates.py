"""Message wording (NTF-2): the shipped defaults cover every kind a rule sends, in both languages; the
restricted engine sees only the context; an administrator's template is checked on save and previewed."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from serviceloop.notifications import templates
from serviceloop.notifications.models import MessageKind, MessageTemplate
from tests.personas import PASSWORD

FORMATS_SENT = {  # what rules.py sends each kind by (besides email, which every kind has)
    MessageKind.CREATED: {"robot", "inapp"}, MessageKind.ACKNOWLEDGED: {"sms", "inapp"},
    MessageKind.ASSIGNED: {"robot", "inapp"}, MessageKind.ESCALATED: {"sms", "robot", "inapp"},
    MessageKind.CUSTOMER_REPLIED: {"robot", "inapp"}, MessageKind.REPLIED: {"inapp"},
    MessageKind.MILESTONE: {"inapp"}, MessageKind.PROGRESS: {"inapp"}, MessageKind.RESOLVED: {"inapp"},
    MessageKind.SURVEY: {"sms", "inapp"}, MessageKind.BREACH_WARNING: {"sms", "robot", "inapp"},
    MessageKind.REPORT: {"inapp"},
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("kind", list(MessageKind))
def test_every_kind_has_wording_in_both_languages_that_renders_on_the_sample(kind, language):
    for fmt in {"email", *FORMATS_SENT[kind]}:
        source = templates.default_source(kind, fmt, language)
        assert not source.is_empty(), (kind, fmt, language)
        assert (
            templates.check(
                kind=kind,
                fmt=fmt,
                language=language,
                subject=source.subject,
                body=source.body,
                html=source.html,
            )
            == {}
        ), (kind, fmt, language)
        rendered = templates.render_source(source, fmt, templates.sample_context(language, kind))
        if fmt == "sms":
            assert rendered.sms_params and all(len(v) <= 35 for v in rendered.sms_params.values())
        elif kind == MessageKind.REPORT:  # about no ticket: the report's title and page
            assert "2026-11" in rendered.subject and "/reports/1/" in rendered.text, (kind, fmt, language)
        else:
            assert "202612-0042" in rendered.subject + rendered.text, (kind, fmt, language)


@pytest.mark.parametrize("text", ["{% load static %}{% static 'x' %}", "{% include 'web/base.html' %}",
                                  "{% url 'web:home' %}", "{% debug %}", "{{ title|safe }}",
                                  "{% now 'Y' %}", "{{ number|date:'Y' }}", "{{ title.__class__ }}"])
def test_the_engine_knows_only_its_own_small_set_of_tags_and_filters(text):
    with translation.override("en"):
        errors = templates.check(kind="replied", fmt="email", language="zh-hans", subject="x", body=text)
    assert errors["body"].startswith("Template syntax error")


def test_a_template_sees_only_primitives_and_html_is_escaped(world):
    context = templates.ticket_context(world.ticket(title="<script>alert(1)</script>"), "zh-hans", {})
    assert all(isinstance(v, str | int | bool) for v in context.values())
    source = templates.Source(subject="{{ title }}", body="{{ title }}", html="<p>{{ title }}</p>")
    rendered = templates.render_source(source, "email", context)
    assert rendered.text == "<script>alert(1)</script>"  # plain text is not HTML
    assert rendered.html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert templates.render_source(templates.Source(body="{{ nothing.here }}{{ title.upper.x }}"), "inapp",
                                   context).text == ""  # unknown names are empty, never an error at send time


def test_sms_parameters_stay_valid_json_whatever_a_title_holds(world):
    context = templates.ticket_context(world.ticket(title='引号 " 和 \\ 反斜杠'), "zh-hans", {})
    rendered = templates.render_source(templates.Source(body='{"title": "{{ title }}"}'), "sms", context)
    assert rendered.sms_params == {"title": '引号 " 和 \\ 反斜杠'}
    assert (
        "JSON"
        in templates.check(kind="survey", fmt="sms", language="zh-hans", subject="", body="不是 JSON")["body"]
    )


def admin_client(world):
    world.adam.is_staff = True
    world.adam.save(update_fields=["is_staff"])
    client = Client()
    assert client.login(username="adam", password=PASSWORD)
    return client


FORM = {"kind": "replied", "format": "email", "language": "zh-hans", "subject": "[#{{ number }}] 回复",
        "body": "{{ contact_name }}：{{ reply }}", "html": "", "sms_template_code": ""}


def test_a_syntax_error_is_a_form_error_not_a_500_at_send_time(world):
    client = admin_client(world)
    response = client.post(
        "/admin/notifications/messagetemplate/add/", {**FORM, "body": "{% if reply %}未闭合"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "模板语法错误" in page
    assert not MessageTemplate.objects.exists()


def test_the_preview_renders_on_the_sample_ticket_without_saving(world):
    client = admin_client(world)
    response = client.post("/admin/notifications/messagetemplate/add/", {**FORM, "_preview": "预览"})
    page = response.content.decode()
    assert response.status_code == 200 and "示例工单预览" in page
    assert "[#202612-0042] 回复" in page and "王女士：您好，替换的电源模块已于今天寄出。" in page
    assert not MessageTemplate.objects.exists()
    saved = client.post("/admin/notifications/messagetemplate/add/", FORM)
    assert saved.status_code == 302
    row = MessageTemplate.objects.get()
    assert row.updated_by == world.adam
    assert templates.TemplateSet().source("replied", "email", "zh-hans").body == FORM["body"]


def test_adding_from_a_default_starts_from_the_shipped_wording(world):
    client = admin_client(world)
    listing = client.get("/admin/notifications/messagetemplate/").content.decode()
    assert "kind=acknowledged&amp;format=sms&amp;language=zh-hans" in listing
    page = client.get("/admin/notifications/messagetemplate/add/?kind=acknowledged&format=email"
                      "&language=zh-hans").content.decode()
    assert "我们已收到您的问题" in page


def test_the_deliveries_page_filters_and_resends(world):
    from serviceloop.notifications.models import Delivery

    client = admin_client(world)
    dead = Delivery.objects.create(event_key="ticket_event:1", kind="replied", channel="email",
                                   recipient="wang@example.cn", ticket=world.ticket(), status="dead",
                                   last_error="SMTP 550: mailbox unavailable")
    page = client.get(
        "/admin/notifications/delivery/?status__exact=dead&channel__exact=email"
    ).content.decode()
    assert "SMTP 550: mailbox unavailable" in page
    response = client.post(
        "/admin/notifications/delivery/", {"action": "resend", "_selected_action": [dead.pk]}
    )
    assert response.status_code == 302
    dead.refresh_from_db()
    assert dead.status in ("pending", "sent", "failed") and Delivery.objects.count() == 1


def test_endpoint_secrets_are_write_only_in_the_admin(world):
    from serviceloop.notifications.models import Robot

    client = admin_client(world)
    response = client.post("/admin/notifications/robot/add/", {
        "name": "硬件组钉钉群", "kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=tok123456",
        "secret": "SECabcdef0123456789", "language": "zh-hans", "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    robot = Robot.objects.get()
    assert robot.secret == "SECabcdef0123456789"
    page = client.get(f"/admin/notifications/robot/{robot.pk}/change/").content.decode()
    assert "SECabcdef0123456789" not in page and "tok123456" not in page and "••••6789" in page
    client.post(f"/admin/notifications/robot/{robot.pk}/change/", {
        "name": "硬件组钉钉群", "kind": "dingtalk", "url": "", "secret": "", "language": "zh-hans"})
    robot.refresh_from_db()
    assert robot.secret == "SECabcdef0123456789" and "tok123456" in robot.url and not robot.is_active
