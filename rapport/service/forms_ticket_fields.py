"""The ticket page's form for tags and custom fields.

A ticket's custom fields are free key/value pairs (the API takes any object; no administrator
defines them as for persons), so the page shows one row per field, a name and a value, plus an
empty row to add one. The service (`ticket_update`) checks the values; its messages about
"custom.<name>" come back on the row of that name.
"""

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.forms import ServiceErrorsMixin, VersionedFormMixin
from rapport.customers.selectors import tags_all
from rapport.service.forms import FlatCheckboxSelectMultiple
from rapport.service.models import Ticket

ROW_INPUT = re.compile(r"^custom-(\d+)-(key|value)$")
# Empty rows offered below the ticket's fields, to add new ones.
EMPTY_ROWS = 1


def custom_value_as_text(value) -> str:
    """How a stored value is shown in its input (and recognised when posted back unchanged)."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


class TicketFieldsForm(ServiceErrorsMixin, VersionedFormMixin, forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, ticket: Ticket, tags=None, **kwargs):
        """`tags`: every tag, when the caller has read them (the ticket page, with the ticket's
        own: `selectors.ticket_detail`)."""
        self.ticket = ticket
        super().__init__(*args, **kwargs)
        self.fields["tag_ids"] = forms.MultipleChoiceField(
            label=gettext_lazy("Tags"),
            required=False,
            choices=[(str(t.pk), t.name) for t in (tags_all() if tags is None else tags)],
            widget=FlatCheckboxSelectMultiple(attrs={"data-testid": "field-ticket-tags"}),
        )
        if not self.is_bound:
            self.initial["version"] = ticket.version
            self.initial["tag_ids"] = [str(t.pk) for t in ticket.tags.all()]
        self.custom_errors: list[str] = []
        self.row_errors: dict[int, list[str]] = {}
        self.rows = self._posted_rows() if self.is_bound else self._ticket_rows()

    def _ticket_rows(self) -> list[dict]:
        rows = [
            {"key": key, "value": custom_value_as_text(value)}
            for key, value in (self.ticket.custom or {}).items()
        ]
        return rows + [{"key": "", "value": ""} for _i in range(EMPTY_ROWS)]

    def _posted_rows(self) -> list[dict]:
        found: dict[int, dict] = {}
        for name in self.data:
            match = ROW_INPUT.match(name)
            if match:
                found.setdefault(int(match.group(1)), {})[match.group(2)] = str(
                    self.data.get(name) or ""
                )
        return [
            {"key": found[i].get("key", "").strip(), "value": found[i].get("value", "")}
            for i in sorted(found)
        ]

    def clean(self):
        cleaned = super().clean()
        seen = set()
        for index, row in enumerate(self.rows):
            if not row["key"] and row["value"].strip():
                self._row_error(index, _("Give the field a name."))
            elif row["key"] in seen:
                self._row_error(index, _("This field is already above."))
            seen.add(row["key"])
        if self.row_errors:
            raise forms.ValidationError(_("Correct the custom fields below."))
        return cleaned

    def _row_error(self, index: int, message: str) -> None:
        self.row_errors.setdefault(index, []).append(message)

    def to_data(self) -> dict:
        """Tags and the whole set of custom fields; a row with no value removes its field. A
        value posted back as it was shown keeps its stored type (a number stays a number)."""
        stored = self.ticket.custom or {}
        custom = {}
        for row in self.rows:
            key, value = row["key"], row["value"]
            if not key or not value.strip():
                continue
            if key in stored and custom_value_as_text(stored[key]) == value:
                custom[key] = stored[key]
            else:
                custom[key] = value
        return {
            "tag_ids": [int(t) for t in self.cleaned_data.get("tag_ids") or []],
            "custom": custom,
        }

    def apply_service_error(self, key: str, message: str) -> None:
        head, _sep, name = key.partition(".")
        if head != "custom":
            super().apply_service_error(key, message)
            return
        index = next((i for i, row in enumerate(self.rows) if name and row["key"] == name), None)
        if index is None:
            self.custom_errors.append(message)
        else:
            self._row_error(index, message)

    @property
    def custom_rows(self) -> list[dict]:
        return [
            {**row, "index": i, "errors": self.row_errors.get(i, [])}
            for i, row in enumerate(self.rows)
        ]
