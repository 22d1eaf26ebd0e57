"""What every HTML form shares with the services behind it.

Forms only shape the browser's input into the `data` a service takes; the service checks every
rule and raises `ValidationFailed` whose `details` map its field names to messages. The mixin puts
those messages back next to the inputs they are about. `save_form` is how a view runs the
service behind a form.
"""

from collections.abc import Callable
from typing import TypeVar

from django.utils.translation import gettext as _

from rapport.core.errors import ApplicationError, Conflict, ValidationFailed

Saved = TypeVar("Saved")


def save_form(form, save: Callable[[], Saved]) -> Saved | None:
    """Run `save()` (the service call) if the form is valid; None when the form has errors.

    A refusal from the service becomes form errors: `ValidationFailed` next to the inputs it
    names, a `Conflict` (the record changed since it was loaded) above the form, keeping what the
    user typed so that saving again replaces the other change, any other `ApplicationError` above
    the form. `save` reads `form.to_data()` or `form.cleaned_data` when it is called.
    """
    if not form.is_valid():
        return None
    try:
        return save()
    except Conflict as exc:
        form.add_error(
            None,
            _("%(message)s Your changes are kept below: save again to replace theirs.")
            % {"message": exc.message},
        )
        if isinstance(form, VersionedFormMixin):
            form.keep_input_with_version(exc.details.get("current_version"))
    except ValidationFailed as exc:
        form.apply_service_errors(exc.details)
    except ApplicationError as exc:
        form.add_error(None, exc.message)
    return None


class ServiceErrorsMixin:
    """Show a service's `ValidationFailed.details` on a Django form.

    A key names a form field ("amount"), a field shown under another name (`error_aliases`), or a
    row of a repeated section (`sections`): "lines.2.discount" goes to
    `row_errors["lines"][2]["discount"]`, which the form creates for each section, and "lines"
    alone to `section_errors["lines"]`. Anything else, and "version" (a hidden input), is shown
    above the form.
    """

    # Service field names shown under another input, e.g. {"person_id": "customer"}.
    error_aliases: dict[str, str] = {}
    # Repeated sections posted as rows "<section>-<index>-<field>".
    sections: tuple[str, ...] = ()
    # Where a row's message about no particular input goes.
    row_error_key = "__all__"

    def apply_service_errors(self, details: dict) -> None:
        for key, messages in details.items():
            for message in messages if isinstance(messages, list | tuple) else [messages]:
                self.apply_service_error(key, str(message))

    def apply_service_error(self, key: str, message: str) -> None:
        section, _sep, rest = key.partition(".")
        if section in self.sections:
            index, _sep, field = rest.partition(".")
            if index.isdigit():
                row = self.row_errors[section].setdefault(int(index), {})
                row.setdefault(field or self.row_error_key, []).append(message)
            else:
                self.add_section_error(section, message)
            return
        self.add_error(self.field_for_error(key), message)

    def add_section_error(self, section: str, message: str) -> None:
        self.section_errors[section].append(message)

    def field_for_error(self, key: str) -> str | None:
        """The form field showing the messages about `key`; None: above the form."""
        name = self.error_aliases.get(key, key)
        return name if name in self.fields and name != "version" else None


class VersionedFormMixin:
    """A form editing a record that carries the `version` its editor loaded (a hidden input)."""

    def keep_input_with_version(self, version: int) -> None:
        """After a conflict: keep what the user typed, but let a second save overwrite."""
        self.data = self.data.copy()
        self.data["version"] = str(version)
