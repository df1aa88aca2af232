"""The supervisors' dashboard (ANA-1) and distributions (ANA-2), read from the stored roll-ups only.

Definitions, for a period of whole local days and the one of the same length just before it:

| figure | definition | read from |
|---|---|---|
| created | tickets created in the period | DimensionDay (finished) |
| resolution_rate | share of those that are resolved or closed now | DimensionDay (finished) |
| mean_first_response_minutes | creation → first staff reply (minutes), of those replied to | DimensionDay |
| resolved | tickets whose latest resolution falls in the period | KpiDay |
| mean_resolution_minutes | creation → resolution of those | KpiDay |
| fcr_rate | 首次修复率: share of those resolved at first contact | KpiDay |
| sla_met_rate | share of those with an SLA that met it (no breach, resolved by the deadline) | KpiDay |
| csat_average | mean latest overall survey score (1–5) of those, answered surveys only | KpiDay |
| escalations | escalations (automatic and manual) raised in the period | Escalation (indexed by time) |

首次修复率 (first-contact resolution) is the KPI page's definition, kept in one place (analytics/facts.py
`_fact`): the ticket was never reopened and was resolved with at most one public staff reply. Neither the
SPEC (ANA-1) nor the seeds define it further; an escalated ticket that was resolved with one reply counts.

The current backlog (open tickets by status, priority and group) is the SUM over every day of the open_*
dimensions (dims.py): a few thousand roll-up rows, whatever the number of tickets. At risk and breached are
the list's own views (tickets/selectors.py), counted (capped at 10,000) and kept for
LIST_COUNT_CACHE_SECONDS as the list's tab counts are, so the number is the number of rows its link shows
(as of at most that many seconds ago).

Distributions count the tickets created in the period by one dimension; `top_problems` writes the largest
categories the way seed 000 does: "10月硬件类问题占比40%，其中电源模块问题占比60%".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, IntegerField, Q, Sum, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from serviceloop.accounts.models import Team, User
from serviceloop.assets.models import ProductModel
from serviceloop.core.errors import Forbidden, InvalidInput
from serviceloop.customers.models import Organization
from serviceloop.sla.models import Escalation
from serviceloop.tickets import selectors as ticket_selectors
from serviceloop.tickets.choices import OPEN_STATUSES, Channel, Priority, Status, TicketType
from serviceloop.tickets.models import Category, RootCause

from .dims import BACKLOG, DISTRIBUTIONS
from .models import DimensionDay, KpiDay
from .rollup import DAY_FIGURES

# The longest period a dashboard or distribution covers (two years, a leap day included).
MAX_DAYS = 731
# Counts of the list's views stop here, as a list tab's do, ten times higher: "10000+" says enough.
VIEW_COUNT_CAP = 10_000
DIMENSIONS = tuple(DISTRIBUTIONS)
# The list's query parameter that filters by each dimension (web/views/lists.py, web/forms.py).
LIST_PARAMETER = {
    "type": "type",
    "category": "category",
    "product_model": "product_model",
    "root_cause": "root_cause",
    "organization": "organization",
    "engineer": "owner",
    "channel": "channel",
}


@dataclass(frozen=True)
class Figures:
    """One period's figures (rates 0..1; None when there was nothing to rate)."""

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


@dataclass(frozen=True)
class Tally:
    """One bar of a backlog chart: the value, its label, how many, and the list's parameters for it."""

    key: str
    label: str
    count: int
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Dashboard:
    first: date
    last: date
    previous_first: date
    previous_last: date
    current: Figures
    previous: Figures
    backlog_total: int
    by_status: list[Tally]
    by_priority: list[Tally]
    by_group: list[Tally]
    at_risk: int
    breached: int
    view_count_cap: int = VIEW_COUNT_CAP


@dataclass(frozen=True)
class Bar:
    """One value of a distribution; `children` are a top-level category's sub-categories."""

    key: str
    label: str
    count: int
    share: float
    params: dict
    children: list[Bar] = field(default_factory=list)


@dataclass(frozen=True)
class Distribution:
    dimension: str
    first: date
    last: date
    total: int
    bars: list[Bar]
    top_problems: list[str]


def _check(user) -> None:
    if user.is_customer or not user.has_perm("analytics.view_kpis"):
        raise Forbidden(_("You do not have permission to do this."))


def previous_period(first: date, last: date) -> tuple[date, date]:
    """The period of the same number of days that ends the day before `first`."""
    days = (last - first).days + 1
    return first - timedelta(days=days), first - timedelta(days=1)


def _rate(part, whole) -> float | None:
    return part / whole if whole else None


def _in(first: date, last: date) -> Q:
    return Q(day__gte=first, day__lte=last)


def _two_sums(column: str, first: date, last: date, previous_first: date, previous_last: date) -> dict:
    return {
        f"cur_{column}": Sum(
            Case(When(_in(first, last), then=column), default=0, output_field=IntegerField())
        ),
        f"prev_{column}": Sum(
            Case(
                When(_in(previous_first, previous_last), then=column), default=0, output_field=IntegerField()
            )
        ),
    }


def _figures(dims: dict, kpi: dict, escalations: int, side: str) -> Figures:
    created = dims.get((side, "finished", "1"), (0, 0))[0] + dims.get((side, "finished", "0"), (0, 0))[0]
    responded, response_minutes = dims.get((side, "first_response", ""), (0, 0))
    resolved = kpi[f"{side}_resolved"] or 0
    return Figures(
        created=created,
        resolution_rate=_rate(dims.get((side, "finished", "1"), (0, 0))[0], created),
        mean_first_response_minutes=_rate(response_minutes, responded),
        resolved=resolved,
        mean_resolution_minutes=_rate(kpi[f"{side}_minutes_sum"] or 0, resolved),
        fcr_rate=_rate(kpi[f"{side}_first_contact"] or 0, resolved),
        sla_met_rate=_rate(kpi[f"{side}_sla_met"] or 0, kpi[f"{side}_sla_measured"] or 0),
        csat_average=_rate(kpi[f"{side}_csat_sum"] or 0, kpi[f"{side}_csat_answered"] or 0),
        csat_answered=kpi[f"{side}_csat_answered"] or 0,
        escalations=escalations,
    )


def _backlog(rows: list[dict]) -> tuple[list[Tally], list[Tally], list[Tally]]:
    by: dict[str, dict[str, int]] = {name: {} for name in BACKLOG}
    for r in rows:
        by[r["dimension"]][r["key"]] = r["n"]
    statuses = [
        Tally(s.value, str(s.label), by["open_status"].get(s.value, 0), {"status": s.value})
        for s in Status
        if s.value in OPEN_STATUSES
    ]
    priorities = [
        Tally(p.value, str(p.label), by["open_priority"].get(p.value, 0), {"priority": p.value})
        for p in Priority
    ]
    groups = by["open_group"]
    names = {str(t.pk): t.name for t in Team.objects.filter(pk__in=[int(k) for k in groups if k])}
    by_group = sorted(
        (Tally(k, names.get(k, k) if k else _("(no group)"), n, {}) for k, n in groups.items()),
        key=lambda c: (-c.count, c.label),
    )
    return statuses, priorities, by_group


def _view_count(user, code: str) -> int:
    """The list view's tickets (its own filters: open, and at risk or breached), counted up to the cap
    without the joins the list makes to show its rows."""
    filters = ticket_selectors.TicketFilters(status=list(OPEN_STATUSES), **{code: True})
    matching = ticket_selectors.ticket_matching(user=user, filters=filters).select_related(None)
    return matching[:VIEW_COUNT_CAP].count()


def _view_counts(user) -> dict[str, int]:
    """At risk and breached, kept LIST_COUNT_CACHE_SECONDS in the worker as the list's tabs are
    (web/views/lists.py): they are the open tickets whose clock has passed a point in time, so no receiver
    can keep them, and counting them walks the open tickets (~50,000 at 1,000,000). For people who see every
    ticket the two views are the same for all of them, so one count serves the whole team."""
    ttl = settings.LIST_COUNT_CACHE_SECONDS
    key = (
        "dashboard-view-counts"
        if user.has_perm("tickets.view_all_tickets")
        else f"dashboard-view-counts:{user.pk}"
    )
    counts = cache.get(key) if ttl else None
    if counts is None:
        counts = {code: _view_count(user, code) for code in ("at_risk", "breached")}
        if ttl:
            cache.set(key, counts, ttl)
    return counts


def dashboard(*, user, first: date, last: date) -> Dashboard:
    """The period's figures against the previous period's, and the backlog now: seven statements (the
    roll-ups' two periods each in one), whatever the number of tickets."""
    _check(user)
    previous_first, previous_last = previous_period(first, last)
    span = (previous_first, previous_last)
    dims = {}
    both = DimensionDay.objects.filter(
        _in(previous_first, last), dimension__in=("finished", "first_response")
    )
    for r in (
        both.values("dimension", "key")
        .order_by()
        .annotate(**_two_sums("count", first, last, *span), **_two_sums("total", first, last, *span))
    ):
        dims[("cur", r["dimension"], r["key"])] = (r["cur_count"] or 0, r["cur_total"] or 0)
        dims[("prev", r["dimension"], r["key"])] = (r["prev_count"] or 0, r["prev_total"] or 0)
    kpi_sums = {}
    for f in DAY_FIGURES:
        for side, (low, high) in (("cur", (first, last)), ("prev", span)):
            kpi_sums[f"{side}_{f}"] = Sum(
                Case(When(_in(low, high), then=f), default=0, output_field=IntegerField())
            )
    kpi = KpiDay.objects.filter(_in(previous_first, last)).aggregate(**kpi_sums)
    tz = timezone.get_current_timezone()
    bounds = {
        name: datetime.combine(d, time.min, tz)
        for name, d in (("pf", previous_first), ("f", first), ("after", last + timedelta(days=1)))
    }
    escalations = Escalation.objects.filter(
        created_at__gte=bounds["pf"], created_at__lt=bounds["after"]
    ).aggregate(
        cur=Count("pk", filter=Q(created_at__gte=bounds["f"])),
        prev=Count("pk", filter=Q(created_at__lt=bounds["f"])),
    )
    backlog_rows = list(
        DimensionDay.objects.filter(dimension__in=tuple(BACKLOG))
        .values("dimension", "key")
        .order_by()
        .annotate(n=Sum("count"))
        .filter(n__gt=0)
    )
    by_status, by_priority, by_group = _backlog(backlog_rows)
    views = _view_counts(user)
    return Dashboard(
        first=first,
        last=last,
        previous_first=previous_first,
        previous_last=previous_last,
        current=_figures(dims, kpi, escalations["cur"], "cur"),
        previous=_figures(dims, kpi, escalations["prev"], "prev"),
        backlog_total=sum(c.count for c in by_status),
        by_status=by_status,
        by_priority=by_priority,
        by_group=by_group,
        at_risk=views["at_risk"],
        breached=views["breached"],
    )


def _labels(dimension: str, keys: list[str]) -> dict[str, str]:
    ids = [int(k) for k in keys if k.isdigit()]
    if dimension == "type":
        return {k: str(TicketType(k).label) if k in TicketType.values else k for k in keys}
    if dimension == "channel":
        return {k: str(Channel(k).label) if k in Channel.values else k for k in keys}
    if dimension == "category":
        return {str(c.pk): c.name for c in Category.objects.filter(pk__in=ids)}
    if dimension == "product_model":
        return {str(m.pk): str(m) for m in ProductModel.objects.filter(pk__in=ids)}
    if dimension == "root_cause":
        language = get_language()
        return {
            str(r.pk): r.path(language)
            for r in RootCause.objects.filter(pk__in=ids).select_related("parent__parent")
        }
    if dimension == "organization":
        return {str(o.pk): o.name for o in Organization.objects.filter(pk__in=ids)}
    return {str(u.pk): str(u) for u in User.objects.filter(pk__in=ids)}


def _none_label(dimension: str) -> str:
    return {
        "category": _("(no category)"),
        "product_model": _("(no product)"),
        "root_cause": _("(no root cause yet)"),
        "engineer": _("(unassigned)"),
    }.get(dimension, _("(none)"))


def _category_tree(counts: dict[str, int], total: int) -> list[Bar]:
    """Top-level categories with their sub-categories: a top-level bar counts its own tickets and its
    children's, as the list's category filter finds them (tickets/selectors.py `_category_ids`)."""
    ids = [int(k) for k in counts if k]
    nodes = {c.pk: c for c in Category.objects.filter(pk__in=ids).select_related("parent")}
    roots: dict[int, dict] = {}
    for pk, node in nodes.items():
        root = node.parent if node.parent_id else node
        entry = roots.setdefault(root.pk, {"name": root.name, "own": 0, "children": []})
        if node.parent_id:
            entry["children"].append(Bar(str(pk), node.name, counts[str(pk)], 0.0, {"category": pk}))
        else:
            entry["own"] += counts[str(pk)]
    bars = []
    for pk, entry in roots.items():
        count = entry["own"] + sum(c.count for c in entry["children"])
        children = sorted(
            (Bar(c.key, c.label, c.count, c.count / count, c.params) for c in entry["children"]),
            key=lambda b: (-b.count, b.label),
        )
        bars.append(Bar(str(pk), entry["name"], count, count / total, {"category": pk}, children))
    if counts.get(""):
        bars.append(Bar("", _none_label("category"), counts[""], counts[""] / total, {}))
    return sorted(bars, key=lambda b: (-b.count, b.label))


def _percent(share: float) -> int:
    return int(share * 100 + 0.5)


def _period_label(first: date, last: date) -> str:
    month_first = first.replace(day=1)
    whole_month = first == month_first and (last + timedelta(days=1)).day == 1 and (last - first).days < 31
    zh = (get_language() or "").lower().startswith("zh")
    if whole_month:
        if zh:
            this_year = first.year == timezone.localdate().year
            return f"{first.month}月" if this_year else f"{first.year}年{first.month}月"
        return date_format(first, "F Y")
    return _("%(first)s to %(last)s") % {"first": first.isoformat(), "last": last.isoformat()}


def top_problems(bars: list[Bar], first: date, last: date, *, limit: int = 3) -> list[str]:
    """The largest top-level categories and, within each, its largest sub-category, as seed 000 writes
    them; a category without sub-categories gets the first half only."""
    period = _period_label(first, last)
    out = []
    for bar in [b for b in bars if b.key][:limit]:
        if bar.children:
            leaf = bar.children[0]
            out.append(
                _(
                    "%(period)s: %(root)s made up %(share)s%% of tickets; of those, %(leaf)s made up "
                    "%(leaf_share)s%%."
                )
                % {
                    "period": period,
                    "root": bar.label,
                    "share": _percent(bar.share),
                    "leaf": leaf.label,
                    "leaf_share": _percent(leaf.share),
                }
            )
        else:
            out.append(
                _("%(period)s: %(root)s made up %(share)s%% of tickets.")
                % {"period": period, "root": bar.label, "share": _percent(bar.share)}
            )
    return out


def distribution(*, user, first: date, last: date, dimension: str) -> Distribution:
    """The tickets created in the period by one dimension (DIMENSIONS), largest first: one statement over
    the roll-up and one for the labels."""
    _check(user)
    if dimension not in DISTRIBUTIONS:
        raise InvalidInput.field("dimension", _("Unknown dimension: %(value)s") % {"value": dimension})
    counts = {
        r["key"]: r["n"]
        for r in DimensionDay.objects.filter(_in(first, last), dimension=dimension)
        .values("key")
        .order_by()
        .annotate(n=Sum("count"))
        .filter(n__gt=0)
    }
    total = sum(counts.values())
    if dimension == "category":
        bars = _category_tree(counts, total) if total else []
    else:
        labels = _labels(dimension, list(counts))
        parameter = LIST_PARAMETER[dimension]
        bars = sorted(
            (
                Bar(
                    k,
                    labels.get(k, k) if k else _none_label(dimension),
                    n,
                    n / total,
                    {parameter: k} if k else {},
                )
                for k, n in counts.items()
            ),
            key=lambda b: (-b.count, b.label),
        )
    problems = top_problems(bars, first, last) if dimension == "category" else []
    return Distribution(
        dimension=dimension, first=first, last=last, total=total, bars=bars, top_problems=problems
    )
