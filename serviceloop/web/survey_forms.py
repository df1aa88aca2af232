"""The forms of the survey page, second processing and the KPI page (CSAT-1, CSAT-2, CSAT-4)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from serviceloop.core.bounds import DateField
from serviceloop.surveys.models import DIMENSIONS, FollowUpOutcome, Satisfaction
from serviceloop.surveys.services import COMMENT_MAX

STARS = [(str(n), str(n)) for n in range(5, 0, -1)]  # 5 first: the CSS shows them right to left
SCORE_ERRORS = {"invalid_choice": _("A score is a whole number from 1 to 5."),
                "required": _("Choose a score from 1 to 5.")}


class SurveyForm(forms.Form):
    """Overall 1–5 stars, the five-level scale, the four dimensions (optional) and a comment."""

    overall = forms.TypedChoiceField(
        label=_("Overall, how would you rate our service?"),
        choices=STARS,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "star"}),
        error_messages=SCORE_ERRORS,
    )
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you?"), coerce=int, error_messages=SCORE_ERRORS,
        choices=[(str(v), label) for v, label in Satisfaction.choices], widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Anything else you want to tell us?"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The dimensions between the scale and the comment, each optional.
        comment = self.fields.pop("comment")
        for name, label in DIMENSIONS:
            self.fields[name] = forms.TypedChoiceField(label=label, choices=STARS, coerce=int, required=False,
                                                       empty_value=None, error_messages=SCORE_ERRORS,
                                                       widget=forms.RadioSelect(attrs={"class": "star"}))
        self.fields["comment"] = comment

    def dimension_fields(self):
        return [self[name] for name, _label in DIMENSIONS]


class FollowUpForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=FollowUpOutcome.choices)
    note = forms.CharField(
        label=_("What was done"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class KpiForm(forms.Form):
    start = DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    by = forms.ChoiceField(label=_("Per"), choices=[("engineer", _("Engineer")), ("group", _("Group"))],
                           required=False)
