"""HTML forms of the surveys pages. They shape the browser's input into the `data` the services
take; the services check every rule (`rapport.core.forms.ServiceErrorsMixin`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import SavedView
from rapport.accounts.saved_view_selectors import saved_views_visible_to
from rapport.core.forms import ServiceErrorsMixin, VersionedFormMixin
from rapport.customers.models import Tag
from rapport.surveys.models import SurveyKind


class SurveyForm(ServiceErrorsMixin, VersionedFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SurveyKind.choices)
    name = forms.CharField(label=_("Name"), required=False, max_length=400)
    question_zh = forms.CharField(
        label=_("Question (Chinese)"),
        required=False,
        max_length=600,
        help_text=_("Leave empty for the standard question."),
    )
    question_en = forms.CharField(
        label=_("Question (English)"),
        required=False,
        max_length=600,
        help_text=_("Leave empty for the standard question."),
    )
    audience_tag = forms.ModelChoiceField(
        label=_("Sent to the persons tagged"),
        queryset=Tag.objects.none(),
        required=False,
        help_text=_("NPS only: tag the persons who should be asked."),
    )
    audience_view = forms.ModelChoiceField(
        label=_("Or the persons in the saved view"),
        queryset=SavedView.objects.none(),
        required=False,
        help_text=_(
            "NPS only: a saved view of the persons list; the persons it shows its owner when the "
            "survey goes out are asked (with a tag as well, those in both)."
        ),
    )
    every_days = forms.IntegerField(
        label=_("Send every (days)"), required=False, help_text=_("NPS only.")
    )
    quiet_days = forms.IntegerField(
        label=_("Quiet period (days)"),
        required=False,
        help_text=_("Nobody is asked again within this many days of their last survey."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    error_aliases = {"audience_tag_id": "audience_tag", "audience_view_id": "audience_view"}

    def __init__(self, *args, user, survey=None, **kwargs):
        if survey is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "kind": survey.kind,
                "name": survey.name,
                "question_zh": survey.question_zh,
                "question_en": survey.question_en,
                "audience_tag": survey.audience_tag_id,
                "audience_view": survey.audience_view_id,
                "every_days": survey.every_days,
                "quiet_days": survey.quiet_days,
                "is_active": survey.is_active,
                "version": survey.version,
            }
        super().__init__(*args, **kwargs)
        self.fields["audience_tag"].queryset = Tag.objects.order_by("name")
        self.fields["audience_view"].queryset = saved_views_visible_to(user, "persons")
        if survey is not None:
            self.fields["kind"].disabled = True
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-testid", f"field-{name}")

    def to_data(self) -> dict:
        data = self.cleaned_data
        result = {
            "kind": data["kind"],
            "name": data["name"],
            "question_zh": data["question_zh"],
            "question_en": data["question_en"],
            "audience_tag_id": data["audience_tag"].pk if data["audience_tag"] else None,
            "audience_view_id": data["audience_view"].pk if data["audience_view"] else None,
            "every_days": data["every_days"],
            "quiet_days": data["quiet_days"],
            "is_active": data["is_active"],
        }
        if data.get("version") is not None:
            result["version"] = data["version"]
        return result


class AnswerForm(ServiceErrorsMixin, forms.Form):
    """The public page's form. The score is checked by the service (its range depends on the
    survey), so a tampered value comes back as a message next to the scale."""

    score = forms.CharField(required=False)
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}), strip=False)
