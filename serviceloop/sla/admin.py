"""Admin (zh-Hans) for SLA configuration: calendars and days, policies with their version history,
compensation rules; breaches, escalations and compensation read-only.

Policy targets are edited by adding a version (API POST /api/v1/sla/policies/{id}/versions, or here by
adding a version with its targets): a saved version is never changed, so tickets keep their rules.
"""

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from serviceloop.core.errors import InvalidInput

from .calendar import BusinessWindow, validate_windows
from .models import (
    Breach,
    BusinessCalendar,
    BusinessHours,
    CalendarDay,
    CalendarYear,
    Compensation,
    CompensationRule,
    Escalation,
    SLAPolicy,
    SLAPolicyVersion,
    SLATarget,
)
from .services.calendars import (
    calendar_changed,
    calendar_notice_confirm,
    calendar_notice_read,
    calendar_year_mark_complete,
    year_known,
)
from .services.policies import clear_policy_cache


class WindowFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        windows = [BusinessWindow(f.cleaned_data["start"], f.cleaned_data["end"]) for f in self.forms
                   if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("start")
                   and f.cleaned_data.get("end")]
        try:
            validate_windows(windows)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class WindowInline(admin.TabularInline):
    model = BusinessHours
    formset = WindowFormSet
    extra = 0


class NoticeForm(forms.Form):
    """The State Council notice as pasted, and the year it must be for."""

    year = forms.IntegerField(label=_("year"), min_value=1900, max_value=2100)
    text = forms.CharField(label=_("Text of the notice"), max_length=50_000,
                           widget=forms.Textarea(attrs={"rows": 18, "cols": 100}))


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "timezone", "use_official", "is_default", "next_year_known")
    inlines = [WindowInline]
    change_form_template = "admin/sla/businesscalendar/change_form.html"

    @admin.display(description=_("next year known"), boolean=True)
    def next_year_known(self, obj):
        return year_known(obj, timezone.localdate().year + 1)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # New hours (or zone, or official calendar on/off) can move any pending deadline from today.
        calendar_changed(calendar_id=form.instance.pk, start=timezone.localdate())

    def get_urls(self):
        return [path("<int:calendar_id>/notice/", self.admin_site.admin_view(self.notice_view),
                     name="sla_businesscalendar_notice"), *super().get_urls()]

    def notice_view(self, request, calendar_id: int):
        """Paste the notice, see what it says per festival (nothing saved), then confirm (issue #11.2)."""
        if not request.user.has_perm("sla.add_calendarday"):
            raise PermissionDenied
        cal = get_object_or_404(BusinessCalendar, pk=calendar_id)
        initial_year = timezone.localdate().year + (1 if timezone.localdate().month >= 7 else 0)
        form = NoticeForm(request.POST or None, initial={"year": initial_year})
        schedule = None
        if request.method == "POST" and form.is_valid():
            text, year = form.cleaned_data["text"], form.cleaned_data["year"]
            try:
                if "confirm" in request.POST:
                    schedule = calendar_notice_confirm(calendar=cal, text=text, year=year, actor=request.user)
                    self.message_user(
                        request,
                        _(
                            "%(count)d days of %(year)d saved into “%(calendar)s”; %(year)d is "
                            "known. Open tickets follow in the background."
                        )
                        % {"count": len(schedule.days()), "year": year, "calendar": cal.name},
                        messages.SUCCESS,
                    )
                    return redirect(reverse("admin:sla_calendaryear_changelist"))
                schedule = calendar_notice_read(text=text, year=year)
            except InvalidInput as exc:
                form.add_error("text", exc.message)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": cal,
                   "title": _("Read the State Council notice"), "form": form, "schedule": schedule,
                   "festivals": [(f, [(d, "一二三四五六日"[d.weekday()]) for d in f.makeup_days])
                                 for f in schedule.festivals] if schedule else []}
        return TemplateResponse(request, "admin/sla/businesscalendar/notice.html", context)


class DayWrites:
    """Every admin write to a calendar's days — save, delete, bulk delete — clears the caches and lets
    the open tickets follow (issue #11.3): calendar_changed for the dates it touched."""

    def save_model(self, request, obj, form, change):
        old = CalendarDay.objects.filter(pk=obj.pk).values_list("date", flat=True).first() if change else None
        super().save_model(request, obj, form, change)
        start = min(d for d in (old, obj.date) if d)
        calendar_changed(calendar_id=obj.calendar_id, start=start, end=max(d for d in (old, obj.date) if d))

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        calendar_changed(calendar_id=obj.calendar_id, start=obj.date, end=obj.date)

    def delete_queryset(self, request, queryset):
        spans = {}
        for calendar_id, day in queryset.values_list("calendar_id", "date"):
            first, last = spans.get(calendar_id, (day, day))
            spans[calendar_id] = (min(first, day), max(last, day))
        super().delete_queryset(request, queryset)
        for calendar_id, (first, last) in spans.items():
            calendar_changed(calendar_id=calendar_id, start=first, end=last)


@admin.register(CalendarDay)
class CalendarDayAdmin(DayWrites, admin.ModelAdmin):
    list_display = ("date", "is_working", "name", "source", "calendar")
    list_filter = ("calendar", "source", "is_working")
    date_hierarchy = "date"
    search_fields = ("name",)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Known years. Adding one here is the administrator saying that the year's days entered by hand
    are complete; a year read from the notice or imported from the package shows its source."""

    list_display = ("year", "calendar", "source", "completed_by", "completed_at")
    list_filter = ("calendar", "source")
    fields = ("calendar", "year")
    list_select_related = ("calendar", "completed_by")

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = calendar_year_mark_complete(calendar=obj.calendar, year=obj.year, actor=request.user).pk

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        calendar_changed(calendar_id=obj.calendar_id, start=date(obj.year, 1, 1), end=date(obj.year, 12, 31))

    def delete_queryset(self, request, queryset):
        years = list(queryset.values_list("calendar_id", "year"))
        super().delete_queryset(request, queryset)
        for calendar_id, year in years:
            calendar_changed(calendar_id=calendar_id, start=date(year, 1, 1), end=date(year, 12, 31))


def _policies_changed() -> None:
    """Every admin write to policies and versions: new tickets must take the new default version
    at once, not the one this process cached (issue #9). Cleared now and again at commit, in case
    another thread cached the old one meanwhile, as services.policy_version_create does."""
    clear_policy_cache()
    transaction.on_commit(clear_policy_cache)


class PolicyWrites:
    """Clear the default-version cache on every write path of the admin: save, delete, bulk delete."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _policies_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _policies_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        _policies_changed()


class TargetInline(admin.TabularInline):
    model = SLATarget
    extra = 0

    def has_change_permission(self, request, obj=None):
        return obj is None  # a saved version is history: add a new version instead


class VersionInline(admin.TabularInline):
    model = SLAPolicyVersion
    extra = 0
    fields = ("number", "calendar", "pause_statuses", "at_risk_ratio", "created_by", "created_at", "reason")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SLAPolicy)
class SLAPolicyAdmin(PolicyWrites, admin.ModelAdmin):
    list_display = ("name", "is_default")
    inlines = [VersionInline]


@admin.register(SLAPolicyVersion)
class SLAPolicyVersionAdmin(PolicyWrites, admin.ModelAdmin):
    list_display = ("policy", "number", "created_by", "created_at", "reason")
    list_filter = ("policy",)
    inlines = [TargetInline]
    readonly_fields = ("created_by", "created_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [f.name for f in SLAPolicyVersion._meta.fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            previous = obj.policy.current_version()
            obj.number = (previous.number + 1) if previous else 1
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_exclude(self, request, obj=None):
        return ("number",) if obj is None else ()


@admin.register(CompensationRule)
class CompensationRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "metric", "kind", "amount", "cap")
    autocomplete_fields = ("organization",)


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Breach)
class BreachAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "organization", "metric", "due_at", "met_at", "minutes_late")
    list_filter = ("metric",)
    list_select_related = ("ticket", "organization")


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "kind", "escalated_to", "department", "created_at")
    list_filter = ("kind",)
    list_select_related = ("ticket", "escalated_to")


@admin.register(Compensation)
class CompensationAdmin(ReadOnlyAdmin):
    list_display = ("breach", "organization", "cash", "vouchers", "created_at")
    list_select_related = ("breach", "organization")


TargetInline.verbose_name_plural = _("targets")
