"""Admin (zh-Hans) for SLA configuration: calendars and days, policies with their version history,
compensation rules; breaches, escalations and compensation read-only.

Policy targets are edited by adding a version (API POST /api/v1/sla/policies/{id}/versions, or here by
adding a version with its targets): a saved version is never changed, so tickets keep their rules.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from .calendar import BusinessWindow, validate_windows
from .models import (
    Breach,
    BusinessCalendar,
    BusinessHours,
    CalendarDay,
    Compensation,
    CompensationRule,
    Escalation,
    SLAPolicy,
    SLAPolicyVersion,
    SLATarget,
)
from .services.calendars import clear_calendar_cache
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


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "timezone", "use_official", "is_default")
    inlines = [WindowInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        clear_calendar_cache()


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_working", "name", "source", "calendar")
    list_filter = ("calendar", "source", "is_working")
    date_hierarchy = "date"
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        clear_calendar_cache()


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
