"""KPIs under /api/v1: GET /kpis?from=&to=&by=engineer|group (supervisors, directors, administrators)."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Query, Router

from serviceloop.core.bounds import Date
from serviceloop.core.schemas import ERRORS, Schema, Strict

from .periods import period
from .selectors import kpis

router = Router(tags=["kpis"])


class KpiQuery(Strict):
    from_: Date | None = Field(None, alias="from")
    to: Date | None = None
    by: Literal["engineer", "group"] = "engineer"


class KpiRowOut(Schema):
    id: int | None
    name: str
    resolved: int
    fcr_rate: float | None
    mean_resolution_minutes: float | None
    p90_resolution_minutes: int | None
    sla_met_rate: float | None
    csat_average: float | None
    csat_response_rate: float | None
    reopen_rate: float | None


class KpiOut(Schema):
    start: str
    end: str
    by: str
    rows: list[KpiRowOut]


@router.get("", response={200: KpiOut, **ERRORS}, url_name="kpis", by_alias=True)
def kpi_list(request, q: Query[KpiQuery]):
    """Per engineer (owner at resolution) or group, for the tickets resolved between the two local dates
    (inclusive; default: this month). Rates are 0..1 and null when nothing was there to rate."""
    start, end, first, last = period(q.from_, q.to)
    rows = kpis(user=request.auth, start=start, end=end, by=q.by)
    return {"start": first.isoformat(), "end": last.isoformat(), "by": q.by,
            "rows": [{"id": r.key, **{k: v for k, v in r.__dict__.items() if k != "key"}} for r in rows]}
