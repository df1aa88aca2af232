from django.contrib import admin

from .models import Contact, EmailBounce, Organization
from .services import ORGANIZATION_FIELDS, organization_update


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

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # A change goes through the service, as from the API: a new tier or contract level moves the
        # deadlines of the customer's open tickets (SLA-1).
        changes = {f: getattr(obj, f) for f in form.changed_data if f in ORGANIZATION_FIELDS}
        organization_update(actor=request.user, organization=obj, changes=changes)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "phone", "email")
    search_fields = ("name", "phone", "email", "organization__name")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization", "user")


@admin.register(EmailBounce)
class EmailBounceAdmin(admin.ModelAdmin):
    """Addresses our mail bounced from; delete a row once the customer's mailbox works again."""

    list_display = ("address", "permanent", "status", "count", "last_bounced_at", "diagnostic")
    list_filter = ("permanent",)
    search_fields = ("address",)
    readonly_fields = ("address", "permanent", "status", "diagnostic", "count", "first_bounced_at",
                       "last_bounced_at")

    def has_add_permission(self, request):
        return False
