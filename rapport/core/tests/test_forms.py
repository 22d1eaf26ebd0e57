"""A service's `ValidationFailed.details` shown next to the inputs they are about."""

from django import forms
from django.http import QueryDict

from rapport.core.errors import ApplicationError, Conflict, ValidationFailed
from rapport.core.forms import ServiceErrorsMixin, VersionedFormMixin, save_form


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


class NameForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField()


def test_save_form_runs_nothing_for_an_invalid_form():
    calls = []
    form = NameForm(QueryDict(""))

    saved = save_form(form, lambda: calls.append("saved"))

    assert saved is None
    assert calls == []


def test_save_form_returns_what_the_service_saved():
    form = NameForm(QueryDict("name=Acme"))

    saved = save_form(form, lambda: f"saved {form.cleaned_data['name']}")

    assert saved == "saved Acme"


def test_save_form_puts_a_refusal_next_to_the_input_it_names():
    form = NameForm(QueryDict("name=Acme"))

    def refuse():
        raise ValidationFailed("Please correct the errors below.", {"name": ["Taken."]})

    assert save_form(form, refuse) is None
    assert form.errors == {"name": ["Taken."]}


def test_save_form_keeps_the_input_of_a_stale_edit_with_the_current_version():
    form = OrderLikeForm(QueryDict("notes=mine&version=3"))

    def stale():
        raise Conflict("Someone else changed it.", {"current_version": 5})

    assert save_form(form, stale) is None
    assert form.non_field_errors() == [
        "Someone else changed it. Your changes are kept below: save again to replace theirs."
    ]
    assert (form.data["notes"], form.data["version"]) == ("mine", "5")


def test_save_form_shows_a_conflict_above_a_form_without_a_version():
    form = NameForm(QueryDict("name=Acme"))

    def stale():
        raise Conflict("Someone else changed it.")

    assert save_form(form, stale) is None
    assert form.non_field_errors() == [
        "Someone else changed it. Your changes are kept below: save again to replace theirs."
    ]


def test_save_form_shows_any_other_refusal_above_the_form():
    form = NameForm(QueryDict("name=Acme"))

    def refuse():
        raise ApplicationError("deal_closed", "The deal is closed.")

    assert save_form(form, refuse) is None
    assert form.non_field_errors() == ["The deal is closed."]
