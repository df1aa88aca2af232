"""CLS-3: the default priority rule, f(urgency, impact scope, core module, customer tier, type); CLS-2:
urgency from the portal's impact questions (urgency_from_answers).

A score from each factor, summed, mapped to a priority. Supervisors can override the result
(ticket_set_priority); the rule itself only proposes.
"""

from .choices import BusinessStop, CoreAnswer, ImpactScope, Priority, Reach, TicketType, Urgency

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


def urgency_from_answers(*, stop: str, reach: str, core: str) -> str:
    """CLS-2 from the customer's own answers: 紧急 when business is interrupted or core equipment is down,
    the whole system down (critical) when both, or when everyone is stopped; 重要 when some work or some
    users are affected; 一般 only when work goes on. A stopped production line is never below urgent."""
    core_down = core == CoreAnswer.YES
    if stop == BusinessStop.STOPPED:
        return Urgency.CRITICAL if core_down or reach == Reach.ALL else Urgency.URGENT
    if stop == BusinessStop.PARTLY:
        return Urgency.URGENT if core_down or reach == Reach.ALL else Urgency.IMPORTANT
    return Urgency.IMPORTANT if reach == Reach.ALL else Urgency.NORMAL
