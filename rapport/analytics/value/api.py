"""The customer value part of /api/v1 (collected by `rapport.analytics.api`): sales expenses
(create, read, update, delete), each customer's computed value, the 20/80/30 figures, and the
administrators' product costs. Everything answers through the reader's visibility rule: another
team's customer, expense or value is a 404."""

import datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from rapport.analytics.value import selectors
from rapport.analytics.value.models import ExpenseKind
from rapport.analytics.value.services import expenses as expense_services
from rapport.analytics.value.services.settings import product_cost_set
from rapport.core.api_schemas import (
    BodyId,
    InputSchema,
    Listing,
    Page,
    UserRef,
    checked_sort,
    error_responses,
    paginate,
    service_input,
    text,
)
from rapport.core.errors import NotFound
from rapport.core.schema_types import RecordId
from rapport.customers.selectors import get_company_for_user, get_person_for_user

router = Router(tags=["customers"])
routers: list[Router] = [router]

EXPENSE_SORTS = ("spent_on", "-spent_on", "created_at", "-created_at")
NOTE_MAX = 500


class ExpenseOut(Schema):
    id: int
    kind: str
    amount: Decimal
    currency: str
    spent_on: datetime.date
    note: str
    person_id: int | None
    company_id: int | None
    deal_id: int | None
    recorded_by: UserRef | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ExpenseIn(InputSchema):
    kind: ExpenseKind
    amount: Decimal = Field(description='A decimal string with at most two places, e.g. "380.00".')
    currency: str | None = Field(None, description="Default: the reporting currency.")
    spent_on: datetime.date | None = Field(None, description="Default: today; not in the future.")
    note: text(NOTE_MAX) | None = None
    person_id: BodyId | None = None
    company_id: BodyId | None = None
    deal_id: BodyId | None = Field(None, description="A deal of the same customer.")


class ExpensePatch(InputSchema):
    kind: ExpenseKind | None = None
    amount: Decimal | None = None
    currency: str | None = None
    spent_on: datetime.date | None = None
    note: text(NOTE_MAX) | None = None


class ExpenseListQuery(Listing):
    kind: ExpenseKind | None = None
    person_id: RecordId | None = None
    company_id: RecordId | None = None


class CustomerValueOut(Schema):
    kind: str
    customer_id: int
    currency: str = Field(description="The reporting currency every amount is converted to.")
    revenue: Decimal
    product_cost: Decimal
    gross_profit: Decimal
    cost_known_share: Decimal | None = Field(
        description="Share (0–1) of the order lines' value whose product cost is known."
    )
    expenses: Decimal
    cost_to_serve: Decimal
    net: Decimal
    unconverted: list[str] = Field(description="Currencies left out: no exchange rate.")
    order_count: int
    first_order_on: datetime.date | None
    last_order_on: datetime.date | None
    recency_days: int | None
    orders_per_year: Decimal | None
    days_between_orders: int | None
    tenure_days: int | None
    repeat_rate: Decimal | None
    instalments_due: int
    on_time_share: Decimal | None
    average_days_late: Decimal | None
    tickets: int
    agent_replies: int
    r_score: int | None
    f_score: int | None
    m_score: int | None
    profit_score: int | None
    segment: str
    tier: str
    rates_day: datetime.date
    computed_at: datetime.datetime


class ConcentrationOut(Schema):
    customers: int
    total_profit: Decimal
    top_20_share: Decimal | None = Field(description="Share of profit from the best 20 %.")
    peak_share: Decimal | None
    bottom_30_profit: Decimal
    bottom_30_cut: Decimal | None = Field(
        description="Share of the best 20 %'s profit lost serving the worst 30 %."
    )


class ProductCostIn(InputSchema):
    unit_cost: Decimal | None = Field(None, description="Empty or null clears the cost.")
    currency: str | None = None


class ProductCostOut(Schema):
    product_id: int
    unit_cost: Decimal | None
    currency: str | None


@router.get(
    "/analytics/value/expenses", response={200: Page[ExpenseOut], **error_responses(400, 422)}
)
def expenses_list(request: HttpRequest, query: Query[ExpenseListQuery]):
    sort = checked_sort(query.sort, EXPENSE_SORTS, "-spent_on")
    qs = selectors.expenses_visible_to(request.auth).select_related("recorded_by")
    if query.kind:
        qs = qs.filter(kind=query.kind)
    if query.person_id:
        qs = qs.filter(person_id=query.person_id)
    if query.company_id:
        qs = qs.filter(company_id=query.company_id)
    return paginate(qs, sort=sort, cursor=query.cursor, limit=query.limit)


@router.post(
    "/analytics/value/expenses",
    response={201: ExpenseOut, **error_responses(400, 404, 422)},
    description="Log a sales expense against a person or a company (one of them), optionally "
    "one of their deals. The customer's value is recomputed at once.",
)
def expense_create(request: HttpRequest, payload: ExpenseIn):
    expense = expense_services.expense_create(actor=request.auth, data=service_input(payload))
    return Status(201, selectors.get_expense_for_user(request.auth, expense.pk))


@router.get(
    "/analytics/value/expenses/{int:expense_id}",
    response={200: ExpenseOut, **error_responses(404)},
)
def expense_detail(request: HttpRequest, expense_id: RecordId):
    return selectors.get_expense_for_user(request.auth, expense_id)


@router.patch(
    "/analytics/value/expenses/{int:expense_id}",
    response={200: ExpenseOut, **error_responses(400, 404, 422)},
)
def expense_update(request: HttpRequest, expense_id: RecordId, payload: ExpensePatch):
    expense = selectors.get_expense_for_user(request.auth, expense_id)
    expense_services.expense_update(
        actor=request.auth, expense=expense, data=service_input(payload)
    )
    return selectors.get_expense_for_user(request.auth, expense_id)


@router.delete(
    "/analytics/value/expenses/{int:expense_id}", response={204: None, **error_responses(404)}
)
def expense_delete(request: HttpRequest, expense_id: RecordId):
    expense = selectors.get_expense_for_user(request.auth, expense_id)
    expense_services.expense_delete(actor=request.auth, expense=expense)
    return Status(204, None)


def _value_out(request, kind: str, customer_id: int):
    getter = get_person_for_user if kind == "person" else get_company_for_user
    getter(request.auth, customer_id)
    value = selectors.customer_value(request.auth, kind, customer_id)
    if value is None:
        raise NotFound(_("No value computed for this customer yet."))
    return value


@router.get(
    "/persons/{int:person_id}/customer-value",
    response={200: CustomerValueOut, **error_responses(404)},
    description="The person's computed value: money in the reporting currency, RFM scores, "
    "segment and tier (404 before the first computation).",
)
def person_value(request: HttpRequest, person_id: RecordId):
    return _value_out(request, "person", person_id)


@router.get(
    "/companies/{int:company_id}/customer-value",
    response={200: CustomerValueOut, **error_responses(404)},
)
def company_value(request: HttpRequest, company_id: RecordId):
    return _value_out(request, "company", company_id)


@router.get(
    "/analytics/value/concentration",
    response={200: ConcentrationOut, **error_responses(422)},
    description="The 20/80/30 figures over the net profit of the customers the caller may see.",
)
def concentration(request: HttpRequest, kind: Literal["person", "company"] = "person"):
    return selectors.profit_concentration(request.auth, kind)


@router.put(
    "/analytics/value/product-costs/{int:product_id}",
    response={200: ProductCostOut, **error_responses(403, 404, 422)},
    description="Set (or clear) a product's unit cost. Administrators only.",
)
def product_cost_put(request: HttpRequest, product_id: RecordId, payload: ProductCostIn):
    data = service_input(payload)
    cost = product_cost_set(actor=request.auth, product_id=product_id, data=data)
    if cost is None:
        return {"product_id": product_id, "unit_cost": None, "currency": None}
    return cost
