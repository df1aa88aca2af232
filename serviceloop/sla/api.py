"""SLA under /api/v1: policies and their versions, calendars and days, known years and the State
Council notice, escalations, compensation (`router`, on /sla), and the SLA of one ticket
(`tickets_router`, also mounted on /tickets by server/api.py): POST /tickets/{number}/escalate,
POST /tickets/{number}/sla-policy and GET /tickets/{number}/sla-history.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from ninja import Field, Query, Router
from ninja import Status as Created
from pydantic import AwareDatetime

from serviceloop.accounts.models import User
from serviceloop.core.bounds import Bool, Cursor, Date, Datetime, Id, IsoDate, LocalTime, text
from serviceloop.core.errors import Forbidden, InvalidInput, NotFound, known
from serviceloop.core.pagination import keyset_page
from serviceloop.core.schemas import ERRORS, Schema, Strict
from serviceloop.tickets import selectors as ticket_selectors
from serviceloop.tickets.api import TicketOut, ticket_out
from serviceloop.tickets.choices import Priority

from .calendar import official_days, package_knows
from .models import (
    TARGET_MAX,
    BusinessCalendar,
    CalendarDay,
    CalendarYear,
    Compensation,
    DaySource,
    Escalation,
    EscalationKind,
    Metric,
    SLAPolicy,
    SLAPolicyVersion,
    Unit,
    YearSource,
)
from .selectors import sla_history
from .services.calendars import (
    calendar_day_delete,
    calendar_day_set,
    calendar_import_year,
    calendar_notice_confirm,
    calendar_notice_read,
    calendar_set_windows,
    calendar_year_mark_complete,
    default_calendar,
    year_known,
)
from .services.clock import ticket_sla_set_policy
from .services.escalation import ticket_escalate
from .services.policies import TargetSpec, policy_version_create

router = Router(tags=["sla"])
# Beside the tickets' own router on /tickets: its paths (/{number}/escalate, /{number}/sla-policy) are
# not the tickets router's, so each request reaches exactly one handler (tests/test_permission_matrix.py).
tickets_router = Router(tags=["tickets"])


def _require(user, perm: str) -> None:
    if user.is_customer or not user.has_perm(perm):
        raise Forbidden(_("You do not have permission to do this."))


# --- policies ---------------------------------------------------------------------------------------

class TargetIO(Strict):
    priority: Priority
    metric: Metric
    amount: int = Field(..., ge=1, le=max(TARGET_MAX.values()),
                        description="greater than zero; at most " + ", ".join(
                            f"{limit} {unit}" for unit, limit in TARGET_MAX.items()))
    unit: Unit
    tier: text(16) = ""
    contract_level: text(50) = ""


class VersionOut(Schema):
    id: int
    number: int
    calendar_id: int
    pause_statuses: list[str]
    at_risk_ratio: Decimal
    created_by: str | None
    created_at: datetime
    reason: str
    targets: list[TargetIO]


class PolicyOut(Schema):
    id: int
    name: str
    description: str
    is_default: bool
    versions: list[VersionOut]


class VersionIn(Strict):
    reason: text(2000, min_length=1)
    targets: list[TargetIO] = Field(..., min_length=1, max_length=500)
    calendar_id: Id | None = None
    pause_statuses: list[text(30)] | None = Field(None, max_length=50)
    at_risk_ratio: Decimal | None = Field(None, ge=Decimal("0.1"), le=Decimal("0.99"))


def _version(v: SLAPolicyVersion) -> dict:
    return {
        "id": v.pk, "number": v.number, "calendar_id": v.calendar_id, "pause_statuses": v.pause_statuses,
        "at_risk_ratio": v.at_risk_ratio, "created_by": str(v.created_by) if v.created_by else None,
        "created_at": v.created_at, "reason": v.reason,
        "targets": [{"priority": t.priority, "metric": t.metric, "amount": t.amount, "unit": t.unit,
                     "tier": t.tier, "contract_level": t.contract_level} for t in v.targets.all()],
    }


def _policy(p: SLAPolicy) -> dict:
    return {"id": p.pk, "name": p.name, "description": p.description, "is_default": p.is_default,
            "versions": [_version(v) for v in p.versions.all()]}


def _policies():
    return SLAPolicy.objects.prefetch_related("versions__targets", "versions__created_by")


@router.get(
    "/policies", response={200: list[PolicyOut], **ERRORS}, summary="SLA policies with their version history"
)
def list_policies(request):
    _require(request.auth, "tickets.view_all_tickets")
    # A pure read: the presets are installed by a data migration (sla/migrations/0006_seed_presets.py).
    return [_policy(p) for p in _policies()]


@router.post("/policies/{policy_id}/versions", response={201: PolicyOut, **ERRORS},
             summary="Change a policy: a new version with who, when and why")
def create_version(request, policy_id: Id, payload: VersionIn):
    _require(request.auth, "sla.add_slapolicyversion")
    policy = SLAPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(_("SLA policy not found."))
    calendar = known(BusinessCalendar, payload.calendar_id, "calendar_id", _("calendar"))
    policy_version_create(
        policy=policy, actor=request.auth, reason=payload.reason, calendar=calendar,
        pause_statuses=payload.pause_statuses, at_risk_ratio=payload.at_risk_ratio,
        targets=[TargetSpec(**t.dict()) for t in payload.targets])
    return Created(201, _policy(_policies().get(pk=policy.pk)))


# --- calendars ----------------------------------------------------------------------------------------

class WindowIO(Strict):
    start: LocalTime
    end: LocalTime


class CalendarOut(Schema):
    id: int
    name: str
    timezone: str
    use_official: bool
    is_default: bool
    windows: list[WindowIO]


class DayIO(Strict):
    date: IsoDate
    is_working: Bool
    name: text(100) = ""
    source: DaySource = DaySource.COMPANY


def _calendar(c: BusinessCalendar) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "timezone": c.timezone,
        "use_official": c.use_official,
        "is_default": c.is_default,
        "windows": [{"start": w.start, "end": w.end} for w in c.windows.all()],
    }


def _get_calendar(calendar_id: Id) -> BusinessCalendar:
    cal = BusinessCalendar.objects.filter(pk=calendar_id).first()
    if cal is None:
        raise NotFound(_("Calendar not found."))
    return cal


@router.get("/calendars", response={200: list[CalendarOut], **ERRORS}, summary="Business calendars")
def list_calendars(request):
    _require(request.auth, "tickets.view_all_tickets")
    default_calendar()
    return [_calendar(c) for c in BusinessCalendar.objects.prefetch_related("windows")]


@router.put("/calendars/{calendar_id}/windows", response={200: CalendarOut, **ERRORS},
            summary="Replace the business-hours windows")
def set_windows(request, calendar_id: Id, payload: list[WindowIO]):
    _require(request.auth, "sla.change_businesscalendar")
    cal = calendar_set_windows(calendar=_get_calendar(calendar_id),
                                        windows=[(w.start, w.end) for w in payload])
    return _calendar(BusinessCalendar.objects.prefetch_related("windows").get(pk=cal.pk))


@router.get("/calendars/{calendar_id}/days", response={200: list[DayIO], **ERRORS},
            summary="The days entered by hand or imported, for one year")
def list_days(request, calendar_id: Id, year: int = Query(..., ge=1900, le=2100)):
    _require(request.auth, "tickets.view_all_tickets")
    if not 1900 <= year <= 2100:
        raise InvalidInput.field("year", _("Only dates from 1900 to 2100 can be entered."))
    cal = _get_calendar(calendar_id)
    return [{"date": d.date, "is_working": d.is_working, "name": d.name, "source": d.source}
            for d in CalendarDay.objects.filter(calendar=cal, date__year=year)]


@router.post("/calendars/{calendar_id}/days", response={201: DayIO, **ERRORS},
             summary="Enter or correct a day (wins over the official calendar)")
def set_day(request, calendar_id: Id, payload: DayIO):
    _require(request.auth, "sla.add_calendarday")
    day = calendar_day_set(calendar=_get_calendar(calendar_id), day=payload.date,
                                    is_working=payload.is_working, name=payload.name, source=payload.source)
    return Created(
        201, {"date": day.date, "is_working": day.is_working, "name": day.name, "source": day.source}
    )


@router.delete("/calendars/{calendar_id}/days/{day}", response={204: None, **ERRORS},
               summary="Remove a day's own row: it follows the official calendar again")
def delete_day(request, calendar_id: Id, day: IsoDate):
    _require(request.auth, "sla.delete_calendarday")
    if not calendar_day_delete(calendar=_get_calendar(calendar_id), day=day):
        raise NotFound(_("This day has no entry of its own."))
    return Created(204, None)


class YearOut(Schema):
    year: int
    known: bool
    source: str | None
    completed_by: str | None
    completed_at: datetime | None


class YearIn(Strict):
    year: int = Field(..., ge=1900, le=2100)
    source: YearSource = YearSource.MANUAL


def _year(cal: BusinessCalendar, year: int) -> dict:
    row = CalendarYear.objects.filter(calendar=cal, year=year).select_related("completed_by").first()
    return {"year": year, "known": year_known(cal, year), "source": row.source if row else None,
            "completed_by": str(row.completed_by) if row and row.completed_by else None,
            "completed_at": row.completed_at if row else None}


@router.get("/calendars/{calendar_id}/years/{year}", response={200: YearOut, **ERRORS},
            summary="Whether a year's official schedule is known to the calendar")
def get_year(request, calendar_id: Id, year: int):
    _require(request.auth, "tickets.view_all_tickets")
    if not 1900 <= year <= 2100:
        raise InvalidInput.field("year", _("Only dates from 1900 to 2100 can be entered."))
    return _year(_get_calendar(calendar_id), year)


@router.post(
    "/calendars/{calendar_id}/years",
    response={201: YearOut, **ERRORS},
    summary="Mark a year known: import it from chinesecalendar (package) "
    "or say the days entered are complete",
)
def mark_year(request, calendar_id: Id, payload: YearIn):
    _require(request.auth, "sla.add_calendarday")
    cal = _get_calendar(calendar_id)
    if payload.source == YearSource.PACKAGE:
        calendar_import_year(calendar=cal, year=payload.year, actor=request.auth)
    elif payload.source == YearSource.MANUAL:
        calendar_year_mark_complete(calendar=cal, year=payload.year, actor=request.auth)
    else:
        raise InvalidInput.field("source", _("Use POST …/notice to read the State Council notice."))
    return Created(201, _year(cal, payload.year))


class NoticeIn(Strict):
    text: text(50_000, min_length=1)
    confirm: Bool = False
    year: int | None = Field(
        None, ge=1900, le=2100, description="the year it must be for; default: its title's"
    )


class FestivalOut(Schema):
    name: str
    days_off: list[date]
    makeup_days: list[date]


class NoticeCheck(Schema):
    check: str
    passed: bool
    detail: str


class NoticeOut(Schema):
    year: int
    saved: bool
    known: bool
    festivals: list[FestivalOut]
    checks: list[NoticeCheck]


def _notice_checks(schedule) -> list[dict]:
    """What the preview shows the administrator next to the days (issue #11.2), worked out on them."""
    makeup = [d for f in schedule.festivals for d in f.makeup_days]
    off = [d for f in schedule.festivals for d in f.days_off]
    checks = [
        {"check": "makeup_days_on_weekends", "passed": all(d.weekday() >= 5 for d in makeup),
         "detail": ", ".join(f"{d.isoformat()} {'一二三四五六日'[d.weekday()]}" for d in makeup)},
        {"check": "breaks_do_not_overlap", "passed": len(off) == len(set(off)), "detail": f"{len(off)}"},
        {"check": "makeup_days_outside_breaks", "passed": not set(makeup) & set(off), "detail": ""},
    ]
    if package_knows(schedule.year):
        package = {(d, w) for d, w, _n in official_days(schedule.year)}
        notice = {(d, w) for d, w, _n in schedule.days()}
        checks.append({"check": "same_as_chinesecalendar", "passed": package == notice,
                       "detail": ", ".join(sorted(str(d) for d, _w in package ^ notice))})
    return checks


@router.post("/calendars/{calendar_id}/notice", response={200: NoticeOut, **ERRORS},
             summary="Read the State Council holiday notice: preview, or save with confirm=true")
def read_notice(request, calendar_id: Id, payload: NoticeIn):
    """Paste the text of 国务院办公厅关于YYYY年部分节假日安排的通知 as published. Without `confirm` nothing is
    saved: the answer lists the days off and makeup working days per festival and the checks. With
    `confirm` the days become the official days of that year and the year is known; open tickets follow
    in the background. A line that cannot be read is a 422 quoting it (errors[0].line); nothing saved."""
    _require(request.auth, "sla.add_calendarday")
    cal = _get_calendar(calendar_id)
    if payload.confirm:
        schedule = calendar_notice_confirm(
            calendar=cal, text=payload.text, year=payload.year, actor=request.auth
        )
    else:
        schedule = calendar_notice_read(text=payload.text, year=payload.year)
    return {"year": schedule.year, "saved": payload.confirm, "known": year_known(cal, schedule.year),
            "festivals": [{"name": f.name, "days_off": f.days_off, "makeup_days": f.makeup_days}
                          for f in schedule.festivals],
            "checks": _notice_checks(schedule)}


# --- escalations ------------------------------------------------------------------------------------

class EscalationOut(Schema):
    id: int
    ticket_number: str
    kind: str
    escalated_to: str | None
    department: str
    reason: str
    expected_feedback_at: AwareDatetime | None
    created_by: str | None
    created_at: datetime


class EscalationPage(Schema):
    items: list[EscalationOut]
    next_cursor: str | None


class EscalateIn(Strict):
    reason: text(2000, min_length=1)
    to_user_id: Id | None = None
    department: text(100) = ""
    expected_feedback_at: Datetime | None = None


def _escalation(e: Escalation) -> dict:
    return {"id": e.pk, "ticket_number": e.ticket.number, "kind": e.kind,
            "escalated_to": str(e.escalated_to) if e.escalated_to else None, "department": e.department,
            "reason": e.reason, "expected_feedback_at": e.expected_feedback_at,
            "created_by": str(e.created_by) if e.created_by else None, "created_at": e.created_at}


@router.get("/escalations", response={200: EscalationPage, **ERRORS}, summary="Escalations, newest first")
def list_escalations(request, kind: EscalationKind | None = None, since: Datetime | None = None,
                     cursor: Cursor | None = None,
                     limit: int = Query(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)):
    _require(request.auth, "tickets.view_all_tickets")
    qs = Escalation.objects.select_related("ticket", "escalated_to", "created_by")
    if kind:
        qs = qs.filter(kind=kind)
    if since:
        qs = qs.filter(created_at__gte=since)
    page = keyset_page(qs, cursor=cursor, limit=limit)
    return {"items": [_escalation(e) for e in page.items], "next_cursor": page.next_cursor}


@tickets_router.post("/{number}/escalate", response={201: EscalationOut, **ERRORS},
                     summary="Escalate by hand (上报) to a person or department")
def escalate_ticket(request, number: str, payload: EscalateIn):
    """Escalate the ticket by hand (上报, ASN-5) to a person or a department, with a reason."""
    user = request.auth
    ticket = ticket_selectors.ticket_get(user=user, number=number)
    to = known(User.objects.service_staff(), payload.to_user_id, "to_user_id", _("user"))
    escalation = ticket_escalate(ticket=ticket, actor=user, reason=payload.reason, to=to,
                                          department=payload.department,
                                          expected_feedback_at=payload.expected_feedback_at)
    return Created(201, _escalation(escalation))


class PolicyChoiceIn(Strict):
    policy_id: Id
    reason: text(2000, min_length=1)


# The operation id it had when tickets/api.py served it: generated clients name their method after it.
@tickets_router.post("/{number}/sla-policy", response={200: TicketOut, **ERRORS},
                     summary="Put the ticket under another SLA policy (supervisors, with a reason)",
                     operation_id="serviceloop_tickets_api_change_sla_policy")
def change_sla_policy(request, number: str, payload: PolicyChoiceIn):
    user = request.auth
    ticket = ticket_selectors.ticket_get(user=user, number=number)
    policy = known(SLAPolicy, payload.policy_id, "policy_id", _("SLA policy"))
    ticket_sla_set_policy(ticket=ticket, actor=user, policy=policy, reason=payload.reason)
    return ticket_out(ticket_selectors.ticket_get(user=user, number=number), user)


# --- compensation -----------------------------------------------------------------------------------

class CompensationTotal(Schema):
    organization_id: int
    organization: str
    breaches: int
    cash: Decimal
    vouchers: int


@router.get("/compensation", response={200: list[CompensationTotal], **ERRORS},
            summary="What is owed per organisation for breaches in a period (SLA-6)")
def compensation(request, since: Date, until: Date, organization_id: Id | None = None):
    _require(request.auth, "sla.view_compensation")
    if until < since:
        raise InvalidInput.field("until", _("The end of the period is before its start."))
    qs = Compensation.objects.filter(
        breach__recorded_at__date__gte=since, breach__recorded_at__date__lte=until
    )
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    rows = (qs.values("organization_id", "organization__name")
            .annotate(breaches=Count("breach", distinct=True), cash=Sum("cash"), vouchers=Sum("vouchers"))
            .order_by("organization__name"))
    return [{"organization_id": r["organization_id"], "organization": r["organization__name"],
             "breaches": r["breaches"], "cash": r["cash"] or 0, "vouchers": r["vouchers"] or 0} for r in rows]


# --- SLA history of a ticket ------------------------------------------------------------------------

class PauseOut(Schema):
    started_at: datetime
    ended_at: datetime | None
    reason: str


class DeadlineChangeOut(Schema):
    at: datetime
    metric: str
    old: datetime | None
    new: datetime | None
    reason: str
    by: str | None


class SLAHistoryOut(Schema):
    ticket_number: str
    paused: bool
    pauses: list[PauseOut]
    deadline_changes: list[DeadlineChangeOut]


@tickets_router.get("/{number}/sla-history", response={200: SLAHistoryOut, **ERRORS},
                    summary="The ticket's pauses and its deadline changes with their reason")
def ticket_sla_history(request, number: str):
    """Pauses (start, end, the status or sub-status that caused it) and every deadline change the
    timeline records: a calendar change, a priority change, another policy. Staff only."""
    user = request.auth
    ticket = ticket_selectors.ticket_get(user=user, number=number)  # another organisation: 404, not 403
    if user.is_customer:
        raise Forbidden(_("You do not have permission to do this."))
    return sla_history(ticket)
