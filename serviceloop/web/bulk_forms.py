"""The list's bulk-action form (issue #16.2): what to do with the selected tickets, and with what values."""

from django import forms
from django.utils.translation import gettext_lazy as _

from serviceloop.core import bounds
from serviceloop.tickets.bulk import Action
from serviceloop.tickets.choices import Priority, Status
from serviceloop.web.forms import service_staff

# What a whole selection can be moved to: 已解决 needs a root cause and 已挂起 a release date per ticket.
BULK_STATUSES = [(s.value, s.label) for s in Status if s not in (Status.RESOLVED, Status.PENDING, Status.NEW)]


class BulkActionForm(forms.Form):
    prefix = "bulk"  # the list page has the filter form too: field ids must not clash
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            (Action.ASSIGN, _("Assign")),
            (Action.TAKE, _("Take")),
            (Action.STATUS, _("Change status")),
            (Action.PRIORITY, _("Change priority")),
        ],
    )
    owner = bounds.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    group = bounds.ModelChoiceField(label=_("Group"), queryset=None, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", "—"), *BULK_STATUSES], required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=[("", "—"), *Priority.choices], required=False)
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)

    def __init__(self, *args, **kwargs):
        from serviceloop.accounts.models import Team

        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = service_staff()
        self.fields["group"].queryset = Team.objects.order_by("name")
