"""The site key form; every rule is the service's (`site_key_create` / `site_key_update`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.forms import ServiceErrorsMixin


class SiteKeyForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"), required=False, max_length=100, help_text=_("E.g. the shop's website.")
    )
    allowed_origins = forms.CharField(
        label=_("Allowed origins"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, e.g. https://shop.example.com. Only these sites may send."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None and (not args or args[0] is None):
            kwargs.setdefault(
                "initial",
                {
                    "name": instance.name,
                    "allowed_origins": "\n".join(instance.allowed_origins),
                    "is_active": instance.is_active,
                },
            )
        super().__init__(*args, **kwargs)

    def to_data(self) -> dict:
        return {
            "name": self.cleaned_data["name"],
            "allowed_origins": self.cleaned_data["allowed_origins"].split(),
            "is_active": self.cleaned_data["is_active"],
        }
