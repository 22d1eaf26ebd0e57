"""The recommendations part of /api/v1 (collected by `rapport.analytics.api`).

`GET /persons/{id}/recommendations`: the products to offer a person the caller may see (404
otherwise), with the reason in the caller's language. `GET /products/{id}/also-bought`: the
products bought by the customers who bought this one; counts over all orders, as the
"bought this also bought" figures are aggregate (docs/decisions.md, "Recommendations").
"""

import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from rapport.analytics.recommend import selectors
from rapport.core.api_schemas import error_responses
from rapport.core.schema_types import RecordId

persons_router = Router(tags=["persons"])
products_router = Router(tags=["products"])


class ProductBrief(Schema):
    id: int
    sku: str
    name: str


class RecommendationOut(Schema):
    product: ProductBrief
    kind: str = Field(description="`rule` (from a product they bought) or `popular` (filling up).")
    reason: str
    because_of: list[ProductBrief]
    confidence: float | None = Field(
        description="Share of the buyers of `because_of[0]` who also bought this product."
    )
    lift: float | None
    followed_share: float | None = Field(
        description="Share of the buyers of `because_of[0]` who bought this product within "
        "`window_days` of it (null when none could have had the whole window yet)."
    )
    window_days: int | None
    buyers: int | None = Field(description="For `popular`: how many customers bought it.")


class RecommendationsOut(Schema):
    person_id: int
    computed_at: datetime.datetime | None
    items: list[RecommendationOut]


class AlsoBoughtOut(Schema):
    product: ProductBrief
    customers_both: int = Field(description="Customers who bought both products.")
    support: float
    confidence: float
    lift: float
    followed: int = Field(description="Customers who bought it within the window of the first.")
    followed_share: float | None


class AlsoBoughtListOut(Schema):
    product_id: int
    computed_at: datetime.datetime | None
    window_days: int | None
    items: list[AlsoBoughtOut]


class LimitQuery(Schema):
    limit: int = Field(selectors.DEFAULT_LIMIT, ge=1, le=selectors.MAX_LIMIT)


@persons_router.get(
    "/persons/{int:person_id}/recommendations",
    response={200: RecommendationsOut, **error_responses(404)},
)
def person_recommendations(request: HttpRequest, person_id: RecordId, query: Query[LimitQuery]):
    person, items = selectors.person_recommendations_for_user(
        request.auth, person_id, limit=query.limit
    )
    run = selectors.latest_run()
    return {
        "person_id": person.pk,
        "computed_at": run.computed_at if run else None,
        "items": items,
    }


@products_router.get(
    "/products/{int:product_id}/also-bought",
    response={200: AlsoBoughtListOut, **error_responses(404)},
)
def product_also_bought(request: HttpRequest, product_id: RecordId, query: Query[LimitQuery]):
    rules = selectors.also_bought(product_id, limit=query.limit)
    run = selectors.latest_run()
    return {
        "product_id": product_id,
        "computed_at": run.computed_at if run else None,
        "window_days": run.window_days if run else None,
        "items": [
            {
                "product": rule.other,
                "customers_both": rule.both,
                "support": rule.support,
                "confidence": rule.confidence,
                "lift": rule.lift,
                "followed": rule.followed,
                "followed_share": rule.followed_share,
            }
            for rule in rules
        ],
    }


routers: list[Router] = [persons_router, products_router]
