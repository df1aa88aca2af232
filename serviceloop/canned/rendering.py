"""A canned reply's variables and how they are filled from a ticket (issue #16.3).

The body is plain text with placeholders in single braces, each one of a fixed set of names, in
Chinese or in English ({客户名} or {customer_name}). Filling them is a substitution of those names
by plain values and nothing else: the text is never given to a template engine, so a reply that
holds `{{ settings.SECRET_KEY }}` or `{% load %}` is inserted exactly as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import dateformat, timezone
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from serviceloop.sla.selectors import sla_summary

# A placeholder is a run of word characters (letters of any script, digits, _) in single braces.
# `{{ x }}`, `{% x %}` or `{"a": 1}` are not placeholders, so they stay as they are.
PLACEHOLDER = re.compile(r"\{(\w{1,40})\}")


@dataclass(frozen=True)
class Variable:
    key: str  # the English name, also what the API calls it
    zh: str  # the Chinese name
    label: Promise


VARIABLES = (
    Variable("customer_name", "客户名", _lazy("the contact's name")),
    Variable("ticket_number", "工单号", _lazy("the ticket number")),
    Variable("sla_due", "解决时限", _lazy("the SLA resolution due time")),
    Variable("engineer", "工程师", _lazy("the ticket's owner, or you when it has none")),
)
_BY_NAME = {name: v.key for v in VARIABLES for name in (v.key, v.zh)}

# How the due time is written, by language: 2026年12月4日 17:00 / 4 Dec 2026, 17:00 (service time zone).
_DUE_FORMATS = {"zh": "Y年n月j日 H:i", "en": "j M Y, H:i"}


def unknown_variables(body: str) -> list[str]:
    """The placeholder names in `body` that are not variables, in order, each once."""
    seen: dict[str, None] = {}
    for match in PLACEHOLDER.finditer(body or ""):
        if match.group(1) not in _BY_NAME:
            seen.setdefault(match.group(1), None)
    return list(seen)


def known_names() -> str:
    """Every variable as it may be written, for a message: {客户名} / {customer_name}, …"""
    return ", ".join(f"{{{v.zh}}} / {{{v.key}}}" for v in VARIABLES)


@dataclass
class Rendered:
    """The text with its variables filled; `missing` names the placeholders left as written because
    the ticket has no value for them (no contact, no SLA clock), so the writer sees what to fill in."""

    text: str
    missing: list[str] = field(default_factory=list)


def format_due(due) -> str:
    local = timezone.localtime(due, ZoneInfo(settings.TIME_ZONE))
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return dateformat.format(local, _DUE_FORMATS.get(language, _DUE_FORMATS["en"]))


def _sla_due(ticket) -> str | None:
    summary = sla_summary(getattr(ticket, "sla", None), ticket)
    if summary is None:
        return None
    if summary["paused"]:
        return _("on hold (the SLA clock is paused)")
    resolution = summary["resolution"]
    # Once the target is met (or claimed by the sweeper) the pending column is empty: the deadline as
    # last computed is still the one the customer was given.
    due = (resolution or {}).get("due") or ticket.sla.resolution_deadline
    return format_due(due) if due else None


def ticket_values(*, ticket, writer) -> dict[str, str | None]:
    """Each variable's value for this ticket, None where it has none. The ticket comes from
    tickets.selectors.ticket_get, which has joined the contact, the owner and the SLA row already."""
    engineer = ticket.owner if ticket.owner_id else writer
    return {
        "customer_name": ticket.contact.name if ticket.contact_id else None,
        "ticket_number": ticket.number,
        "sla_due": _sla_due(ticket),
        "engineer": str(engineer) if engineer is not None else None,
    }


def render_text(body: str, values: dict[str, str | None]) -> Rendered:
    """Replace each known placeholder by its value as plain text; one without a value stays."""
    missing: dict[str, None] = {}

    def fill(match: re.Match) -> str:
        key = _BY_NAME.get(match.group(1))
        if key is None:
            return match.group(0)
        value = values.get(key)
        if not value:
            missing.setdefault(match.group(0), None)
            return match.group(0)
        return value

    return Rendered(text=PLACEHOLDER.sub(fill, body), missing=list(missing))
