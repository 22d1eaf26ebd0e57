"""REST endpoints for the product catalogue and price lists.

The catalogue is shared: every user may read it; administrators and sales managers change it
(anyone else gets 403 `permission_denied`). Prices are decimal strings, e.g. `"388.00"`.
"""

import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from rapport.core.api_schemas import (
    InputSchema,
    Listing,
    Page,
    checked_sort,
    column_text,
    error_responses,
    paginate,
    service_input,
)
from rapport.core.schema_types import RecordId
from rapport.sales.models import PriceList, Product
from rapport.sales.selectors import catalog as selectors
from rapport.sales.services import catalog as services

router = Router(tags=["products"])

MANAGERS_ONLY = "Administrators and sales managers only."


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    category: str
    unit_price: Decimal
    currency: str
    description: str
    is_active: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ProductIn(InputSchema):
    sku: column_text(Product, "sku")
    name: column_text(Product, "name")
    unit_price: Decimal
    category: column_text(Product, "category") | None = None
    currency: column_text(Product, "currency") | None = None
    description: str | None = None
    is_active: bool | None = None


class ProductPatch(InputSchema):
    sku: column_text(Product, "sku") | None = None
    name: column_text(Product, "name") | None = None
    unit_price: Decimal | None = None
    category: column_text(Product, "category") | None = None
    currency: column_text(Product, "currency") | None = None
    description: str | None = None
    is_active: bool | None = None


class ProductListQuery(Listing):
    q: str = ""
    category: str = ""
    active: bool | None = None


class ProductRef(Schema):
    id: int
    sku: str
    name: str


class PriceListOut(Schema):
    id: int
    name: str
    currency: str
    is_default: bool
    is_active: bool
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class PriceListIn(InputSchema):
    name: column_text(PriceList, "name")
    currency: column_text(PriceList, "currency") | None = None
    is_default: bool | None = None
    is_active: bool | None = None
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None


class PriceListPatch(InputSchema):
    name: column_text(PriceList, "name") | None = None
    currency: column_text(PriceList, "currency") | None = None
    is_default: bool | None = None
    is_active: bool | None = None
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None


class PriceListQuery(Listing):
    active: bool | None = None


class PriceListItemOut(Schema):
    id: int
    product: ProductRef
    unit_price: Decimal


class PriceIn(InputSchema):
    unit_price: Decimal


def _drop_nulls(data: dict, keys: tuple[str, ...]) -> dict:
    """`null` for a text or flag field means "leave it"; services want a value or no key."""
    return {k: v for k, v in data.items() if not (k in keys and v is None)}


PRODUCT_NULLABLE = ("sku", "name", "unit_price", "category", "currency", "description", "is_active")
PRICE_LIST_NULLABLE = ("name", "currency", "is_default", "is_active")


# --- Products ------------------------------------------------------------------------------------


@router.get(
    "/products",
    response={200: Page[ProductOut], **error_responses(400, 422)},
    description="Filters: `q` (SKU prefix or part of the name), `category`, `active`. Sorts: "
    + ", ".join(selectors.PRODUCT_SORTS)
    + ".",
)
def products_list(request: HttpRequest, query: Query[ProductListQuery]):
    sort = checked_sort(query.sort, selectors.PRODUCT_SORTS, "name")
    qs = selectors.products_list(q=query.q, category=query.category, active=query.active)
    return paginate(qs, sort=sort, cursor=query.cursor, limit=query.limit)


@router.post(
    "/products",
    response={201: ProductOut, **error_responses(400, 403, 422)},
    description=MANAGERS_ONLY + " The SKU is unique.",
)
def product_create(request: HttpRequest, payload: ProductIn):
    data = _drop_nulls(service_input(payload), PRODUCT_NULLABLE)
    return Status(201, services.product_create(actor=request.auth, data=data))


@router.get("/products/{int:product_id}", response={200: ProductOut, **error_responses(404)})
def product_detail(request: HttpRequest, product_id: RecordId):
    return selectors.get_product(product_id)


@router.patch(
    "/products/{int:product_id}",
    response={200: ProductOut, **error_responses(400, 403, 404, 422)},
    description=MANAGERS_ONLY + " Send `is_active: false` to stop selling a product.",
)
def product_update(request: HttpRequest, product_id: RecordId, payload: ProductPatch):
    product = selectors.get_product(product_id)
    data = _drop_nulls(service_input(payload), PRODUCT_NULLABLE)
    return services.product_update(actor=request.auth, product=product, data=data)


@router.delete(
    "/products/{int:product_id}",
    response={204: None, **error_responses(400, 403, 404)},
    description=MANAGERS_ONLY + " A product used by an order or deal cannot be deleted (400 "
    "`product_in_use`): deactivate it instead.",
)
def product_delete(request: HttpRequest, product_id: RecordId):
    product = selectors.get_product(product_id)
    services.product_delete(actor=request.auth, product=product)
    return Status(204, None)


# --- Price lists ---------------------------------------------------------------------------------


@router.get(
    "/price-lists",
    response={200: Page[PriceListOut], **error_responses(400, 422)},
    tags=["price lists"],
)
def price_lists_list(request: HttpRequest, query: Query[PriceListQuery]):
    sort = checked_sort(query.sort, selectors.PRICE_LIST_SORTS, "name")
    qs = selectors.price_lists_list(active=query.active)
    return paginate(qs, sort=sort, cursor=query.cursor, limit=query.limit)


@router.post(
    "/price-lists",
    response={201: PriceListOut, **error_responses(400, 403, 422)},
    tags=["price lists"],
    description=MANAGERS_ONLY + " Making a list the default unmarks the previous default.",
)
def price_list_create(request: HttpRequest, payload: PriceListIn):
    data = _drop_nulls(service_input(payload), PRICE_LIST_NULLABLE)
    return Status(201, services.price_list_create(actor=request.auth, data=data))


@router.get(
    "/price-lists/{int:price_list_id}",
    response={200: PriceListOut, **error_responses(404)},
    tags=["price lists"],
)
def price_list_detail(request: HttpRequest, price_list_id: RecordId):
    return selectors.get_price_list(price_list_id)


@router.patch(
    "/price-lists/{int:price_list_id}",
    response={200: PriceListOut, **error_responses(400, 403, 404, 422)},
    tags=["price lists"],
    description=MANAGERS_ONLY,
)
def price_list_update(request: HttpRequest, price_list_id: RecordId, payload: PriceListPatch):
    price_list = selectors.get_price_list(price_list_id)
    data = _drop_nulls(service_input(payload), PRICE_LIST_NULLABLE)
    return services.price_list_update(actor=request.auth, price_list=price_list, data=data)


@router.delete(
    "/price-lists/{int:price_list_id}",
    response={204: None, **error_responses(403, 404)},
    tags=["price lists"],
    description=MANAGERS_ONLY + " Orders placed with it keep their prices.",
)
def price_list_delete(request: HttpRequest, price_list_id: RecordId):
    price_list = selectors.get_price_list(price_list_id)
    services.price_list_delete(actor=request.auth, price_list=price_list)
    return Status(204, None)


@router.get(
    "/price-lists/{int:price_list_id}/items",
    response={200: Page[PriceListItemOut], **error_responses(400, 404, 422)},
    tags=["price lists"],
)
def price_list_items(request: HttpRequest, price_list_id: RecordId, query: Query[Listing]):
    price_list = selectors.get_price_list(price_list_id)
    sort = checked_sort(query.sort, ("id", "-id"), "id")
    qs = selectors.price_list_items(price_list)
    return paginate(qs, sort=sort, cursor=query.cursor, limit=query.limit)


@router.put(
    "/price-lists/{int:price_list_id}/items/{int:product_id}",
    response={200: PriceListItemOut, **error_responses(400, 403, 404, 422)},
    tags=["price lists"],
    description=MANAGERS_ONLY + " Set what the product costs on this list.",
)
def price_list_set_price(
    request: HttpRequest, price_list_id: RecordId, product_id: RecordId, payload: PriceIn
):
    price_list = selectors.get_price_list(price_list_id)
    product = selectors.get_product(product_id)
    return services.price_list_set_price(
        actor=request.auth,
        price_list=price_list,
        product=product,
        unit_price=service_input(payload)["unit_price"],
    )


@router.delete(
    "/price-lists/{int:price_list_id}/items/{int:product_id}",
    response={204: None, **error_responses(403, 404)},
    tags=["price lists"],
    description=MANAGERS_ONLY + " Orders then use the product's own price.",
)
def price_list_remove_price(request: HttpRequest, price_list_id: RecordId, product_id: RecordId):
    price_list = selectors.get_price_list(price_list_id)
    product = selectors.get_product(product_id)
    services.price_list_remove_price(actor=request.auth, price_list=price_list, product=product)
    return Status(204, None)
