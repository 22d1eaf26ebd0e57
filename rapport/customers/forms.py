"""HTML forms for persons, companies, tags and custom fields.

The forms only shape the browser's input into the `data` dict the services take; every rule
(names, phones, e-mails, custom values, ownership) is checked by the services, whose
`ValidationFailed.details` are mapped back onto the fields here. Repeated sections (phones,
e-mails, addresses, companies) are posted as `<section>-<index>-<field>` inputs.
"""

import datetime
import re

from django import forms
from django.urls import reverse_lazy
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.accounts.access import assignable_owners
from rapport.accounts.models import Team, User
from rapport.core.forms import ServiceErrorsMixin, VersionedFormMixin
from rapport.customers.models import (
    ContactLabel,
    CustomFieldDefinition,
    CustomFieldType,
    Gender,
    LifecycleStage,
    RecordType,
    SourceChannel,
)
from rapport.customers.selectors import companies_visible_to, custom_fields_for, tags_all
from rapport.customers.services import (
    ADDRESS_FIELDS,
    BIRTHDAY_FIELDS,
    COMPANY_FIELDS,
    PERSON_FIELDS,
)
from rapport.customers.validation import format_phone

ROW_FIELDS = {
    "phones": ("number", "label"),
    "emails": ("email", "label"),
    "addresses": ADDRESS_FIELDS,
    "employments": ("company_id", "job_title", "department"),
}
# A row counts as filled in when one of these has a value; empty rows are dropped silently.
ROW_CONTENT = {
    "phones": ("number",),
    "emails": ("email",),
    "addresses": ("province", "city", "district", "street", "postcode"),
    "employments": ("company_id", "job_title", "department"),
}
HAS_PRIMARY = ("phones", "emails", "employments")


def _testid(name: str) -> dict:
    return {"data-testid": f"field-{name}"}


def _text(label, *, textarea=False, name=""):
    widget = (
        forms.Textarea(attrs={"rows": 3, **_testid(name)})
        if textarea
        else forms.TextInput(attrs=_testid(name))
    )
    return forms.CharField(label=label, required=False, widget=widget, strip=False)


def _notes():
    # Notes take @mentions of colleagues (rapport.activities.mentions): the static script opens
    # the list of colleagues from this address when "@" is typed.
    field = _text(_("Notes"), textarea=True, name="notes")
    field.widget.attrs["data-mentions"] = reverse_lazy("activities:mention_suggestions")
    field.help_text = _("Type @ to mention a colleague.")
    return field


def _choice(label, choices, name):
    return forms.ChoiceField(
        label=label, choices=choices, required=False, widget=forms.Select(attrs=_testid(name))
    )


def parse_rows(data, section: str) -> list[dict]:
    """The filled-in rows of one repeated section, in the order they appear on the page."""
    pattern = re.compile(rf"^{section}-(\d+)-(\w+)$")
    rows: dict[int, dict] = {}
    for key in data:
        match = pattern.match(key)
        if match and match.group(2) in ROW_FIELDS[section]:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = data.get(key, "").strip()
    primary = data.get(f"{section}-primary")
    result = []
    for index in sorted(rows):
        row = rows[index]
        if not any(row.get(field) for field in ROW_CONTENT[section]):
            continue
        if section in HAS_PRIMARY:
            row["is_primary"] = primary == str(index)
        result.append(row)
    return result


def posted_birthday(data) -> dict:
    """The birthday as the person form posts it (year, month and day inputs; the year may be
    empty) in the service's terms: a full date when the three make one, else the parts as
    typed, for the service to check and name the wrong one."""
    year, month, day = (
        str(data.get(k) or "").strip() for k in ("birth_year", "birth_month", "birth_day")
    )
    if year.isdigit() and month.isdigit() and day.isdigit():
        try:
            birthday = datetime.date(int(year), int(month), int(day))
        except ValueError:
            pass
        else:
            return {"birthday": birthday.isoformat(), "birth_month": month, "birth_day": day}
    return {"birthday": "", "birth_year": year, "birth_month": month, "birth_day": day}


def custom_form_field(definition: CustomFieldDefinition) -> forms.Field:
    """A form field for one custom field definition; the service validates the value."""
    attrs = {"data-testid": f"custom-field-{definition.key}"}
    label = definition.label
    kind = definition.field_type
    if kind == CustomFieldType.NUMBER:
        widget = forms.NumberInput(attrs={**attrs, "step": "any"})
        return forms.CharField(label=label, required=False, widget=widget)
    if kind == CustomFieldType.DATE:
        widget = forms.DateInput(attrs={**attrs, "type": "date"})
        return forms.CharField(label=label, required=False, widget=widget)
    if kind == CustomFieldType.CHOICE:
        choices = [("", "—"), *[(c, c) for c in definition.choices]]
        return forms.ChoiceField(
            label=label, choices=choices, required=False, widget=forms.Select(attrs=attrs)
        )
    if kind == CustomFieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            label=label,
            choices=[(c, c) for c in definition.choices],
            required=False,
            widget=forms.CheckboxSelectMultiple(attrs=attrs),
        )
    if kind == CustomFieldType.BOOLEAN:
        choices = [("", "—"), ("true", _("Yes")), ("false", _("No"))]
        return forms.ChoiceField(
            label=label, choices=choices, required=False, widget=forms.Select(attrs=attrs)
        )
    return forms.CharField(label=label, required=False, widget=forms.TextInput(attrs=attrs))


def _custom_initial(definition: CustomFieldDefinition, value):
    if value is None:
        return None
    if definition.field_type == CustomFieldType.BOOLEAN:
        return "true" if value else "false"
    return value


class CustomerForm(ServiceErrorsMixin, VersionedFormMixin, forms.Form):
    """What person and company forms share: ownership, tags, custom fields, version, rows."""

    record_type = ""
    plain_fields: tuple[str, ...] = ()
    sections: tuple[str, ...] = ("addresses",)

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, actor: User, instance=None, **kwargs):
        self.actor = actor
        self.instance = instance
        super().__init__(*args, **kwargs)
        self.fields["tag_ids"] = forms.MultipleChoiceField(
            label=_("Tags"),
            required=False,
            choices=[(str(t.pk), t.name) for t in tags_all()],
            widget=forms.CheckboxSelectMultiple(attrs=_testid("tag_ids")),
        )
        owners = list(assignable_owners(actor))
        if owners != [actor]:  # a choice only when there is one to make
            self.fields["owner_id"] = _choice(
                _("Owner"), [("", "—"), *[(str(u.pk), str(u)) for u in owners]], "owner_id"
            )
        if actor.is_administrator:
            self.fields["team_id"] = _choice(
                _("Team"),
                [("", "—"), *[(str(t.pk), t.name) for t in Team.objects.all()]],
                "team_id",
            )
        self.custom_definitions = custom_fields_for(self.record_type)
        for definition in self.custom_definitions:
            self.fields[f"cf_{definition.key}"] = custom_form_field(definition)
        self.row_errors: dict[str, dict[int, dict[str, list[str]]]] = {s: {} for s in self.sections}
        self.section_errors: dict[str, list[str]] = {s: [] for s in self.sections}
        if instance is not None and not self.is_bound:
            self._set_initial_from(instance)
        elif not self.is_bound:
            self.initial.update(
                gender=Gender.UNKNOWN,
                source=SourceChannel.OTHER,
                lifecycle_stage=LifecycleStage.TARGET,
            )
        self._rows = None

    # --- Initial values ----------------------------------------------------------------------

    def _set_initial_from(self, instance) -> None:
        for field in self.plain_fields:
            value = getattr(instance, field)
            self.initial[field] = value.isoformat() if hasattr(value, "isoformat") else value
        self.initial["version"] = instance.version
        self.initial["tag_ids"] = [str(t.pk) for t in instance.tags.all()]
        self.initial["owner_id"] = str(instance.owner_id)
        self.initial["team_id"] = str(instance.team_id or "")
        for definition in self.custom_definitions:
            self.initial[f"cf_{definition.key}"] = _custom_initial(
                definition, instance.custom.get(definition.key)
            )

    def initial_rows(self, section: str) -> list[dict]:
        if section == "addresses":
            return [
                {f: getattr(a, f) for f in ADDRESS_FIELDS} for a in self.instance.addresses.all()
            ]
        return []

    @property
    def custom_fields(self):
        return [self[f"cf_{d.key}"] for d in self.custom_definitions]

    @property
    def rows(self) -> dict[str, list[dict]]:
        """Each section's rows as the template renders them: values plus their errors."""
        if self._rows is None:
            self._rows = {}
            for section in self.sections:
                if self.is_bound:
                    rows = parse_rows(self.data, section)
                elif self.instance is not None:
                    rows = self.initial_rows(section)
                else:
                    rows = []
                self._rows[section] = rows
            self._attach_company_names()
        return {
            section: [
                {**row, "index": i, "errors": self.row_errors[section].get(i, {})}
                for i, row in enumerate(rows)
            ]
            for section, rows in self._rows.items()
        }

    def _attach_company_names(self) -> None:
        rows = self._rows.get("employments") or []
        ids = [int(r["company_id"]) for r in rows if str(r.get("company_id", "")).isdigit()]
        if not ids:
            return
        names = dict(companies_visible_to(self.actor).filter(pk__in=ids).values_list("pk", "name"))
        for row in rows:
            company_id = str(row.get("company_id", ""))
            row["company_name"] = names.get(int(company_id)) if company_id.isdigit() else None

    # --- To the service ------------------------------------------------------------------------

    def to_data(self) -> dict:
        cleaned = self.cleaned_data
        data = {field: cleaned.get(field) or "" for field in self.plain_fields}
        data["tag_ids"] = [int(t) for t in cleaned.get("tag_ids") or []]
        if cleaned.get("owner_id"):
            data["owner_id"] = int(cleaned["owner_id"])
        if cleaned.get("team_id"):
            data["team_id"] = int(cleaned["team_id"])
        data["custom"] = {d.key: cleaned.get(f"cf_{d.key}") for d in self.custom_definitions}
        rows = self.rows
        for section in self.sections:
            data[section] = [self._row_for_service(section, row) for row in rows[section]]
        return data

    @staticmethod
    def _row_for_service(section: str, row: dict) -> dict:
        item = {f: row.get(f, "") for f in ROW_FIELDS[section]}
        if section in HAS_PRIMARY:
            item["is_primary"] = bool(row.get("is_primary"))
        if section == "employments":
            value = str(item["company_id"])
            item["company_id"] = int(value) if value.isdigit() else value
        return item

    def field_for_error(self, key: str) -> str | None:
        head, _sep, rest = key.partition(".")
        if head == "custom" and f"cf_{rest}" in self.fields:
            return f"cf_{rest}"
        return super().field_for_error(key)


class PersonForm(CustomerForm):
    record_type = RecordType.PERSON
    plain_fields = tuple(f for f in PERSON_FIELDS if f not in BIRTHDAY_FIELDS)
    sections = ("phones", "emails", "addresses", "employments")
    # A full date the form composed is only refused for what the year inputs hold.
    error_aliases = {"birthday": "birth_year"}

    full_name = _text(_("Full name"), name="full_name")
    given_name = _text(_("Given name (English)"), name="given_name")
    middle_name = _text(_("Middle name"), name="middle_name")
    family_name = _text(_("Family name (English)"), name="family_name")
    nickname = _text(_("Nickname"), name="nickname")
    gender = _choice(_("Gender"), Gender.choices, "gender")
    # A birthday is month and day, with the year when it is known (Google exports "--07-14").
    birth_month = _choice(
        pgettext_lazy("birthday", "Month"),
        [("", "—"), *[(str(m), n) for m, n in MONTHS.items()]],
        "birth_month",
    )
    birth_day = _choice(
        pgettext_lazy("birthday", "Day"),
        [("", "—"), *[(str(d), str(d)) for d in range(1, 32)]],
        "birth_day",
    )
    birth_year = forms.CharField(
        label=pgettext_lazy("birthday", "Year"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "maxlength": 4,
                "size": 6,
                "placeholder": _("unknown"),
                **_testid("birth_year"),
            }
        ),
    )
    website = _text(_("Website"), name="website")
    industry = _text(_("Industry"), name="industry")
    region = _text(_("Region"), name="region")
    source = _choice(_("Source"), SourceChannel.choices, "source")
    lifecycle_stage = _choice(_("Lifecycle stage"), LifecycleStage.choices, "lifecycle_stage")
    preferences = _text(_("Preferences"), textarea=True, name="preferences")
    notes = _notes()

    def initial_rows(self, section: str) -> list[dict]:
        person = self.instance
        if section == "phones":
            return [
                {"number": format_phone(p.number), "label": p.label, "is_primary": p.is_primary}
                for p in person.phones.all()
            ]
        if section == "emails":
            return [
                {"email": e.email, "label": e.label, "is_primary": e.is_primary}
                for e in person.emails.all()
            ]
        if section == "employments":
            return [
                {
                    "company_id": str(e.company_id),
                    "job_title": e.job_title,
                    "department": e.department,
                    "is_primary": e.is_primary,
                }
                for e in person.employments.all()
            ]
        return super().initial_rows(section)

    def _set_initial_from(self, instance) -> None:
        super()._set_initial_from(instance)
        self.initial["birth_year"] = str(instance.birthday.year) if instance.birthday else ""
        self.initial["birth_month"] = str(instance.birth_month or "")
        self.initial["birth_day"] = str(instance.birth_day or "")

    @property
    def birthday_errors(self) -> list[str]:
        """The messages about any of the three birthday inputs, shown once under them."""
        return [e for name in ("birth_month", "birth_day", "birth_year") for e in self[name].errors]

    def to_data(self) -> dict:
        data = super().to_data()
        data.update(posted_birthday(self.cleaned_data))
        # A person may work for a company the editor cannot see (another team's). Re-sending
        # unchanged links would fail the service's visibility check, so they are left out.
        if self.instance is not None:
            before = [
                self._row_for_service("employments", row)
                for row in self.initial_rows("employments")
            ]
            if data["employments"] == before:
                del data["employments"]
        return data


class CompanyForm(CustomerForm):
    record_type = RecordType.COMPANY
    plain_fields = COMPANY_FIELDS
    sections = ("addresses",)

    name = _text(_("Name"), name="name")
    english_name = _text(_("English name"), name="english_name")
    website = _text(_("Website"), name="website")
    phone = _text(_("Phone"), name="phone")
    email = _text(_("Email"), name="email")
    industry = _text(_("Industry"), name="industry")
    region = _text(_("Region"), name="region")
    source = _choice(_("Source"), SourceChannel.choices, "source")
    lifecycle_stage = _choice(_("Lifecycle stage"), LifecycleStage.choices, "lifecycle_stage")
    notes = _notes()


LABEL_CHOICES = ContactLabel.choices


class RawPhoneForm(ServiceErrorsMixin, VersionedFormMixin, forms.Form):
    """Turn a number kept as imported into a real phone: the user corrects the text."""

    number = forms.CharField(
        label=_("Phone"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", **_testid("number")}),
    )
    label = _choice(_("Label"), LABEL_CHOICES, "label")
    raw = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def field_for_error(self, key: str) -> str | None:
        # The kept text is a hidden input: a message about it goes above the form.
        return None if key == "raw" else super().field_for_error(key)


# --- Settings -----------------------------------------------------------------------------------


class TagForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    color = forms.CharField(
        label=_("Colour"),
        required=False,
        initial="#64748b",
        widget=forms.TextInput(attrs={"type": "color"}),
    )

    def to_data(self) -> dict:
        return {"name": self.cleaned_data["name"], "color": self.cleaned_data["color"]}


class CustomFieldForm(ServiceErrorsMixin, forms.Form):
    record_type = forms.ChoiceField(label=_("Record type"), choices=RecordType.choices)
    key = forms.CharField(
        label=_("Key"),
        required=False,
        help_text=_("Used in filters and the API, e.g. budget. Cannot be changed later."),
    )
    label = forms.CharField(label=_("Label"), required=False)
    field_type = forms.ChoiceField(label=_("Type"), choices=CustomFieldType.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One choice per line (single and multiple choice fields)."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    position = forms.IntegerField(label=_("Position"), required=False, min_value=0, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, instance: CustomFieldDefinition | None = None, **kwargs):
        self.instance = instance
        super().__init__(*args, **kwargs)
        if instance is not None:
            for frozen in ("record_type", "key", "field_type"):
                self.fields[frozen].disabled = True
                self.fields[frozen].required = False
            if not self.is_bound:
                self.initial.update(
                    {
                        "record_type": instance.record_type,
                        "key": instance.key,
                        "label": instance.label,
                        "field_type": instance.field_type,
                        "choices": "\n".join(instance.choices),
                        "required": instance.required,
                        "position": instance.position,
                        "is_active": instance.is_active,
                    }
                )

    def to_data(self) -> dict:
        cleaned = self.cleaned_data
        data = {
            "label": cleaned["label"],
            "choices": [line.strip() for line in cleaned["choices"].splitlines() if line.strip()],
            "required": cleaned["required"],
            "position": cleaned["position"] or 0,
            "is_active": cleaned["is_active"],
        }
        if self.instance is None:
            data.update(
                record_type=cleaned["record_type"],
                key=cleaned["key"],
                field_type=cleaned["field_type"],
            )
        return data
