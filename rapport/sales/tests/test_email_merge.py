"""Sales gives e-mail templates the "order" merge fields."""

from decimal import Decimal

import pytest

from rapport.messaging.services import email_template_create, template_render
from rapport.sales.models import Order

pytestmark = pytest.mark.django_db


def test_a_template_may_use_the_order_fields_and_gets_the_orders_values(admin_user):
    template = email_template_create(
        actor=admin_user,
        data={
            "name": "Thanks",
            "subject_en": "Order {{ order.number }}",
            "body_en": "Total {{ order.total }}",
        },
    )
    order = Order(
        number="SO-0042", total=Decimal("12.50"), paid_amount=Decimal("0"), currency="CNY"
    )

    rendered = template_render(
        template=template, person=None, records={"order": order}, language="en"
    )

    assert rendered["subject"] == "Order SO-0042"
    assert "12.50" in rendered["text"]
