from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.analytics.lifetime.services import DEFAULT_HOLDOUT_WEEKS, MAX_HOLDOUT_WEEKS
from rapport.core.forms import ServiceErrorsMixin


class FitForm(ServiceErrorsMixin, forms.Form):
    as_of = forms.DateField(
        label=_("End of observation"),
        required=False,
        help_text=_("Orders up to this day are the history; empty: today."),
        widget=forms.DateInput(attrs={"type": "date", "data-testid": "fit-as-of"}),
    )
    holdout_weeks = forms.IntegerField(
        label=_("Holdout (weeks)"),
        min_value=0,
        max_value=MAX_HOLDOUT_WEEKS,
        initial=DEFAULT_HOLDOUT_WEEKS,
        help_text=_(
            "The check fits the model again this many weeks before the end and compares what it "
            "expected with what customers bought since; 0: no check."
        ),
        widget=forms.NumberInput(attrs={"data-testid": "fit-holdout"}),
    )
