"""SMS (NTF-1): a provider interface, phone numbers, and the transport that renders the parameters.

An SMS says only what the provider's approved template says; we send its template code and the values
of its parameters (MessageTemplate format "sms": a JSON object, parameter → template). SMS_PROVIDER picks
the adapter; aliyun.py is the one real adapter (Dysmsapi SendSms). Numbers are China mobile numbers
(1[3-9] and nine digits, with or without +86) or international numbers in E.164 form (+ and 8–15 digits).
"""

from __future__ import annotations

import json
import re
from typing import Protocol

from django.conf import settings

from ..models import TemplateFormat
from ..templates import TemplateProblem, ticket_context
from . import Result

_SEPARATORS = re.compile(r"[\s\-().]")
_CHINA_MOBILE = re.compile(r"^(?:\+?86|0086)?(1[3-9]\d{9})$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def normalize_phone(raw: str | None) -> str | None:
    """'+8613812345678' for a China mobile number, '+<digits>' for another E.164 number, None otherwise
    (a landline such as 021-55501234 cannot take an SMS)."""
    if not raw:
        return None
    compact = _SEPARATORS.sub("", raw.strip())
    china = _CHINA_MOBILE.match(compact)
    if china:
        return f"+86{china.group(1)}"
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if _E164.match(compact) and not compact.startswith("+86"):
        return compact
    return None


class SmsProvider(Protocol):
    """What an SMS adapter does: send one templated message; never raise for the provider's failures."""

    def send(self, *, session, phone: str, template_code: str, params: dict[str, str], out_id: str) -> Result:
        ...


def sms_enabled() -> bool:
    return bool(settings.SMS_PROVIDER)


def provider() -> SmsProvider | None:
    if settings.SMS_PROVIDER == "aliyun":
        from .aliyun import AliyunSms

        return AliyunSms.from_settings()
    return None


def send(delivery, session) -> Result:
    sender = provider()
    if sender is None:
        return Result(ok=False, permanent=True, error="SMS is not configured (SMS_PROVIDER)")
    context = ticket_context(delivery.ticket, delivery.language, delivery.context)
    try:
        rendered = session.templates.render(delivery.kind, TemplateFormat.SMS, delivery.language, context)
    except TemplateProblem as problem:
        return Result(ok=False, permanent=True, error=f"template: {problem}")
    if not rendered.sms_template_code:
        return Result(ok=False, permanent=True,
                      error=f"no SMS template code for “{delivery.kind}” (SMS_TEMPLATE_CODES or the admin)")
    result = sender.send(session=session, phone=delivery.recipient, template_code=rendered.sms_template_code,
                         params=rendered.sms_params, out_id=str(delivery.public_id))
    result.subject = rendered.sms_template_code
    result.body = json.dumps(rendered.sms_params, ensure_ascii=False)
    return result
