"""Reads of the product catalogue and price lists: a shared catalogue that everyone may read."""

import datetime
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from rapport.core.errors import NotFound
from rapport.sales.models import PriceList, PriceListItem, Product

PRODUCT_SORTS = ("name", "-name", "sku", "-sku", "updated_at", "-updated_at")
PRICE_LIST_SORTS = ("name", "-name", "updated_at", "-updated_at")


def products_list(
    *, q: str = "", category: str = "", active: bool | None = None
) -> QuerySet[Product]:
    """Products matching a name or SKU prefix (`q`), a category, and active or not."""
    qs = Product.objects.all()
    q = q.strip()
    if q:
        qs = qs.filter(Q(sku__istartswith=q) | Q(name__icontains=q))
    if category:
        qs = qs.filter(category=category)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def product_categories() -> list[str]:
    return list(
        Product.objects.exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )


def get_product(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("Product not found."))
    return product


def price_lists_list(*, active: bool | None = None) -> QuerySet[PriceList]:
    qs = PriceList.objects.all()
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def get_price_list(price_list_id: int) -> PriceList:
    price_list = PriceList.objects.filter(pk=price_list_id).first()
    if price_list is None:
        raise NotFound(_("Price list not found."))
    return price_list


def default_price_list(on: datetime.date) -> PriceList | None:
    """The active default price list valid on `on`, if there is one."""
    return _valid_on(PriceList.objects.filter(is_default=True, is_active=True), on).first()


def price_list_is_valid_on(price_list: PriceList, on: datetime.date) -> bool:
    return (
        price_list.is_active
        and (price_list.valid_from is None or price_list.valid_from <= on)
        and (price_list.valid_until is None or price_list.valid_until >= on)
    )


def _valid_on(qs: QuerySet[PriceList], on: datetime.date) -> QuerySet[PriceList]:
    return qs.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )


def price_list_items(price_list: PriceList) -> QuerySet[PriceListItem]:
    return (
        PriceListItem.objects.filter(price_list=price_list)
        .select_related("product")
        .order_by("product__name", "product_id")
    )


def list_prices(price_list: PriceList | None, product_ids: list[int]) -> dict[int, Decimal]:
    """Product id → the price on `price_list`, for the products it lists (one query)."""
    if price_list is None or not product_ids:
        return {}
    return dict(
        PriceListItem.objects.filter(price_list=price_list, product_id__in=product_ids).values_list(
            "product_id", "unit_price"
        )
    )
