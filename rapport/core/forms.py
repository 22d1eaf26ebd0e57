"""What every HTML form shares with the services behind it.

Forms only shape the browser's input into the `data` a service takes; the service checks every
rule and raises `ValidationFailed` whose `details` map its field names to messages. The mixin puts
those messages back next to the inputs they are about.
"""


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
