"""The knowledge base's web forms (KB-1, KB-2): the article editor with its steps, review, version compare."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from serviceloop.assets.models import ProductModel
from serviceloop.core import bounds
from serviceloop.knowledge import services
from serviceloop.knowledge.choices import Visibility
from serviceloop.knowledge.models import KnowledgeCategory

STEP_ROWS_EXTRA = 2


class ArticleForm(forms.Form):
    """An article's fields; its steps come from StepFormSet beside it."""

    prefix = "article"
    title = forms.CharField(label=_("Title"), max_length=services.TITLE_MAX)
    scenario = forms.CharField(
        label=_("Scenario (when this applies)"),
        max_length=services.TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    notes = forms.CharField(label=_("Notes"), max_length=services.TEXT_MAX, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    category = bounds.ModelChoiceField(
        label=_("Category"), queryset=KnowledgeCategory.objects.none(), required=False
    )
    tags = forms.CharField(label=_("Tags"), max_length=1000, required=False,
                           help_text=_("Separated by commas, e.g. 电源, E101"))
    product_models = bounds.ModelMultipleChoiceField(
        label=_("Product models"), queryset=ProductModel.objects.none(), required=False
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=Visibility.choices, initial=Visibility.INTERNAL
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = KnowledgeCategory.objects.select_related("parent")
        self.fields["product_models"].queryset = ProductModel.objects.order_by("code")

    def clean_tags(self):
        names = [t.strip() for t in self.cleaned_data["tags"].replace("，", ",").split(",")]
        return [t for t in names if t]


class StepForm(forms.Form):
    """One step: its text and, optionally, an image (kept, replaced by a new upload, or removed)."""

    text = forms.CharField(label=_("Step"), max_length=services.STEP_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    image_id = bounds.IdField(required=False, widget=forms.HiddenInput)
    image = forms.FileField(
        label=_("Image"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif"}),
    )
    remove_image = forms.BooleanField(label=_("Remove the image"), required=False)


StepFormSet = forms.formset_factory(StepForm, extra=STEP_ROWS_EXTRA, max_num=services.STEPS_MAX,
                                    validate_max=True, absolute_max=services.STEPS_MAX + STEP_ROWS_EXTRA)


class ReviewForm(forms.Form):
    prefix = "review"
    comment = forms.CharField(
        label=_("Comments for the author"),
        max_length=services.COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DiffForm(forms.Form):
    old = forms.IntegerField(label=_("From version"), min_value=1, max_value=bounds.INT32_MAX)
    new = forms.IntegerField(label=_("To version"), min_value=1, max_value=bounds.INT32_MAX)


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(choices=[("yes", "yes"), ("no", "no")], coerce=lambda v: v == "yes")


class SendArticleForm(forms.Form):
    article = bounds.IdField()


class SolvedForm(forms.Form):
    article = bounds.IdField()
    q = forms.CharField(max_length=500, required=False)
