"""Sending notifications: an in-app row now, an email after the transaction commits.

Callers are services inside their own transaction; nothing is sent for a change that rolls back.
The email goes through Django's mail backend by a background job (tasks.send_notification_emails),
so a slow mail server never holds a request or a sweep.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from serviceloop.core.errors import InvalidInput, NotFound

from .models import Notification


def notify(*, users, kind: str, ticket, title: str, body: str = "") -> list[Notification]:
    """Write one notification per distinct active user and queue their emails on commit.

    `title` and `body` may be callables taking no argument, evaluated in each user's language.
    """
    rows = []
    seen = set()
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        with override(user.language or "zh-hans"):
            rows.append(Notification(
                user=user, kind=kind, ticket=ticket,
                title=str(title() if callable(title) else title)[:200],
                body=str(body() if callable(body) else body),
            ))
    created = Notification.objects.bulk_create(rows)
    _queue_emails([row.pk for row in created if row.user.email])
    return created


def _queue_emails(ids: list[int]) -> None:
    """Collect the transaction's emails and enqueue them as one job after it commits.

    A sweep escalating a thousand tickets commits in chunks; one job per chunk instead of one per
    email keeps the queue (a SQLite file when embedded) from becoming the bottleneck. The list hangs
    on the connection and the flush is registered once per transaction: if the transaction rolls
    back, Django drops the callback, and the next transaction registers a fresh one.
    """
    if not ids:
        return
    conn = transaction.get_connection()
    registered = any(entry[1] is _flush_emails for entry in conn.run_on_commit)
    if not registered:
        conn.serviceloop_email_ids = []
    conn.serviceloop_email_ids.extend(ids)
    if not registered:
        transaction.on_commit(_flush_emails)  # outside a transaction this runs at once


def _flush_emails() -> None:
    from .tasks import send_notification_emails

    conn = transaction.get_connection()
    ids, conn.serviceloop_email_ids = getattr(conn, "serviceloop_email_ids", None) or [], []
    if ids:
        send_notification_emails(ids)


@transaction.atomic
def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of the user as read; returns how many."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        if not Notification.objects.filter(user=user, pk=notification_id).exists():
            raise NotFound(_("Notification not found."))
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


# --- robots and webhooks (the API; the admin has its own forms) ------------------------------------

def _check_endpoint(*, name: str, url: str | None, creating: bool) -> None:
    from django.core.exceptions import ValidationError

    from .models import Webhook

    if creating and not (name or "").strip():
        raise InvalidInput.field("name", _("This field is required."))
    if url is not None or creating:
        try:
            Webhook.url_validator((url or "").strip())
        except ValidationError:
            raise InvalidInput.field("url", _("Enter an http:// or https:// address.")) from None


@transaction.atomic
def endpoint_save(*, model, actor, endpoint_id: int | None = None, **fields):
    """Create (no id) or change a robot or webhook; `url` and `secret` are sealed, an absent one is kept."""
    if actor.is_customer or not actor.has_perm(f"notifications.{'change' if endpoint_id else 'add'}_"
                                                f"{model._meta.model_name}"):
        from serviceloop.core.errors import Forbidden

        raise Forbidden(_("You do not have permission to do this."))
    if endpoint_id is None:
        row = model()
    else:
        row = model.objects.select_for_update().filter(pk=endpoint_id).first()
        if row is None:
            raise NotFound(_("Not found."))
    url, secret = fields.pop("url", None), fields.pop("secret", None)
    teams = fields.pop("team_ids", None)
    _check_endpoint(name=fields.get("name", row.name if endpoint_id else ""), url=url, creating=endpoint_id is None)
    for key, value in fields.items():
        if value is not None:
            setattr(row, key, value.strip() if isinstance(value, str) else value)
    if url is not None:
        row.url = url
    if secret is not None:
        row.secret = secret
    row.save()
    if teams is not None:
        row.teams.set(teams)
    return row
