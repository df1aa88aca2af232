"""The original .eml: staff who can see the ticket download it byte for byte; customers never; the
admin lists every message with its status, error and a download link."""

from __future__ import annotations

import pytest
from django.test import Client

from serviceloop.channels import services
from serviceloop.channels.models import InboundMessage, Mailbox, UnknownSenders
from tests.personas import PASSWORD

from . import mails


def _received(box, raw: bytes, uid: int = 1) -> InboundMessage:
    message, _created = services.inbound_message_store(mailbox=box, uidvalidity=1, uid=uid, raw=raw)
    return services.inbound_message_process(message=message)


def _download(api, message) -> tuple[int, bytes]:
    response = api.get(f"/api/v1/email/messages/{message.pk}/original")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body


def test_staff_download_the_original_byte_for_byte(world, offline_mailbox, api_as):
    raw = mails.gbk_mail(subject="设备无法开机")
    message = _received(offline_mailbox, raw)

    status, body = _download(api_as("eric"), message)

    assert (status, body) == (200, raw)
    response = api_as("eric").get(f"/api/v1/email/messages/{message.pk}/original")
    assert response["Content-Type"] == "message/rfc822"
    assert "attachment" in response["Content-Disposition"] and ".eml" in response["Content-Disposition"]


def test_customers_never_get_the_original_not_even_of_their_own_ticket(world, offline_mailbox, api_as):
    message = _received(offline_mailbox, mails.gbk_mail())
    assert message.ticket.organization == world.org_a  # carol's own organisation

    for who in ("carol", "bob"):
        status, body = _download(api_as(who), message)
        assert status == 404 and b"GB2312" not in body.upper()


def test_a_held_message_is_for_administrators_only(world, offline_mailbox, api_as):
    offline_mailbox.unknown_senders = UnknownSenders.HOLD
    offline_mailbox.save()
    message = _received(offline_mailbox, mails.utf8_mail(sender="stranger@unknown.cn"))

    assert _download(api_as("alice"), message)[0] == 404
    assert _download(api_as("adam"), message)[0] == 200


def _admin_client(world) -> Client:
    client = Client()
    assert client.login(username="adam", password=PASSWORD)
    return client


def test_the_admin_lists_failed_messages_with_their_error_and_retries_them(
    world, offline_mailbox, monkeypatch
):
    monkeypatch.setattr(
        services, "ticket_create", lambda **kw: (_ for _ in ()).throw(RuntimeError("磁盘已满"))
    )
    message = _received(offline_mailbox, mails.gbk_mail(subject="失败的邮件"))
    monkeypatch.undo()
    client = _admin_client(world)

    page = client.get("/admin/channels/inboundmessage/?status__exact=failed")
    assert page.status_code == 200
    assert "失败的邮件" in page.content.decode() and "磁盘已满" in page.content.decode()

    response = client.post(
        "/admin/channels/inboundmessage/", {"action": "retry", "_selected_action": [message.pk]}
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == "processed" and message.ticket.title == "失败的邮件"

    original = client.get(f"/admin/channels/inboundmessage/{message.pk}/original/")
    assert (
        original.status_code == 200 and b"".join(original.streaming_content) == message.raw.open("rb").read()
    )


def test_the_admin_accepts_a_held_message(world, offline_mailbox):
    offline_mailbox.unknown_senders = UnknownSenders.HOLD
    offline_mailbox.save()
    message = _received(offline_mailbox, mails.utf8_mail(sender="孙经理 <sun@newco.cn>", subject="采购咨询"))
    client = _admin_client(world)

    client.post("/admin/channels/inboundmessage/", {"action": "accept", "_selected_action": [message.pk]})

    message.refresh_from_db()
    assert message.status == "processed" and message.ticket.title == "采购咨询"


@pytest.mark.parametrize("source", ["stored", "env", "file"])
def test_an_administrator_adds_a_mailbox_and_a_stored_password_is_kept_encrypted(world, source, tmp_path,
                                                                                  monkeypatch):
    from serviceloop.channels.credentials import mailbox_password

    monkeypatch.setenv("SUPPORT_IMAP_PASSWORD", "env-secret")
    (tmp_path / "imap.txt").write_text("file-secret\n")
    client = _admin_client(world)
    response = client.post(
        "/admin/channels/mailbox/add/",
        {
            "name": "客服邮箱",
            "address": "support@service.example.cn",
            "reply_to": "",
            "is_active": "on",
            "host": "imap.exmail.qq.com",
            "port": 993,
            "security": "tls",
            "username": "support@service.example.cn",
            "folder": "INBOX",
            "credential_source": source,
            "password_env": "SUPPORT_IMAP_PASSWORD",
            "password_file": str(tmp_path / "imap.txt"),
            "password": "stored-秘密",
            "after_processing": "move",
            "move_to": "已处理",
            "unknown_senders": "create",
            "unassigned_organization": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    mailbox = Mailbox.objects.get()
    assert "stored-秘密" not in mailbox.password_encrypted and mailbox.password_encrypted
    expected = {"stored": "stored-秘密", "env": "env-secret", "file": "file-secret"}[source]
    assert mailbox_password(mailbox) == expected


def test_a_stored_password_cannot_be_read_under_another_secret_key(world, settings):
    from serviceloop.channels.credentials import CredentialError, mailbox_password

    mailbox = Mailbox.objects.create(name="客服邮箱", address="support@service.example.cn", host="127.0.0.1",
                                     username="support")
    services.mailbox_set_password(mailbox=mailbox, password="秘密")
    assert mailbox_password(mailbox) == "秘密"
    settings.SECRET_KEY = "another-key-entirely"
    with pytest.raises(CredentialError):
        mailbox_password(mailbox)


def test_plain_imap_to_another_machine_cannot_be_configured(world):
    client = _admin_client(world)
    response = client.post(
        "/admin/channels/mailbox/add/",
        {
            "name": "客服邮箱",
            "address": "support@service.example.cn",
            "is_active": "on",
            "host": "imap.163.com",
            "port": 143,
            "security": "plain",
            "username": "support",
            "folder": "INBOX",
            "credential_source": "stored",
            "password": "x",
            "after_processing": "seen",
            "move_to": "",
            "unknown_senders": "create",
        },
    )

    assert response.status_code == 200
    assert not Mailbox.objects.exists()


def test_the_ticket_page_shows_an_emailed_reply_with_its_sender(world, offline_mailbox):
    first = _received(
        offline_mailbox, mails.gbk_mail(subject="设备无法开机", mid="<page-1@example.cn>"), uid=1
    )
    _received(offline_mailbox, mails.outlook_reply(new_text="重启后还是不行。", quoted_subject="设备无法开机",
                                                   in_reply_to="<page-1@example.cn>"), uid=2)
    client = Client()
    assert client.login(username="alice", password=PASSWORD)

    page = client.get(f"/tickets/{first.ticket.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "重启后还是不行。" in page and "wang@example.cn" in page and "发件人" in page
    assert "您好，我们已收到您的问题" not in page  # the quoted history is not shown


def test_a_date_stored_before_it_was_bounded_is_repaired_and_the_admin_lists_the_message_again(
        world, offline_mailbox):
    import importlib

    from django.apps import apps
    from django.db import connection

    message = _received(offline_mailbox, mails.gbk_mail(subject="年份一万"))
    # What the unbounded Date header wrote: PostgreSQL keeps an instant in year 10000 (and psycopg cannot read
    # it back); SQLite keeps the text.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {InboundMessage._meta.db_table} SET sent_at = %s WHERE id = %s",  # noqa: S608
            [
                "9999-12-31T23:59:59-14:00" if connection.vendor == "postgresql" else "10000-01-01 13:59:59",
                message.pk,
            ],
        )

    importlib.import_module("serviceloop.channels.migrations.0002_repair_out_of_range_sent_at").repair(
        apps, connection.schema_editor())

    assert InboundMessage.objects.get(pk=message.pk).sent_at is None
    page = _admin_client(world).get("/admin/channels/inboundmessage/")
    assert page.status_code == 200 and "年份一万" in page.content.decode()
