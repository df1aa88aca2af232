from django.contrib import admin

from .models import CustomerProduct, ProductModel


@admin.register(ProductModel)
class ProductModelAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "warranty_months", "is_core")
    list_filter = ("kind", "is_core")
    search_fields = ("code", "name")


@admin.register(CustomerProduct)
class CustomerProductAdmin(admin.ModelAdmin):
    list_display = ("serial_number", "product_model", "organization", "firmware_version", "purchase_date")
    search_fields = ("serial_number", "order_number", "organization__name")
    list_select_related = ("product_model", "organization")
    autocomplete_fields = ("organization",)
    list_filter = ("product_model",)
