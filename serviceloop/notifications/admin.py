"""Administration of notifications: the outbox's deliveries (filters, the last error, every attempt,
"resend"), robots and webhooks (secrets write-only and masked), message templates (checked when saved,
with a preview on a sample ticket), and the in-app notifications."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from serviceloop.core.errors import ServiceError

from . import outbox, templates
from .models import (
    Delivery,
    DeliveryAttempt,
    MessageKind,
    MessageTemplate,
    Notification,
    Robot,
    TemplateFormat,
    Webhook,
    WebhookEvent,
)
from .rules import clear_endpoint_cache


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    list_select_related = ("user",)
    raw_id_fields = ("ticket", "user", "delivery")
    show_full_result_count = False


# --- deliveries -----------------------------------------------------------------------------------

class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "duration_ms", "ok", "status_code", "error", "response")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """NTF-3: failures are visible. Filter by status and channel; open one to see every attempt."""

    list_display = ("id", "created_at", "kind", "channel", "recipient_shown", "ticket", "status", "attempts",
                    "next_attempt_at", "error_shown")
    list_filter = ("status", "channel", "kind")
    list_select_related = ("ticket",)
    search_fields = ("recipient", "ticket__number", "message_id", "=public_id", "event_key")
    show_full_result_count = False
    actions = ["resend"]
    inlines = [AttemptInline]
    readonly_fields = (
        "public_id",
        "event_key",
        "kind",
        "channel",
        "recipient",
        "user",
        "robot",
        "webhook",
        "language",
        "ticket",
        "context",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_until",
        "last_error",
        "created_at",
        "sent_at",
        "message_id",
        "subject",
        "body",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD") and super().has_change_permission(request, obj)

    @admin.display(description=gettext_lazy("recipient"))
    def recipient_shown(self, obj):
        if obj.robot_id or obj.webhook_id:
            return str(obj.robot or obj.webhook or obj.recipient)
        return obj.recipient

    @admin.display(description=gettext_lazy("last error"))
    def error_shown(self, obj):
        return (obj.last_error[:120] + "…") if len(obj.last_error) > 120 else obj.last_error

    @admin.action(description=gettext_lazy("Send again (failed or given up only)"),
                  permissions=["resend"])
    def resend(self, request, queryset):
        try:
            count = outbox.delivery_resend(deliveries=list(queryset.values_list("pk", flat=True)),
                                           actor=request.user)
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(
            request, _("%(count)d deliveries queued again.") % {"count": count}, messages.SUCCESS
        )

    def has_resend_permission(self, request):
        return request.user.has_perm("notifications.resend_delivery")


# --- robots and webhooks ----------------------------------------------------------------------------

class SealedEndpointForm(forms.ModelForm):
    """The URL and the secret are write-only: shown masked, kept when left empty on a change."""

    url = forms.CharField(label=gettext_lazy("Address (URL)"), required=False, max_length=2000,
                          widget=forms.TextInput(attrs={"size": 80, "autocomplete": "off"}))
    secret = forms.CharField(
        label=gettext_lazy("Secret"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["url"].help_text = _("Now: %(url)s — leave empty to keep it.") % {
                "url": self.instance.url_masked}
            self.fields["secret"].help_text = (_("Now: %(secret)s — leave empty to keep it.")
                                               % {"secret": self.instance.secret_masked or "—"})

    def clean_url(self):
        url = (self.cleaned_data.get("url") or "").strip()
        if not url and not self.instance.pk:
            raise forms.ValidationError(_("This field is required."))
        if url:
            try:
                self.instance.url_validator(url)
            except forms.ValidationError:
                raise forms.ValidationError(_("Enter an http:// or https:// address.")) from None
        return url

    def save(self, commit=True):
        if self.cleaned_data.get("url"):
            self.instance.url = self.cleaned_data["url"]
        if self.cleaned_data.get("secret"):
            self.instance.secret = self.cleaned_data["secret"]
        return super().save(commit)


class RobotForm(SealedEndpointForm):
    kinds = forms.MultipleChoiceField(label=gettext_lazy("Message kinds"), required=False,
                                      choices=MessageKind.choices, widget=forms.CheckboxSelectMultiple,
                                      help_text=gettext_lazy("None chosen: new tickets, escalations and SLA "
                                                             "breach warnings."))

    class Meta:
        model = Robot
        fields = ("name", "kind", "url", "secret", "teams", "kinds", "language", "is_active")

    def clean_url(self):
        url = super().clean_url()
        kind = self.data.get("kind") or self.instance.kind
        if url and kind == "wecom" and "key=" not in url:
            raise forms.ValidationError(_("A WeCom robot's address ends in ?key=…; paste it whole."))
        return url


class WebhookForm(SealedEndpointForm):
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        required=False,
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None chosen: every event."),
    )

    class Meta:
        model = Webhook
        fields = ("name", "url", "secret", "events", "is_active")


class EndpointAdmin(admin.ModelAdmin):
    readonly_fields = ()

    @admin.display(description=gettext_lazy("address"))
    def url_shown(self, obj):
        return obj.url_masked

    @admin.display(description=gettext_lazy("secret"))
    def secret_shown(self, obj):
        return obj.secret_masked or "—"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        clear_endpoint_cache()


@admin.register(Robot)
class RobotAdmin(EndpointAdmin):
    form = RobotForm
    list_display = ("name", "kind", "url_shown", "secret_shown", "language", "is_active")
    list_filter = ("kind", "is_active")
    filter_horizontal = ("teams",)


@admin.register(Webhook)
class WebhookAdmin(EndpointAdmin):
    form = WebhookForm
    list_display = ("name", "url_shown", "secret_shown", "is_active")
    list_filter = ("is_active",)


# --- message templates ------------------------------------------------------------------------------

class MessageTemplateForm(forms.ModelForm):
    """Checked on save: a template that does not compile or render on the sample ticket is a form error.
    The Preview button (`_preview`) renders it on the sample ticket and shows it above the form, unsaved."""

    class Meta:
        model = MessageTemplate
        fields = ("kind", "format", "language", "subject", "body", "html", "sms_template_code")
        widgets = {"body": forms.Textarea(attrs={"rows": 14, "cols": 100}),
                   "html": forms.Textarea(attrs={"rows": 8, "cols": 100})}

    preview = None

    def clean(self):
        data = super().clean()
        kind, fmt, language = data.get("kind"), data.get("format"), data.get("language")
        if kind and fmt and language:
            for name, message in templates.check(kind=kind, fmt=fmt, language=language,
                                                 subject=data.get("subject", ""), body=data.get("body", ""),
                                                 html=data.get("html", "")).items():
                self.add_error(name, message)
        return data

    def is_valid(self):
        valid = super().is_valid()
        if valid and "_preview" in self.data:
            data = self.cleaned_data
            source = templates.Source(subject=data["subject"], body=data["body"], html=data["html"],
                                      sms_template_code=data.get("sms_template_code", ""))
            self.preview = templates.render_source(source, data["format"],
                                                   templates.sample_context(data["language"], data["kind"]))
            return False  # not saved: the admin shows the form again, with the preview, and no error
        return valid


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ("kind", "format", "language", "subject", "updated_at", "updated_by")
    list_filter = ("kind", "format", "language")
    change_form_template = "admin/notifications/messagetemplate/change_form.html"
    change_list_template = "admin/notifications/messagetemplate/change_list.html"

    def get_changeform_initial_data(self, request):
        """Adding with ?kind=…&format=…&language=… starts from the shipped wording."""
        initial = super().get_changeform_initial_data(request)
        kind, fmt, language = initial.get("kind"), initial.get("format"), initial.get("language")
        if kind in MessageKind.values and fmt in TemplateFormat.values and language:
            source = templates.default_source(kind, fmt, language)
            initial.update(subject=source.subject, body=source.body, html=source.html,
                           sms_template_code=source.sms_template_code)
        return initial

    def render_change_form(self, request, context, *args, **kwargs):
        form = context.get("adminform").form if context.get("adminform") else None
        context["preview"] = getattr(form, "preview", None)
        return super().render_change_form(request, context, *args, **kwargs)

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def changelist_view(self, request, extra_context=None):
        """Besides the rows: every shipped wording nobody has replaced yet, with a link to start from it."""
        existing = set(MessageTemplate.objects.values_list("kind", "format", "language"))
        add = reverse("admin:notifications_messagetemplate_add")
        defaults = []
        for kind in MessageKind:
            for fmt in TemplateFormat:
                if not templates.has_default(kind, fmt):
                    continue
                for language, language_name in (("zh-hans", "简体中文"), ("en", "English")):
                    if (kind.value, fmt.value, language) not in existing:
                        query = urlencode({"kind": kind.value, "format": fmt.value, "language": language})
                        defaults.append((f"{add}?{query}", f"{kind.label} · {fmt.label} · {language_name}"))
        links = format_html_join(mark_safe("<br>"), '<a href="{}">{}</a>', defaults)
        return super().changelist_view(request, {**(extra_context or {}), "default_links": links})


