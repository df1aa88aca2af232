"""The period (and dimension) of the dashboard and distributions pages (ANA-1, ANA-2)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from serviceloop.analytics.dashboard import DIMENSIONS, MAX_DAYS
from serviceloop.core.bounds import DateField

DIMENSION_LABELS = {
    "type": _("Type"),
    "category": _("Category"),
    "product_model": _("Product model"),
    "root_cause": _("Root cause"),
    "organization": _("Organisation"),
    "engineer": _("Engineer"),
    "channel": _("Channel"),
}


class DashboardForm(forms.Form):
    """Both dates inclusive; left empty, the current month. At most MAX_DAYS days (two years)."""

    start = DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        elif start and end and (end - start).days + 1 > MAX_DAYS:
            self.add_error("end", _("A period is at most %(days)d days.") % {"days": MAX_DAYS})
        return data


class DistributionForm(DashboardForm):
    # Chosen by the page's tabs; a hidden field, so "Show" keeps the dimension while the period changes.
    dimension = forms.ChoiceField(
        label=_("By"), choices=[(d, DIMENSION_LABELS[d]) for d in DIMENSIONS], widget=forms.HiddenInput
    )
