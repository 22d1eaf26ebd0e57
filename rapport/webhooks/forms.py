"""The subscription form: it shapes the browser's input into the `data` the services take."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.forms import ServiceErrorsMixin
from rapport.webhooks.event_types import event_type_groups, event_type_names
from rapport.webhooks.models import WebhookSubscription


def _testid(name: str) -> dict:
    return {"data-testid": f"webhook-{name}"}


class SubscriptionForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 100, **_testid("name")}),
    )
    url = forms.CharField(
        label=_("URL"),
        required=False,
        help_text=_("The receiver's https:// address. Each event is POSTed to it as JSON."),
        widget=forms.URLInput(attrs={"maxlength": 2000, "autocomplete": "off", **_testid("url")}),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"), required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(
        label=_("Active"), required=False, widget=forms.CheckboxInput(attrs=_testid("active"))
    )
    allow_private = forms.BooleanField(
        label=_("Allow private addresses"),
        required=False,
        help_text=_(
            "Only for a receiver inside your own network (10.x, 192.168.x, localhost): otherwise "
            "such addresses are refused, so that nobody can use webhooks to reach internal "
            "systems."
        ),
        widget=forms.CheckboxInput(attrs=_testid("allow-private")),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        help_text=_(
            "At least 16 characters. Leave empty to keep it (a new subscription gets one)."
        ),
        widget=forms.TextInput(
            attrs={"maxlength": 100, "autocomplete": "off", **_testid("secret")}
        ),
    )

    def __init__(self, *args, instance: WebhookSubscription | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = [(name, name) for name in event_type_names()]
        if instance is not None and not self.is_bound:
            self.initial.update(
                name=instance.name,
                url=instance.url,
                event_types=instance.event_types,
                is_active=instance.is_active,
                allow_private=instance.allow_private,
            )
        elif not self.is_bound:
            self.initial["is_active"] = True

    def event_groups(self) -> list[dict]:
        """The checkboxes grouped by record type, for the template."""
        chosen = set(self["event_types"].value() or ())
        return [
            {
                "key": group.record_type,
                "label": group.label,
                "events": [
                    {"name": name, "label": label, "checked": name in chosen}
                    for name, label in group.event_types
                ],
            }
            for group in event_type_groups()
        ]

    def to_data(self) -> dict:
        data = {
            name: self.cleaned_data[name]
            for name in ("name", "url", "event_types", "is_active", "allow_private")
        }
        if self.cleaned_data["secret"]:
            data["secret"] = self.cleaned_data["secret"]
        return data
