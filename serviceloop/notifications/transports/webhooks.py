"""Outgoing webhooks (USR-2): signed JSON to another system about the events it subscribed to.

Each POST carries
  Content-Type: application/json; charset=utf-8
  X-ServiceLoop-Event: ticket.<event>          (created, updated, status_changed, assigned, replied, breached)
  X-ServiceLoop-Delivery: <uuid>               the same on every retry of one delivery: deduplicate by it
  X-ServiceLoop-Timestamp: <unix seconds>      also in the body as "sent_at", so it is signed with it
  X-ServiceLoop-Signature: sha256=<hex>        HMAC-SHA256 of the raw body, keyed with the webhook's secret
A receiver verifies: hex(HMAC-SHA256(secret, raw body)) equals the header (compare in constant time), the
body's "sent_at" equals X-ServiceLoop-Timestamp and is within five minutes of its clock, and it has not
seen the delivery id before (docs/api.md has the code). Any 2xx is success; anything else, or no answer
within NOTIFY_HTTP_TIMEOUT, is retried with backoff; 410 Gone stops the delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC

from ..templates import ticket_link
from . import Result
from .http import endpoint_key, post


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _iso(moment) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def ticket_document(ticket) -> dict:
    sla = getattr(ticket, "sla", None)
    return {
        "number": ticket.number,
        "title": ticket.title,
        "status": ticket.status,
        "sub_status": ticket.sub_status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "type": ticket.ticket_type,
        "organization": {"id": ticket.organization_id, "name": ticket.organization.name},
        "owner": ({"id": ticket.owner_id, "name": str(ticket.owner)} if ticket.owner_id else None),
        "group": ({"id": ticket.group_id, "name": ticket.group.name} if ticket.group_id else None),
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
        "resolved_at": _iso(ticket.resolved_at),
        "link": ticket_link(ticket.number),
        "sla": (
            {
                "next_deadline": _iso(sla.next_deadline),
                "resolution_deadline": _iso(sla.resolution_deadline),
                "breached": sla.breached,
            }
            if sla is not None
            else None
        ),
    }


def payload(delivery, sent_at: int) -> bytes:
    change = {k: v for k, v in (delivery.context or {}).items() if k not in ("event", "recipient_name")}
    document = {"id": str(delivery.public_id), "event": f"ticket.{delivery.kind}", "sent_at": sent_at,
                "attempt": delivery.attempts, "ticket": ticket_document(delivery.ticket), "change": change}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def send(delivery, session) -> Result:
    hook = delivery.webhook
    if hook is None:
        return Result(ok=False, permanent=True, error="the webhook was removed")
    if not hook.is_active:
        return Result(ok=False, permanent=True, error="the webhook is switched off")
    try:
        url, secret = hook.url, hook.secret
    except Exception as exc:  # noqa: BLE001 - a secret that no longer opens (SECRET_KEY changed)
        return Result(ok=False, permanent=True, error=str(exc))
    if endpoint_key(url) in session.down:
        return Result(
            ok=False, deferred=True, error="not tried: the endpoint did not answer earlier in this batch"
        )
    sent_at = int(time.time())
    body = payload(delivery, sent_at)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "ServiceLoop-Webhook/1",
        "X-ServiceLoop-Event": f"ticket.{delivery.kind}",
        "X-ServiceLoop-Delivery": str(delivery.public_id),
        "X-ServiceLoop-Timestamp": str(sent_at),
    }
    if secret:
        headers["X-ServiceLoop-Signature"] = signature(secret, body)
    answer = post(session, url, body, headers)
    text = body.decode()
    if answer.error:
        return Result(ok=False, error=answer.error, body=text)
    if 200 <= answer.status < 300:
        return Result(ok=True, status_code=answer.status, response=answer.text, body=text)
    return Result(ok=False, status_code=answer.status, response=answer.text, body=text,
                  error=f"the webhook answered {answer.status}", permanent=answer.status == 410)
