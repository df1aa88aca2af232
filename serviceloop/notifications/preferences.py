"""Who wants what by which channel: each person's choices, and the defaults for everyone who made none.

A person sees only the kinds that can reach them: customer contacts the messages about their own tickets
(acknowledgement, replies, milestones, resolution, survey), staff the ones about their work. SMS defaults
on only where the SPEC sends it (the acknowledgement, the survey link, critical escalations and breaches).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from serviceloop.core.errors import InvalidInput

from .models import PERSONAL_CHANNELS, Channel, MessageKind, Preference

K, C = MessageKind, Channel
CUSTOMER_DEFAULTS: dict[str, frozenset[str]] = {
    K.ACKNOWLEDGED: frozenset({C.EMAIL, C.SMS, C.INAPP}),
    K.REPLIED: frozenset({C.EMAIL, C.INAPP}),
    K.MILESTONE: frozenset({C.EMAIL, C.INAPP}),
    K.PROGRESS: frozenset({C.EMAIL}),
    K.RESOLVED: frozenset({C.EMAIL, C.INAPP}),
    K.SURVEY: frozenset({C.EMAIL, C.SMS}),
}
STAFF_DEFAULTS: dict[str, frozenset[str]] = {
    K.CREATED: frozenset(),  # every new ticket (the dispatchers' news): off unless chosen (rules.py)
    K.ASSIGNED: frozenset({C.INAPP, C.EMAIL}),
    K.CUSTOMER_REPLIED: frozenset({C.INAPP, C.EMAIL}),
    K.ESCALATED: frozenset({C.INAPP, C.EMAIL, C.SMS}),  # SMS only when the ticket is critical (rules.py)
    K.BREACH_WARNING: frozenset({C.INAPP, C.EMAIL, C.SMS}),
}


def defaults_for(*, customer: bool) -> dict[str, frozenset[str]]:
    return CUSTOMER_DEFAULTS if customer else STAFF_DEFAULTS


class Choices:
    """The effective choices of a few people, read in one query (rules.py asks for several per event)."""

    def __init__(self, users):
        self.customer = {u.pk: u.is_customer for u in users}
        self.rows: dict[tuple[int, str, str], bool] = {}
        ids = [u.pk for u in users]
        if ids:
            for user_id, kind, channel, enabled in Preference.objects.filter(user_id__in=ids).values_list(
                    "user_id", "kind", "channel", "enabled"):
                self.rows[(user_id, kind, channel)] = enabled

    def wants(self, user, kind: str, channel: str) -> bool:
        if user is None:
            return False
        defaults = defaults_for(customer=self.customer.get(user.pk, user.is_customer))
        if kind not in defaults:
            return False  # not a kind that reaches this kind of person
        return self.rows.get((user.pk, kind, channel), channel in defaults[kind])


def preference_grid(user) -> list[dict]:
    """The settings page and the API: every kind that can reach the user, with each personal channel."""
    choices = Choices([user])
    kinds = defaults_for(customer=user.is_customer)
    return [{"kind": kind, "label": str(MessageKind(kind).label),
             "channels": {channel: choices.wants(user, kind, channel) for channel in PERSONAL_CHANNELS}}
            for kind in kinds]


@transaction.atomic
def preferences_set(*, user, choices: dict[str, dict[str, bool]]) -> list[dict]:
    """Set the user's choices ({kind: {channel: on}}); a kind or channel that cannot reach them is refused."""
    allowed = defaults_for(customer=user.is_customer)
    rows = []
    for kind, channels in choices.items():
        if kind not in allowed:
            raise InvalidInput.field(
                "kind", _("“%(kind)s” is not a kind of message you receive.") % {"kind": kind}
            )
        for channel, enabled in channels.items():
            if channel not in PERSONAL_CHANNELS:
                raise InvalidInput.field("channel", _("“%(channel)s” is not a channel you can choose.")
                                         % {"channel": channel})
            rows.append(Preference(user=user, kind=kind, channel=channel, enabled=bool(enabled)))
    if rows:
        exact = Q()
        for row in rows:
            exact |= Q(kind=row.kind, channel=row.channel)
        Preference.objects.filter(exact, user=user).delete()
        Preference.objects.bulk_create(rows)
        if any(row.kind == K.CREATED for row in rows):
            from .rules import clear_endpoint_cache

            # Who watches new tickets is cached (rules.py): forgotten now, and again once this is committed
            # (a send in between would have cached the rows as they were).
            clear_endpoint_cache()
            transaction.on_commit(clear_endpoint_cache)
    return preference_grid(user)
