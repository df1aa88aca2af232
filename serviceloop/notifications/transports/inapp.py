"""In-app (NTF-1): a Notification row in the person's notification centre.

Nothing leaves the database, so the row is written with the delivery's "sent" mark, in one transaction
(outbox.py), and Notification.delivery is unique: a delivery makes at most one row, even if two workers
raced or a worker died half-way.
"""

from __future__ import annotations

from ..models import Notification, NotificationKind, TemplateFormat
from ..templates import TemplateProblem, single_line, ticket_context
from . import Result


def send(delivery, session) -> Result:
    if delivery.user_id is None or delivery.user is None or not delivery.user.is_active:
        return Result(ok=False, permanent=True, error="the person no longer exists or is inactive")
    context = ticket_context(delivery.ticket, delivery.language, delivery.context)
    try:
        rendered = session.templates.render(delivery.kind, TemplateFormat.INAPP, delivery.language, context)
    except TemplateProblem as problem:
        return Result(ok=False, permanent=True, error=f"template: {problem}")
    kind = delivery.kind if delivery.kind in NotificationKind.values else NotificationKind.ESCALATED
    title = single_line(rendered.subject, 200)
    row = Notification(user_id=delivery.user_id, kind=kind, ticket_id=delivery.ticket_id, title=title,
                       body=rendered.text, delivery_id=delivery.pk)
    return Result(ok=True, subject=title, body=rendered.text, rows=[row])
