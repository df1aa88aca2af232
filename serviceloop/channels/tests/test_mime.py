"""Reading real Chinese mail (mime.py): charsets, encoded and raw headers, file names, HTML-only mail,
delivery reports, big attachments, broken mail."""

from __future__ import annotations

import base64

import pytest

from serviceloop.channels import mime
from serviceloop.channels.imap import encode_folder

from . import mails

GBK_ONLY = "镕喆堃"  # in GBK, not in GB2312: what "charset=gb2312" mail very often carries


def test_a_gb2312_labelled_body_with_gbk_only_characters_decodes_without_surrogates():
    mail = mime.parse(mails.gbk_mail(body=f"朱{GBK_ONLY}先生：设备故障。"))

    assert mail.text == f"朱{GBK_ONLY}先生：设备故障。"
    mail.text.encode("utf-8")  # no lone surrogates: would raise


@pytest.mark.parametrize("charset", ["gbk", "GB2312", "gb18030", "x-gbk", "cp936"])
def test_every_gb_label_reads_the_same_text(charset):
    mail = mime.parse(mails.gbk_mail(subject="主题", body="设备无法开机", charset=charset, encoding="base64"))

    assert (mail.subject, mail.text) == ("主题", "设备无法开机")


def test_gb18030_four_byte_characters_and_emoji_survive():
    text = "生僻字𰻝𰻝面，表情😀"
    raw = (
        mails.headers(
            sender="a@example.cn",
            subject="=?gb18030?B?" + base64.b64encode(text.encode("gb18030")).decode() + "?=",
        )
        + b"Content-Type: text/plain; charset=gb18030\r\n\r\n"
        + text.encode("gb18030")
    )

    mail = mime.parse(raw)

    assert mail.subject == text and mail.text == text


def test_big5_mail_reads_in_traditional_chinese():
    mail = mime.parse(mails.big5_mail())

    assert (mail.from_name, mail.subject, mail.text) == (
        "陳先生",
        "印表機無法列印",
        "您好，印表機無法列印，請協助處理。",
    )


def test_an_unknown_charset_name_falls_back_instead_of_raising():
    raw = mails.gbk_mail(body="设备报警").replace(b'charset="gb2312"', b'charset="x-unknown-gbk"')

    assert mime.parse(raw).text == "设备报警"


def test_a_mislabelled_utf8_body_is_still_read():
    raw = mails.gbk_mail(body="占位文字").replace("占位文字".encode("gbk"), "设备报警".encode())

    assert mime.parse(raw).text == "设备报警"


def test_rfc2047_subject_split_across_words_and_mixed_with_plain_text():
    data = "设备无法开机".encode()
    subject = ("Re: =?utf-8?B?" + base64.b64encode(data[:4]).decode() + "?=\r\n =?utf-8?B?"
               + base64.b64encode(data[4:]).decode() + "?= [#202612-0001]")
    mail = mime.parse(mails.headers(sender="a@example.cn", subject=subject) + b"\r\nbody")

    assert mail.subject == "Re: 设备无法开机 [#202612-0001]"


def test_a_gbk_file_name_sent_raw_is_recovered_even_where_it_is_valid_utf8():
    # 志 is D6 BE in GBK: valid UTF-8 too (U+05BE, a Hebrew mark), which naive decoding would pick.
    raw = mails.with_attachments([("运行日志志.txt", b"log line\n", "text/plain"),
                                  ("现场照片.png", mails.PNG, "image/png")])

    names = [a.filename for a in mime.parse(raw).attachments]

    assert names == ["运行日志志.txt", "现场照片.png"]


def test_a_raw_gbk_file_name_without_any_charset_hint_in_the_mail_is_still_gbk():
    part = mails.file_part(
        mails.PNG, name_header=mails.raw_gbk_name("志愿者名单.png"), content_type="image/png"
    )
    raw = mails.multipart(mails.headers(sender="a@example.cn", subject="files"), [part])

    assert [a.filename for a in mime.parse(raw).attachments] == ["志愿者名单.png"]


def test_rfc2231_and_rfc2047_file_names():
    rfc2231 = mails.file_part(mails.PDF, name_header=b"x.pdf", content_type="application/pdf").replace(
        b"filename=x.pdf",
        b"filename*=gb2312''" + "".join(f"%{b:02X}" for b in "维修报告镕.pdf".encode("gbk")).encode(),
    )
    rfc2231_continued = mails.file_part(
        mails.PDF, name_header=b"y.pdf", content_type="application/pdf"
    ).replace(
        b"filename=y.pdf", b"filename*0*=utf-8''%E5%90%88%E5%90%8C;\r\n\tfilename*1*=%E6%89%AB%E6%8F%8F.pdf"
    )
    rfc2047 = mails.file_part(mails.PNG, name_header=b'"' + mails.b_word("截图.png", "gbk") + b'"',
                              content_type="image/png")
    raw = mails.multipart(
        mails.headers(sender="a@example.cn", subject="files"), [rfc2231, rfc2231_continued, rfc2047]
    )

    assert [a.filename for a in mime.parse(raw).attachments] == ["维修报告镕.pdf", "合同扫描.pdf", "截图.png"]


def test_html_only_mail_becomes_safe_text_with_links_kept():
    markup = ("<html><head><title>t</title><style>p{color:red}</style></head><body>"
              "<p>您好&nbsp;&amp;欢迎，&lt;设备&gt;无法开机。</p><script>alert('x')</script>"
              "<div>日志见 <a href=\"https://logs.example.cn/a?id=1\">这里</a>，"
              "或写信给 <a href=\"mailto:li@example.cn\">李工</a>。</div>"
              "<ul><li>型号 X-3000</li><li>固件 v2.3</li></ul><!-- 内部注释 -->"
              "<img src=\"cid:logo\" alt=\"公司标志\"><br>谢谢</body></html>")

    mail = mime.parse(mails.html_only(markup))

    assert mail.from_html
    assert mail.text == ("您好 &欢迎，<设备>无法开机。\n日志见 这里 (https://logs.example.cn/a?id=1)，"
                         "或写信给 李工 (li@example.cn)。\n• 型号 X-3000\n• 固件 v2.3\n[公司标志]\n谢谢")
    assert "alert" not in mail.text and "color" not in mail.text and "内部注释" not in mail.text


def test_an_alternative_with_plain_text_uses_the_plain_part_and_keeps_inline_images_as_files():
    head = mails.headers(sender="a@example.cn", subject="图文")
    image = mails.file_part(mails.PNG, name_header=b'"screenshot.png"', content_type="image/png",
                            disposition="inline")
    related = mails.multipart(b"", [mails.html_part("<p>看截图</p>"), image], subtype="related")
    raw = mails.multipart(head, [mails.text_part("看截图"), related], subtype="alternative")

    mail = mime.parse(raw)

    assert mail.text == "看截图" and not mail.from_html
    assert [(a.filename, a.inline) for a in mail.attachments] == [("screenshot.png", True)]


def test_a_delivery_status_report_names_the_failed_recipient():
    mail = mime.parse(mails.dsn_bounce(recipient="Li@Example.cn", status="5.1.1"))

    assert mail.content_type == "multipart/report" and mail.report_type == "delivery-status"
    assert [(r.recipient, r.action, r.status) for r in mail.delivery_reports] == [
        ("li@example.cn", "failed", "5.1.1")
    ]
    assert mail.attachments == []


def test_message_ids_in_reply_to_and_references_are_read_in_order():
    raw = mails.headers(sender="a@example.cn", subject="x", mid="<Me@x>", extra=[
        ("In-Reply-To", "<parent@x.cn>"), ("References", "<root@x.cn>\r\n <parent@x.cn>")]) + b"\r\nbody"

    mail = mime.parse(raw)

    assert (mail.message_id, mail.in_reply_to, mail.references) == (
        "Me@x",
        ["parent@x.cn"],
        ["root@x.cn", "parent@x.cn"],
    )


def test_a_big_attachment_is_cut_out_before_parsing_and_decoded_only_on_request(monkeypatch):
    big = mails.PDF + bytes(range(256)) * (40 * 1024 * 4)  # 40 MB
    raw = mails.with_attachments([("大文件.pdf", big, "application/pdf")])
    # What the standard library's parser is handed (the whole-mail parse took 6–10 s and 520 MB: module
    # docstring): the mail without the big block, a few kilobytes.
    parsed_sizes = []
    real_parsebytes = mime.BytesParser.parsebytes

    def recording_parsebytes(self, text, headersonly=False):
        parsed_sizes.append(len(text))
        return real_parsebytes(self, text, headersonly)

    monkeypatch.setattr(mime.BytesParser, "parsebytes", recording_parsebytes)
    mail = mime.parse(raw)

    (attachment,) = mail.attachments
    assert abs(attachment.size - len(big)) <= 3 and attachment.filename == "大文件.pdf"
    assert parsed_sizes and max(parsed_sizes) < 64 * 1024, parsed_sizes
    assert attachment.load() == big
    assert mail.text == "附件是故障照片和日志。"


def test_broken_mail_never_raises():
    for raw in (
        mails.malformed(),
        b"",
        b"\x00\x01\x02",
        b"Subject: only a header",
        b"From: \r\n\r\n" * 3,
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
        b"Content-Type: text/plain; charset=\xff\r\n\r\nhi",
    ):
        mail = mime.parse(raw)
        assert isinstance(mail.text, str)


def test_folder_names_are_sent_in_modified_utf7():
    assert encode_folder("INBOX") == '"INBOX"'
    # RFC 3501 5.1.3's own example: 台北 and 日本語.
    assert encode_folder("~peter/mail/台北/日本語") == '"~peter/mail/&U,BTFw-/&ZeVnLIqe-"'
    assert encode_folder("A&B") == '"A&-B"'


def test_a_date_outside_the_input_years_is_no_date():
    late = mails.utf8_mail().replace(mails._date(), b"Fri, 31 Dec 9999 23:59:59 -1400")
    early = mails.utf8_mail().replace(mails._date(), b"Thu, 01 Jan 1960 00:00:00 +0000")

    assert mime.parse(late).date is None and mime.parse(early).date is None
    assert mime.parse(mails.utf8_mail()).date.year == 2026
