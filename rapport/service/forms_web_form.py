"""The settings form of a public support form (`TicketWebForm`), and the support form as its
embed snippet shows it.

The settings form only shapes the input into the `data` of `ticket_form_create` /
`ticket_form_update`, which check it. The snippet is drawn by the lead forms' template
(sales/leads/_embed_snippet.html), which reads the inputs from `visible_fields_in_order`.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.forms import ServiceErrorsMixin
from rapport.service.forms import _choice, _text, category_choices, team_choices
from rapport.service.models import TicketType, TicketWebForm
from rapport.service.web_form_views import SupportForm

# The inputs the service requires (ticket_capture_from_form), marked required in the snippet.
REQUIRED_INPUTS = ("email", "subject", "message")


class SupportFormSettingsForm(ServiceErrorsMixin, forms.Form):
    name = _text(_("Name"), "support-form-name", maxlength=100)
    type = _choice(_("Type of the tickets it opens"), TicketType.choices, "support-form-type")
    thank_you_text = _text(
        _("Thank-you text"), "support-form-thanks", textarea=True, rows=3, maxlength=2000
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, instance: TicketWebForm | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team_id"] = _choice(
            _("Queue"), [("", _("By the assignment rules")), *team_choices()], "support-form-team"
        )
        categories = category_choices()
        if (
            instance is not None
            and instance.category_id
            and (str(instance.category_id) not in dict(categories))
        ):
            # An inactive category stays the form's until someone changes it.
            categories.append((str(instance.category_id), str(instance.category)))
        self.fields["category_id"] = _choice(
            _("Category"), [("", "—"), *categories], "support-form-category"
        )
        self.fields["thank_you_text"].help_text = _(
            "Shown after sending; empty: a short thank-you in the visitor's language."
        )
        self.order_fields(["name", "team_id", "category_id", "type", "thank_you_text"])
        if instance is None:
            self.initial.setdefault("type", TicketType.QUESTION)
        elif not self.is_bound:
            self.initial.update(
                name=instance.name,
                team_id=str(instance.team_id or ""),
                category_id=str(instance.category_id or ""),
                type=instance.type,
                thank_you_text=instance.thank_you_text,
                is_active=instance.is_active,
            )

    def to_data(self) -> dict:
        cleaned = self.cleaned_data
        return {
            "name": cleaned["name"],
            "team_id": cleaned["team_id"] or None,
            "category_id": cleaned["category_id"] or None,
            "type": cleaned["type"] or TicketType.QUESTION,
            "thank_you_text": cleaned["thank_you_text"],
            "is_active": cleaned["is_active"],
        }


class SupportFormSnippet(SupportForm):
    """The public support form's inputs as the embed snippet needs them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget = forms.EmailInput()
        for name in REQUIRED_INPUTS:
            self.fields[name].widget.attrs["required"] = True

    @property
    def visible_fields_in_order(self):
        return self.visible_inputs()
