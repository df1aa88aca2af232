"""CLS-3: the default priority rule, f(urgency, impact scope, core module, customer tier, type).

A score from each factor, summed, mapped to a priority. Supervisors can override the result
(ticket_set_priority); the rule itself only proposes.
"""

from .choices import ImpactScope, Priority, TicketType, Urgency

_URGENCY_SCORE = {Urgency.CRITICAL: 6, Urgency.URGENT: 4, Urgency.IMPORTANT: 2, Urgency.NORMAL: 0}
_IMPACT_SCORE = {ImpactScope.GLOBAL: 3, ImpactScope.MULTIPLE: 2, ImpactScope.SINGLE: 0}


def compute_priority(
    *, urgency: str, impact_scope: str, core_module: bool, vip: bool, ticket_type: str, expedite: bool = False
) -> str:
    """Propose a priority. Complaints are never below high (CLS-4: handled first)."""
    score = _URGENCY_SCORE.get(urgency, 0) + _IMPACT_SCORE.get(impact_scope, 0)
    score += 1 if core_module else 0
    score += 1 if vip else 0
    score += 1 if expedite else 0
    if score >= 6:
        result = Priority.URGENT
    elif score >= 4:
        result = Priority.HIGH
    elif score >= 2:
        result = Priority.MEDIUM
    else:
        result = Priority.LOW
    if ticket_type == TicketType.COMPLAINT and result in (Priority.MEDIUM, Priority.LOW):
        result = Priority.HIGH
    return result
