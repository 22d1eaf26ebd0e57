"""HTML forms for the exchange rates page: add or correct a rate, import a CSV of rates.

Every rule (a three-letter currency other than the reporting one, a rate above zero with at most
eight decimals, one rate per currency and day) is the service's; its field errors are shown next
to the inputs.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.forms import ServiceErrorsMixin
from rapport.sales.models import ExchangeRate

RATE_FIELDS = ("currency", "valid_from", "rate", "source")


def _testid(name: str) -> dict:
    return {"data-testid": f"field-{name}"}


class ExchangeRateForm(ServiceErrorsMixin, forms.Form):
    currency = forms.CharField(
        label=_("Currency"),
        required=False,
        help_text=_("Three letters, e.g. USD."),
        widget=forms.TextInput(
            attrs={
                "maxlength": 3,
                "autocomplete": "off",
                "style": "max-width:6rem",
                **_testid("currency"),
            }
        ),
    )
    valid_from = forms.CharField(
        label=_("Valid from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", **_testid("valid_from")}),
    )
    rate = forms.CharField(
        label=_("Rate"),
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", **_testid("rate")}
        ),
    )
    source = forms.CharField(
        label=_("Source"),
        required=False,
        help_text=_("Where the rate comes from, e.g. the bank's rate of the day."),
        widget=forms.TextInput(attrs={"maxlength": 100, **_testid("source")}),
    )

    def __init__(self, *args, instance: ExchangeRate | None = None, reporting: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if reporting:
            self.fields["rate"].help_text = _(
                "How many %(currency)s one unit of the currency is worth (up to eight decimals)."
            ) % {"currency": reporting}
        if instance is not None and not self.is_bound:
            self.initial.update(
                currency=instance.currency,
                valid_from=instance.valid_from.isoformat(),
                rate=str(instance.rate),
                source=instance.source,
            )

    def to_data(self) -> dict:
        return {field: self.cleaned_data[field] for field in RATE_FIELDS}


class ExchangeRateImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        required=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv", **_testid("file")}),
    )
