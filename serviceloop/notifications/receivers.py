"""What the apps below announce, turned into deliveries in the announcer's transaction (so a delivery row
commits or rolls back with the event that causes it). Connected to the hooks in apps.py ready():

    events.recorded.connect(receivers.ticket_event_recorded)  # tickets/events.py: (event, ticket)
    sla.alerts.alerted.connect(receivers.sla_alert)  # (kind, ticket, *, recipients, escalation, breach, …)

`survey_invitation` waits for the satisfaction survey (CSAT-1, not built yet): its message kind, wording
and SMS template are ready, nothing calls it so far.

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
    return outbox.enqueue(
        _plan(
            rules.for_sla_alert,
            kind,
            ticket,
            recipients=recipients,
            escalation=escalation,
            breach=breach,
            metric=metric,
            due_at=due_at,
        )
    )


def survey_invitation(*, survey_key: str, ticket, link: str) -> int:
    """The satisfaction survey's invitation or its reminder (surveys/services.py `invitation`)."""
    return outbox.enqueue(_plan(rules.for_survey, survey_key=survey_key, ticket=ticket, link=link))


def report_published(*, report_key: str, users, detail: dict) -> int:
    """A periodic report was published (reports/services.py): mail and notify its subscribers."""
    return outbox.enqueue(_plan(rules.for_report, report_key=report_key, users=users, detail=detail))
