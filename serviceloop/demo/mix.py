"""The ticket mix: how often each type, urgency, channel and status occurs, how fast people work
(by priority), and when tickets arrive (office hours, weekdays, national holidays).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from serviceloop.tickets.choices import Channel, ImpactScope, Priority, Status, SubStatus, TicketType, Urgency

from .reference import HARDWARE

DAYS = 365

TYPE_WEIGHTS = [(TicketType.PROBLEM, 55), (TicketType.SERVICE_REQUEST, 15), (TicketType.CONSULTATION, 15),
                (TicketType.SUGGESTION, 6), (TicketType.COMPLAINT, 5), (TicketType.OTHER, 4)]
URGENCY_WEIGHTS = {
    TicketType.PROBLEM: [
        (Urgency.CRITICAL, 5),
        (Urgency.URGENT, 20),
        (Urgency.IMPORTANT, 35),
        (Urgency.NORMAL, 40),
    ],
    TicketType.COMPLAINT: [(Urgency.URGENT, 20), (Urgency.IMPORTANT, 50), (Urgency.NORMAL, 30)],
    TicketType.SERVICE_REQUEST: [(Urgency.IMPORTANT, 25), (Urgency.NORMAL, 75)],
}
DEFAULT_URGENCY = [(Urgency.IMPORTANT, 5), (Urgency.NORMAL, 95)]
IMPACT_WEIGHTS = {
    TicketType.PROBLEM: [(ImpactScope.SINGLE, 85), (ImpactScope.MULTIPLE, 12), (ImpactScope.GLOBAL, 3)],
}
DEFAULT_IMPACT = [(ImpactScope.SINGLE, 97), (ImpactScope.MULTIPLE, 3)]
CHANNEL_WEIGHTS = [(Channel.PHONE, 35), (Channel.EMAIL, 20), (Channel.PORTAL, 25), (Channel.API, 12),
                   (Channel.ONSITE, 8)]
# Old tickets are nearly all closed; the open backlog sits in the last weeks. (max age in days, weights)
STATUS_BY_AGE = [
    (2, {Status.NEW: 20, Status.ACCEPTED: 20, Status.IN_PROGRESS: 30, Status.ESCALATED: 5, Status.PENDING: 2,
         Status.RESOLVED: 13, Status.REOPENED: 2, Status.CLOSED: 8}),
    (7, {Status.NEW: 5, Status.ACCEPTED: 10, Status.IN_PROGRESS: 30, Status.ESCALATED: 6, Status.PENDING: 5,
         Status.RESOLVED: 22, Status.REOPENED: 4, Status.CLOSED: 18}),
    (30, {Status.NEW: 1, Status.ACCEPTED: 2, Status.IN_PROGRESS: 12, Status.ESCALATED: 4, Status.PENDING: 6,
          Status.RESOLVED: 15, Status.REOPENED: 3, Status.CLOSED: 57}),
    (DAYS + 1, {Status.NEW: 0.02, Status.ACCEPTED: 0.05, Status.IN_PROGRESS: 0.6, Status.ESCALATED: 0.2,
                Status.PENDING: 0.8, Status.RESOLVED: 0.3, Status.REOPENED: 0.1, Status.CLOSED: 97.93}),
]
SUB_STATUS_WEIGHTS = {
    HARDWARE: [(SubStatus.CONTACTED, 25), (SubStatus.DIAGNOSED, 20), (SubStatus.WAITING_PARTS, 12),
               (SubStatus.WAITING_CUSTOMER, 15), (SubStatus.PICKED_UP, 6), (SubStatus.REPAIRING, 15),
               (SubStatus.SHIPPED, 7)],
    # Pick-up, repair and shipping back only happen to physical units.
    "other": [(SubStatus.CONTACTED, 40), (SubStatus.DIAGNOSED, 30), (SubStatus.WAITING_CUSTOMER, 30)],
}
HARDWARE_ONLY_SUBS = {SubStatus.WAITING_PARTS, SubStatus.PICKED_UP, SubStatus.REPAIRING, SubStatus.SHIPPED}
# Showcase tickets (see TicketGenerator._showcase): statuses from the oldest to the newest ticket.
SHOWCASE_ORDER = [Status.CLOSED.value, Status.RESOLVED.value, Status.REOPENED.value, Status.PENDING.value,
                  Status.ESCALATED.value, Status.IN_PROGRESS.value, Status.ACCEPTED.value, Status.NEW.value]
SHOWCASE_DAYS = 45
# Seconds from creation to acknowledgement, from there to the first reply, and from creation to
# resolution, by priority (low, high). Most come within the targets of the default policy (seed 001:
# acknowledge in an hour, resolve in 24 hours / 3 / 5 working days); the slow tail is what the
# SLA clock then records as breaches and escalations.
PACE = {
    Priority.URGENT: ((60, 1500), (60, 1800), (2 * 3600, 22 * 3600)),
    Priority.HIGH: ((120, 2700), (300, 2 * 3600), (3 * 3600, 28 * 3600)),
    Priority.MEDIUM: ((300, 4200), (900, 8 * 3600), (6 * 3600, 96 * 3600)),
    Priority.LOW: ((600, 6000), (1800, 86400), (8 * 3600, 168 * 3600)),
}
PRIORITY_UP = {Priority.LOW.value: Priority.MEDIUM.value, Priority.MEDIUM.value: Priority.HIGH.value,
               Priority.HIGH.value: Priority.URGENT.value}
# A ticket open for longer than this is waiting on something (parts, the customer, a release): its
# clock is paused. Without that, the update cadence would have reminded its owner every day since.
LONG_OPEN_DAYS = 3
# Unacknowledged or not yet answered tickets are all young: nobody leaves a new ticket for days.
YOUNG_DAYS = 1
# Shares of the ways a ticket goes: acknowledged first (ticket_accept) or taken straight into work
# (new → in progress, which acknowledges it too); escalated on the way; waiting for parts or the
# customer for a while; a progress sync left out once (the sweep then reminds the owner).
ACCEPT_FIRST = 0.3
CALL_LOGGED = 0.3  # a call or visit logged while working on it
CUSTOMER_ANSWERS = 0.2  # the customer writes back while it is worked on
# Questions, suggestions and the like are answered in one reply, which resolves them.
QUICK_TYPES = (TicketType.CONSULTATION, TicketType.SUGGESTION, TicketType.OTHER)
ESCALATED_ON_THE_WAY = 0.08
PAUSED_ON_THE_WAY = {HARDWARE: 0.25, "other": 0.1}
MISSED_SYNC = 0.03
# National holidays when almost nobody opens tickets (春节 moves; the table covers the demo's years).
HOLIDAYS = {(10, d) for d in range(1, 8)} | {(5, d) for d in range(1, 6)}
SPRING_FESTIVAL = {2025: (date(2025, 1, 28), date(2025, 2, 4)), 2026: (date(2026, 2, 15), date(2026, 2, 23)),
                   2027: (date(2027, 2, 5), date(2027, 2, 11)), 2028: (date(2028, 1, 25), date(2028, 2, 2))}
HOUR_WEIGHTS = [0.05] * 7 + [
    0.3,
    0.8,
    1.6,
    1.6,
    1.6,
    0.8,
    1.0,
    1.5,
    1.5,
    1.5,
    1.5,
    0.8,
    0.4,
    0.4,
    0.4,
    0.15,
    0.15,
]


def cumulative(weights: list[tuple[str, float]]) -> tuple[list[str], list[float]]:
    """Values and cumulative weights (normalised to 1) for `bisect`-based weighted choice."""
    total = sum(w for _v, w in weights)
    values, cum, running = [], [], 0.0
    for value, weight in weights:
        running += weight / total
        values.append(str(value))  # plain str: database drivers need not know Django's enums
        cum.append(running)
    cum[-1] = 1.0 + 1e-9  # so that a draw of 0.9999… never falls off the end
    return values, cum


def hour_buckets(now_ts: float, tz: ZoneInfo) -> tuple[float, list[float], list[float]]:
    """Hourly buckets over the last DAYS days with their weights and cumulative weights.

    Weights follow office hours, weekdays, national holidays and a slowly growing customer base.
    Mapping ticket i of n to the point (i + jitter) / n of the cumulative curve gives each ticket a
    creation time that grows with i, so ids and numbers follow the creation order like real ones.
    """
    hours = DAYS * 24
    start = now_ts - hours * 3600
    weights, cum, running = [], [], 0.0
    for b in range(hours):
        local = datetime.fromtimestamp(start + b * 3600, tz)
        day = local.date()
        weight = HOUR_WEIGHTS[local.hour] * (0.3 if day.weekday() >= 5 else 1.0) * (0.85 + 0.3 * b / hours)
        spring = SPRING_FESTIVAL.get(day.year)
        if (day.month, day.day) in HOLIDAYS or (spring and spring[0] <= day <= spring[1]):
            weight *= 0.2
        running += weight
        weights.append(weight)
        cum.append(running)
    return start, weights, cum
