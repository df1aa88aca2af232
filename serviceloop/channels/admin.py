"""Admin (zh-Hans) for inbound email: mailboxes (with a write-only password field), and every fetched
message with its status and error — retry a failed one, accept or discard a held one, download the
original .eml."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from serviceloop.core.errors import ServiceError

from . import selectors, services
from .imap import is_loopback
from .models import AfterProcessing, CredentialSource, InboundMessage, Mailbox, MessageStatus, Security


class MailboxForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Password"), required=False, strip=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted; leave empty to keep the stored one. Used when the password comes "
                    "from “Stored encrypted”."))

    class Meta:
        model = Mailbox
        fields = (
            "name",
            "address",
            "reply_to",
            "is_active",
            "host",
            "port",
            "security",
            "username",
            "folder",
            "credential_source",
            "password_env",
            "password_file",
            "after_processing",
            "move_to",
            "unknown_senders",
            "unassigned_organization",
        )

    def clean(self):
        data = super().clean()
        errors = {}
        if data.get("security") == Security.PLAIN and data.get("host") and not is_loopback(data["host"]):
            errors["security"] = _("Unencrypted IMAP is allowed only to this machine (loopback).")
        source = data.get("credential_source")
        if source == CredentialSource.ENV and not (data.get("password_env") or "").strip():
            errors["password_env"] = _("Name the environment variable that holds the password.")
        if source == CredentialSource.FILE and not (data.get("password_file") or "").strip():
            errors["password_file"] = _("Give the path of the file that holds the password.")
        if (source == CredentialSource.STORED and not data.get("password")
                and not (self.instance.pk and self.instance.password_encrypted)):
            errors["password"] = _("Enter the password to store.")
        if data.get("after_processing") == AfterProcessing.MOVE and not (data.get("move_to") or "").strip():
            errors["move_to"] = _("Name the folder to move processed mail to.")
        if errors:
            raise ValidationError(errors)
        return data


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ("name", "address", "host", "folder", "is_active", "last_fetch_at", "short_error")
    list_filter = ("is_active",)
    search_fields = ("name", "address", "host")
    readonly_fields = ("uidvalidity", "last_uid", "last_fetch_at", "last_error", "claimed_until")
    autocomplete_fields = ("unassigned_organization",)
    fieldsets = (
        (None, {"fields": ("name", "address", "reply_to", "is_active")}),
        (_("Server"), {"fields": ("host", "port", "security", "username", "folder")}),
        (_("Password"), {"fields": ("credential_source", "password_env", "password_file", "password")}),
        (_("Processing"), {"fields": ("after_processing", "move_to", "unknown_senders",
                                      "unassigned_organization")}),
        (_("Fetch state"), {"fields": readonly_fields}),
    )
    actions = ["fetch_now"]

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return Truncator(obj.last_error).chars(80)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("password"):
            services.mailbox_set_password(mailbox=obj, password=form.cleaned_data["password"])

    @admin.action(description=_("Fetch new mail now"))
    def fetch_now(self, request, queryset):
        from .tasks import mailbox_fetch_task

        for mailbox in queryset.filter(is_active=True):
            mailbox_fetch_task(mailbox.pk)
        self.message_user(request, _("Fetching has been queued; the list shows the result shortly."))


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "mailbox", "from_address", "short_subject", "status", "loop_reason",
                    "short_error", "attempts", "ticket_link", "original_link")
    list_filter = ("status", "loop_reason", "mailbox")
    search_fields = ("from_address", "subject", "message_id")
    list_select_related = ("mailbox", "ticket")
    date_hierarchy = "received_at"
    actions = ["retry", "accept", "discard"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields] + ["original_link"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what arrived is never removed from here

    def has_change_permission(self, request, obj=None):
        return False  # read-only rows; the actions below are the only changes

    @admin.display(description=_("subject"))
    def short_subject(self, obj):
        return Truncator(obj.subject).chars(60)

    @admin.display(description=_("error"))
    def short_error(self, obj):
        return Truncator(obj.error).chars(80)

    @admin.display(description=_("ticket"))
    def ticket_link(self, obj):
        if not obj.ticket_id:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("web:ticket", args=[obj.ticket.number]), obj.ticket.number
        )

    @admin.display(description=_("original (.eml)"))
    def original_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:channels_inboundmessage_original", args=[obj.pk]),
            _("download"),
        )

    def get_urls(self):
        return [path("<int:message_id>/original/", self.admin_site.admin_view(self.original_view),
                     name="channels_inboundmessage_original"), *super().get_urls()]

    def original_view(self, request, message_id: int):
        try:
            message = selectors.inbound_message_original(user=request.user, message_id=message_id)
        except ServiceError as exc:
            raise Http404(exc.message) from exc
        return FileResponse(
            message.raw.open("rb"),
            as_attachment=True,
            filename=selectors.eml_filename(message),
            content_type="message/rfc822",
        )

    def _each(self, request, queryset, service, done: str):
        changed = 0
        for message in queryset:
            try:
                result = service(message=message, actor=request.user)
            except ServiceError as exc:
                self.message_user(request, f"{message}: {exc.message}", level=messages.WARNING)
                continue
            if result.status == MessageStatus.FAILED:
                self.message_user(request, f"{message}: {result.error}", level=messages.ERROR)
            else:
                changed += 1
        self.message_user(request, done % {"count": changed})

    @admin.action(description=_("Retry the selected failed emails"))
    def retry(self, request, queryset):
        self._each(request, queryset, services.inbound_message_retry, _("%(count)d email(s) processed."))

    @admin.action(description=_("Accept: make a ticket or reply from the selected held or ignored emails"))
    def accept(self, request, queryset):
        self._each(request, queryset, services.inbound_message_accept, _("%(count)d email(s) accepted."))

    @admin.action(description=_("Discard the selected held emails"))
    def discard(self, request, queryset):
        self._each(request, queryset, services.inbound_message_discard, _("%(count)d email(s) discarded."))
