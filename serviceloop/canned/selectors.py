"""Every read of canned replies, starting from CannedReply.objects.visible_to(user), and the rendering
of one for a ticket (issue #16.3)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from serviceloop.core.errors import NotFound
from serviceloop.core.pagination import Page, keyset_page_merged

from .models import CannedReply, Scope
from .rendering import Rendered, render_text, ticket_values
from .services import require_staff


def canned_reply_list(*, user, cursor: str | None = None, limit: int = 25, q: str = "",
                      scope: str | None = None) -> Page:
    """The shared replies and the user's own, newest first, by cursor; `q` keeps those whose title or
    text contains it. Two ordered index reads merged (no OR across two columns), one query each."""
    require_staff(user)
    parts = []
    if scope in (None, Scope.PERSONAL):
        parts.append(CannedReply.objects.personal_of(user))
    if scope in (None, Scope.SHARED):
        parts.append(CannedReply.objects.shared())
    q = (q or "").strip()
    if q:
        parts = [qs.filter(Q(title__icontains=q) | Q(body__icontains=q)) for qs in parts]
    return keyset_page_merged(parts, cursor=cursor, limit=limit)


def canned_reply_get(*, user, reply_id: int) -> CannedReply:
    """One reply the user may see; another's personal reply looks absent (404), never forbidden."""
    require_staff(user)
    reply = next(iter(CannedReply.objects.visible_to(user).filter(pk=reply_id)[:1]), None)
    if reply is None:
        raise NotFound(_("No such canned reply."))
    return reply


def canned_reply_render(*, user, reply: CannedReply, ticket) -> Rendered:
    """The reply's text for this ticket, variables filled as plain text (rendering.py)."""
    require_staff(user)
    return render_text(reply.body, ticket_values(ticket=ticket, writer=user))
