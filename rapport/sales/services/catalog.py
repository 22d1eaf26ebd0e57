"""Writes to the product catalogue and price lists.

The catalogue is shared: everyone reads it, and administrators and sales managers maintain it
(`can_manage_catalog`). Prices are `Decimal` with two places, read like every amount of orders
and payments by `rapport.core.cleaning.clean_money` (importable from here too), so the API, forms
and imports accept the same amounts.
"""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.models import Role, User
from rapport.core.cleaning import (
    FieldErrors,
    clean_currency,
    clean_date,
    clean_flag,
    clean_money,
    clean_text,
    reject_unknown,
)
from rapport.core.errors import ApplicationError, PermissionDenied
from rapport.core.records import record_changed
from rapport.sales.models import DealLine, OrderLine, PriceList, PriceListItem, Product

PRODUCT_FIELDS = ("sku", "name", "category", "unit_price", "currency", "description", "is_active")
PRICE_LIST_FIELDS = ("name", "currency", "is_default", "is_active", "valid_from", "valid_until")


def can_manage_catalog(user: User) -> bool:
    """Products and price lists: administrators and sales managers maintain them."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_administrator or user.role == Role.SALES_MANAGER)
    )


def _require_catalog_manager(actor: User) -> None:
    if not can_manage_catalog(actor):
        raise PermissionDenied(
            _("Only administrators and sales managers can change products and price lists.")
        )


# --- Products ------------------------------------------------------------------------------------


def _clean_product(data: dict, *, instance: Product | None) -> dict:
    errors = FieldErrors()
    reject_unknown(data, PRODUCT_FIELDS, errors)
    partial = instance is not None
    cleaned: dict[str, Any] = {}
    for field, limit, required in (
        ("sku", 64, True),
        ("name", 200, True),
        ("category", 100, False),
        ("description", 5000, False),
    ):
        if field in data or not partial:
            cleaned[field] = clean_text(
                data.get(field), field, errors, limit=limit, required=required
            )
    if "unit_price" in data or not partial:
        cleaned["unit_price"] = clean_money(data.get("unit_price"), "unit_price", errors)
    if "currency" in data:
        cleaned["currency"] = clean_currency(data["currency"], "currency", errors)
    if "is_active" in data:
        cleaned["is_active"] = clean_flag(data["is_active"], "is_active", errors)
    sku = cleaned.get("sku")
    if sku and "sku" not in errors:
        taken = Product.objects.filter(sku=sku)
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            errors.add("sku", _("Another product has this SKU."))
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def product_create(*, actor: User, data: dict) -> Product:
    """Add a product; `sku`, `name` and `unit_price` are required, the SKU unique."""
    _require_catalog_manager(actor)
    product = Product.objects.create(**_clean_product(data, instance=None))
    record_changed("product", product.pk, "created", actor=actor)
    return product


@transaction.atomic
def product_update(*, actor: User, product: Product, data: dict) -> Product:
    """Change the keys present in `data`. Orders keep the prices they were placed at."""
    _require_catalog_manager(actor)
    product = Product.objects.select_for_update().get(pk=product.pk)
    cleaned = _clean_product(data, instance=product)
    changed = [f for f, v in cleaned.items() if getattr(product, f) != v]
    for field, value in cleaned.items():
        setattr(product, field, value)
    product.save()
    record_changed("product", product.pk, "updated", changed_fields=changed, actor=actor)
    return product


@transaction.atomic
def product_deactivate(*, actor: User, product: Product) -> Product:
    """Stop selling a product: new orders refuse it; past orders and deals keep it."""
    return product_update(actor=actor, product=product, data={"is_active": False})


@transaction.atomic
def product_delete(*, actor: User, product: Product) -> None:
    """Delete a product that no order or deal uses; a used one can only be deactivated."""
    _require_catalog_manager(actor)
    in_use = (
        OrderLine.objects.filter(product=product).exists()
        or DealLine.objects.filter(product=product).exists()
    )
    if in_use:
        raise ApplicationError(
            "product_in_use",
            _("Orders or deals use this product; deactivate it instead."),
        )
    pk = product.pk
    product.delete()
    record_changed("product", pk, "deleted", actor=actor)


# --- Price lists ---------------------------------------------------------------------------------


def _clean_price_list(data: dict, *, instance: PriceList | None) -> dict:
    errors = FieldErrors()
    reject_unknown(data, PRICE_LIST_FIELDS, errors)
    partial = instance is not None
    cleaned: dict[str, Any] = {}
    if "name" in data or not partial:
        cleaned["name"] = clean_text(data.get("name"), "name", errors, limit=100, required=True)
        taken = PriceList.objects.filter(name=cleaned["name"])
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if cleaned["name"] and taken.exists():
            errors.add("name", _("Another price list has this name."))
    if "currency" in data:
        cleaned["currency"] = clean_currency(data["currency"], "currency", errors)
    for flag in ("is_default", "is_active"):
        if flag in data:
            cleaned[flag] = clean_flag(data[flag], flag, errors)
    for field in ("valid_from", "valid_until"):
        if field in data:
            cleaned[field] = clean_date(data[field], field, errors)
    valid_from = cleaned.get("valid_from", instance.valid_from if instance else None)
    valid_until = cleaned.get("valid_until", instance.valid_until if instance else None)
    if valid_from and valid_until and valid_until < valid_from:
        errors.add("valid_until", _("The end cannot be before the start."))
    errors.raise_if_any()
    return cleaned


def _only_default(price_list: PriceList) -> None:
    if price_list.is_default:
        PriceList.objects.filter(is_default=True).exclude(pk=price_list.pk).update(is_default=False)


@transaction.atomic
def price_list_create(*, actor: User, data: dict) -> PriceList:
    """Add a price list. Marking it default unmarks the previous default."""
    _require_catalog_manager(actor)
    price_list = PriceList.objects.create(**_clean_price_list(data, instance=None))
    _only_default(price_list)
    return price_list


@transaction.atomic
def price_list_update(*, actor: User, price_list: PriceList, data: dict) -> PriceList:
    _require_catalog_manager(actor)
    price_list = PriceList.objects.select_for_update().get(pk=price_list.pk)
    for field, value in _clean_price_list(data, instance=price_list).items():
        setattr(price_list, field, value)
    price_list.save()
    _only_default(price_list)
    return price_list


@transaction.atomic
def price_list_delete(*, actor: User, price_list: PriceList) -> None:
    """Delete a price list; orders placed with it keep their prices and lose the link."""
    _require_catalog_manager(actor)
    price_list.delete()


@transaction.atomic
def price_list_set_price(
    *, actor: User, price_list: PriceList, product: Product, unit_price: Any
) -> PriceListItem:
    """Set (or change) what `product` costs on `price_list`."""
    _require_catalog_manager(actor)
    errors = FieldErrors()
    amount = clean_money(unit_price, "unit_price", errors)
    errors.raise_if_any()
    item, _created = PriceListItem.objects.update_or_create(
        price_list=price_list, product=product, defaults={"unit_price": amount}
    )
    return item


@transaction.atomic
def price_list_remove_price(*, actor: User, price_list: PriceList, product: Product) -> None:
    """Drop the product from the list: orders then use the product's own price."""
    _require_catalog_manager(actor)
    PriceListItem.objects.filter(price_list=price_list, product=product).delete()
