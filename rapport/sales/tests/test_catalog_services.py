"""The shared catalogue: everyone reads it, administrators and sales managers maintain it."""

from decimal import Decimal

import pytest

from rapport.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from rapport.sales.models import PriceList, PriceListItem, Product
from rapport.sales.selectors.catalog import default_price_list, products_list
from rapport.sales.services.catalog import (
    can_manage_catalog,
    price_list_create,
    price_list_remove_price,
    price_list_set_price,
    price_list_update,
    product_create,
    product_deactivate,
    product_delete,
    product_update,
)
from rapport.sales.tests.orders_fixtures import *  # noqa: F403 (fixtures)
from rapport.sales.tests.orders_fixtures import place_order


def test_manager_creates_a_product_with_an_exact_price(diana):
    product = product_create(
        actor=diana, data={"sku": " PEN-9 ", "name": "钢笔", "unit_price": "19.90"}
    )

    assert (product.sku, product.unit_price, product.currency) == ("PEN-9", Decimal("19.90"), "CNY")
    assert product.is_active


def test_rep_cannot_change_the_catalogue(alice, tea):
    assert not can_manage_catalog(alice)
    with pytest.raises(PermissionDenied):
        product_create(actor=alice, data={"sku": "X", "name": "X", "unit_price": "1"})
    with pytest.raises(PermissionDenied):
        product_update(actor=alice, product=tea, data={"name": "Cheap tea"})
    with pytest.raises(PermissionDenied):
        price_list_create(actor=alice, data={"name": "Mine"})


def test_sku_is_unique(admin_user, tea):
    with pytest.raises(ValidationFailed) as caught:
        product_create(actor=admin_user, data={"sku": "TEA-001", "name": "Copy", "unit_price": "1"})

    assert "sku" in caught.value.details
    assert Product.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"sku": "A", "name": "A", "unit_price": "-1"}, "unit_price"),
        ({"sku": "A", "name": "A", "unit_price": 1.5}, "unit_price"),
        ({"sku": "A", "name": "A", "unit_price": "1e20"}, "unit_price"),
        ({"sku": "", "name": "A", "unit_price": "1"}, "sku"),
        ({"sku": "A", "name": "", "unit_price": "1"}, "name"),
        ({"sku": "A", "name": "A"}, "unit_price"),
        ({"sku": "A", "name": "A", "unit_price": "1", "currency": "yuan"}, "currency"),
        ({"sku": "A", "name": "A", "unit_price": "1", "is_active": "maybe"}, "is_active"),
        ({"sku": "A", "name": "A", "unit_price": "1", "price": "1"}, "price"),
    ],
)
def test_bad_product_is_refused_with_a_field_error(admin_user, data, field):
    with pytest.raises(ValidationFailed) as caught:
        product_create(actor=admin_user, data=data)

    assert field in caught.value.details
    assert not Product.objects.exists()


def test_update_changes_only_what_is_sent(admin_user, tea):
    product_update(actor=admin_user, product=tea, data={"unit_price": "399.00"})

    tea.refresh_from_db()
    assert (tea.name, tea.unit_price) == ("龙井茶礼盒", Decimal("399.00"))


def test_deactivated_product_leaves_the_active_list(admin_user, tea):
    product_deactivate(actor=admin_user, product=tea)

    assert list(products_list(active=True)) == []
    assert list(products_list(active=False)) == [tea]


def test_products_are_found_by_sku_prefix_or_name(tea, cup):
    assert list(products_list(q="tea-")) == [tea]
    assert list(products_list(q="茶杯")) == [cup]


def test_product_on_an_order_cannot_be_deleted(admin_user, alice, east_person, tea):
    place_order(alice, east_person, lines=[{"product_id": tea.pk, "quantity": 1}])

    with pytest.raises(ApplicationError) as caught:
        product_delete(actor=admin_user, product=tea)

    assert caught.value.code == "product_in_use"
    assert Product.objects.filter(pk=tea.pk).exists()


def test_unused_product_can_be_deleted(admin_user, tea):
    product_delete(actor=admin_user, product=tea)

    assert not Product.objects.exists()


def test_only_one_price_list_is_the_default(admin_user):
    first = price_list_create(actor=admin_user, data={"name": "零售价", "is_default": True})
    second = price_list_create(actor=admin_user, data={"name": "会员价", "is_default": True})

    first.refresh_from_db()
    assert not first.is_default
    assert second.is_default


def test_price_list_validity_is_checked(admin_user):
    with pytest.raises(ValidationFailed) as caught:
        price_list_create(
            actor=admin_user,
            data={"name": "Spring", "valid_from": "2026-05-01", "valid_until": "2026-04-01"},
        )

    assert "valid_until" in caught.value.details


def test_default_price_list_is_the_one_in_force(admin_user):
    import datetime

    spring = price_list_create(
        actor=admin_user,
        data={"name": "Spring", "is_default": True, "valid_until": "2026-05-31"},
    )

    assert default_price_list(datetime.date(2026, 5, 1)) == spring
    assert default_price_list(datetime.date(2026, 6, 1)) is None


def test_setting_a_price_twice_keeps_one_item(admin_user, tea):
    members = price_list_create(actor=admin_user, data={"name": "会员价"})

    price_list_set_price(actor=admin_user, price_list=members, product=tea, unit_price="350")
    price_list_set_price(actor=admin_user, price_list=members, product=tea, unit_price="340.5")

    assert list(PriceListItem.objects.values_list("unit_price", flat=True)) == [Decimal("340.50")]
    price_list_remove_price(actor=admin_user, price_list=members, product=tea)
    assert not PriceListItem.objects.exists()


def test_negative_list_price_is_refused(admin_user, tea):
    members = price_list_create(actor=admin_user, data={"name": "会员价"})

    with pytest.raises(ValidationFailed):
        price_list_set_price(actor=admin_user, price_list=members, product=tea, unit_price="-1")


def test_price_list_name_is_unique(admin_user):
    price_list_create(actor=admin_user, data={"name": "会员价"})
    other = price_list_create(actor=admin_user, data={"name": "零售价"})

    with pytest.raises(ValidationFailed) as caught:
        price_list_update(actor=admin_user, price_list=other, data={"name": "会员价"})

    assert "name" in caught.value.details
    assert PriceList.objects.filter(name="零售价").exists()
