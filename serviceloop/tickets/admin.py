from django.contrib import admin

from .models import Category, RootCause, Ticket, TicketSequence


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "ticket_type", "is_active", "sort_order")
    list_filter = ("ticket_type", "is_active")
    search_fields = ("name",)
    list_select_related = ("parent__parent",)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-mostly: tickets change through the services (API and web UI), which write the timeline."""

    list_display = ("number", "title", "organization", "status", "priority", "owner", "created_at")
    list_filter = ("status", "priority", "ticket_type", "channel")
    search_fields = ("=number", "title")
    list_select_related = ("organization", "owner")
    show_full_result_count = False  # COUNT(*) over a million rows is what makes admin lists slow
    readonly_fields = [f.name for f in Ticket._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TicketSequence)
class TicketSequenceAdmin(admin.ModelAdmin):
    list_display = ("period", "last_value")
    readonly_fields = ("period", "last_value")

    def has_add_permission(self, request):
        return False


@admin.register(RootCause)
class RootCauseAdmin(admin.ModelAdmin):
    """The root-cause tree asked for at resolution (PRG-7): add, rename, reorder or retire causes."""

    list_display = ("__str__", "code", "name_en", "is_active", "sort_order")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "name_en")
    list_select_related = ("parent__parent",)
