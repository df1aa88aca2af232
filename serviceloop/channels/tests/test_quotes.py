"""The shown text of a reply: the new words only; the history and signatures as real clients write them."""

from __future__ import annotations

import pytest

from serviceloop.channels.quotes import shown_text

NEW = "重启后还是不行，麻烦尽快安排工程师。"


@pytest.mark.parametrize(
    "history",
    [
        # Outlook (Chinese)
        "\n________________________________\n发件人: 服务闭环客服 <support@service.example.cn>\n"
        "发送时间: 2026年12月1日 9:30\n收件人: 王女士 <wang@example.cn>\n主题: 设备无法开机\n\n原来的内容",
        # Outlook (English)
        "\nFrom: Support <support@service.example.cn>\nSent: Tuesday, December 1, 2026 9:30 AM\n"
        "To: Wang <wang@example.cn>\nSubject: RE: [#202612-0001]\n\nold text",
        # Foxmail
        "\n\nFrom: 服务闭环客服\nDate: 2026-12-01 09:30\nTo: 王女士\nSubject: 设备无法开机\n原来的内容",
        "\n-----Original Message-----\nFrom: support@service.example.cn\n原来的内容",
        "\n-----原始邮件-----\n发件人: support@service.example.cn\n原来的内容",
        # QQ Mail
        '\n\n------------------ 原始邮件 ------------------\n'
        '发件人: "客服"<support@service.example.cn>;\n原来的内容',
        # Apple Mail / iOS in Chinese
        "\n\n在 2026年12月1日，09:30，服务闭环客服 <support@service.example.cn> 写道：\n\n"
        "> 原来的内容\n> 第二行",
        # Gmail in Chinese
        "\n\n服务闭环客服 <support@service.example.cn> 于2026年12月1日周二 09:30写道：\n\n> 原来的内容",
        # Gmail in English, the attribution wrapped over two lines
        "\n\nOn Tue, Dec 1, 2026 at 9:30 AM Service Desk\n<support@service.example.cn> wrote:\n\n> old text",
        "\n\nOn 2026-12-01 09:30, support@service.example.cn wrote:\n> old text\n>> older",
    ],
)
def test_the_quoted_history_is_cut(history):
    assert shown_text(NEW + history) == NEW


@pytest.mark.parametrize("signature", [
    "\n\n发自我的iPhone", "\n\n发自我的华为手机", "\nSent from my iPhone", "\n\n来自网易邮箱大师",
    "\n-- \n王女士\n华东精密制造有限公司 设备科\n电话 021-55501234", "\n\nGet Outlook for Android",
])
def test_the_signature_is_cut(signature):
    assert shown_text(NEW + signature) == NEW


@pytest.mark.parametrize("last_line", ["来自上海分公司售后科", "发自内心地感谢各位工程师", "来自：王女士"])
def test_a_last_line_that_names_no_device_is_the_customers_own_text(last_line):
    text = f"{NEW}\n{last_line}"

    assert shown_text(text) == text


def test_inline_answers_between_quotes_are_kept():
    text = "> 请问设备型号？\n型号 X-3000\n> 固件版本？\nv2.3.1"

    assert shown_text(text) == "型号 X-3000\nv2.3.1"


def test_a_sentence_ending_in_wrote_is_not_history():
    text = "客户在反馈表里写道：\n设备每天早上都会死机。"

    assert shown_text(text) == text


def test_a_forwarded_mail_keeps_its_history():
    text = "请看下面客户的反馈。\n\n-----原始邮件-----\n发件人: 客户\n设备每天早上都会死机。"

    assert shown_text(text, subject="转发: 设备死机") == text


def test_a_message_that_is_only_a_quote_is_shown_whole():
    text = "> 原来的内容\n> 第二行"

    assert shown_text(text) == text
