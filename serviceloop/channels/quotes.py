"""The text a ticket shows from an email: the sender's new words, without the quoted history and the
signature. The original stays in the stored .eml.

What is cut, from the first line that starts the history:
- "-----Original Message-----", "-----原始邮件-----", QQ Mail's
  "------------------ 原始邮件 ------------------", "---- 回复的原邮件 ----";
- attribution lines: "On Tue, 1 Dec 2026 … wrote:", "在 2026年12月1日 … 写道：", Gmail's
  "张三 <…> 于2026年12月1日周二 10:00写道：" (only lines with a date or an address, so a sentence
  ending in 写道： stays);
- Outlook / Foxmail header blocks: "发件人: / From:" followed within a few lines by
  "发送时间: / Sent: / Date:" and "收件人: / To: / 主题: / Subject:" (the ____ rule Outlook draws
  above them goes too);
- after that, lines quoted with ">".
Then the signature: everything after the last "-- " line, and a trailing "发自我的iPhone", "Sent from my
iPhone", "来自网易邮箱大师" … line. Forwarded mail (Fwd:, FW:, 转发:) keeps its history: there, the history
is the point. If cutting would leave nothing, the whole text is shown.
"""

from __future__ import annotations

import re

_SEPARATOR = re.compile(
    r"^\s*[-_=*]{2,}\s*(Original Message|Original|原始邮件|原邮件|回复的原邮件|邮件原文)\s*[-_=*]{2,}\s*$",
    re.I,
)
_ON_WROTE = re.compile(r"^\s*(On\b.{4,300}\bwrote|在.{4,300}写道|.{0,200}于.{4,200}写道)\s*[:：]\s*$", re.I)
_ON_START = re.compile(r"^\s*On\s.{4,}$|^\s*在\s*\d.{2,}$")
_WROTE_END = re.compile(r"^.{0,200}(wrote|写道)\s*[:：]\s*$", re.I)
_HAS_DATE_OR_ADDRESS = re.compile(r"\d|@")
_FROM = re.compile(r"^\s*[*>]*\s*(发件人|From)\s*[:：]", re.I)
_SENT = re.compile(r"^\s*[*>]*\s*(发送时间|时间|日期|Sent|Date)\s*[:：]", re.I)
_TO_OR_SUBJECT = re.compile(r"^\s*[*>]*\s*(收件人|抄送|主题|To|Cc|Subject)\s*[:：]", re.I)
_RULE = re.compile(r"^\s*[-_]{5,}\s*$")
_SIGNATURE_DELIMITER = re.compile(r"^--\s?$")
_MOBILE_SIGNATURE = re.compile(
    r"^\s*((发自|来自|送自)\s*(我的)?\s*\S{0,20}\s*(手机|iPhone|iPad|Android|设备|平板)?\S{0,10}"
    r"|Sent from (my )?\S.{0,40}|Get Outlook for \S.{0,20}|从我的\s*\S{0,20}发送)\s*$", re.I)
# A Chinese "发自 / 来自 …" line is a client's signature only when it names a device or a mail app:
# "来自上海分公司" or "发自内心的感谢" at the end of a mail is the customer's own text.
_SIGNATURE_NAMES_A_DEVICE = re.compile(
    r"我的|手机|iPhone|iPad|Android|设备|平板|邮箱|邮件|Mail|客户端|Outlook|Watch|华为|小米|荣耀|OPPO|vivo|"
    r"三星|魅族|一加|HUAWEI|Xiaomi|Samsung", re.I)


def _is_mobile_signature(line: str) -> bool:
    if not _MOBILE_SIGNATURE.match(line):
        return False
    if re.match(r"^\s*(发自|来自|送自)", line):
        return bool(_SIGNATURE_NAMES_A_DEVICE.search(line))
    return True
_FORWARD = re.compile(r"^\s*(fwd?|转发|fw)\s*[:：]", re.I)


def _history_start(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        if _SEPARATOR.match(line):
            return i
        if _ON_WROTE.match(line) and _HAS_DATE_OR_ADDRESS.search(line):
            return i
        # An attribution wrapped over two lines ("On Tue, 1 Dec 2026 10:00, Zhang San" / "<z@x.cn> wrote:").
        if (i + 1 < len(lines) and _ON_START.match(line) and _WROTE_END.match(lines[i + 1])
                and _HAS_DATE_OR_ADDRESS.search(line + lines[i + 1])):
            return i
        if _FROM.match(line):
            window = lines[i + 1:i + 7]
            if any(_SENT.match(w) for w in window) and any(_TO_OR_SUBJECT.match(w) for w in window):
                start = i
                while start > 0 and (_RULE.match(lines[start - 1]) or not lines[start - 1].strip()):
                    start -= 1
                return start
    return None


def _strip_signature(lines: list[str]) -> list[str]:
    for i in range(len(lines) - 1, -1, -1):
        if _SIGNATURE_DELIMITER.match(lines[i]):
            lines = lines[:i]
            break
    while lines:
        last = lines[-1]
        if not last.strip() or _is_mobile_signature(last):
            lines = lines[:-1]
        else:
            break
    return lines


def shown_text(text: str, *, subject: str = "") -> str:
    """The new part of a message's text (see the module docstring); the whole text when nothing is left."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if _FORWARD.match(subject or ""):
        return text.strip()
    lines = text.split("\n")
    start = _history_start(lines)
    if start is not None:
        lines = lines[:start]
    kept = [line for line in lines if not line.lstrip().startswith(">")]
    kept = _strip_signature(kept)
    result = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return result or text.strip()
