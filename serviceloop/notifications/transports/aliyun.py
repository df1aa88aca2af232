"""Aliyun SMS (Dysmsapi, API version 2017-05-25), action SendSms, with its documented request signature.

The signature (Alibaba Cloud's RPC signature, version 1.0, as the SMS documentation describes it):
1. every parameter but Signature — the common ones (AccessKeyId, Action, Format, RegionId,
   SignatureMethod=HMAC-SHA1, SignatureNonce, SignatureVersion=1.0, Timestamp in UTC ISO 8601, Version)
   and SendSms's own (PhoneNumbers, SignName, TemplateCode, TemplateParam, OutId) — sorted by name;
2. name and value each percent-encoded as RFC 3986 says (A–Z a–z 0–9 - _ . ~ unencoded, a space %20,
   never +), joined name=value with &: the canonicalized query string;
3. StringToSign = HTTPMethod & percentEncode("/") & percentEncode(canonicalized query string);
4. Signature = Base64(HMAC-SHA1(key = AccessKeySecret + "&", StringToSign)), sent as one more parameter.
We POST the parameters as an application/x-www-form-urlencoded body (the method in StringToSign is POST).
The answer is JSON: Code "OK" is success; any other Code is the provider's refusal.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from django.conf import settings

from . import Result
from .http import post

# The provider's refusals that a retry cannot change (the number, the template or the account is wrong).
PERMANENT_CODES = {"isv.MOBILE_NUMBER_ILLEGAL", "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL",
                   "isv.TEMPLATE_MISSING_PARAMETERS", "isv.INVALID_PARAMETERS", "isv.MOBILE_COUNT_OVER_LIMIT",
                   "InvalidAccessKeyId.NotFound", "SignatureDoesNotMatch", "isv.ACCOUNT_NOT_EXISTS"}


def percent_encode(value: str) -> str:
    return quote(str(value), safe="-_.~")


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def provider_number(phone: str) -> str:
    """Aliyun takes a mainland number as its 11 digits, any other as country code + number, without +."""
    return phone[3:] if phone.startswith("+86") else phone.lstrip("+")


@dataclass
class AliyunSms:
    access_key_id: str
    access_key_secret: str
    sign_name: str
    endpoint: str
    region: str

    @classmethod
    def from_settings(cls) -> AliyunSms:
        return cls(settings.SMS_ACCESS_KEY_ID, settings.SMS_ACCESS_KEY_SECRET, settings.SMS_SIGN_NAME,
                   settings.SMS_ENDPOINT, settings.SMS_REGION)

    def signed_params(self, *, phone: str, template_code: str, params: dict[str, str], out_id: str,
                      now: datetime | None = None, nonce: str | None = None) -> dict[str, str]:
        values = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": out_id,
            "PhoneNumbers": provider_number(phone),
            "RegionId": self.region,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template_code,
            "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        values["Signature"] = signature(values, self.access_key_secret, "POST")
        return values

    def send(self, *, session, phone: str, template_code: str, params: dict[str, str], out_id: str) -> Result:
        if not (self.access_key_id and self.access_key_secret and self.sign_name):
            return Result(ok=False, permanent=True,
                          error="SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET and SMS_SIGN_NAME must be set")
        values = self.signed_params(phone=phone, template_code=template_code, params=params, out_id=out_id)
        body = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in values.items()).encode()
        answer = post(session, self.endpoint, body,
                      {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                       "Accept": "application/json"})
        if answer.error:
            return Result(ok=False, error=answer.error)
        try:
            reply = json.loads(answer.body or b"{}")
        except ValueError:
            reply = {}
        code = str(reply.get("Code", "")) if isinstance(reply, dict) else ""
        if answer.status == 200 and code == "OK":
            return Result(ok=True, status_code=answer.status, response=answer.text)
        return Result(
            ok=False,
            status_code=answer.status,
            response=answer.text,
            error=f"Aliyun answered {answer.status} {code or '(no code)'}: {reply.get('Message', '')}"
            if isinstance(reply, dict)
            else f"Aliyun answered {answer.status}",
            permanent=code in PERMANENT_CODES,
        )
