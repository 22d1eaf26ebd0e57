"""Forms of the customer value pages: thin, the services validate."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.analytics.value.models import ExpenseKind
from rapport.core.forms import ServiceErrorsMixin


class ExpenseForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ExpenseKind.choices)
    amount = forms.CharField(label=_("Amount"), max_length=20)
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    spent_on = forms.DateField(label=_("Date"), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def to_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["spent_on"] = data["spent_on"] or None
        return data


class ValueSettingsForm(ServiceErrorsMixin, forms.Form):
    hourly_cost = forms.CharField(label=_("Cost of an hour of service"), max_length=20)
    minutes_per_ticket = forms.IntegerField(label=_("Minutes per ticket"), min_value=0)
    minutes_per_reply = forms.IntegerField(label=_("Minutes per agent reply"), min_value=0)

    def to_data(self) -> dict:
        return dict(self.cleaned_data)
