"""Every SLA write, one module per concern (issue #10):

  calendars.py   business-hours windows, days entered by hand, the default calendar, the calendar cache
  policies.py    policy versions and targets, the presets, the default version (cached), which targets apply
  clock.py       each ticket's deadlines: start, acknowledged, answered, reassigned, recomputed, paused,
                 resumed, resolved, reopened; a ticket moved to another policy; a customer's new tier
  breaches.py    breaches and their compensation (SLA-5, SLA-6)
  sweep.py       sla_sweep: due deadlines claimed once, escalated, breached or reminded (ASN-3, ASN-4)
  escalation.py  the escalation record, and manual escalation ticket_escalate (ASN-5, ASN-6)
  memo.py        the look-ups one sweep shares across its rows

Callers import the module of the concern (`from serviceloop.sla.services.clock import …`); reads
(the state and summary a ticket shows) are in sla/selectors.py. The ticket services never call the
clock: sla/receivers.py reacts to the timeline events tickets/events.py records.
"""

from __future__ import annotations

from . import calendars, policies


def clear_caches() -> None:
    """Forget every per-process SLA cache: calendars, the default version, version targets (tests)."""
    calendars.clear_calendar_cache()
    policies.clear_policy_cache()
    policies.clear_targets_cache()
