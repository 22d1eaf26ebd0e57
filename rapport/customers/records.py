"""The customers app's record types, registered from `CustomersConfig.ready()` (see
`rapport.core.records`).

A person or a company is itself the customer the record is about, so `person_field` and
`company_field` are empty: a subscriber that needs "the record's person" takes the record
itself for the key "person" (and the company for "company").
"""

from django.utils.translation import gettext_lazy as _

from rapport.core.record_json import record_columns
from rapport.core.records import RecordType, register_record_type


def person_json(person) -> dict:
    return record_columns(person)


def company_json(company) -> dict:
    return record_columns(company)


def register() -> None:
    register_record_type(
        RecordType(
            key="person",
            model="customers.Person",
            label=_("Person"),
            serialize=person_json,
            date_fields=("birthday", "created_at", "updated_at"),
        )
    )
    register_record_type(
        RecordType(
            key="company",
            model="customers.Company",
            label=_("Company"),
            serialize=company_json,
            date_fields=("created_at", "updated_at"),
        )
    )
