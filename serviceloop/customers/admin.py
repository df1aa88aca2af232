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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"tier", "contract_level"} & set(form.changed_data):
            from django.db import transaction

            from serviceloop.sla.tasks import organization_sla_recompute_task

            # Deadlines of the customer's open tickets follow the new tier, in the background.
            transaction.on_commit(lambda: organization_sla_recompute_task(obj.pk))


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "phone", "email")
    search_fields = ("name", "phone", "email", "organization__name")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization", "user")
