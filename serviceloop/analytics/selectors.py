"""KPIs per engineer or per group for a period (CSAT-4, ANA-5), read from TicketFact alone.

A row's figures, over the tickets whose latest resolution falls in [start, end):

| figure | definition |
|---|---|
| resolved | tickets resolved |
| fcr_rate | share resolved at first contact (never reopened, at most one public staff reply) |
| mean_resolution_minutes, p90_resolution_minutes | creation → resolution, calendar minutes; p90 by nearest rank (the ⌈0.9·n⌉-th smallest) |
| sla_met_rate | share of tickets with an SLA that met it (no breach, resolved by the deadline) |
| csat_average | mean latest overall score (1–5) of the answered surveys |
| csat_response_rate | answered surveys / tickets surveyed |
| reopen_rate | share reopened at least once |

Two statements per call whatever the number of tickets (one on PostgreSQL, whose percentile_disc gives
the p90 in the GROUP BY): one GROUP BY for the counts and means, one window query for the p90, both served
by the (resolved_at, owner, group, …) covering index; then one query for the names. Nothing loops over tickets in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Aggregate, Avg, Count, IntegerField, Q
from django.utils.translation import gettext as _

from serviceloop.accounts.models import Team, User
from serviceloop.core.errors import Forbidden

from .models import TicketFact

BY = ("engineer", "group")
_COLUMN = {"engineer": "owner_id", "group": "group_id"}


@dataclass(frozen=True)
class KpiRow:
    """One engineer's or group's figures for the period (rates are 0..1, None without any ticket to rate)."""

    key: int | None
    name: str
    resolved: int
    fcr_rate: float | None
    mean_resolution_minutes: float | None
    p90_resolution_minutes: int | None
    sla_met_rate: float | None
    csat_average: float | None
    csat_response_rate: float | None
    reopen_rate: float | None


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class P90(Aggregate):
    """PostgreSQL's nearest-rank percentile: the first value whose cumulative share reaches 0.9, i.e. the
    ⌈0.9·n⌉-th smallest — the same definition as the window query SQLite uses (_p90)."""

    function = "percentile_disc"
    template = "%(function)s(0.9) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = IntegerField()


def _p90(column: str, start: datetime, end: datetime) -> dict[int | None, int]:
    table = connection.ops.quote_name(TicketFact._meta.db_table)
    sql = (f"SELECT k, resolution_minutes FROM (SELECT {column} AS k, resolution_minutes, "  # noqa: S608 - names from the model
           f"ROW_NUMBER() OVER (PARTITION BY {column} ORDER BY resolution_minutes) AS rn, "
           f"COUNT(*) OVER (PARTITION BY {column}) AS n FROM {table} "
           f"WHERE resolved_at >= %s AND resolved_at < %s) ranked WHERE rn = (9 * n + 9) / 10")
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(start),
                             connection.ops.adapt_datetimefield_value(end)])
        return dict(cursor.fetchall())


def kpis(*, user: User, start: datetime, end: datetime, by: str = "engineer") -> list[KpiRow]:
    """The period's figures per engineer (the owner at resolution) or per group, most resolved first."""
    if user.is_customer or not user.has_perm("analytics.view_kpis"):
        raise Forbidden(_("You do not have permission to do this."))
    column = _COLUMN[by]
    postgres = connection.vendor == "postgresql"
    extra = {"p90": P90("resolution_minutes")} if postgres else {}
    rows = list(TicketFact.objects.filter(resolved_at__gte=start, resolved_at__lt=end)
                .values(column).order_by(column).annotate(**extra,
                    resolved=Count("pk"),
                    fcr=Count("pk", filter=Q(first_contact=True)),
                    mean=Avg("resolution_minutes"),
                    sla_known=Count("sla_met"),
                    sla_met_n=Count("pk", filter=Q(sla_met=True)),
                    csat_avg=Avg("csat"),
                    answered=Count("csat"),
                    surveyed=Count("pk", filter=Q(surveys_sent__gt=0)),
                    reopened=Count("pk", filter=Q(reopen_count__gt=0))))
    # PostgreSQL has the percentile as an aggregate (one statement); SQLite ranks with a window query.
    p90 = {r[column]: r["p90"] for r in rows} if postgres else _p90(column, start, end)
    keys = [r[column] for r in rows if r[column] is not None]
    model = User if by == "engineer" else Team
    names = {o.pk: str(o) for o in model.objects.filter(pk__in=keys)}
    out = [KpiRow(key=r[column], name=names.get(r[column], _("(nobody)") if r[column] is None else str(r[column])),
                  resolved=r["resolved"], fcr_rate=_rate(r["fcr"], r["resolved"]),
                  mean_resolution_minutes=float(r["mean"]) if r["mean"] is not None else None,
                  p90_resolution_minutes=p90.get(r[column]),
                  sla_met_rate=_rate(r["sla_met_n"], r["sla_known"]),
                  csat_average=float(r["csat_avg"]) if r["csat_avg"] is not None else None,
                  csat_response_rate=_rate(r["answered"], r["surveyed"]),
                  reopen_rate=_rate(r["reopened"], r["resolved"]))
           for r in rows]
    out.sort(key=lambda row: (-row.resolved, row.name))
    return out
