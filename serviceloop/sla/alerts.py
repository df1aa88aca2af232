"""What the SLA side reports when a deadline is missed or a ticket is escalated automatically (ASN-3, ASN-4,
SLA-5), and the hook it reports on.

The sweep decides *that* someone must hear of it and names the people the rule points at (owner,
supervisor, director); who hears it by which channel (in-app, email, robots, SMS, webhooks) is the
notifications app's business: it connects a receiver to `alerted` (notifications/apps.py). sla sits
below notifications in the import order, so it announces instead of calling.
"""

from __future__ import annotations

from serviceloop.core.hooks import Hook


class SlaAlert:
    """The alert kinds, one home: the sweep raises them, notifications/rules.py maps them to messages."""

    AT_RISK = "at_risk"
    ACKNOWLEDGE_OVERDUE = "acknowledge_overdue"
    RESPONSE_MISSED = "first_response_missed"
    RESOLUTION_MISSED = "resolution_missed"
    UPDATE_OVERDUE = "update_overdue"
    DIRECTOR = "director_escalation"


# Called as alerted(kind=…, ticket=…, recipients=[…], escalation=…, breach=…, metric=…, due_at=…) inside the
# sweep's transaction; `escalation` / `breach` are the rows the alert is about (they key the messages, so an
# escalation also reported on the timeline reaches each person once).
alerted = Hook("sla.alerted")
