"""The form of the canned replies page (issue #16.3); the rules themselves are canned/services.py's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from serviceloop.canned import services
from serviceloop.canned.models import Scope


class CannedReplyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=services.TITLE_MAX,
                            help_text=_("What you type after / to find it."))
    body = forms.CharField(label=_("Text"), max_length=services.BODY_MAX,
                           widget=forms.Textarea(attrs={"rows": 6}))
    scope = forms.ChoiceField(label=_("Who can use it"), choices=Scope.choices, initial=Scope.PERSONAL)

    def __init__(self, *args, may_share: bool, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if editing or not may_share:
            # Only administrators write shared replies; a reply keeps the scope it was written with.
            del self.fields["scope"]
