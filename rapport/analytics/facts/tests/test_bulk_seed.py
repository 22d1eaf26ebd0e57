"""The demo's bulk mode writes orders with raw SQL, past the services that keep the facts: it
builds them at the end, equal to a direct query."""

import io

import pytest
from django.core.management import call_command

from rapport.analytics.facts.models import OrderFact, OrderLineFact
from rapport.analytics.facts.tests.test_upkeep import NO_DIFFERENCES
from rapport.analytics.facts.upkeep import facts_compare
from rapport.sales.models import Order, OrderLine


@pytest.mark.django_db(transaction=True)
def test_bulk_orders_come_with_their_facts_and_as_many_lines_as_asked():
    call_command(
        "seed_demo",
        persons=60,
        interactions=0,
        companies=5,
        orders=200,
        order_lines=700,
        users=3,
        stdout=io.StringIO(),
    )

    assert Order.objects.count() == 200
    # 3.5 lines per order drawn at random (3 or 4 each), the won deals' orders aside.
    assert 600 <= OrderLine.objects.count() <= 800
    assert OrderFact.objects.exists() and OrderLineFact.objects.exists()
    assert facts_compare() == NO_DIFFERENCES
