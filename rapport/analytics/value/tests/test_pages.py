"""The customer value pages, the customer page section, the list columns and filters, rules'
conditions, and the visibility rule through all of them (charlie, West, sees nothing of alice's
customers)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.analytics.value.models import SalesExpense, ValueSnapshot
from rapport.analytics.value.selectors import previous_month
from rapport.analytics.value.services.expenses import expense_create
from rapport.analytics.value.services.values import customer_values_recompute_all
from rapport.analytics.value.tests.conftest import AS_OF
from rapport.automation.conditions import clean_conditions, compile_conditions
from rapport.core.cleaning import FieldErrors
from rapport.customers.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def valued(zhang_history, east_person):
    customer_values_recompute_all(today=AS_OF)
    return east_person


def test_overview_shows_segments_tiers_and_movement(client, alice, valued):
    # Last month 张伟 was loyal; today he is lost.
    ValueSnapshot.objects.filter(person=valued).update(
        month=previous_month(timezone.localdate()), segment="loyal"
    )
    client.force_login(alice)

    response = client.get(reverse("analytics_value:overview"))

    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="value-customers">1<' in body
    assert 'data-testid="segment-lost">1<' in body
    assert 'data-testid="value-movement-table"' in body
    assert "1 customer changed segment." in body


def test_overview_counts_nothing_charlie_may_not_see(client, charlie, valued):
    client.force_login(charlie)

    response = client.get(reverse("analytics_value:overview"))

    assert 'data-testid="value-empty"' in response.content.decode()


def test_overview_queries_do_not_grow_with_customers(
    client, alice, valued, django_assert_max_num_queries
):
    client.force_login(alice)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("analytics_value:overview"))

    assert response.status_code == 200


def test_profit_page_shows_the_three_figures(client, alice, valued):
    client.force_login(alice)

    response = client.get(reverse("analytics_value:profit"))

    body = response.content.decode()
    assert 'data-testid="profit-top-20">100%<' in body
    assert 'data-testid="profit-bottom-30">0%<' in body


def test_customer_section_shows_value_and_logs_an_expense(client, alice, valued):
    client.force_login(alice)

    logged = client.post(
        reverse("analytics_value:person_expense_create", args=[valued.pk]),
        {"kind": "gifts", "amount": "88.00", "currency": "CNY", "spent_on": "2026-02-03"},
    )
    page = client.get(reverse("analytics:person_insights", args=[valued.pk]))

    assert logged.status_code == 302
    body = page.content.decode()
    assert 'data-testid="value-section"' in body
    assert 'data-testid="value-expenses">88.00 CNY<' in body


def test_expense_with_a_bad_amount_is_refused_on_the_page(client, alice, east_person):
    client.force_login(alice)

    response = client.post(
        reverse("analytics_value:person_expense_create", args=[east_person.pk]),
        {"kind": "travel", "amount": "-5", "currency": "CNY"},
        follow=True,
    )

    assert "The expense was not logged" in response.content.decode()
    assert not SalesExpense.objects.exists()


def test_charlie_cannot_log_an_expense_on_alices_customer(client, charlie, east_person):
    client.force_login(charlie)

    response = client.post(
        reverse("analytics_value:person_expense_create", args=[east_person.pk]),
        {"kind": "travel", "amount": "5.00"},
    )

    assert response.status_code == 404
    assert not SalesExpense.objects.exists()


def test_charlie_cannot_delete_alices_expense(client, alice, charlie, east_person):
    expense = expense_create(
        actor=alice, data={"kind": "travel", "amount": "5.00", "person_id": east_person.pk}
    )
    client.force_login(charlie)

    response = client.post(reverse("analytics_value:expense_delete", args=[expense.pk]))

    assert response.status_code == 404
    assert SalesExpense.objects.filter(pk=expense.pk).exists()


def test_expense_list_shows_only_visible_expenses(client, alice, charlie, east_person):
    expense_create(
        actor=alice,
        data={"kind": "samples", "amount": "5.00", "person_id": east_person.pk, "note": "茶样"},
    )
    client.force_login(charlie)

    response = client.get(reverse("analytics_value:expense_list"))

    assert "茶样" not in response.content.decode()


def test_person_list_filters_and_shows_the_segment(client, alice, valued):
    Person.objects.create(full_name="李娜", owner=alice, team=alice.team)
    client.force_login(alice)

    response = client.get(reverse("customers:person_list"), {"value_segment": "lost"})

    body = response.content.decode()
    assert valued.full_name in body and "李娜" not in body
    assert 'data-testid="filter-value_segment"' in body


def test_rules_can_test_a_customers_segment(alice, valued):
    errors = FieldErrors()
    conditions = clean_conditions(
        {"match": "all", "items": [{"field": "value.segment", "op": "eq", "value": "lost"}]},
        "person",
        errors,
        "conditions.",
    )
    compiled = compile_conditions(conditions, "person")

    assert not errors
    assert list(compiled.apply(Person.objects.all())) == [valued]


def test_rules_refuse_an_unknown_segment(alice):
    errors = FieldErrors()
    clean_conditions(
        {"match": "all", "items": [{"field": "value.tier", "op": "eq", "value": "gold"}]},
        "person",
        errors,
        "conditions.",
    )

    assert "conditions.items.0.value" in errors
