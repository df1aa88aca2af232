"""What the rest of the product calls: functions that turn an event into deliveries in the caller's
transaction. The lead connects them to the hooks when merging (tickets' "event recorded" hook and sla's
alert hook); until then the tests call them directly with real events written by the real services.

    events.recorded.connect(receivers.ticket_event_recorded)     # (event, ticket)
    sla alert hook .connect(receivers.sla_alert)                  # (kind, ticket, *, recipients, escalation, breach, …)

A rule that fails (a bug) is logged and sends nothing rather than undoing the ticket change that caused it;
a failure to write the rows (the database) fails the caller's transaction, so nothing half-written stays.
"""

from __future__ import annotations

import logging

from . import outbox, rules

logger = logging.getLogger(__name__)


def _plan(fn, *args, **kwargs) -> list[rules.Planned]:
    try:
        return fn(*args, **kwargs)
    except Exception:  # noqa: BLE001 - a notification rule must never stop the change it reports
        logger.exception("notification rule %s failed; nothing enqueued", fn.__name__)
        return []


def ticket_event_recorded(event, ticket) -> int:
    """A timeline event was written (tickets/events.py): enqueue whatever the rules say it causes."""
    return outbox.enqueue(_plan(rules.for_ticket_event, event, ticket))


def sla_alert(kind: str, ticket, *, recipients=(), escalation=None, breach=None, metric: str = "",
              due_at=None) -> int:
    """The SLA side reports an alert (rules.SlaAlert: at risk, acknowledgement overdue, response or
    resolution missed, update overdue, director escalation)."""
    return outbox.enqueue(_plan(rules.for_sla_alert, kind, ticket, recipients=recipients, escalation=escalation,
                                breach=breach, metric=metric, due_at=due_at))


def survey_invitation(*, survey_key: str, ticket, link: str) -> int:
    """The satisfaction survey's invitation or its reminder (surveys/services.py `invitation`)."""
    return outbox.enqueue(_plan(rules.for_survey, survey_key=survey_key, ticket=ticket, link=link))
