"""Forms of the messaging pages: they shape input; the services check every rule."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.forms import ServiceErrorsMixin, VersionedFormMixin
from rapport.messaging.models import Channel, ConsentStatus, MessageKind

TEMPLATE_FIELDS = ("name", "description", "kind", "subject_zh", "body_zh", "subject_en", "body_en")


class EmailTemplateForm(ServiceErrorsMixin, VersionedFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    description = forms.CharField(label=_("Description"), required=False, max_length=300)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=MessageKind.choices,
        help_text=_(
            "Marketing e-mail carries an unsubscribe link and never goes to a person who opted "
            "out; transactional e-mail (a receipt, a reminder) does."
        ),
    )
    subject_zh = forms.CharField(label=_("Subject (Chinese)"), required=False, max_length=400)
    body_zh = forms.CharField(
        label=_("Body (Chinese)"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    subject_en = forms.CharField(label=_("Subject (English)"), required=False, max_length=400)
    body_en = forms.CharField(
        label=_("Body (English)"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None and not args:
            kwargs.setdefault(
                "initial",
                {**{f: getattr(instance, f) for f in TEMPLATE_FIELDS}, "version": instance.version},
            )
        super().__init__(*args, **kwargs)

    def to_data(self) -> dict:
        return {field: self.cleaned_data.get(field, "") for field in TEMPLATE_FIELDS}


class SuppressionForm(ServiceErrorsMixin, forms.Form):
    address = forms.CharField(label=_("E-mail address"), max_length=254)
    source = forms.CharField(label=_("Note"), required=False, max_length=200)


class ConsentForm(ServiceErrorsMixin, forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    status = forms.ChoiceField(label=_("Consent"), choices=ConsentStatus.choices)
    source = forms.CharField(
        label=_("Source"),
        max_length=100,
        help_text=_("Where it comes from, e.g. a signed form or a phone call."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
