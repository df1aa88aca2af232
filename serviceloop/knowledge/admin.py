"""The knowledge base in the admin: the category tree and tags are kept here; articles are read-only
(they change through the services, which keep versions and the review trail)."""

from django.contrib import admin

from .models import Article, DeflectionEvent, KnowledgeCategory, Tag


@admin.register(KnowledgeCategory)
class KnowledgeCategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "sort_order")
    search_fields = ("name",)
    list_select_related = ("parent__parent",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(ReadOnly):
    list_display = (
        "title",
        "status",
        "visibility",
        "version",
        "author",
        "view_count",
        "helpful_yes",
        "updated_at",
    )
    list_filter = ("status", "visibility")
    search_fields = ("title",)
    list_select_related = ("author",)


@admin.register(DeflectionEvent)
class DeflectionEventAdmin(ReadOnly):
    list_display = ("article", "organization", "query", "ticket", "created_at")
    list_select_related = ("article", "organization", "ticket")
