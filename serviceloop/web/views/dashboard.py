"""The dashboard (ANA-1) and distributions (ANA-2) pages, for supervisors, directors and administrators.

The figures come from analytics/dashboard.py (stored roll-ups only); this module formats them, draws the
charts (web/charts.py) and links every bar to the ticket list with the same filter.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from serviceloop.analytics import dashboard as figures
from serviceloop.analytics.periods import period
from serviceloop.core.errors import ServiceError
from serviceloop.tickets.choices import OPEN_STATUSES
from serviceloop.web.charts import bar_chart
from serviceloop.web.dashboard_forms import DIMENSION_LABELS, DashboardForm, DistributionForm


def _allowed(user) -> None:
    # As the KPI page: a page that does not exist for those who may not see it.
    if user.is_customer or not user.has_perm("analytics.view_kpis"):
        raise Http404


def list_url(**params) -> str:
    return f"{reverse('web:home')}?{urlencode({'view': 'all', **params}, doseq=True)}"


def _count(n: int | None) -> str:
    return "—" if n is None else f"{n:,}"


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _hours(minutes: float | None) -> str:
    """Under two hours in minutes (a first response of 20 minutes reads better than 0.3 h), then hours."""
    if minutes is None:
        return "—"
    if minutes < 120:
        return _("%(minutes)s min") % {"minutes": f"{minutes:.0f}"}
    return _("%(hours)s h") % {"hours": f"{minutes / 60:.1f}"}


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _delta(kind: str, now, before) -> tuple[str, str]:
    """The change as shown and its direction ("up", "down", "same"; "" when either side is missing)."""
    if now is None or before is None:
        return "—", ""
    diff = now - before
    direction = "up" if diff > 0 else "down" if diff < 0 else "same"
    sign = "+" if diff > 0 else "−" if diff < 0 else "±"
    size = abs(diff)
    if kind == "rate":
        return _("%(points)s pp") % {"points": f"{sign}{size * 100:.1f}"}, direction
    if kind == "hours":
        shown = _hours(size)
        return ("±" + shown if sign == "±" else sign + shown), direction
    if kind == "score":
        return f"{sign}{size:.2f}", direction
    relative = f" ({sign}{size / before * 100:.0f}%)" if before else ""
    return f"{sign}{size:,}{relative}", direction


_SHOW = {"count": _count, "rate": _percent, "hours": _hours, "score": _score}


def _cards(board: figures.Dashboard) -> list[dict]:
    """(label, attribute, kind, whether a rise is good) of each figure, current against previous."""
    rows = [
        (_("Tickets created"), "created", "count", None),
        (_("Resolution rate"), "resolution_rate", "rate", True),
        (_("Average first response"), "mean_first_response_minutes", "hours", False),
        (_("Tickets resolved"), "resolved", "count", None),
        (_("Average resolution time"), "mean_resolution_minutes", "hours", False),
        (_("First-contact resolution rate"), "fcr_rate", "rate", True),
        (_("SLA compliance"), "sla_met_rate", "rate", True),
        (_("Satisfaction (1–5)"), "csat_average", "score", True),
        (_("Escalations"), "escalations", "count", False),
    ]
    cards = []
    for label, attr, kind, rise_good in rows:
        now, before = getattr(board.current, attr), getattr(board.previous, attr)
        delta, direction = _delta(kind, now, before)
        verdict = (
            ""
            if rise_good is None or direction in ("", "same")
            else ("good" if (direction == "up") == rise_good else "bad")
        )
        cards.append(
            {
                "label": label,
                "value": _SHOW[kind](now),
                "previous": _SHOW[kind](before),
                "delta": delta,
                "direction": direction,
                "verdict": verdict,
                "key": attr,
            }
        )
    return cards


def _backlog_chart(title: str, slug: str, tallies, total: int, *, linked: bool = True, extra=None):
    rows = [
        (
            t.label,
            t.count,
            _count(t.count),
            _percent(t.count / total if total else None),
            list_url(**t.params, **(extra or {})) if linked and t.params and t.count else "",
        )
        for t in tallies
    ]
    return bar_chart(title, slug, rows)


def _period_or_error(form: DashboardForm):
    """(first, last, error): the form's period, or the message why there is none (nothing computed)."""
    if form.is_bound and not form.is_valid():
        return None, None, None
    data = form.cleaned_data if form.is_bound else {}
    try:
        _since, _until, first, last = period(data.get("start"), data.get("end"), max_days=figures.MAX_DAYS)
    except ServiceError as exc:
        return None, None, exc.message
    return first, last, None


@login_required
@require_GET
def dashboard_page(request):
    """The period's figures against the previous period's, the backlog now, at risk and breached."""
    _allowed(request.user)
    form = DashboardForm(request.GET or None)
    first, last, error = _period_or_error(form)
    context = {"form": form, "error": error}
    if first is not None:
        board = figures.dashboard(user=request.user, first=first, last=last)
        total = board.backlog_total
        context.update(
            board=board,
            cards=_cards(board),
            charts=[
                _backlog_chart(_("Open tickets by status"), "status", board.by_status, total),
                _backlog_chart(
                    _("Open tickets by priority"),
                    "priority",
                    board.by_priority,
                    total,
                    extra={"status": list(OPEN_STATUSES)},
                ),
                _backlog_chart(_("Open tickets by group"), "group", board.by_group, total, linked=False),
            ],
            at_risk_url=f"{reverse('web:home')}?view=at_risk",
            breached_url=f"{reverse('web:home')}?view=breached",
            distributions_url=f"{reverse('web:distributions')}?"
            f"{urlencode({'start': first.isoformat(), 'end': last.isoformat()})}",
        )
    status = 422 if error or (form.is_bound and not form.is_valid()) else 200
    return render(request, "web/dashboard.html", context, status=status)


@login_required
@require_GET
def distributions_page(request):
    """One dimension's distribution of the period's tickets; every bar opens the list filtered alike."""
    _allowed(request.user)
    data = request.GET.copy()
    data.setdefault("dimension", "category")  # the tabs choose it; the period form keeps it (hidden)
    form = DistributionForm(data)
    first, last, error = _period_or_error(form)
    dimension = form.cleaned_data.get("dimension") if form.is_valid() else "category"
    context = {"form": form, "error": error, "dimension": dimension}
    if first is not None:
        dist = figures.distribution(user=request.user, first=first, last=last, dimension=dimension)
        created = {"created_from": first.isoformat(), "created_to": last.isoformat()}

        def row(bar, indent=False):
            return {
                "label": bar.label,
                "count": _count(bar.count),
                "share": _percent(bar.share),
                "href": list_url(**created, **bar.params) if bar.params else "",
                "indent": indent,
            }

        table = []
        for bar in dist.bars:
            table.append(row(bar))
            table.extend(row(child, indent=True) for child in bar.children)
        chart = bar_chart(
            DIMENSION_LABELS[dimension],
            dimension,
            [
                (
                    b.label,
                    b.count,
                    _count(b.count),
                    _percent(b.share),
                    list_url(**created, **b.params) if b.params else "",
                )
                for b in dist.bars
            ],
            wide=True,
        )
        query = {"start": first.isoformat(), "end": last.isoformat()}
        context.update(
            dist=dist,
            chart=chart,
            table=table,
            first=first,
            last=last,
            tabs=[
                {
                    "code": code,
                    "label": label,
                    "current": code == dimension,
                    "query": urlencode({**query, "dimension": code}),
                }
                for code, label in DIMENSION_LABELS.items()
            ],
            dashboard_url=f"{reverse('web:dashboard')}?{urlencode(query)}",
        )
    status = 422 if error or (form.is_bound and not form.is_valid()) else 200
    return render(request, "web/distributions.html", context, status=status)
