from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from rapport.accounts import throttling
from rapport.accounts.models import NotificationDelivery


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class NotificationDeliveryForm(forms.Form):
    notification_delivery = forms.ChoiceField(
        label=_("Mentions and task reminders"),
        choices=NotificationDelivery.choices,
        widget=forms.RadioSelect,
    )


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=100,
        help_text=_("What the key is for, e.g. “ERP sync”."),
        widget=forms.TextInput(attrs={"data-testid": "api-key-name"}),
    )


SIGNIN_REFUSED = _(
    "Your user name and password did not match, or sign-in is paused for a while after too many "
    "attempts. Try again later."
)


class SignInForm(AuthenticationForm):
    """Django's sign-in form with one answer for every refusal.

    A wrong password, an unknown name and a paused name or address (ThrottledModelBackend) all
    read the same, so the answer tells nobody whether an account exists or is paused.
    """

    error_messages = {**AuthenticationForm.error_messages, "invalid_login": SIGNIN_REFUSED}


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Django's password change form; wrong old passwords count against the account as failed
    sign-ins do, so a borrowed session cannot be used to guess the password."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": _(
            "Your old password was entered incorrectly, or password checks are paused for a "
            "while after too many attempts. Try again later."
        ),
    }

    def clean_old_password(self):
        username = self.user.get_username()
        if throttling.paused_for(throttling.SIGNIN_ACCOUNT, username):
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        try:
            old_password = super().clean_old_password()
        except ValidationError:
            throttling.record_failure(throttling.SIGNIN_ACCOUNT, username)
            raise
        throttling.signin_succeeded(username=username)
        return old_password
