"""Which messages a machine wrote (loops.py), from real headers."""

from __future__ import annotations

import pytest

from serviceloop.channels import mime
from serviceloop.channels.loops import loop_reason
from serviceloop.channels.models import LoopReason

from . import mails

OURS = {"support@service.example.cn"}


def reason(raw: bytes) -> str:
    return loop_reason(mime.parse(raw), own_addresses=OURS)


@pytest.mark.parametrize(("extra", "expected"), [
    ([("Auto-Submitted", "auto-replied")], LoopReason.AUTO_SUBMITTED),
    ([("Auto-Submitted", "auto-generated; owner-email=x@y.cn")], LoopReason.AUTO_SUBMITTED),
    ([("Auto-Submitted", "no")], ""),
    ([("Precedence", "bulk")], LoopReason.PRECEDENCE),
    ([("Precedence", "junk")], LoopReason.PRECEDENCE),
    ([("Precedence", "list")], LoopReason.PRECEDENCE),
    ([("X-Autoreply", "yes")], LoopReason.AUTO_REPLY),
    ([("X-Autorespond", "休假中")], LoopReason.AUTO_REPLY),
    ([], ""),
])
def test_headers_that_mark_machine_mail(extra, expected):
    assert reason(mails.utf8_mail(extra=extra)) == expected


@pytest.mark.parametrize(("sender", "expected"), [
    ("MAILER-DAEMON@mx.example.cn", LoopReason.MAILER_DAEMON),
    ("postmaster@example.cn", LoopReason.MAILER_DAEMON),
    ("Support@Service.Example.cn", LoopReason.OWN_ADDRESS),
    ("daemon.li@example.cn", ""),
])
def test_system_and_own_senders(sender, expected):
    assert reason(mails.utf8_mail(sender=sender)) == expected


@pytest.mark.parametrize(("subject", "expected"), [
    ("自动回复: 您的工单已受理", LoopReason.AUTO_REPLY_SUBJECT),
    ("自动答复：设备无法开机", LoopReason.AUTO_REPLY_SUBJECT),
    ("Automatic reply: [#202612-0001]", LoopReason.AUTO_REPLY_SUBJECT),
    ("Out of Office: ticket", LoopReason.AUTO_REPLY_SUBJECT),
    ("自动回复功能无法关闭", ""),  # a customer asking about the feature
])
def test_auto_reply_subjects(subject, expected):
    assert reason(mails.utf8_mail(subject=subject)) == expected


def test_bounces_and_read_receipts_are_reports():
    receipt = mails.multipart(
        mails.headers(sender="wang@example.cn", subject="已读: 设备无法开机"),
        [
            b"Content-Type: text/plain\r\n\r\nread",
            b"Content-Type: message/disposition-notification\r\n\r\n"
            b"Final-Recipient: rfc822; wang@example.cn\r\n"
            b"Disposition: manual-action/MDN-sent-manually; displayed\r\n",
        ],
        subtype="report",
        params="; report-type=disposition-notification",
    )

    assert reason(mails.dsn_bounce(recipient="wang@example.cn")) == LoopReason.BOUNCE
    assert reason(receipt) == LoopReason.REPORT
