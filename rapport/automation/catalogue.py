"""What the rule builder offers: trigger and action types, and the fields a condition, a changed-
field trigger, a date trigger or a "set field" action may name for each record type.

Fields are read from the registered record types (`rapport.core.records`) and their models, so a
record type another app registers later (tickets, campaigns) is offered without a change here.
Each field carries the kind of value it takes ("text", "number", "date", "choice", "bool",
"tags"), which picks the operators and the input the builder shows.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.accounts.models import Role
from rapport.automation.actions import SETTABLE_FIELDS
from rapport.automation.conditions import customer_fields
from rapport.automation.triggers import date_fields_of
from rapport.core.records import record_type as get_record_type
from rapport.core.records import record_types

TRIGGER_TYPES = {
    "record_created": gettext_lazy("A record is created"),
    "record_updated": gettext_lazy("A record is updated or a field changes"),
    "stage_reached": gettext_lazy("A deal reaches a stage"),
    "email_opened": gettext_lazy("An e-mail is opened"),
    "email_clicked": gettext_lazy("A link in an e-mail is clicked"),
    "email_replied": gettext_lazy("An e-mail is replied to"),
    "event_received": gettext_lazy("An event is received from a website or app"),
    "date_reached": gettext_lazy("A date is reached (birthday, anniversary, contract end)"),
    "inactivity": gettext_lazy("No interaction or no order for some days"),
    "schedule": gettext_lazy("On a schedule"),
}

ACTION_TYPES = {
    "send_email": gettext_lazy("Send an e-mail template"),
    "create_task": gettext_lazy("Create a task"),
    "assign": gettext_lazy("Assign to a team member"),
    "set_field": gettext_lazy("Set a field"),
    "add_tag": gettext_lazy("Add a tag"),
    "remove_tag": gettext_lazy("Remove a tag"),
    "notify": gettext_lazy("Notify users"),
    "webhook": gettext_lazy("Call a webhook"),
    "wait": gettext_lazy("Wait"),
    "stop": gettext_lazy("Stop"),
}

OPERATORS = {
    "eq": gettext_lazy("is"),
    "ne": gettext_lazy("is not"),
    "gt": gettext_lazy("is greater than"),
    "gte": gettext_lazy("is at least"),
    "lt": gettext_lazy("is less than"),
    "lte": gettext_lazy("is at most"),
    "contains": gettext_lazy("contains"),
    "not_contains": gettext_lazy("does not contain"),
    "in": gettext_lazy("is one of"),
    "not_in": gettext_lazy("is none of"),
    "is_empty": gettext_lazy("is empty"),
    "is_not_empty": gettext_lazy("is not empty"),
}

OPERATORS_BY_KIND = {
    "text": ("eq", "ne", "contains", "not_contains", "in", "not_in", "is_empty", "is_not_empty"),
    "number": ("eq", "ne", "gt", "gte", "lt", "lte", "is_empty", "is_not_empty"),
    "date": ("eq", "ne", "gt", "gte", "lt", "lte", "is_empty", "is_not_empty"),
    "choice": ("eq", "ne", "in", "not_in", "is_empty", "is_not_empty"),
    "bool": ("eq", "ne"),
    "tags": ("contains", "not_contains", "is_empty", "is_not_empty"),
}

# Columns that are bookkeeping, not something a person means when writing a rule.
_HIDDEN_FIELDS = {
    "id",
    "version",
    "custom",
    "raw_phones",
    "search_text",
    "furthest_position",
    "idempotency_key",
    "assignment_state",
    "stale_task_created_at",
}
# Person and company records of the customers app carry tags, custom fields and orders.
_CUSTOMER_TYPES = ("person", "company")


@dataclass(frozen=True)
class Field:
    key: str
    label: str | Promise
    kind: str
    choices: tuple[tuple[str, str], ...] = ()
    editable: bool = True

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "label": str(self.label),
            "kind": self.kind,
            "choices": [[value, str(label)] for value, label in self.choices],
        }


def record_type_label(key: str) -> str:
    record_type = get_record_type(key)
    return str(record_type.label) if record_type else key


def record_type_choices() -> list[tuple[str, str]]:
    return [(key, str(rt.label)) for key, rt in record_types().items()]


def _kind(model_field) -> str | None:
    if model_field.choices:
        return "choice"
    if isinstance(model_field, models.BooleanField):
        return "bool"
    if isinstance(model_field, models.DateField):  # DateTimeField is a DateField too
        return "date"
    if isinstance(model_field, models.IntegerField | models.DecimalField | models.FloatField):
        return "number"
    if isinstance(model_field, models.CharField | models.TextField | models.EmailField):
        return "text"
    return None


def _model_fields(model_label: str, *, prefix: str = "", prefix_label: str = "") -> list[Field]:
    try:
        model = apps.get_model(model_label)
    except LookupError:
        return []
    fields = []
    for model_field in model._meta.concrete_fields:
        if model_field.name in _HIDDEN_FIELDS or model_field.is_relation:
            continue
        kind = _kind(model_field)
        if kind is None:
            continue
        label = str(model_field.verbose_name)
        if prefix_label:
            label = _("%(record)s: %(field)s") % {"record": prefix_label, "field": label}
        fields.append(
            Field(
                key=prefix + model_field.name,
                label=label,
                kind=kind,
                choices=tuple((str(v), str(lbl)) for v, lbl in model_field.choices or ()),
                editable=model_field.editable and not prefix,
            )
        )
    return fields


def _custom_fields(record_type: str, *, prefix: str = "custom.") -> list[Field]:
    # The definitions are shared settings of the customers app; read here as the builder's
    # choices only (the rule engine reads the values from the record's `custom`).
    from rapport.customers.selectors import custom_fields_for

    # A multiple choice is tested like text ("contains"), a single one by its choices.
    kinds = {"number": "number", "date": "date", "choice": "choice", "boolean": "bool"}
    fields = []
    for definition in custom_fields_for(record_type):
        kind = kinds.get(definition.field_type, "text")
        fields.append(
            Field(
                key=prefix + definition.key,
                label=definition.label,
                kind=kind,
                choices=tuple((str(c), str(c)) for c in definition.choices or ()),
            )
        )
    return fields


def _owner_fields() -> list[Field]:
    owner = _("Owner")
    return [
        Field(
            "owner.username",
            _("%(record)s: %(field)s") % {"record": owner, "field": _("user name")},
            "text",
            editable=False,
        ),
        Field(
            "owner.email",
            _("%(record)s: %(field)s") % {"record": owner, "field": _("e-mail")},
            "text",
            editable=False,
        ),
        Field(
            "owner.role",
            _("%(record)s: %(field)s") % {"record": owner, "field": _("role")},
            "choice",
            tuple((str(v), str(lbl)) for v, lbl in Role.choices),
            editable=False,
        ),
    ]


def fields_for(record_type_key: str) -> list[Field]:
    """The fields a rule on `record_type_key` records may test or set, in the builder's order:
    the record's own, then its tags, custom fields and orders, then its person's, company's and
    owner's."""
    rt = get_record_type(record_type_key)
    if rt is None:
        return []
    fields = _model_fields(rt.model)
    if record_type_key in _CUSTOMER_TYPES:
        fields.append(Field("tags", _("Tags"), "tags", editable=False))
        fields.extend(_custom_fields(record_type_key))
        fields.append(Field("orders.count", _("Number of orders"), "number", editable=False))
        fields.append(Field("orders.sum", _("Total of orders"), "number", editable=False))
        fields.extend(_registered_customer_fields())
    if rt.person_field:
        person = get_record_type("person")
        if person is not None:
            fields.append(
                Field(
                    "lifecycle_stage",
                    _("Lifecycle stage"),
                    "choice",
                    _lifecycle_choices(),
                    editable=False,
                )
            )
            fields.extend(
                f
                for f in _model_fields(
                    person.model, prefix="person.", prefix_label=str(person.label)
                )
                if f.key != "person.lifecycle_stage"
            )
            if record_type_key not in _CUSTOMER_TYPES:
                fields.extend(_registered_customer_fields())
    if rt.company_field:
        company = get_record_type("company")
        if company is not None:
            fields.extend(
                _model_fields(company.model, prefix="company.", prefix_label=str(company.label))
            )
    if rt.owner_field:
        fields.extend(_owner_fields())
    return fields


def _registered_customer_fields() -> list[Field]:
    """The figures apps above keep per customer (a customer value segment, a tier), which the
    conditions read for the record's person or company."""
    fields = []
    for registered in customer_fields():
        model_field = registered.model_field
        if model_field.choices:
            choices = tuple((str(v), str(lbl)) for v, lbl in model_field.choices)
            fields.append(
                Field(registered.name, model_field.verbose_name, "choice", choices, editable=False)
            )
        else:
            numeric = models.IntegerField | models.DecimalField | models.FloatField
            kind = "number" if isinstance(model_field, numeric) else "text"
            fields.append(Field(registered.name, model_field.verbose_name, kind, editable=False))
    return fields


def _lifecycle_choices() -> tuple[tuple[str, str], ...]:
    from rapport.customers.models import LifecycleStage

    return tuple((str(v), str(lbl)) for v, lbl in LifecycleStage.choices)


def changeable_fields(record_type_key: str) -> list[list[str]]:
    """The fields a "record updated" trigger may wait for: the record's own columns and
    relations (a deal's stage, a record's owner, a person's tags), not its bookkeeping."""
    rt = get_record_type(record_type_key)
    if rt is None:
        return []
    try:
        model = apps.get_model(rt.model)
    except LookupError:
        return []
    fields = []
    for model_field in model._meta.get_fields():
        concrete = getattr(model_field, "concrete", False) or model_field.many_to_many
        if not concrete or (model_field.auto_created and not model_field.concrete):
            continue
        if model_field.name in _HIDDEN_FIELDS | {"created_at", "updated_at"}:
            continue
        fields.append(
            [model_field.name, str(getattr(model_field, "verbose_name", model_field.name))]
        )
    return fields


def field_label(record_type_key: str, key: str) -> str:
    for candidate in fields_for(record_type_key):
        if candidate.key == key:
            return str(candidate.label)
    return key


def date_fields_for(record_type_key: str) -> list[tuple[str, str]]:
    """The dates a date rule may count from: the record type's own, and for persons and
    companies the first and the last order and their date custom fields."""
    rt = get_record_type(record_type_key)
    if rt is None:
        return []
    labels = {f.key: str(f.label) for f in _model_fields(rt.model)}
    labels["first_order"] = str(_("first order"))
    labels["last_order"] = str(_("last order"))
    if record_type_key in _CUSTOMER_TYPES:
        labels.update({f.key: str(f.label) for f in _custom_fields(record_type_key)})
    return [(name, labels.get(name, name)) for name in date_fields_of(record_type_key)]


def builder_catalogue() -> dict:
    """Everything the builder's script needs to offer fields, operators and inputs, per record
    type, as JSON-ready data."""
    types = {}
    for key, rt in record_types().items():
        fields = fields_for(key)
        labels = {f.key: str(f.label) for f in fields}
        types[key] = {
            "label": str(rt.label),
            "fields": [f.as_json() for f in fields],
            "changeable": changeable_fields(key),
            "settable": [
                [f.key, str(f.label)]
                for f in fields
                if f.key in SETTABLE_FIELDS.get(key, ())
                or (f.key.startswith("custom.") and key in _CUSTOMER_TYPES)
            ],
            "dates": date_fields_for(key),
            "own_dates": [[name, labels.get(name, name)] for name in rt.date_fields],
            "has_owner": bool(rt.owner_field),
        }
    return {
        "types": types,
        "operators": {key: str(label) for key, label in OPERATORS.items()},
        "operators_by_kind": {k: list(v) for k, v in OPERATORS_BY_KIND.items()},
    }


def subject_record_type(trigger: dict) -> str:
    """The record type a rule's conditions and actions are about: the trigger's, a deal for a
    stage, the person for e-mail, event and inactivity triggers."""
    kind = (trigger or {}).get("type")
    if kind in ("record_created", "record_updated", "date_reached", "schedule"):
        return (trigger or {}).get("record_type") or "person"
    if kind == "stage_reached":
        return "deal"
    return "person"
