"""One transport per channel: each turns a claimed Delivery into a message and says what happened.

The outbox (outbox.py) calls `send(delivery, session)` outside any transaction and records the `Result`.
A transport never raises for a failure of the other side: a refused connection, a timeout, a 500 or an
error code in the answer is a `Result` with `ok=False` (and `permanent=True` when retrying cannot help).
The `Session` lives for one batch: templates read once, one SMTP connection, keep-alive HTTP connections,
and the endpoints that did not answer (the rest of their deliveries in the batch wait for the next try
instead of each costing another timeout).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from ..templates import TemplateSet


@dataclass
class Result:
    ok: bool
    status_code: int | None = None
    response: str = ""
    error: str = ""
    permanent: bool = False
    deferred: bool = False  # not tried at all (its endpoint is down in this batch): not an attempt
    subject: str = ""
    body: str = ""
    rows: list = field(default_factory=list)  # rows to write with the "sent" mark (in-app notifications)


@dataclass
class Session:
    templates: TemplateSet
    http: dict = field(default_factory=dict)
    smtp: object | None = None
    down: set = field(default_factory=set)
    tickets: dict = field(default_factory=dict)
    email: object | None = None  # email.BatchFacts of the batch, read by email.prepare

    def close(self) -> None:
        for conn in self.http.values():
            with contextlib.suppress(OSError):
                conn.close()
        self.http.clear()
        if self.smtp is not None:
            with contextlib.suppress(Exception):  # closing a broken SMTP connection may fail again
                self.smtp.close()
            self.smtp = None


def prepare_batch(deliveries, session: Session) -> None:
    """Let the transports that can read what a whole batch needs at once do so before it is sent."""
    from . import email

    emails = [d for d in deliveries if d.channel == "email"]
    if emails:
        email.prepare(emails, session)


def transport_for(channel: str):
    from . import email, inapp, robots, sms, webhooks

    return {
        "email": email.send,
        "sms": sms.send,
        "inapp": inapp.send,
        "wecom": robots.send_wecom,
        "dingtalk": robots.send_dingtalk,
        "feishu": robots.send_feishu,
        "webhook": webhooks.send,
    }[channel]
