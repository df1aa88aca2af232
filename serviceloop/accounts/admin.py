from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import APIToken, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("ServiceLoop"), {"fields": ("display_name", "phone", "language", "organization")}),
    )
    list_display = ("username", "display_name", "email", "organization", "is_active")
    list_filter = ("groups", "is_active", "language")
    search_fields = ("username", "display_name", "email", "phone")
    autocomplete_fields = ("organization",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "supervisor")
    filter_horizontal = ("members",)
    search_fields = ("name",)


@admin.register(APIToken)
class APITokenAdmin(admin.ModelAdmin):
    list_display = ("hint", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("hint", "created_at", "last_used_at")
    fields = ("user", "name", "hint", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False  # tokens are created with `serviceloop createtoken`, which shows the key once
