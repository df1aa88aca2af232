from django.contrib import admin

from .models import JobFailure


@admin.register(JobFailure)
class JobFailureAdmin(admin.ModelAdmin):
    list_display = ("task", "created_at", "retries_left", "error")
    list_filter = ("task",)
    readonly_fields = ("task", "task_id", "arguments", "error", "retries_left", "created_at")

    def has_add_permission(self, request):
        return False
