"""What a mapping is: the columns' fields, the mode and the key, checked; and the row cleaner it
makes."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.cleaning import FieldErrors
from rapport.dataio.models import (
    ImportMatchOn,
    ImportMode,
    ImportTarget,
)
from rapport.dataio.services.imports import mapping as mapping_rules
from rapport.dataio.services.imports.jobs.defaults import clean_defaults
from rapport.dataio.services.imports.rows import RowCleaner


@dataclass
class MappingInput:
    mapping: dict[str, str]
    defaults: dict
    mode: str
    match_on: str


def clean_mapping(actor: User, job_target: str, columns: list[str], data: MappingInput) -> dict:
    errors = FieldErrors()
    fields = {f.key: f for f in mapping_rules.import_fields(job_target)}
    mapping: dict[str, str] = {}
    if not isinstance(data.mapping, dict):
        errors.add("mapping", _("Give the mapping as column → field."))
    else:
        used: dict[str, str] = {}
        for column, key in data.mapping.items():
            if not key:
                continue
            if column not in columns:
                errors.add(
                    f"mapping.{column}", _("The file has no column “%(name)s”.") % {"name": column}
                )
                continue
            if key not in fields:
                errors.add(f"mapping.{column}", _("Unknown field “%(name)s”.") % {"name": key})
                continue
            if key in used and not fields[key].repeatable:
                errors.add(
                    f"mapping.{column}",
                    _("“%(field)s” is already filled from column “%(column)s”.")
                    % {"field": fields[key].label, "column": used[key]},
                )
                continue
            used.setdefault(key, column)
            mapping[column] = key
        keys = set(mapping.values())
        if job_target in (ImportTarget.PERSONS, ImportTarget.LEADS) and not keys & {
            "full_name",
            "given_name",
            "family_name",
        }:
            errors.add("mapping", _("Map a column to the name (full name, given or family name)."))
        if job_target == ImportTarget.INTERACTIONS and not keys & {"phone", "email"}:
            errors.add("mapping", _("Map a column to the customer's phone number or e-mail."))
        if job_target == ImportTarget.ORDERS:
            if not keys & {"phone", "email", "company"}:
                errors.add(
                    "mapping",
                    _("Map a column to the customer's phone number, e-mail or company."),
                )
            if not keys & {"sku", "description"}:
                errors.add(
                    "mapping", _("Map a column to the product's SKU or the line's description.")
                )
        for key, field in fields.items():
            if (
                field.required
                and key not in keys
                and not key.startswith(mapping_rules.CUSTOM_PREFIX)
            ):
                errors.add("mapping", _("Map a column to “%(field)s”.") % {"field": field.label})
    if data.mode not in ImportMode.values:
        errors.add("mode", _("Choose create, update or upsert."))
    elif data.mode not in _mode_choices(job_target):
        errors.add(
            "mode",
            _("Payments are only ever recorded, never matched or updated: choose “create”.")
            if job_target == ImportTarget.PAYMENTS
            else _("Orders are only ever created, never matched or updated: choose “create”.")
            if job_target == ImportTarget.ORDERS
            else _(
                "Interactions are only ever created, never matched or updated: choose “create”."
            ),
        )
    allowed_match = _match_choices(job_target)
    match_on = data.match_on
    if len(allowed_match) == 1:
        # Products have one key, their SKU, whatever a client sends by default.
        match_on = allowed_match[0]
    if match_on not in allowed_match:
        errors.add("match_on", _("Choose what to match existing records on."))
    else:
        needed = {
            "email": "email",
            "phone": "phone",
            "external_id": "external_id",
            "sku": "sku",
        }.get(match_on, "name" if job_target == ImportTarget.COMPANIES else "full_name")
        if (
            data.mode in _mode_choices(job_target)
            and data.mode != ImportMode.CREATE
            and needed not in set(mapping.values())
        ):
            errors.add(
                "match_on",
                _("To update existing records, map a column to “%(field)s”.")
                % {"field": fields[needed].label if needed in fields else needed},
            )
    defaults = clean_defaults(actor, data.defaults, errors, target=job_target)
    errors.raise_if_any()
    return {"mapping": mapping, "defaults": defaults, "mode": data.mode, "match_on": match_on}


def _mode_choices(target: str) -> tuple[str, ...]:
    if target in (ImportTarget.INTERACTIONS, ImportTarget.ORDERS, ImportTarget.PAYMENTS):
        return (ImportMode.CREATE,)
    return tuple(ImportMode.values)


def mode_choices(target: str) -> list[tuple[str, str]]:
    """The modes an import of `target` may run in: interactions, orders and payments are only
    created."""
    labels = dict(ImportMode.choices)
    return [(value, labels[value]) for value in _mode_choices(target)]


def _match_choices(target: str) -> tuple[str, ...]:
    if target == ImportTarget.PRODUCTS:
        return (ImportMatchOn.SKU,)
    if target == ImportTarget.INTERACTIONS:
        # Nothing is matched; the row's customer is found by its phone or e-mail.
        return (ImportMatchOn.CONTACT,)
    if target == ImportTarget.PAYMENTS:
        # Nothing is matched; the row's order is found by its number.
        return (ImportMatchOn.ORDER_NUMBER,)
    if target == ImportTarget.ORDERS:
        # Nothing is matched; the rows of one order share its reference.
        return (ImportMatchOn.ORDER_REFERENCE,)
    if target == ImportTarget.COMPANIES:
        return (
            ImportMatchOn.NAME,
            ImportMatchOn.EXTERNAL_ID,
            ImportMatchOn.EMAIL,
            ImportMatchOn.PHONE,
        )
    return (ImportMatchOn.EMAIL, ImportMatchOn.PHONE, ImportMatchOn.EXTERNAL_ID)


def match_choices(target: str) -> list[tuple[str, str]]:
    labels = dict(ImportMatchOn.choices)
    return [(value, labels[value]) for value in _match_choices(target)]


def row_cleaner(target, mapping, defaults, actor, columns):
    # Outlook writes dates in the Windows locale's order; its English headers mean a US locale
    # (3/5/1990 is 5 March there). Every other file reads slashed dates day first, like the forms.
    outlook = mapping_rules.detect_known_export(list(columns or [])) == "outlook"
    return RowCleaner(
        target,
        mapping,
        _cleaner_defaults(defaults),
        actor=actor,
        columns=columns,
        date_order="mdy" if outlook else "dmy",
    )


def _cleaner_defaults(defaults: dict) -> dict:
    """The defaults that fill a row's fields (assignment by the rules and whether to start
    automation rules are the writer's)."""
    return {
        k: v for k, v in (defaults or {}).items() if k not in ("assign_by_rules", "start_rules")
    }
