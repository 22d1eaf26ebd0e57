"""The lifetime value part of /api/v1 (collected by `rapport.analytics.api`): a person's or a
company's prediction as a sub-resource of the customer."""

import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from rapport.analytics.lifetime.selectors import current_run, customer_prediction
from rapport.core.api_schemas import error_responses
from rapport.core.schema_types import RecordId
from rapport.customers.selectors import get_company_for_user, get_person_for_user

lifetime_router = Router(tags=["persons"])
company_lifetime_router = Router(tags=["companies"])


class LifetimeValueOut(Schema):
    status: str = Field(
        description="`predicted`; `no_orders` (the person has no order the model counts as of "
        "`as_of`); `no_model` (no model fitted yet: every other field is null)."
    )
    as_of: datetime.date | None = Field(None, description="End of the model's observation.")
    currency: str | None = Field(None, description="The currency of the amounts (reporting).")
    frequency: int | None = Field(None, description="Repeat purchases (days with an order).")
    recency_weeks: float | None = Field(None, description="First purchase to the last, weeks.")
    age_weeks: float | None = Field(None, description="First purchase to `as_of`, weeks.")
    average_value: Decimal | None = Field(None, description="Mean value of a repeat purchase.")
    probability_alive: float | None = None
    expected_purchases_90: float | None = Field(None, description="In the next 90 days.")
    expected_purchases_365: float | None = Field(None, description="In the next 365 days.")
    expected_value: Decimal | None = Field(
        None,
        description="Expected purchases in 365 days × expected value of a purchase, not "
        "discounted; null when the value model could not be fitted.",
    )


def _lifetime_value(request: HttpRequest, customer) -> dict:
    run = current_run()
    if run is None:
        return {"status": "no_model"}
    prediction = customer_prediction(request.auth, customer, run=run)
    if prediction is None:
        return {"status": "no_orders", "as_of": run.as_of, "currency": run.currency}
    return {
        "status": "predicted",
        "as_of": run.as_of,
        "currency": run.currency,
        "frequency": prediction.frequency,
        "recency_weeks": prediction.recency_weeks,
        "age_weeks": prediction.age_weeks,
        "average_value": prediction.average_value,
        "probability_alive": prediction.probability_alive,
        "expected_purchases_90": prediction.expected_purchases_90,
        "expected_purchases_365": prediction.expected_purchases_365,
        "expected_value": prediction.expected_value,
    }


@lifetime_router.get(
    "/persons/{int:person_id}/lifetime-value",
    response={200: LifetimeValueOut, **error_responses(404)},
    description="The person's probability of still buying, expected purchases and value, from "
    "the latest lifetime value model (BG/NBD and gamma-gamma on the orders).",
)
def person_lifetime_value(request: HttpRequest, person_id: RecordId):
    return _lifetime_value(request, get_person_for_user(request.auth, person_id))


@company_lifetime_router.get(
    "/companies/{int:company_id}/lifetime-value",
    response={200: LifetimeValueOut, **error_responses(404)},
    description="The company's probability of still buying, expected purchases and value, from "
    "its orders without a person (those with one are the person's), with the same model as "
    "persons.",
)
def company_lifetime_value(request: HttpRequest, company_id: RecordId):
    return _lifetime_value(request, get_company_for_user(request.auth, company_id))


routers: list[Router] = [lifetime_router, company_lifetime_router]
