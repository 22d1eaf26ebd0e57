"""Columns and filters an app above customers adds to the person and company lists
(`accounts.list_specs.register_list_extension`): shown, applied, and known to saved views."""

import pytest
from django.urls import reverse

from rapport.accounts import list_specs
from rapport.accounts.list_specs import (
    ExtraColumn,
    ExtraFilter,
    choice_param,
    clean_columns,
    clean_query,
    list_spec,
    register_list_extension,
)
from rapport.customers.services import person_create


@pytest.fixture
def initial_extension():
    """A column with each person's initial and a filter on it, as a higher app would add."""
    from rapport.customers.models import Person

    def initials(user, ids):
        return {
            pk: name[:1]
            for pk, name in Person.objects.filter(pk__in=ids).values_list("pk", "full_name")
        }

    register_list_extension(
        "persons",
        columns=[ExtraColumn("test_initial", "Initial", initials, default=True)],
        filters=[
            ExtraFilter(
                "test_initial",
                "Initial",
                choice_param(["张", "李"]),
                lambda qs, value: qs.filter(full_name__startswith=value),
                choices=lambda: [("张", "张"), ("李", "李")],
            )
        ],
    )
    yield
    list_specs._EXTRA_COLUMNS.pop("persons", None)
    list_specs._EXTRA_FILTERS.pop("persons", None)


@pytest.mark.django_db
def test_added_filter_narrows_the_person_list_and_the_column_shows(
    client, alice, initial_extension
):
    person_create(actor=alice, data={"full_name": "张伟"})
    person_create(actor=alice, data={"full_name": "李娜"})
    client.force_login(alice)

    response = client.get(reverse("customers:person_list"), {"test_initial": "李"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "李娜" in body and "张伟" not in body
    assert 'data-testid="filter-test_initial"' in body
    assert '<td data-label="Initial">李</td>' in body


@pytest.mark.django_db
def test_added_filter_refuses_a_value_its_cleaner_refuses(client, alice, initial_extension):
    person_create(actor=alice, data={"full_name": "张伟"})
    client.force_login(alice)

    response = client.get(reverse("customers:person_list"), {"test_initial": "<王>"})

    assert response.status_code == 200
    assert "张伟" in response.content.decode()


def test_saved_views_know_added_columns_and_filters(initial_extension):
    spec = list_spec("persons")

    assert "test_initial" in spec.column_keys
    assert clean_query(spec, "test_initial=%E6%9D%8E") == "test_initial=%E6%9D%8E"
    assert "test_initial" in clean_columns(spec, ["name", "test_initial"])
