"""The notification app's own writes: marking in-app notifications read, and saving robot and webhook
endpoints. Messages themselves are planned by rules.py and written by outbox.py (NTF-1..3)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.errors import InvalidInput, NotFound

from .models import Notification


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
    _check_endpoint(
        name=fields.get("name", row.name if endpoint_id else ""), url=url, creating=endpoint_id is None
    )
    for key, value in fields.items():
        if value is not None:
            setattr(row, key, value.strip() if isinstance(value, str) else value)
    if url is not None:
        row.url = url
    if secret is not None:
        row.secret = secret
    if teams is not None:
        from serviceloop.accounts.models import Team

        teams = sorted(set(teams))
        known = set(Team.objects.filter(pk__in=teams).values_list("pk", flat=True))
        if len(known) != len(teams):
            raise InvalidInput.field("team_ids", _("Unknown support group: %(ids)s.")
                                     % {"ids": ", ".join(str(pk) for pk in teams if pk not in known)})
    row.save()
    if teams is not None:
        row.teams.set(teams)
    return row
