"""The fetch job against a real IMAP server (Dovecot on loopback, tests/dovecot.py): messages APPENDed
as a mail client delivers them, fetched by UID, stored, processed, then marked read or moved — and
never twice, never stuck, nothing removed from the server before it is processed (USR-9)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from serviceloop.channels import services
from serviceloop.channels.models import AfterProcessing, InboundMessage, LoopReason, Mailbox, MessageStatus
from serviceloop.customers.models import EmailBounce
from serviceloop.tickets.choices import EventKind
from serviceloop.tickets.models import Attachment, Ticket, TicketEvent

from . import mails


def test_it_fetches_new_mail_makes_tickets_and_marks_it_read_on_the_server(world, mailbox, dovecot):
    uids = dovecot.append(mailbox.folder, mails.gbk_mail(subject="设备无法开机"), mails.big5_mail(),
                          mails.auto_reply("auto_submitted"))

    result = services.mailbox_fetch(mailbox=mailbox)

    assert (result.fetched, result.processed, result.failed, result.error) == (3, 3, 0, "")
    assert sorted(Ticket.objects.values_list("title", flat=True)) == ["印表機無法列印", "设备无法开机"]
    stored = {m.uid: m for m in InboundMessage.objects.all()}
    assert set(stored) == set(uids)
    assert stored[uids[2]].status == MessageStatus.IGNORED
    on_server = dovecot.messages(mailbox.folder)
    assert all("\\Seen" in on_server[uid]["flags"] for uid in uids)
    # The stored .eml is the server's message byte for byte.
    for uid, message in stored.items():
        assert message.raw.read() == on_server[uid]["raw"]
    mailbox.refresh_from_db()
    assert mailbox.last_uid == max(uids) and mailbox.uidvalidity == dovecot.uidvalidity(mailbox.folder)
    assert mailbox.last_error == "" and mailbox.claimed_until is None


def test_running_again_fetches_only_what_is_new(world, mailbox, dovecot):
    dovecot.append(mailbox.folder, mails.gbk_mail(subject="第一封"))
    services.mailbox_fetch(mailbox=mailbox)
    dovecot.append(mailbox.folder, mails.gbk_mail(subject="第二封"))

    again = services.mailbox_fetch(mailbox=mailbox)
    nothing = services.mailbox_fetch(mailbox=mailbox)

    assert (again.fetched, nothing.fetched) == (1, 0)
    assert sorted(Ticket.objects.values_list("title", flat=True)) == ["第一封", "第二封"]


def test_it_moves_processed_mail_to_a_chinese_named_folder_when_configured(world, mailbox, dovecot):
    mailbox.after_processing = AfterProcessing.MOVE
    mailbox.save()
    dovecot.append(mailbox.folder, mails.gbk_mail(), mails.gbk_mail(subject="第二个问题"))

    services.mailbox_fetch(mailbox=mailbox)

    assert dovecot.messages(mailbox.folder) == {}
    moved = dovecot.messages(mailbox.move_to)
    assert len(moved) == 2 and Ticket.objects.count() == 2
    assert InboundMessage.objects.filter(server_done_at__isnull=True).count() == 0


def test_a_reply_fetched_later_threads_into_the_ticket_of_the_first_message(world, mailbox, dovecot):
    dovecot.append(mailbox.folder, mails.gbk_mail(subject="打印机卡纸", mid="<thread-1@example.cn>"))
    services.mailbox_fetch(mailbox=mailbox)
    dovecot.append(mailbox.folder, mails.outlook_reply(new_text="今天又卡纸了。", quoted_subject="打印机卡纸",
                                                       in_reply_to="<thread-1@example.cn>"))

    services.mailbox_fetch(mailbox=mailbox)

    ticket = Ticket.objects.get()
    reply = TicketEvent.objects.get(ticket=ticket, kind=EventKind.CUSTOMER_REPLY)
    assert reply.body == "今天又卡纸了。"


def test_a_changed_uidvalidity_rereads_the_folder_without_doubling_anything(world, mailbox, dovecot):
    dovecot.append(mailbox.folder, mails.gbk_mail(mid="<uv-1@example.cn>"))
    services.mailbox_fetch(mailbox=mailbox)
    # As if the server had renumbered the folder since: what we stored carries the old UIDVALIDITY.
    Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=1)
    InboundMessage.objects.update(uidvalidity=1)

    services.mailbox_fetch(mailbox=mailbox)

    assert Ticket.objects.count() == 1
    statuses = sorted(InboundMessage.objects.values_list("status", flat=True))
    assert statuses == [MessageStatus.DUPLICATE, MessageStatus.PROCESSED]


def test_a_failing_message_stays_unread_on_the_server_and_does_not_hold_up_the_next(world, mailbox, dovecot,
                                                                                   monkeypatch):
    real = services.ticket_create

    def fails_for_one(**kwargs):
        if kwargs["title"] == "会失败":
            raise RuntimeError("database went away")
        return real(**kwargs)

    patch = monkeypatch.context()
    patch.__enter__().setattr(services, "ticket_create", fails_for_one)
    bad, good = dovecot.append(
        mailbox.folder, mails.gbk_mail(subject="会失败"), mails.gbk_mail(subject="正常")
    )

    result = services.mailbox_fetch(mailbox=mailbox)

    assert (result.fetched, result.processed, result.failed) == (2, 1, 1)
    on_server = dovecot.messages(mailbox.folder)
    assert "\\Seen" not in on_server[bad]["flags"] and "\\Seen" in on_server[good]["flags"]
    failed = InboundMessage.objects.get(uid=bad)
    assert failed.status == MessageStatus.FAILED and "database went away" in failed.error

    # Fixed, retried: processed, and marked read on the server by the next fetch.
    patch.__exit__(None, None, None)
    services.inbound_message_retry(message=failed, actor=world.adam)
    services.mailbox_fetch(mailbox=mailbox)
    assert "\\Seen" in dovecot.messages(mailbox.folder)[bad]["flags"]
    assert Ticket.objects.count() == 2


def test_a_wrong_password_is_reported_on_the_mailbox_and_fetches_nothing(world, mailbox, monkeypatch):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "wrong")

    result = services.mailbox_fetch(mailbox=mailbox)

    mailbox.refresh_from_db()
    assert result.fetched == 0 and result.error
    assert "log in" in mailbox.last_error.lower() or "登录" in mailbox.last_error
    assert mailbox.claimed_until is None


def test_a_password_in_chinese_logs_in(world, mailbox, dovecot, monkeypatch):
    # imaplib's LOGIN refused it before sending a byte (UnicodeEncodeError): AUTHENTICATE PLAIN carries UTF-8.
    import pwd
    import time

    nobody = pwd.getpwnam("nobody")
    with (dovecot.root / "users").open("a") as users:
        users.write(
            f"after-sales:{{PLAIN}}客服密码2026:{nobody.pw_uid}:{nobody.pw_gid}::"
            f"{dovecot.root / 'mail' / 'after-sales'}\n"
        )
    time.sleep(1.1)  # Dovecot re-reads the file when its mtime, in whole seconds, is newer than its copy
    mailbox.username = "after-sales"  # Dovecot allows only ASCII user names (auth_username_chars)
    mailbox.folder = "INBOX"
    mailbox.save()
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "客服密码2026")

    result = services.mailbox_fetch(mailbox=mailbox)

    assert result.error == "" and result.fetched == 0, result.error
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "错误的密码")
    wrong = services.mailbox_fetch(mailbox=mailbox)
    assert "UnicodeEncodeError" not in wrong.error and (
        "log in" in wrong.error.lower() or "登录" in wrong.error
    )


def test_unencrypted_imap_to_another_machine_is_refused(world, mailbox):
    mailbox.host = "imap.example.com"
    mailbox.save()

    result = services.mailbox_fetch(mailbox=mailbox)

    assert "loopback" in result.error or "本机" in result.error


def test_a_mailbox_held_by_another_worker_is_skipped(world, mailbox, dovecot):
    from django.utils import timezone

    dovecot.append(mailbox.folder, mails.gbk_mail())
    Mailbox.objects.filter(pk=mailbox.pk).update(claimed_until=timezone.now() + timezone.timedelta(minutes=5))

    assert services.mailbox_fetch(mailbox=mailbox).skipped
    assert not InboundMessage.objects.exists()


def test_the_fetchmail_command_empties_every_active_mailbox(world, mailbox, dovecot, settings):
    settings.EMAIL_FETCH_BATCH = 2
    dovecot.append(mailbox.folder, *[mails.gbk_mail(subject=f"问题 {i}") for i in range(5)])

    call_command("fetchmail")

    assert Ticket.objects.count() == 5


# --- bad input through the real server ----------------------------------------------------------

def test_a_fifty_megabyte_attachment_is_refused_by_size_and_the_message_and_mailbox_go_on(
    world, mailbox, dovecot
):
    big = mails.PDF + b"\x00" * (50 * 1024 * 1024)
    first, second = dovecot.append(
        mailbox.folder,
        mails.with_attachments(
            [("整机日志.pdf", big, "application/pdf"), ("照片.png", mails.PNG, "image/png")],
            subject="日志太大",
        ),
        mails.gbk_mail(subject="下一封"),
    )

    result = services.mailbox_fetch(mailbox=mailbox)

    assert (result.fetched, result.processed) == (2, 2)
    ticket = Ticket.objects.get(title="日志太大")
    assert [a.original_name for a in Attachment.objects.filter(ticket=ticket)] == ["照片.png"]
    note = TicketEvent.objects.get(ticket=ticket, kind=EventKind.NOTE)
    assert "整机日志.pdf" in note.body and "50.0" in note.body
    assert Ticket.objects.filter(title="下一封").exists()
    stored = InboundMessage.objects.get(uid=first)
    assert stored.raw_size > 50 * 1024 * 1024 and stored.raw.size == stored.raw_size  # nothing lost


def test_a_message_above_the_fetch_limit_keeps_its_headers_makes_a_ticket_and_stays_on_the_server(
        world, mailbox, dovecot, settings):
    settings.EMAIL_MAX_MESSAGE_BYTES = 200 * 1024
    big = mails.PDF + b"\x00" * (400 * 1024)
    (uid,) = dovecot.append(mailbox.folder, mails.with_attachments([("图纸.pdf", big, "application/pdf")],
                                                                   subject="图纸"))

    services.mailbox_fetch(mailbox=mailbox)

    message = InboundMessage.objects.get()
    assert message.headers_only and message.status == MessageStatus.PROCESSED
    assert message.raw_size > 400 * 1024 and message.raw.size < 10 * 1024
    ticket = message.ticket
    assert ticket.title == "图纸" and mailbox.address in ticket.description
    assert uid in dovecot.messages(mailbox.folder)  # the whole mail is still there


def test_malformed_mail_and_an_unknown_charset_are_read_as_far_as_they_can_be(world, mailbox, dovecot):
    unknown = mails.gbk_mail(subject="未知字符集", body="设备报警，请尽快处理。").replace(
        b'charset="gb2312"', b'charset="x-unknown-gbk"')
    dovecot.append(mailbox.folder, mails.malformed(), unknown, mails.gbk_mail(subject="之后的邮件"))

    result = services.mailbox_fetch(mailbox=mailbox)

    assert (result.fetched, result.processed, result.failed) == (3, 3, 0)
    assert Ticket.objects.get(title="未知字符集").description == "设备报警，请尽快处理。"
    # Its header section ends at the line that is no header: what follows is read as the text.
    broken = InboundMessage.objects.get(from_address="li志@example.cn")
    assert broken.message_id.startswith("sha256:") and "设备故障，请处理" in broken.ticket.description
    assert Ticket.objects.filter(title="之后的邮件").exists()


def test_a_date_beyond_any_year_the_database_takes_neither_stops_the_message_nor_the_mailbox(
    world, mailbox, dovecot
):
    # Well-formed (RFC 5322), but after year 9999 in UTC: SQLite's adapter overflowed and the UID was never
    # stored, so every fetch stopped at it; on PostgreSQL the row could not be read back.
    late = mails.gbk_mail(subject="时间错乱的邮件").replace(mails._date(), b"Fri, 31 Dec 9999 23:59:59 -1400")
    early = mails.gbk_mail(subject="很早的邮件").replace(mails._date(), b"Mon, 01 Jan 1000 00:00:00 +1400")
    dovecot.append(mailbox.folder, late, early, mails.gbk_mail(subject="之后的邮件"))

    result = services.mailbox_fetch(mailbox=mailbox)

    assert (result.fetched, result.processed, result.failed, result.error) == (3, 3, 0, "")
    assert sorted(Ticket.objects.values_list("title", flat=True)) == [
        "之后的邮件",
        "很早的邮件",
        "时间错乱的邮件",
    ]
    assert [m.sent_at for m in InboundMessage.objects.order_by("uid")][:2] == [None, None]
    assert len(list(InboundMessage.objects.all())) == 3  # every row reads back
    assert all("\\Seen" in m["flags"] for m in dovecot.messages(mailbox.folder).values())


def test_a_mailbox_that_fails_unexpectedly_is_reported_and_the_next_mailbox_is_still_fetched(
        world, mailbox, dovecot, monkeypatch):
    folder = dovecot.folder(f"{mailbox.folder}-second")
    other = Mailbox.objects.create(name="二号邮箱", address="second@service.example.cn", host=dovecot.host,
                                   port=dovecot.port, security=mailbox.security, username=dovecot.user,
                                   folder=folder, credential_source=mailbox.credential_source,
                                   password_env=mailbox.password_env)
    dovecot.append(mailbox.folder, mails.gbk_mail(subject="第一个邮箱的邮件"))
    dovecot.append(folder, mails.gbk_mail(subject="照常处理"))
    real = services.mailbox_password

    def password(box):
        if box.pk == mailbox.pk:  # the first mailbox fetched (by id)
            raise KeyError("a bug in one mailbox's configuration")
        return real(box)

    monkeypatch.setattr(services, "mailbox_password", password)

    services.mailboxes_fetch(time_budget=30)

    mailbox.refresh_from_db()
    assert "KeyError" in mailbox.last_error and mailbox.claimed_until is None
    assert list(Ticket.objects.values_list("title", flat=True)) == ["照常处理"]
    other.refresh_from_db()
    assert other.last_error == ""


def test_a_burst_of_a_thousand_auto_replies_creates_nothing(world, mailbox, dovecot, settings):
    settings.EMAIL_FETCH_BATCH = 2000
    kinds = ["auto_submitted", "precedence", "x_autoreply", "x_autorespond", "subject", "plain"]
    burst = [
        mails.auto_reply(kinds[i % len(kinds)], sender=f"robot{i % 5}@factory.cn", n=i) for i in range(1000)
    ]
    dovecot.append(mailbox.folder, *burst)
    bounce = mails.dsn_bounce(recipient="wang@example.cn")
    dovecot.append(mailbox.folder, bounce)

    result = services.mailbox_fetch(mailbox=mailbox)

    assert result.fetched == 1001 and result.failed == 0
    # The unmarked ("plain") ones: 167 from 5 senders (33 or 34 each), capped at 30 per sender per hour.
    plain = InboundMessage.objects.filter(status=MessageStatus.PROCESSED)
    assert plain.count() == Ticket.objects.count() == 5 * settings.EMAIL_MAX_PER_SENDER_PER_HOUR
    assert InboundMessage.objects.filter(status=MessageStatus.IGNORED).count() == 1001 - plain.count()
    assert InboundMessage.objects.filter(loop_reason=LoopReason.RATE_LIMIT).exists()
    assert EmailBounce.objects.filter(address="wang@example.cn", permanent=True).exists()
    assert all("\\Seen" in m["flags"] for m in dovecot.messages(mailbox.folder).values())


# --- two workers at once ------------------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_fetching_one_mailbox_at_once_make_each_ticket_once(dovecot, imap_folder, monkeypatch):
    from django.conf import settings as django_settings

    from serviceloop.channels.models import CredentialSource, Security
    from tests.concurrency import all_at_once
    from tests.personas import build_world

    if not django_settings.IS_POSTGRES:
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite serialises every writer anyway")
    build_world()
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    box = Mailbox.objects.create(name="并发邮箱", address="race@service.example.cn", host=dovecot.host,
                                 port=dovecot.port, security=Security.PLAIN, username=dovecot.user,
                                 folder=imap_folder, credential_source=CredentialSource.ENV,
                                 password_env="TEST_IMAP_PASSWORD")
    first = mails.gbk_mail(subject="并发第一封", mid="<race-root@example.cn>")
    replies = [mails.outlook_reply(new_text=f"补充 {i}", quoted_subject="并发第一封",
                                   in_reply_to="<race-root@example.cn>") for i in range(10)]
    others = [mails.utf8_mail(sender=f"new{i % 3}@race.cn", subject=f"新问题 {i}") for i in range(30)]
    dovecot.append(imap_folder, first)
    services.fetch_claimed(box, limit=10)  # the first ticket exists before the race
    dovecot.append(imap_folder, *replies, *others)
    # The lease would make the second worker wait; bypass it: the keys alone must keep this exact.
    all_at_once(lambda: services.fetch_claimed(Mailbox.objects.get(pk=box.pk), limit=100), threads=2, times=2)

    failed = list(InboundMessage.objects.exclude(error="").values_list("status", "error"))
    assert Ticket.objects.count() == 31, failed
    assert InboundMessage.objects.filter(duplicate_of__isnull=True).count() == 41
    root = Ticket.objects.get(title="并发第一封")
    assert TicketEvent.objects.filter(ticket=root, kind=EventKind.CUSTOMER_REPLY).count() == 10
    # Three unknown senders wrote ten messages each, concurrently: three contacts, not more.
    from serviceloop.customers.models import Contact

    assert Contact.objects.filter(email__endswith="@race.cn").count() == 3
    assert set(InboundMessage.objects.values_list("status", flat=True)) == {MessageStatus.PROCESSED}
