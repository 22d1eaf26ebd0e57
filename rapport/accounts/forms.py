from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=100,
        help_text=_("What the key is for, e.g. “ERP sync”."),
        widget=forms.TextInput(attrs={"data-testid": "api-key-name"}),
    )
