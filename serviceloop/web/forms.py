"""Web forms: every field labelled, errors in the user's language."""

from django import forms
from django.utils.translation import gettext_lazy as _

from serviceloop.tickets.choices import CommunicationChannel, Status, SubStatus


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("Password"), max_length=200, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class ReplyForm(forms.Form):
    prefix = "reply"  # several forms share the ticket page: field ids must not clash
    body = forms.CharField(label=_("Reply to the customer"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    prefix = "note"  # several forms share the ticket page: field ids must not clash
    NOTE_TYPES = [("progress", _("Progress")), ("diagnosis", _("Diagnosis")), ("solution", _("Solution")),
                  ("execution", _("Execution record"))]
    note_type = forms.ChoiceField(label=_("Kind of note"), choices=NOTE_TYPES)
    body = forms.CharField(label=_("Internal note"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3}))


class CommunicationForm(forms.Form):
    prefix = "comm"  # several forms share the ticket page: field ids must not clash
    channel = forms.ChoiceField(label=_("Channel"), choices=CommunicationChannel.choices)
    customer_feedback = forms.CharField(label=_("Customer feedback"), max_length=5000,
                                        widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.CharField(label=_("Next step"), max_length=5000, required=False)


class TransitionForm(forms.Form):
    prefix = "status"  # several forms share the ticket page: field ids must not clash
    status = forms.ChoiceField(label=_("New status"), choices=())
    sub_status = forms.ChoiceField(label=_("Sub-status"), choices=(), required=False)
    pending_until = forms.DateField(label=_("Expected release date"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=5000, required=False)

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, Status(s).label) for s in allowed]
        self.fields["sub_status"].choices = [("", "—"), *SubStatus.choices]


class AssignForm(forms.Form):
    prefix = "assign"  # several forms share the ticket page: field ids must not clash
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    group = forms.ModelChoiceField(label=_("Group"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        from serviceloop.accounts.models import Team, User

        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True, organization__isnull=True).exclude(
            groups__name="customer").order_by("display_name", "username")
        self.fields["group"].queryset = Team.objects.order_by("name")
