"""The forms of the periodic reports' pages and of the per-customer SLA report (ANA-3, ANA-4)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from serviceloop.core.bounds import DateField, IdField
from serviceloop.reports.models import ReportKind
from serviceloop.reports.services import RECOMMENDATIONS_MAX


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ReportKind.choices)
    start = DateField(
        label=_("Period starting"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("A Monday, the 1st of a month, or the 1st of a quarter."),
    )
    end = DateField(
        label=_("Period ending (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class RecommendationsForm(forms.Form):
    recommendations = forms.CharField(
        label=_("Recommendations"),
        required=False,
        max_length=RECOMMENDATIONS_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class CustomerSlaForm(forms.Form):
    start = DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    organization = IdField(required=False, widget=forms.HiddenInput)
