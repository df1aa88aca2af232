"""KPIs per engineer or per group for a period of whole local days (CSAT-4, ANA-5), read from the roll-up.

A row's figures, over the tickets whose latest resolution falls in the period:

| figure | definition |
|---|---|
| resolved | tickets resolved |
| fcr_rate | share resolved at first contact (never reopened, at most one public staff reply) |
| mean_resolution_minutes | creation → resolution, calendar minutes |
| p90_resolution_minutes | the same, p90 by nearest rank (the ⌈0.9·n⌉-th smallest) |
| sla_met_rate | share of tickets with an SLA that met it (no breach, resolved by the deadline) |
| csat_average | mean latest overall score (1–5) of the answered surveys |
| csat_response_rate | answered surveys / tickets surveyed |
| reopen_rate | share reopened at least once |

Two statements per call whatever the number of tickets (issue #13.6: p95 < 300 ms at 1,000,000), then one
for the names: a GROUP BY over KpiDay (one row per day, owner and group) for every additive figure, and one
statement for the p90 that sums the KpiMinutes histogram (whole months from their month rows, the rest
from day rows), finds per person the bucket where the running count reaches the rank, and ranks only the
facts of that bucket (index fact_owner_p90 / fact_group_p90). The p90 is exact: buckets are ordered
ranges of minutes, the histogram counts exactly the period's facts, so the rank's value is the
(rank − count below the bucket)-th smallest in the bucket. Nothing loops over tickets in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.utils.translation import gettext as _

from serviceloop.accounts.models import Team, User
from serviceloop.core.errors import Forbidden

from .models import KpiDay, KpiMinutes, TicketFact
from .periods import month_of
from .rollup import DAY_FIGURES, local_day

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


def _days(start: datetime, end: datetime) -> tuple[date, date]:
    """[start, end) as its first and last local day; the roll-up has no finer grain than a day."""
    first, after = local_day(start), local_day(end)
    tz = ZoneInfo(settings.TIME_ZONE)
    if (datetime.combine(first, time.min, tz) != start or datetime.combine(after, time.min, tz) != end
            or after <= first):
        raise ValueError("A KPI period is whole local days (analytics.periods.period).")
    return first, after - timedelta(days=1)


def _spans(first: date, last: date) -> tuple[list[date], list[tuple[date, date]]]:
    """The calendar months inside [first, last] (their first days) and the day ranges left over."""
    months, ranges, day = [], [], first
    while day <= last:
        month_first, month_last = month_of(day)
        if day == month_first and month_last <= last:
            months.append(month_first)
            day = month_last + timedelta(days=1)
            continue
        stop = min(month_last, last)
        if ranges and ranges[-1][1] + timedelta(days=1) == day:
            ranges[-1] = (ranges[-1][0], stop)
        else:
            ranges.append((day, stop))
        day = stop + timedelta(days=1)
    return months, ranges


def _p90(column: str, first: date, last: date) -> dict[int, int]:
    """Per key (0: nobody), the nearest-rank p90 of the resolution minutes of the facts resolved in
    [first, last]."""
    quote = connection.ops.quote_name
    adapt = connection.ops.adapt_datefield_value
    hist, facts = quote(KpiMinutes._meta.db_table), quote(TicketFact._meta.db_table)
    months, ranges = _spans(first, last)
    grains, params = [], []
    if months:
        grains.append(f"(month = %s AND day IN ({', '.join(['%s'] * len(months))}))")
        params += [True, *(adapt(m) for m in months)]
    for low, high in ranges:
        grains.append("(month = %s AND day >= %s AND day <= %s)")
        params += [False, adapt(low), adapt(high)]
    key = quote(column)
    # n is cast to INTEGER so that PostgreSQL's running SUM is a bigint and the rank an integer division
    # (its SUM of a bigint is numeric). The facts of the chosen bucket are joined by key: NULL (nobody) is
    # key 0 in the roll-up, matched apart so that each branch is an equality the p90 index can seek on.
    sql = f"""
        WITH hist AS (
            SELECT {key} AS k, bucket, CAST(SUM(count) AS INTEGER) AS n FROM {hist}
            WHERE {" OR ".join(grains)} GROUP BY {key}, bucket HAVING SUM(count) > 0),
        running AS (
            SELECT k, bucket, n,
                   SUM(n) OVER (PARTITION BY k ORDER BY bucket ROWS UNBOUNDED PRECEDING) AS upto,
                   (9 * SUM(n) OVER (PARTITION BY k) + 9) / 10 AS rnk FROM hist),
        target AS (
            SELECT k, bucket, rnk - (upto - n) AS rank_in FROM running WHERE upto >= rnk AND upto - n < rnk),
        inside AS (
            SELECT t.k, f.resolution_minutes AS minutes, t.rank_in FROM target t JOIN {facts} f
                ON f.{key} = t.k AND f.resolution_bucket = t.bucket
                AND f.resolved_day >= %s AND f.resolved_day <= %s
            UNION ALL
            SELECT t.k, f.resolution_minutes, t.rank_in FROM target t JOIN {facts} f
                ON t.k = 0 AND f.{key} IS NULL AND f.resolution_bucket = t.bucket
                AND f.resolved_day >= %s AND f.resolved_day <= %s),
        ranked AS (
            SELECT k, minutes, rank_in, ROW_NUMBER() OVER (PARTITION BY k ORDER BY minutes) AS rn FROM inside)
        SELECT k, minutes FROM ranked WHERE rn = rank_in"""  # noqa: S608 - names from the models
    params += [adapt(first), adapt(last)] * 2
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def kpis(*, user: User, start: datetime, end: datetime, by: str = "engineer") -> list[KpiRow]:
    """The period's figures per engineer (the owner at resolution) or per group, most resolved first."""
    if user.is_customer or not user.has_perm("analytics.view_kpis"):
        raise Forbidden(_("You do not have permission to do this."))
    first, last = _days(start, end)
    column = _COLUMN[by]
    rows = list(KpiDay.objects.filter(day__gte=first, day__lte=last).values(column).order_by(column)
                .annotate(**{f"{f}_n": Sum(f) for f in DAY_FIGURES}).filter(resolved_n__gt=0))
    p90 = _p90(column, first, last)
    keys = [r[column] for r in rows if r[column]]
    model = User if by == "engineer" else Team
    names = {o.pk: str(o) for o in model.objects.filter(pk__in=keys)}
    out = [KpiRow(key=r[column] or None,
                  name=names.get(r[column], str(r[column]) if r[column] else _("(nobody)")),
                  resolved=r["resolved_n"], fcr_rate=_rate(r["first_contact_n"], r["resolved_n"]),
                  mean_resolution_minutes=r["minutes_sum_n"] / r["resolved_n"],
                  p90_resolution_minutes=p90.get(r[column]),
                  sla_met_rate=_rate(r["sla_met_n"], r["sla_measured_n"]),
                  csat_average=_rate(r["csat_sum_n"], r["csat_answered_n"]),
                  csat_response_rate=_rate(r["csat_answered_n"], r["surveyed_n"]),
                  reopen_rate=_rate(r["reopened_n"], r["resolved_n"]))
           for r in rows]
    out.sort(key=lambda row: (-row.resolved, row.name))
    return out
