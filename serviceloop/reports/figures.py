"""The figures of a periodic report (ANA-3) and its findings, worked out once per generation.

Sources, per period of whole local days [first, last]:

| figure | from |
|---|---|
| created: per day, category (top and child), type | tickets created in the period (ticket_created_at) |
| resolved, FCR, minutes, SLA, CSAT, reopened; per group / engineer | the roll-up (analytics KpiDay) |
| root causes | tickets resolved in the period |
| survey dimensions | surveys answered in the period |
| escalations, SLA breaches | their rows created in the period |

A handful of GROUP BY statements per period, none loops over tickets in Python, so memory is bounded by
the number of days × categories × types, whatever the number of tickets; the report reads the period
and the one before it (for the changes). The analytics app has no selector for categories or root causes
by period, so those queries are written here.

The result is plain JSON (stored on the Report): the files, the pages and the mail read it, never the
ticket tables. Findings are sentences in both languages (`findings`), e.g. "10月硬件类工单占比40%，其中
电源模块问题占比60%".
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from serviceloop.accounts.models import Team, User
from serviceloop.analytics.models import KpiDay
from serviceloop.analytics.rollup import DAY_FIGURES
from serviceloop.sla.models import Breach, Escalation
from serviceloop.surveys.models import DIMENSIONS, Survey
from serviceloop.tickets.models import Category, RootCause, Ticket

from .models import ReportKind
from .periods import previous

LANGUAGES = ("zh-hans", "en")
# A rating from fewer answers says little about an engineer: they are left out of "lowest rated".
MIN_ANSWERS = 3
NO_CATEGORY = 0


def _instants(first: date, last: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(first, time.min, tz), datetime.combine(last + timedelta(days=1), time.min, tz)


def _categories() -> dict[int, tuple[int | None, str]]:
    return {c["id"]: (c["parent_id"], c["name"]) for c in Category.objects.values("id", "parent_id", "name")}


def _top_and_child(category_id: int | None, tree: dict) -> tuple[int, int]:
    """The category's top-level ancestor and the child of it on the way down (0: none)."""
    if not category_id or category_id not in tree:
        return NO_CATEGORY, NO_CATEGORY
    path = [category_id]
    while tree[path[-1]][0] is not None and len(path) < 20:
        path.append(tree[path[-1]][0])
    return path[-1], (path[-2] if len(path) > 1 else NO_CATEGORY)


def period_figures(first: date, last: date) -> dict:
    """Every figure of one period (JSON-ready); see the module's table."""
    since, until = _instants(first, last)
    tz = timezone.get_current_timezone()
    tree = _categories()
    days = {(first + timedelta(days=i)).isoformat(): [0, 0] for i in range((last - first).days + 1)}
    tops: dict[int, dict] = {}
    types: dict[str, int] = {}
    created = 0
    rows = (
        Ticket.objects.filter(created_at__gte=since, created_at__lt=until)
        .annotate(d=TruncDate("created_at", tzinfo=tz))
        .values("d", "category_id", "ticket_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        n = row["n"]
        created += n
        day = row["d"].isoformat()
        if day in days:
            days[day][0] += n
        types[row["ticket_type"]] = types.get(row["ticket_type"], 0) + n
        top, child = _top_and_child(row["category_id"], tree)
        entry = tops.setdefault(top, {"id": top, "count": 0, "children": {}})
        entry["count"] += n
        if child:
            entry["children"][child] = entry["children"].get(child, 0) + n

    day_rows = KpiDay.objects.filter(day__gte=first, day__lte=last)
    totals = day_rows.aggregate(**{f: Sum(f) for f in DAY_FIGURES})
    for row in day_rows.values("day").annotate(n=Sum("resolved")).order_by():
        key = row["day"].isoformat()
        if key in days:
            days[key][1] += row["n"]
    sums = {f"{f}": Sum(f) for f in ("resolved", "sla_measured", "sla_met", "csat_sum", "csat_answered")}
    groups = list(day_rows.values("group_id").annotate(**sums).order_by("group_id"))
    engineers = list(day_rows.values("owner_id").annotate(**sums).order_by("owner_id"))
    team_names = {t.pk: t.name for t in Team.objects.filter(pk__in=[g["group_id"] for g in groups])}
    people = {u.pk: str(u) for u in User.objects.filter(pk__in=[e["owner_id"] for e in engineers])}

    causes = (
        Ticket.objects.filter(resolved_at__gte=since, resolved_at__lt=until)
        .values("root_cause_id")
        .annotate(n=Count("id"))
        .order_by("-n", "root_cause_id")
    )
    causes = [c for c in causes if c["root_cause_id"]][:10]
    cause_rows = {c.pk: c for c in RootCause.objects.filter(pk__in=[c["root_cause_id"] for c in causes])}

    answered = Survey.objects.filter(answered_at__gte=since, answered_at__lt=until)
    dimension_figures = answered.aggregate(
        **{f"{name}_avg": Avg(name) for name, _label in DIMENSIONS},
        **{f"{name}_n": Count(name) for name, _label in DIMENSIONS},
    )

    def category_name(pk: int) -> str:
        return tree[pk][1] if pk in tree else ""

    return {
        "first": first.isoformat(),
        "last": last.isoformat(),
        "created": created,
        "days": [[day, c, r] for day, (c, r) in days.items()],
        "categories": sorted(
            (
                {
                    "id": e["id"],
                    "name": category_name(e["id"]),
                    "count": e["count"],
                    "children": sorted(
                        ({"id": k, "name": category_name(k), "count": v} for k, v in e["children"].items()),
                        key=lambda c: (-c["count"], c["name"]),
                    ),
                }
                for e in tops.values()
            ),
            key=lambda c: (-c["count"], c["name"]),
        ),
        "types": dict(sorted(types.items(), key=lambda kv: -kv[1])),
        **{f: totals[f] or 0 for f in DAY_FIGURES},
        "groups": [
            {"id": g["group_id"], "name": team_names.get(g["group_id"], ""), **{f: g[f] or 0 for f in sums}}
            for g in groups
        ],
        "engineers": [
            {"id": e["owner_id"], "name": people.get(e["owner_id"], ""), **{f: e[f] or 0 for f in sums}}
            for e in engineers
        ],
        "root_causes": [
            {
                "id": c["root_cause_id"],
                "name": cause_rows[c["root_cause_id"]].name,
                "name_en": cause_rows[c["root_cause_id"]].name_en,
                "count": c["n"],
            }
            for c in causes
            if c["root_cause_id"] in cause_rows
        ],
        "dimensions": {
            name: [dimension_figures[f"{name}_avg"], dimension_figures[f"{name}_n"]]
            for name, _label in DIMENSIONS
        },
        "escalations": Escalation.objects.filter(created_at__gte=since, created_at__lt=until).count(),
        "breaches": Breach.objects.filter(recorded_at__gte=since, recorded_at__lt=until).count(),
    }


def report_figures(kind: str, first: date, last: date) -> dict:
    """The report's document: this period's figures, the previous period's, and the findings."""
    current = period_figures(first, last)
    before = period_figures(*previous(kind, first))
    out = {"kind": kind, "current": current, "previous": before}
    out["findings"] = {language: findings(out, language) for language in LANGUAGES}
    return out


# --- words -------------------------------------------------------------------------------------------


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def period_label(kind: str, first: date) -> str:
    """How a sentence names the period, in the active language: 2026年10月 / October 2026, 2026年第49周 …"""
    if kind == ReportKind.MONTHLY:
        return date_format(first, "YEAR_MONTH_FORMAT")  # 2026年10月 / October 2026
    if kind == ReportKind.QUARTERLY:
        return _("Q%(quarter)d %(year)d") % {"quarter": (first.month - 1) // 3 + 1, "year": first.year}
    year, week, _day = first.isocalendar()
    return _("week %(week)d of %(year)d") % {"week": week, "year": year}


def label_name(name: str) -> str:
    return name or _("(uncategorised)")


def dimension_label(name: str) -> str:
    return str(dict(DIMENSIONS)[name])


def findings(document: dict, language: str) -> list[str]:
    """The automatic findings, as sentences in `language`: the largest category (and its largest part), the
    biggest change against the previous period, the worst SLA area (support group), the lowest-rated
    survey dimension and the lowest-rated engineer. A finding without data to stand on is left out."""
    cur, before, kind = document["current"], document["previous"], document["kind"]
    out: list[str] = []
    with translation.override(language):
        label = period_label(kind, date.fromisoformat(cur["first"]))
        if cur["created"] and cur["categories"]:
            top = cur["categories"][0]
            values = {
                "period": label,
                "category": label_name(top["name"]),
                "share": percent(top["count"] / cur["created"]),
            }
            if top["children"]:
                child = top["children"][0]
                out.append(
                    _(
                        "In %(period)s, %(category)s made up %(share)s of the tickets; %(sub)s made up "
                        "%(sub_share)s of those."
                    )
                    % {**values, "sub": child["name"], "sub_share": percent(child["count"] / top["count"])}
                )
            else:
                out.append(_("In %(period)s, %(category)s made up %(share)s of the tickets.") % values)
        was = {c["id"]: c for c in before["categories"]}
        changes = [
            (c["count"] - was.get(c["id"], {}).get("count", 0), c["name"], c["id"]) for c in cur["categories"]
        ]
        changes += [
            (-c["count"], c["name"], c["id"])
            for c in before["categories"]
            if c["id"] not in {x["id"] for x in cur["categories"]}
        ]
        changes = [c for c in changes if c[0]]
        if changes and before["created"]:
            delta, name, pk = max(changes, key=lambda c: (abs(c[0]), c[0]))
            old = was.get(pk, {}).get("count", 0)
            values = {
                "category": label_name(name),
                "delta": abs(delta),
                "change": f"{'+' if delta > 0 else '−'}{round(abs(delta) / old * 100)}%" if old else _("new"),
            }
            out.append(
                (
                    _("Against the previous period, %(category)s tickets rose by %(delta)d (%(change)s).")
                    if delta > 0
                    else _(
                        "Against the previous period, %(category)s tickets fell by %(delta)d (%(change)s)."
                    )
                )
                % values
            )
        measured = [g for g in cur["groups"] if g["sla_measured"]]
        if measured:
            worst = min(
                measured, key=lambda g: (g["sla_met"] / g["sla_measured"], -g["sla_measured"], g["name"])
            )
            out.append(
                _("The lowest SLA compliance was in %(group)s: %(rate)s (%(met)d of %(measured)d).")
                % {
                    "group": worst["name"] or _("(no group)"),
                    "rate": percent(worst["sla_met"] / worst["sla_measured"]),
                    "met": worst["sla_met"],
                    "measured": worst["sla_measured"],
                }
            )
        rated = [(avg, n, name) for name, (avg, n) in cur["dimensions"].items() if n]
        if rated:
            avg, n, name = min(rated, key=lambda r: (r[0], r[2]))
            out.append(
                _("The lowest-rated survey dimension was %(dimension)s: %(score).2f (%(count)d answers).")
                % {"dimension": dimension_label(name), "score": avg, "count": n}
            )
        people = [e for e in cur["engineers"] if e["id"] and e["csat_answered"] >= MIN_ANSWERS]
        if people:
            low = min(people, key=lambda e: (e["csat_sum"] / e["csat_answered"], e["name"]))
            out.append(
                _("The lowest-rated engineer was %(engineer)s: %(score).2f (%(count)d answers).")
                % {
                    "engineer": low["name"],
                    "score": low["csat_sum"] / low["csat_answered"],
                    "count": low["csat_answered"],
                }
            )
    return out


def headline(document: dict) -> list[tuple[str, str, str, str]]:
    """The summary rows, in the active language: (figure, this period, the previous one, change)."""
    rows = []
    for key, fmt, label in (
        ("created", "count", _("Tickets created")),
        ("resolved", "count", _("Tickets resolved")),
        ("fcr", "rate", _("First-contact resolution")),
        ("mean_hours", "hours", _("Mean resolution time (h)")),
        ("sla", "rate", _("SLA compliance")),
        ("csat", "score", _("Satisfaction (1–5)")),
        ("reopen", "rate", _("Reopened")),
        ("escalations", "count", _("Escalations")),
        ("breaches", "count", _("SLA breaches")),
    ):
        now, was = metric(document["current"], key), metric(document["previous"], key)
        rows.append((label, show(now, fmt), show(was, fmt), change(now, was, fmt)))
    return rows


def metric(p: dict, key: str) -> float | int | None:
    """One headline figure of a period's figures."""
    if key == "fcr":
        return rate(p["first_contact"], p["resolved"])
    if key == "mean_hours":
        return p["minutes_sum"] / p["resolved"] / 60 if p["resolved"] else None
    if key == "sla":
        return rate(p["sla_met"], p["sla_measured"])
    if key == "csat":
        return rate(p["csat_sum"], p["csat_answered"])
    if key == "reopen":
        return rate(p["reopened"], p["resolved"])
    return p[key]


def show(value, fmt: str) -> str:
    if value is None:
        return "—"
    if fmt == "rate":
        return percent(value)
    if fmt in ("hours", "score"):
        return f"{value:.1f}" if fmt == "hours" else f"{value:.2f}"
    return f"{value:,}"  # 96,158: thousands grouped, as both languages write them


def change(now, was, fmt: str) -> str:
    if now is None or was is None:
        return "—"
    if fmt == "rate":
        return f"{(now - was) * 100:+.0f} pp"
    if fmt == "count":
        return f"{now - was:+,d}"
    return f"{now - was:+.2f}" if fmt == "score" else f"{now - was:+.1f}"
