from django.contrib import admin

from .models import FollowUpTask, Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("ticket", "cycle", "send_after", "sent_at", "answered_at", "overall", "satisfaction")
    list_filter = ("satisfaction",)
    raw_id_fields = ("ticket", "answered_by")
    readonly_fields = ("token_hash",)
    search_fields = ("ticket__number",)


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(admin.ModelAdmin):
    list_display = ("ticket", "assignee", "due_at", "outcome", "done_at")
    list_filter = ("outcome",)
    raw_id_fields = ("ticket", "survey", "reopen_event", "assignee", "done_by")
    search_fields = ("ticket__number",)
