from django.contrib import admin

from .models import Contact, Organization


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("name", "phone", "phone_customer_provided", "email", "email_customer_provided", "title")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "industry", "tier", "contract_level", "phone")
    list_filter = ("tier", "industry")
    search_fields = ("name", "phone")
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "phone", "email")
    search_fields = ("name", "phone", "email", "organization__name")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization", "user")
