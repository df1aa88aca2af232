"""Canned replies in the admin: administrators keep the shared ones here too; every save and delete goes
through the services (the same checks and messages as the API and the workspace page). Personal replies
are listed read-only: they are their owner's to change."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from serviceloop.core.errors import ServiceError

from . import services
from .models import CannedReply, Scope


class CannedReplyForm(forms.ModelForm):
    class Meta:
        model = CannedReply
        fields = ("title", "body")

    def clean_title(self):
        try:
            return services.check_title(self.cleaned_data["title"])
        except ServiceError as exc:
            raise ValidationError(exc.message) from None

    def clean_body(self):
        try:
            return services.check_body(self.cleaned_data["body"])
        except ServiceError as exc:
            raise ValidationError(exc.message) from None

    def clean(self):
        data = super().clean()
        if "title" in data:
            probe = CannedReply(pk=self.instance.pk, scope=Scope.SHARED, title=data["title"])
            taken = services.title_taken(probe)
            if taken is not None:
                self.add_error("title", taken.message)
        return data


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    form = CannedReplyForm
    list_display = ("title", "scope", "owner", "updated_at")
    list_filter = ("scope",)
    search_fields = ("title", "body")
    list_select_related = ("owner",)

    def get_actions(self, request):
        # No bulk delete: the list holds personal replies, which are not the administrator's to remove.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.scope != Scope.SHARED:
            return False
        return super().has_change_permission(request, obj) and request.user.has_perm(services.MANAGE_SHARED)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and request.user.has_perm(services.MANAGE_SHARED)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.scope != Scope.SHARED:
            return False
        return super().has_delete_permission(request, obj) and request.user.has_perm(services.MANAGE_SHARED)

    def save_model(self, request, obj, form, change):
        # Added here = shared: the admin is where administrators keep the team's replies.
        data = {"title": form.cleaned_data["title"], "body": form.cleaned_data["body"]}
        try:
            if change:
                saved = services.canned_reply_update(reply=obj, actor=request.user, **data)
            else:
                saved = services.canned_reply_create(actor=request.user, scope=Scope.SHARED, **data)
        except ServiceError as exc:
            raise ValidationError(exc.message) from None
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.canned_reply_delete(reply=obj, actor=request.user)
