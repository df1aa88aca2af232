"""Real test mail as bytes, written the way the mail clients our customers use write it.

Nothing here is a mock: each function returns the raw RFC 5322 bytes a server would store — GBK
bodies labelled gb2312, Big5, GBK file names sent raw (Outlook, Foxmail), RFC 2047 subjects, RFC 2231
file names, HTML-only mail, Outlook and Foxmail quoted replies, delivery status bounces, auto-replies.
"""

from __future__ import annotations

import base64
import itertools
import os
from datetime import UTC, datetime
from email.utils import format_datetime

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200

_counter = itertools.count(1)


def message_id(domain: str = "example.cn") -> str:
    return f"<{next(_counter)}.{os.urandom(6).hex()}@{domain}>"


def b_word(text: str, charset: str = "gb2312", codec: str = "gbk") -> bytes:
    """An RFC 2047 B-encoded word, as Outlook writes Chinese subjects and names."""
    return b"=?" + charset.encode() + b"?B?" + base64.b64encode(text.encode(codec)) + b"?="


def b64_lines(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _date() -> bytes:
    return format_datetime(datetime(2026, 12, 1, 9, 30, tzinfo=UTC)).encode()


def headers(*, sender: bytes | str, to: str = "support@service.example.cn", subject: bytes | str,
            mid: str | None = None, extra: list[tuple[str, bytes | str]] | None = None) -> bytes:
    lines = [(b"From", sender), (b"To", to), (b"Subject", subject), (b"Date", _date()),
             (b"Message-ID", mid or message_id()), (b"MIME-Version", b"1.0"), *(extra or [])]
    out = b""
    for name, value in lines:
        name = name if isinstance(name, bytes) else name.encode()
        value = value if isinstance(value, bytes) else value.encode("utf-8")
        out += name + b": " + value + b"\r\n"
    return out


def gbk_mail(
    *,
    sender: bytes = b"",
    subject: str = "设备无法开机",
    body: str = "您好：\r\n设备上电后无显示。",
    charset: str = "gb2312",
    mid: str | None = None,
    extra=None,
    encoding: str = "8bit",
) -> bytes:
    """A Chinese mail from Foxmail/Outlook: subject and name RFC 2047 in gb2312, body GBK bytes."""
    sender = sender or b_word("王女士") + b" <wang@example.cn>"
    data = body.encode("gbk")
    if encoding == "base64":
        data = b64_lines(data)
    return (headers(sender=sender, subject=b_word(subject, charset), mid=mid, extra=extra)
            + b"Content-Type: text/plain; charset=\"" + charset.encode() + b"\"\r\n"
            + b"Content-Transfer-Encoding: " + encoding.encode() + b"\r\n\r\n" + data + b"\r\n")


def utf8_mail(
    *,
    sender: str = "王女士 <wang@example.cn>",
    subject: str = "设备无法开机",
    body: str = "设备上电后无显示。",
    mid: str | None = None,
    extra=None,
) -> bytes:
    return (
        headers(
            sender=b_word(sender.split(" <")[0], "utf-8", "utf-8") + b" <" + sender.split("<")[1].encode()
            if "<" in sender
            else sender,
            subject=b_word(subject, "utf-8", "utf-8"),
            mid=mid,
            extra=extra,
        )
        + b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + b64_lines(body.encode("utf-8"))
    )


def big5_mail(*, subject: str = "印表機無法列印", body: str = "您好，印表機無法列印，請協助處理。") -> bytes:
    return (headers(sender=b_word("陳先生", "big5", "big5") + b" <chen@example.com.tw>",
                    subject=b_word(subject, "big5", "big5"))
            + b"Content-Type: text/plain; charset=big5\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + body.encode("big5") + b"\r\n")


def multipart(head: bytes, parts: list[bytes], subtype: str = "mixed", boundary: str | None = None,
              params: str = "") -> bytes:
    boundary = boundary or f"----=_NextPart_{os.urandom(6).hex()}"
    out = head + f"Content-Type: multipart/{subtype}; boundary=\"{boundary}\"{params}\r\n\r\n".encode()
    out += b"This is a multi-part message in MIME format.\r\n\r\n"
    for part in parts:
        out += f"--{boundary}\r\n".encode() + part + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def text_part(body: str, charset: str = "gb2312", codec: str = "gbk") -> bytes:
    return (f"Content-Type: text/plain; charset=\"{charset}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            .encode() + b64_lines(body.encode(codec)))


def html_part(markup: str, charset: str = "utf-8") -> bytes:
    return (f"Content-Type: text/html; charset=\"{charset}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            .encode() + b64_lines(markup.encode(charset)))


def file_part(data: bytes, *, name_header: bytes, content_type: str = "application/octet-stream",
              disposition: str = "attachment") -> bytes:
    """`name_header` is the parameter text as the client writes it (raw GBK, RFC 2047 or RFC 2231)."""
    return (f"Content-Type: {content_type};\r\n\tname=".encode() + name_header + b"\r\n"
            + b"Content-Transfer-Encoding: base64\r\n"
            + f"Content-Disposition: {disposition};\r\n\tfilename=".encode() + name_header + b"\r\n\r\n"
            + b64_lines(data))


def raw_gbk_name(name: str) -> bytes:
    """Outlook / Foxmail: the GBK bytes of the name, in quotes, no RFC 2231 nor 2047."""
    return b'"' + name.encode("gbk") + b'"'


def with_attachments(files: list[tuple[str, bytes, str]], *, subject: str = "附件：故障照片",
                     body: str = "附件是故障照片和日志。", mid: str | None = None,
                     sender: bytes = b"") -> bytes:
    """A mail with files named raw in GBK, as Foxmail sends them."""
    head = headers(
        sender=sender or b_word("王女士") + b" <wang@example.cn>", subject=b_word(subject), mid=mid
    )
    parts = [text_part(body)] + [file_part(data, name_header=raw_gbk_name(name), content_type=ctype)
                                 for name, data, ctype in files]
    return multipart(head, parts)


def html_only(markup: str, *, subject: str = "网页版邮件", sender: str = "zhang@example.cn") -> bytes:
    return headers(sender=sender, subject=b_word(subject, "utf-8", "utf-8")) + (
        b"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + b64_lines(markup.encode("utf-8")))


def outlook_reply(*, new_text: str, quoted_subject: str, in_reply_to: str = "", references: str = "",
                  subject: str | None = None, sender: bytes = b"") -> bytes:
    """A reply from Outlook in Chinese: new text on top, the original below an 发件人/发送时间 block."""
    body = (f"{new_text}\r\n\r\n________________________________\r\n"
            f"发件人: 服务闭环客服 <support@service.example.cn>\r\n发送时间: 2026年12月1日 9:30\r\n"
            f"收件人: 王女士 <wang@example.cn>\r\n主题: {quoted_subject}\r\n\r\n"
            "您好，我们已收到您的问题，工程师将尽快处理。\r\n")
    extra = []
    if in_reply_to:
        extra.append(("In-Reply-To", in_reply_to))
    if references:
        extra.append(("References", references))
    return (
        headers(
            sender=sender or b_word("王女士") + b" <wang@example.cn>",
            subject=b_word(subject if subject is not None else f"回复: {quoted_subject}"),
            extra=extra,
        )
        + b'Content-Type: text/plain; charset="gb2312"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + b64_lines(body.encode("gbk"))
    )


def dsn_bounce(*, recipient: str, status: str = "5.1.1", action: str = "failed",
               original_subject: str = "[#202612-0001] 您的工单已受理") -> bytes:
    """A delivery status notification (RFC 3464) from a mail system."""
    head = headers(sender="Mail Delivery System <MAILER-DAEMON@mx.service.example.cn>",
                   subject="Undelivered Mail Returned to Sender",
                   extra=[("Auto-Submitted", "auto-replied")])
    human = (b"Content-Type: text/plain; charset=us-ascii\r\n\r\n"
             b"This is the mail system. Your message could not be delivered.\r\n")
    status_part = (
        b"Content-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.service.example.cn\r\n\r\n"
        + f"Final-Recipient: rfc822; {recipient}\r\nOriginal-Recipient: rfc822;{recipient}\r\n"
        f"Action: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected\r\n".encode()
    )
    original = b"Content-Type: text/rfc822-headers\r\n\r\n" + headers(
        sender="support@service.example.cn", to=recipient, subject=b_word(original_subject)
    )
    return multipart(head, [human, status_part, original], subtype="report",
                     params="; report-type=delivery-status")


def auto_reply(kind: str, *, sender: str = "wang@example.cn", n: int = 0) -> bytes:
    """An out-of-office answer, marked the way `kind` says (or not marked at all: "plain")."""
    extra = {
        "auto_submitted": [("Auto-Submitted", "auto-replied")],
        "precedence": [("Precedence", "bulk")],
        "x_autoreply": [("X-Autoreply", "yes")],
        "x_autorespond": [("X-Autorespond", "yes")],
        "subject": [],
        "plain": [],
    }[kind]
    subject = "自动回复: 您的工单已受理" if kind == "subject" else f"我正在休假 {n}"
    return (
        headers(sender=sender, subject=b_word(subject, "utf-8", "utf-8"), extra=extra)
        + b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + "我正在休假，12月8日回来。".encode()
        + b"\r\n"
    )


def malformed() -> bytes:
    """Broken in every way a real one is: a header line without a colon, 8-bit bytes in headers, an
    unknown charset, bad base64, a multipart whose boundary never closes, NUL bytes."""
    return (b"From: =?gb2312?B?broken?= <li\xd6\xbe@example.cn>\r\n"
            b"Subject: =?x-unknown?Q?=E4=BD=A0?= \xc9\xe8\xb1\xb8\r\n"
            b"This line is not a header\r\n"
            b"Message-ID: <malformed-1@example.cn>\r\n"
            b"Content-Type: multipart/mixed; boundary=\"never-closed\"\r\n\r\n"
            b"--never-closed\r\nContent-Type: text/plain; charset=x-unknown-gbk\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n"
            b"!!!not base64 at all\x00\x00\r\n"
            b"--never-closed\r\nContent-Type: text/plain; charset=\"gb2312\"\r\n\r\n"
            + "设备故障，请处理".encode("gbk") + b"\x00\r\n")
