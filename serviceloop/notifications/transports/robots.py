"""Group robots (NTF-1): WeCom 企业微信, DingTalk 钉钉 and Feishu 飞书, each in its documented format.

- WeCom group robot: POST the robot's URL (its key is in the URL) with
  {"msgtype": "markdown", "markdown": {"content": …}}; content at most 4,096 bytes. Answer errcode 0.
- DingTalk custom robot, signed (加签): timestamp = milliseconds; sign = urlencode(base64(
  HMAC-SHA256(key = secret, message = timestamp + "\\n" + secret))); both appended to the URL as
  &timestamp=…&sign=…; body {"msgtype": "markdown", "markdown": {"title": …, "text": …}}. Answer errcode 0.
- Feishu custom bot, signed (签名校验): timestamp = seconds; sign = base64(HMAC-SHA256(key = timestamp +
  "\\n" + secret, message = empty)); both in the JSON body beside msg_type "interactive" and the card.
  Answer code 0 (older bots: StatusCode 0).
The card (robot format of the templates) says number, title, priority, SLA due time and the link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from urllib.parse import quote_plus

from ..models import MessageKind, TemplateFormat
from ..templates import TemplateProblem, ticket_context
from . import Result
from .http import endpoint_key, post

WECOM_MAX_BYTES = 4096
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


def dingtalk_sign(timestamp_ms: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def feishu_sign(timestamp_s: str, secret: str) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _card(delivery, session):
    context = ticket_context(delivery.ticket, delivery.language, delivery.context)
    return context, session.templates.render(delivery.kind, TemplateFormat.ROBOT, delivery.language, context)


def _endpoint(delivery):
    robot = delivery.robot
    if robot is None:
        return None, Result(ok=False, permanent=True, error="the robot was removed")
    if not robot.is_active:
        return None, Result(ok=False, permanent=True, error="the robot is switched off")
    return robot, None


def _post_json(session, url: str, payload: dict, ok) -> Result:
    if endpoint_key(url) in session.down:
        return Result(
            ok=False, deferred=True, error="not tried: the endpoint did not answer earlier in this batch"
        )
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    answer = post(session, url, body, JSON_HEADERS)
    if answer.error:
        return Result(ok=False, error=answer.error, body=body.decode())
    try:
        reply = json.loads(answer.body or b"{}")
    except ValueError:
        reply = None
    if answer.status == 200 and isinstance(reply, dict) and ok(reply):
        return Result(ok=True, status_code=answer.status, response=answer.text, body=body.decode())
    return Result(ok=False, status_code=answer.status, response=answer.text, body=body.decode(),
                  error=f"the robot answered {answer.status}: {answer.text[:200]}")


def _truncate_bytes(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "…"


def _prepare(delivery, session):
    robot, refused = _endpoint(delivery)
    if refused:
        return None, None, None, refused
    try:
        context, rendered = _card(delivery, session)
        url, secret = robot.url, robot.secret
    except TemplateProblem as problem:
        return None, None, None, Result(ok=False, permanent=True, error=f"template: {problem}")
    except Exception as exc:  # noqa: BLE001 - a secret that no longer opens (SECRET_KEY changed)
        return None, None, None, Result(ok=False, permanent=True, error=str(exc))
    return (url, secret), context, rendered, None


def send_wecom(delivery, session) -> Result:
    endpoint, _context, rendered, refused = _prepare(delivery, session)
    if refused:
        return refused
    url, _secret = endpoint
    content = _truncate_bytes(rendered.text, WECOM_MAX_BYTES)
    result = _post_json(session, url, {"msgtype": "markdown", "markdown": {"content": content}},
                        lambda reply: reply.get("errcode") == 0)
    result.subject = rendered.subject
    return result


def send_dingtalk(delivery, session) -> Result:
    endpoint, _context, rendered, refused = _prepare(delivery, session)
    if refused:
        return refused
    url, secret = endpoint
    if secret:
        timestamp = str(round(time.time() * 1000))
        url = (
            f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={dingtalk_sign(timestamp, secret)}"
        )
    # DingTalk's markdown needs a hard break ("  \n") where a line ends.
    text = rendered.text.replace("\n", "  \n")
    result = _post_json(
        session,
        url,
        {"msgtype": "markdown", "markdown": {"title": rendered.subject, "text": text}},
        lambda reply: reply.get("errcode") == 0,
    )
    result.subject = rendered.subject
    return result


_HEADING = re.compile(r"^#{1,6}\s*(.+)$")


def _lark_md(text: str) -> str:
    """Feishu's lark_md has no headings or quotes: a heading becomes bold, a quote a plain line."""
    lines = []
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            line = f"**{heading.group(1)}**"
        elif line.startswith("> "):
            line = line[2:]
        lines.append(line)
    return "\n".join(lines)


def send_feishu(delivery, session) -> Result:
    endpoint, context, rendered, refused = _prepare(delivery, session)
    if refused:
        return refused
    url, secret = endpoint
    alarming = context.get("urgent") or delivery.kind in (MessageKind.ESCALATED, MessageKind.BREACH_WARNING)
    from django.utils.translation import gettext as _
    from django.utils.translation import override

    with override(delivery.language):
        button = str(_("Open the ticket"))
    payload = {
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": True},
            "header": {"title": {"tag": "plain_text", "content": rendered.subject},
                       "template": "red" if alarming else "blue"},
            "elements": [
                {"tag": "div", "text": {"tag": "lark_md", "content": _lark_md(rendered.text)}},
                {"tag": "action", "actions": [{"tag": "button", "type": "primary", "url": context["link"],
                                               "text": {"tag": "plain_text", "content": button}}]},
            ],
        },
    }
    if secret:
        timestamp = str(int(time.time()))
        payload = {"timestamp": timestamp, "sign": feishu_sign(timestamp, secret), **payload}
    result = _post_json(session, url, payload,
                        lambda reply: reply.get("code", reply.get("StatusCode")) == 0)
    result.subject = rendered.subject
    return result
