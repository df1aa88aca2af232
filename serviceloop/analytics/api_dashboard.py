"""The dashboard under /api/v1 (ANA-1, ANA-2): GET /dashboard?start=&end= and
GET /dashboard/distributions?start=&end=&dimension= (supervisors, directors, administrators)."""

from __future__ import annotations

from typing import Literal

from ninja import Query, Router

from serviceloop.core.bounds import Date
from serviceloop.core.errors import InvalidInput
from serviceloop.core.schemas import ERRORS, Schema, Strict

from .dashboard import DIMENSIONS, MAX_DAYS, dashboard, distribution
from .periods import period

router = Router(tags=["dashboard"])

Dimension = Literal[DIMENSIONS]  # type: ignore[valid-type]


class PeriodQuery(Strict):
    start: Date | None = None
    end: Date | None = None


class DistributionQuery(PeriodQuery):
    dimension: Dimension = "category"


class FiguresOut(Schema):
    created: int
    resolution_rate: float | None
    mean_first_response_minutes: float | None
    resolved: int
    mean_resolution_minutes: float | None
    fcr_rate: float | None
    sla_met_rate: float | None
    csat_average: float | None
    csat_answered: int
    escalations: int


class TallyOut(Schema):
    key: str
    label: str
    count: int


class DashboardOut(Schema):
    start: str
    end: str
    previous_start: str
    previous_end: str
    current: FiguresOut
    previous: FiguresOut
    backlog_total: int
    backlog_by_status: list[TallyOut]
    backlog_by_priority: list[TallyOut]
    backlog_by_group: list[TallyOut]
    at_risk: int
    breached: int


class BarOut(Schema):
    key: str
    label: str
    count: int
    share: float
    children: list[BarOut] = []


class DistributionOut(Schema):
    start: str
    end: str
    dimension: str
    total: int
    bars: list[BarOut]
    top_problems: list[str]


def _dates(q: PeriodQuery):
    """Both dates inclusive (default: this month), at most two years; 422 naming `end` otherwise."""
    try:
        _since, _until, first, last = period(q.start, q.end, max_days=MAX_DAYS)
    except InvalidInput as exc:
        raise InvalidInput.field("end", exc.message) from None
    return first, last


def _tallies(rows) -> list[dict]:
    return [{"key": t.key, "label": t.label, "count": t.count} for t in rows]


@router.get("", response={200: DashboardOut, **ERRORS}, url_name="dashboard")
def dashboard_get(request, q: Query[PeriodQuery]):
    """The period's figures and the previous period's (same length, just before), the open backlog now,
    at-risk and breached counts (capped at 10,000). Rates are 0..1 and null when nothing was there to rate;
    times are calendar minutes. Definitions: serviceloop/analytics/dashboard.py."""
    first, last = _dates(q)
    board = dashboard(user=request.auth, first=first, last=last)
    return {
        "start": first.isoformat(),
        "end": last.isoformat(),
        "previous_start": board.previous_first.isoformat(),
        "previous_end": board.previous_last.isoformat(),
        "current": board.current.__dict__,
        "previous": board.previous.__dict__,
        "backlog_total": board.backlog_total,
        "backlog_by_status": _tallies(board.by_status),
        "backlog_by_priority": _tallies(board.by_priority),
        "backlog_by_group": _tallies(board.by_group),
        "at_risk": board.at_risk,
        "breached": board.breached,
    }


def _bar(bar) -> dict:
    return {
        "key": bar.key,
        "label": bar.label,
        "count": bar.count,
        "share": bar.share,
        "children": [_bar(c) for c in bar.children],
    }


@router.get("/distributions", response={200: DistributionOut, **ERRORS}, url_name="dashboard-distributions")
def distributions_get(request, q: Query[DistributionQuery]):
    """The tickets created in the period by one dimension, largest first; categories as a tree (top level
    with its sub-categories); `top_problems` in the request's language."""
    first, last = _dates(q)
    dist = distribution(user=request.auth, first=first, last=last, dimension=q.dimension)
    return {
        "start": first.isoformat(),
        "end": last.isoformat(),
        "dimension": dist.dimension,
        "total": dist.total,
        "bars": [_bar(b) for b in dist.bars],
        "top_problems": dist.top_problems,
    }
