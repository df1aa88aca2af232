"""Signature checks as each vendor documents them, written from their documentation and independent of
the product's sender code (serviceloop/notifications/transports): if the product signs wrongly, these fail.

- DingTalk custom robot (加签): "把 timestamp+"\\n"+密钥 当做签名字符串，使用 HmacSHA256 算法计算签名，
  然后进行 Base64 encode，最后再把签名参数再进行 urlEncode"; timestamp in milliseconds, within one hour;
  both as query parameters of the webhook URL.
- Feishu custom bot (签名校验): "把 timestamp + "\\n" + 密钥 当做签名字符串，使用 HmacSHA256 算法计算签名，
  再进行 Base64 编码" — the string is the HMAC *key* and the message is empty; timestamp in seconds; both
  in the JSON body.
- Aliyun Dysmsapi (RPC signature v1.0): sort every parameter but Signature, percent-encode names and
  values (RFC 3986: A-Z a-z 0-9 - _ . ~ kept, space %20, * %2A), join with = and &; StringToSign =
  METHOD + "&" + percentEncode("/") + "&" + percentEncode(that string); Signature = Base64(HMAC-SHA1(
  AccessKeySecret + "&", StringToSign)).
- ServiceLoop webhooks (docs/api.md): X-ServiceLoop-Signature = "sha256=" + hex HMAC-SHA256(secret, raw body).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse


def _rfc3986(value: str) -> str:
    # Written the way Aliyun's own Java example does it: URLEncoder, then fix + * and %7E.
    encoded = urllib.parse.quote_plus(value, safe="~")
    return encoded.replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def verify_dingtalk(raw_query: str, secret: str, *, now_ms: int | None = None) -> bool:
    # Parse the query ourselves without decoding "sign" twice: its value is urlencoded base64.
    pairs = dict(part.split("=", 1) for part in raw_query.split("&") if "=" in part)
    timestamp, sign = pairs.get("timestamp"), pairs.get("sign")
    if not timestamp or not sign:
        return False
    now_ms = now_ms or int(time.time() * 1000)
    if abs(now_ms - int(timestamp)) > 3600 * 1000:
        return False
    string_to_sign = f"{timestamp}\n{secret}".encode()
    expected = base64.b64encode(hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(urllib.parse.unquote_plus(sign), expected)


def verify_feishu(body: dict, secret: str, *, now_s: int | None = None) -> bool:
    timestamp, sign = str(body.get("timestamp", "")), body.get("sign", "")
    if not timestamp or not sign:
        return False
    if abs((now_s or int(time.time())) - int(timestamp)) > 3600:
        return False
    key = f"{timestamp}\n{secret}".encode()
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    return hmac.compare_digest(sign, expected)


def verify_aliyun(params: dict[str, str], secret: str, method: str = "POST") -> bool:
    given = params.get("Signature", "")
    rest = {k: v for k, v in params.items() if k != "Signature"}
    canonical = "&".join(f"{_rfc3986(k)}={_rfc3986(rest[k])}" for k in sorted(rest))
    string_to_sign = f"{method}&{_rfc3986('/')}&{_rfc3986(canonical)}"
    expected = base64.b64encode(
        hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    )
    return hmac.compare_digest(given, expected.decode())


def verify_serviceloop(
    headers: dict[str, str], raw_body: bytes, secret: str, *, tolerance: int = 300
) -> bool:
    """What a receiver of our webhooks does (docs/api.md)."""
    header = headers.get("x-serviceloop-signature", "")
    expected = "sha256=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(header, expected):
        return False
    sent_at = json.loads(raw_body).get("sent_at")
    if str(sent_at) != headers.get("x-serviceloop-timestamp"):
        return False
    return abs(time.time() - int(sent_at)) <= tolerance
