"""Sales expenses on a deal's page: the analytics slot of the deal page shows what was spent on
the deal and logs more, against the deal and its customer, for whoever may see the deal."""

import pytest
from django.urls import reverse

from rapport.analytics.value.models import SalesExpense
from rapport.sales.services.deals import deal_create
from rapport.sales.tests.deals_fixtures import *  # noqa: F403 (fixtures)
from rapport.sales.tests.orders_fixtures import east_person  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(alice, east_person, stages):  # noqa: F811
    return deal_create(
        actor=alice,
        data={"title": "年度茶叶采购", "amount": "5000.00", "person_id": east_person.pk},
    )


def test_deal_page_loads_the_insights_slot(client, alice, deal):
    client.force_login(alice)

    page = client.get(reverse("sales:deal_detail", args=[deal.pk]))

    assert reverse("analytics:deal_insights", args=[deal.pk]) in page.content.decode()


def test_an_expense_logged_on_the_deal_shows_there_and_counts_for_its_customer(
    client, alice, bob, deal
):
    # Given alice logs a dinner on her deal
    client.force_login(alice)
    logged = client.post(
        reverse("analytics_value:deal_expense_create", args=[deal.pk]),
        {"kind": "entertainment", "amount": "320.50", "currency": "CNY", "note": "晚宴"},
    )

    # Then it belongs to the deal and its customer, and bob (her team) sees it on the deal
    assert logged.status_code == 302
    assert logged["Location"] == reverse("sales:deal_detail", args=[deal.pk])
    expense = SalesExpense.objects.get()
    assert (expense.deal_id, expense.person_id) == (deal.pk, deal.person_id)
    client.force_login(bob)
    body = client.get(reverse("analytics:deal_insights", args=[deal.pk])).content.decode()
    assert 'data-testid="deal-expense-list"' in body
    assert "晚宴" in body
    assert "320.50" in body


def test_charlie_can_neither_see_nor_log_expenses_on_alices_deal(client, charlie, deal):
    client.force_login(charlie)

    slot = client.get(reverse("analytics:deal_insights", args=[deal.pk]))
    logged = client.post(
        reverse("analytics_value:deal_expense_create", args=[deal.pk]),
        {"kind": "travel", "amount": "5.00"},
    )

    assert slot.status_code == 404
    assert logged.status_code == 404
    assert not SalesExpense.objects.exists()


def test_deleting_on_the_deal_page_returns_there(client, alice, deal):
    client.force_login(alice)
    client.post(
        reverse("analytics_value:deal_expense_create", args=[deal.pk]),
        {"kind": "travel", "amount": "12.00"},
    )

    deleted = client.post(
        reverse("analytics_value:expense_delete", args=[SalesExpense.objects.get().pk]),
        {"back": "deal"},
    )

    assert deleted["Location"] == reverse("sales:deal_detail", args=[deal.pk])
    assert not SalesExpense.objects.exists()
