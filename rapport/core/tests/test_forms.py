"""A service's `ValidationFailed.details` shown next to the inputs they are about."""

from django import forms
from django.http import QueryDict

from rapport.core.forms import ServiceErrorsMixin, VersionedFormMixin


class OrderLikeForm(ServiceErrorsMixin, VersionedFormMixin, forms.Form):
    sections = ("lines",)
    error_aliases = {"person_id": "customer"}

    customer = forms.CharField(required=False)
    notes = forms.CharField(required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_errors = {"lines": {}}
        self.section_errors = {"lines": []}


def _bound_form() -> OrderLikeForm:
    form = OrderLikeForm(QueryDict("notes=hello&version=3"))
    assert form.is_valid()
    return form


def test_a_message_about_a_field_goes_to_that_field():
    form = _bound_form()

    form.apply_service_errors({"notes": ["Use at most 5 characters."]})

    assert form.errors == {"notes": ["Use at most 5 characters."]}


def test_an_alias_shows_the_message_under_the_input_the_user_sees():
    form = _bound_form()

    form.apply_service_errors({"person_id": ["Choose a person or a company."]})

    assert form.errors == {"customer": ["Choose a person or a company."]}


def test_unknown_keys_and_the_version_go_above_the_form():
    form = _bound_form()

    form.apply_service_errors({"currency": ["Bad."], "version": ["Stale."]})

    assert form.non_field_errors() == ["Bad.", "Stale."]


def test_row_messages_go_to_their_row_and_section_messages_to_the_section():
    form = _bound_form()

    form.apply_service_errors(
        {
            "lines.1.discount": ["Too much."],
            "lines.1": ["Check this line."],
            "lines": ["Add at least one line."],
        }
    )

    assert form.row_errors == {
        "lines": {1: {"discount": ["Too much."], "__all__": ["Check this line."]}}
    }
    assert form.section_errors == {"lines": ["Add at least one line."]}
    assert form.errors == {}


def test_a_single_message_not_in_a_list_is_shown_too():
    form = _bound_form()

    form.apply_service_errors({"notes": "Enter text."})

    assert form.errors == {"notes": ["Enter text."]}


def test_after_a_conflict_the_input_is_kept_with_the_current_version():
    form = _bound_form()

    form.keep_input_with_version(5)

    assert form.data["version"] == "5"
    assert form.data["notes"] == "hello"
