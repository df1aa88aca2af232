"""Every write to canned replies, one service per state change (issue #16.3).

Each runs in one transaction and checks who may: any service staff member keeps their own personal
replies; shared ones are kept by those with canned.manage_shared (administrators, accounts/roles.py).
Errors are core.errors, so the API, the pages and the admin answer alike.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from serviceloop.accounts.models import User
from serviceloop.core.bounds import nul_message
from serviceloop.core.errors import Forbidden, InvalidInput

from .models import CannedReply, Scope
from .rendering import known_names, unknown_variables

TITLE_MAX = 100
BODY_MAX = 5000
MANAGE_SHARED = "canned.manage_shared"


# --- checks ---------------------------------------------------------------------------------------

def require_staff(actor: User) -> None:
    """Canned replies are the service team's: customers and system accounts neither see nor use them."""
    if not actor.is_authenticated or not actor.is_service_staff:
        raise Forbidden(_("Only service staff can do this."))


def may_manage(actor: User, reply: CannedReply) -> bool:
    if reply.scope == Scope.SHARED:
        return actor.has_perm(MANAGE_SHARED)
    return reply.owner_id == actor.pk


def _require_manage(actor: User, reply: CannedReply) -> None:
    require_staff(actor)
    if not may_manage(actor, reply):
        if reply.scope == Scope.SHARED:
            raise Forbidden(_("Only administrators may change shared canned replies."))
        raise Forbidden(_("Only its owner may change a personal canned reply."))


def _text(field: str, value: str, limit: int) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidInput.field(field, nul_message())
    if not value:
        raise InvalidInput.field(field, _("This field is required."))
    if len(value) > limit:
        raise InvalidInput.field(field, _("At most %(limit)d characters are allowed (got %(size)d).")
                                 % {"limit": limit, "size": len(value)})
    return value


def check_title(title: str) -> str:
    return _text("title", title, TITLE_MAX)


def check_body(body: str) -> str:
    """The body, refused if it names a variable that does not exist (the name is said)."""
    body = _text("body", body, BODY_MAX)
    unknown = unknown_variables(body)
    if unknown:
        raise InvalidInput.field("body", _("Unknown variable {%(name)s}. The variables are: %(known)s.")
                                 % {"name": unknown[0], "known": known_names()})
    return body


def check_scope(scope: str) -> str:
    if scope not in Scope.values:
        raise InvalidInput.field("scope", _("“%(value)s” is not a valid choice. Allowed: %(allowed)s")
                                 % {"value": scope, "allowed": ", ".join(Scope.values)})
    return scope


def _title_taken(reply: CannedReply) -> InvalidInput:
    if reply.scope == Scope.SHARED:
        message = _("A shared canned reply is already titled “%(title)s”.")
    else:
        message = _("You already have a canned reply titled “%(title)s”.")
    return InvalidInput.field("title", message % {"title": reply.title})


def _same_title(reply: CannedReply):
    rows = CannedReply.objects.filter(scope=reply.scope, title=reply.title).exclude(pk=reply.pk)
    return rows.filter(owner=reply.owner) if reply.scope == Scope.PERSONAL else rows


def title_taken(reply: CannedReply) -> InvalidInput | None:
    """The refusal to give when another reply of the same owner (or another shared one) has its title."""
    return _title_taken(reply) if _same_title(reply).exists() else None


def _save(reply: CannedReply) -> CannedReply:
    taken = title_taken(reply)
    if taken is not None:
        raise taken
    try:
        with transaction.atomic():  # a savepoint: the unique index decides a race, the message stays ours
            reply.save()
    except IntegrityError:
        raise _title_taken(reply) from None
    return reply


# --- writing --------------------------------------------------------------------------------------

@transaction.atomic
def canned_reply_create(*, actor: User, title: str, body: str, scope: str = Scope.PERSONAL) -> CannedReply:
    """A new canned reply: personal (the actor's own) or, for administrators, shared with everyone."""
    require_staff(actor)
    scope = check_scope(scope)
    if scope == Scope.SHARED and not actor.has_perm(MANAGE_SHARED):
        raise Forbidden(_("Only administrators may change shared canned replies."))
    reply = CannedReply(scope=scope, owner=actor if scope == Scope.PERSONAL else None,
                        title=check_title(title), body=check_body(body), created_by=actor)
    return _save(reply)


@transaction.atomic
def canned_reply_update(*, reply: CannedReply, actor: User, title: str | None = None,
                        body: str | None = None) -> CannedReply:
    """A new title and/or text; its owner (personal) or an administrator (shared)."""
    reply = CannedReply.objects.select_for_update().get(pk=reply.pk)
    _require_manage(actor, reply)
    if title is not None:
        reply.title = check_title(title)
    if body is not None:
        reply.body = check_body(body)
    return _save(reply)


@transaction.atomic
def canned_reply_delete(*, reply: CannedReply, actor: User) -> None:
    """Remove it for good; replies already sent with its text keep that text."""
    reply = CannedReply.objects.select_for_update().get(pk=reply.pk)
    _require_manage(actor, reply)
    reply.delete()
