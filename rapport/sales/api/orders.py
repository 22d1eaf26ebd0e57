"""REST endpoints for orders, payments and receivables, and turning a won deal into an order.

An order is visible exactly when its customer is (another team's order answers 404 on every
endpoint); placing an order for a customer the caller cannot see is a 404 too. Money is sent and
answered as decimal strings ("1280.50"), never as binary floats.
"""

import datetime
from decimal import Decimal
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Schema, Status
from pydantic import BeforeValidator, Field

from rapport.core.api_schemas import (
    BodyId,
    BodyInt,
    BodyVersion,
    InputSchema,
    Listing,
    Page,
    RecordRef,
    TeamRef,
    UserRef,
    checked_sort,
    column_text,
    error_responses,
    items,
    paginate,
    service_input,
)
from rapport.core.errors import ValidationFailed
from rapport.core.schema_types import RecordId
from rapport.customers.selectors import get_company_for_user, get_person_for_user
from rapport.sales.api.money import MoneyTotalOut, money_total_out
from rapport.sales.models import (
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    Refund,
    RefundReason,
)
from rapport.sales.selectors import orders as selectors
from rapport.sales.selectors.deals import get_deal_for_user
from rapport.sales.selectors.money import MoneyTotal
from rapport.sales.services import orders as services
from rapport.sales.services.orders.payments import IDEMPOTENCY_KEY_LIMIT

router = Router(tags=["orders"])

MONEY_NOTE = 'Amounts are decimal strings with two places, e.g. `"1280.50"`.'
IDEMPOTENCY_NOTE = (
    "Send an `Idempotency-Key` header (any text up to 100 characters, e.g. a UUID) to make the "
    "request safe to repeat: the same key sent again by you answers 200 with the body of what "
    "the first request recorded and the header `Idempotent-Replayed: true`, recording nothing; "
    "the same key with another order or amount is 422 `idempotency_key_reused`."
)
# The `Idempotency-Key` request header (docs/decisions.md, "Refunds").
IdempotencyKey = Header(
    None,
    alias="Idempotency-Key",
    max_length=IDEMPOTENCY_KEY_LIMIT,
    description="Makes the request safe to repeat (see the endpoint's description).",
)


# --- Schemas -------------------------------------------------------------------------------------


class OrderLineOut(Schema):
    id: int
    product_id: int | None
    description: str
    quantity: int
    unit_price: Decimal
    discount: Decimal = Field(description="The amount off the line (from the percentage if any).")
    discount_percent: Decimal | None = Field(
        description="The percentage the discount was given as; null when given as an amount."
    )
    line_total: Decimal


class InstalmentOut(Schema):
    id: int
    sequence: int
    due_date: datetime.date
    amount: Decimal
    paid_amount: Decimal
    outstanding: Decimal


class PaymentOut(Schema):
    id: int
    order_id: int
    order_number: str
    amount: Decimal
    paid_at: datetime.datetime
    method: str
    reference: str
    notes: str
    refunded_amount: Decimal = Field(description="How much of it was paid back (refunds).")
    recorded_by: UserRef
    created_at: datetime.datetime

    @staticmethod
    def resolve_order_number(obj) -> str:
        return obj.order.number


class RefundOut(Schema):
    id: int
    order_id: int
    order_number: str
    payment_id: int = Field(description="The payment this refund reverses (part of).")
    amount: Decimal
    refunded_at: datetime.datetime
    method: str
    reason: RefundReason
    owed_again: bool = Field(
        description="True: the payment was undone and the amount is owed again. False: a "
        "credit; the order is worth that much less."
    )
    reference: str
    notes: str
    recorded_by: UserRef
    created_at: datetime.datetime

    @staticmethod
    def resolve_order_number(obj) -> str:
        return obj.order.number


class OrderListItem(Schema):
    id: int
    number: str
    status: str
    person: RecordRef | None
    company: RecordRef | None
    deal_id: int | None
    owner: UserRef
    team: TeamRef | None
    currency: str
    placed_at: datetime.datetime
    paid_at: datetime.datetime | None
    shipped_at: datetime.datetime | None
    received_at: datetime.datetime | None
    cancelled_at: datetime.datetime | None
    returned_at: datetime.datetime | None
    subtotal: Decimal
    discount_total: Decimal
    total: Decimal
    paid_amount: Decimal = Field(description="The money held: payments less refunds.")
    refunded_amount: Decimal
    credited_amount: Decimal = Field(
        description="The refunds that lowered what the order is worth (credits)."
    )
    outstanding: Decimal = Field(
        description="What is still owed: total − credited − paid; 0 once cancelled or returned."
    )
    net_value: Decimal = Field(
        description="What the order is worth (its revenue): total − credited while open, what "
        "it kept (paid) once cancelled or returned."
    )
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class OrderOut(OrderListItem):
    price_list_id: int | None
    order_discount: Decimal = Field(
        description="The order's own discount (part of `discount_total`), after the lines'."
    )
    discount_percent: Decimal | None = Field(
        description="The percentage `order_discount` was given as; null when an amount."
    )
    notes: str
    lines: list[OrderLineOut]
    instalments: list[InstalmentOut]
    payments: list[PaymentOut]
    refunds: list[RefundOut]
    allowed_statuses: list[str] = Field(
        description="The statuses the order may move to now (POST …/status)."
    )

    @staticmethod
    def resolve_allowed_statuses(obj) -> list[str]:
        return services.allowed_statuses(obj)


class OrderLineIn(InputSchema):
    product_id: BodyId | None = None
    description: column_text(OrderLine, "description") | None = None
    quantity: BodyInt
    unit_price: Decimal | None = Field(
        None, description="Default: the price list's price, else the product's."
    )
    discount: Decimal | None = Field(None, description="An amount off the line.")
    discount_percent: Decimal | None = Field(
        None,
        description="Or a percentage (0–100, two decimals) of quantity × unit price, turned into "
        "`discount` once, rounded half up to the cent. Not both.",
    )


class InstalmentIn(InputSchema):
    due_date: datetime.date
    amount: Decimal


class OrderIn(InputSchema):
    person_id: BodyId | None = None
    company_id: BodyId | None = None
    price_list_id: BodyId | None = Field(
        None, description="Default: the default price list in force on the order date."
    )
    currency: column_text(Order, "currency") | None = None
    placed_at: datetime.datetime | None = Field(None, description="Default: now.")
    notes: str | None = None
    lines: items(OrderLineIn)
    discount: Decimal | None = Field(None, description="An amount off the whole order.")
    discount_percent: Decimal | None = Field(
        None,
        description="Or a percentage (0–100, two decimals) of what the lines come to after "
        "their own discounts, rounded half up to the cent once. Not both.",
    )
    instalments: items(InstalmentIn) | None = Field(
        None,
        description="Must add up to the total exactly. Default: the whole total due after "
        "RAPPORT_PAYMENT_TERMS_DAYS days.",
    )


class OrderPatch(InputSchema):
    notes: str | None = None
    price_list_id: BodyId | None = None
    currency: column_text(Order, "currency") | None = None
    lines: items(OrderLineIn) | None = None
    discount: Decimal | None = Field(None, description="An amount off the whole order.")
    discount_percent: Decimal | None = Field(
        None,
        description="Or a percentage (0–100, two decimals) of what the lines come to after "
        "their own discounts, rounded half up to the cent once. Not both.",
    )
    instalments: items(InstalmentIn) | None = None
    version: BodyVersion


class StatusIn(InputSchema):
    status: OrderStatus
    note: str | None = Field(
        None, description="Required when cancelling or returning keeps part of the money held."
    )
    at: datetime.datetime | None = Field(None, description="When it happened; default now.")
    refund_amount: Decimal | None = Field(
        None,
        description="Cancelling or returning an order that holds money (`paid_amount`): how "
        "much of it is refunded now, from 0 to all of it. Required then.",
    )
    refund_method: PaymentMethod | None = Field(
        None, description="How the refund is paid; default: each reversed payment's method."
    )


class PaymentIn(InputSchema):
    amount: Decimal
    paid_at: datetime.datetime | None = None
    method: PaymentMethod | None = None
    reference: column_text(Payment, "reference") | None = Field(
        None, description="The bank's transaction id; recorded once per order."
    )
    notes: str | None = None


class RefundIn(InputSchema):
    amount: Decimal = Field(description="At most what the order holds (`paid_amount`).")
    payment_id: BodyId | None = Field(
        None,
        description="The payment to reverse (at most what is left of it). Default: the "
        "payments newest first, one refund each.",
    )
    refunded_at: datetime.datetime | None = Field(None, description="Default: now.")
    method: PaymentMethod | None = Field(None, description="Default: the reversed payment's.")
    reason: RefundReason | None = None
    owed_again: bool = Field(
        False,
        description="On an open order: true when the payment is undone (paid in error, bounced) "
        "and the amount is owed again; false (a credit) when the customer keeps the goods and "
        "the order is worth less. Ignored on cancelled and returned orders.",
    )
    reference: column_text(Refund, "reference") | None = None
    notes: str | None = None


class RefundsRecordedOut(Schema):
    refunds: list[RefundOut] = Field(description="One per payment reversed.")
    order: OrderOut


class OrderListQuery(Listing):
    status: OrderStatus | None = None
    owner_id: RecordId | None = None
    team_id: RecordId | None = None
    person_id: RecordId | None = None
    company_id: RecordId | None = None
    deal_id: RecordId | None = None
    placed_from: datetime.date | None = None
    placed_until: datetime.date | None = None
    number: str = ""
    open_only: bool = False
    holding_money: bool = False


class PaymentListQuery(Listing):
    order_id: RecordId | None = None
    person_id: RecordId | None = None
    company_id: RecordId | None = None
    method: PaymentMethod | None = None
    paid_from: datetime.date | None = None
    paid_until: datetime.date | None = None


# A selector's `MoneyTotal` answered as a `MoneyTotalOut` (per currency, converted, rates).
Money = Annotated[
    MoneyTotalOut,
    BeforeValidator(lambda v: money_total_out(v) if isinstance(v, MoneyTotal) else v),
]

MONEY_TOTALS_NOTE = (
    " Every amount is a money total (`MoneyTotalOut`): each currency's own amount, the rate "
    "that converted it, and the sum in the reporting currency (`converted`); a currency "
    "without a rate is listed in `missing` and left out of `converted`. Changed in issue 14: "
    "these amounts used to be one decimal string that added different currencies together."
)


class ReceivablesOut(Schema):
    outstanding: Money
    overdue: Money
    open_orders: int


class CustomerValueOut(Schema):
    net_value: Money = Field(
        description="Totals less credits of open orders, plus what cancelled or returned "
        "orders kept."
    )
    received: Money = Field(description="Money received, net of refunds.")
    refunded: Money
    orders: int


class AgingBucketOut(Schema):
    first_day: int
    last_day: int | None
    amount: Money


class OwnerReceivablesOut(Schema):
    owner: UserRef | None
    outstanding: Money
    overdue: Money
    open_orders: int


class DebtorOut(Schema):
    kind: str
    id: int | None
    name: str
    outstanding: Money
    overdue: Money
    open_orders: int

    @staticmethod
    def resolve_id(obj) -> int | None:
        return obj.customer.pk if obj.customer else None

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj.customer) if obj.customer else ""


class ReceivablesReportOut(Schema):
    outstanding: Money
    overdue: Money
    not_yet_due: Money
    open_orders: int
    aging: list[AgingBucketOut]
    by_owner: list[OwnerReceivablesOut]
    debtors: list[DebtorOut]
    held: Money = Field(description="Still held on cancelled and returned orders (not refunded).")
    held_orders: int


class ReceivablesQuery(Schema):
    owner_id: RecordId | None = None
    team_id: RecordId | None = None


# --- Orders --------------------------------------------------------------------------------------


@router.get(
    "/orders",
    response={200: Page[OrderListItem], **error_responses(400, 422)},
    description="Filters: `status`, `owner_id`, `team_id`, `person_id`, `company_id`, `deal_id`, "
    "`placed_from`/`placed_until` (dates, inclusive), `number` (prefix), `open_only` (still "
    "owing money). Sorts: " + ", ".join(selectors.ORDER_SORTS) + ". A customer's history is "
    "`?person_id=…` (or `company_id`), newest first. " + MONEY_NOTE,
)
def orders_list(request: HttpRequest, query: Query[OrderListQuery]):
    sort = checked_sort(query.sort, selectors.ORDER_SORTS, "-placed_at")
    filters = selectors.OrderFilters(
        status=query.status or "",
        owner_id=query.owner_id,
        team_id=query.team_id,
        person_id=query.person_id,
        company_id=query.company_id,
        deal_id=query.deal_id,
        placed_from=query.placed_from,
        placed_until=query.placed_until,
        number=query.number,
        open_only=query.open_only,
        holding_money=query.holding_money,
    )
    qs = selectors.orders_list(request.auth, filters)
    partitions = selectors.orders_list_partitions(request.auth, filters)
    return paginate(qs, sort=sort, cursor=query.cursor, limit=query.limit, partitions=partitions)


@router.post(
    "/orders",
    response={201: OrderOut, **error_responses(400, 404, 422)},
    description="Place an order for a person and/or company you can see (else 404). The order "
    "takes the customer's owner and team. " + MONEY_NOTE,
)
def order_create(request: HttpRequest, payload: OrderIn):
    order = services.order_create(actor=request.auth, data=service_input(payload))
    return Status(201, selectors.order_detail(request.auth, order.pk))


@router.get("/orders/{int:order_id}", response={200: OrderOut, **error_responses(404)})
def order_detail(request: HttpRequest, order_id: RecordId):
    return selectors.order_detail(request.auth, order_id)


@router.patch(
    "/orders/{int:order_id}",
    response={200: OrderOut, **error_responses(400, 404, 409, 422)},
    description="`notes` always; `lines`, `discount`/`discount_percent`, `price_list_id`, "
    "`currency` and `instalments` only "
    "while the order is placed and nothing is paid (else 409 `order_locked`). New lines "
    "without `instalments` get the default plan. Orders are never deleted: cancel them.",
)
def order_update(request: HttpRequest, order_id: RecordId, payload: OrderPatch):
    order = selectors.get_order_for_user(request.auth, order_id)
    data = service_input(payload)
    version = data.pop("version", None)
    services.order_update(actor=request.auth, order=order, data=data, version=version)
    return selectors.order_detail(request.auth, order_id)


@router.post(
    "/orders/{int:order_id}/status",
    response={200: OrderOut, **error_responses(400, 404, 409, 422)},
    description="placed → paid (only when fully paid) / shipped / cancelled; paid → shipped / "
    "cancelled; shipped → received / returned; received → returned. Anything else is 409 "
    "`invalid_transition` with `details.allowed`. Cancelling or returning an order that holds "
    "money (`paid_amount` > 0) needs `refund_amount` (0 to all of it: the payments are reversed "
    "newest first, by `refund_method` or each payment's own) and a `note` when anything is "
    "kept; without `refund_amount` it is 422 `refund_decision_required`, `details` naming the "
    "fields. " + MONEY_NOTE,
)
def order_change_status(request: HttpRequest, order_id: RecordId, payload: StatusIn):
    order = selectors.get_order_for_user(request.auth, order_id)
    data = service_input(payload)
    services.order_change_status(
        actor=request.auth,
        order=order,
        status=data["status"],
        note=data.get("note") or "",
        at=data.get("at"),
        refund_amount=data.get("refund_amount"),
        refund_method=data.get("refund_method"),
    )
    return selectors.order_detail(request.auth, order_id)


@router.post(
    "/deals/{int:deal_id}/order",
    response={201: OrderOut, **error_responses(400, 404, 409, 422)},
    description="Turn a won deal into an order: its products become the lines. 409 "
    "`deal_not_won`, or `deal_already_ordered` with the existing order's id in `details`.",
)
def order_create_from_deal(request: HttpRequest, deal_id: RecordId):
    deal = get_deal_for_user(request.auth, deal_id)
    order = services.order_create_from_deal(actor=request.auth, deal=deal)
    return Status(201, selectors.order_detail(request.auth, order.pk))


# --- Payments ------------------------------------------------------------------------------------


@router.get(
    "/orders/{int:order_id}/payments",
    response={200: Page[PaymentOut], **error_responses(400, 404, 422)},
    tags=["payments"],
)
def order_payments(request: HttpRequest, order_id: RecordId, query: Query[Listing]):
    order = selectors.get_order_for_user(request.auth, order_id)
    sort = checked_sort(query.sort, selectors.PAYMENT_SORTS, "-paid_at")
    qs = selectors.payments_list(request.auth, order_id=order.pk)
    return paginate(qs, sort=sort, cursor=query.cursor, limit=query.limit)


@router.post(
    "/orders/{int:order_id}/payments",
    response={201: PaymentOut, 200: PaymentOut, **error_responses(400, 404, 409, 422)},
    tags=["payments"],
    description="Record money received. It fills the instalments oldest due first; the payment "
    "that completes a placed order makes it paid. More than is outstanding is 422 (`amount`); "
    "a `reference` already recorded on the order is 422 (`reference`); a cancelled or returned "
    "order is 409 `order_closed`. Payments cannot be changed or deleted (a refund reverses "
    "them). " + IDEMPOTENCY_NOTE + " " + MONEY_NOTE,
)
def payment_record(
    request: HttpRequest,
    response: HttpResponse,
    order_id: RecordId,
    payload: PaymentIn,
    idempotency_key: str | None = IdempotencyKey,
):
    order = selectors.get_order_for_user(request.auth, order_id)
    data = service_input(payload)
    payment = services.payment_record(
        actor=request.auth,
        order=order,
        amount=data["amount"],
        paid_at=data.get("paid_at"),
        method=data.get("method") or PaymentMethod.BANK_TRANSFER,
        reference=data.get("reference") or "",
        notes=data.get("notes") or "",
        idempotency_key=idempotency_key,
    )
    body = selectors.get_payment_for_user(request.auth, payment.pk)
    return _recorded(response, body, replayed=payment.replayed)


def _recorded(response: HttpResponse, body, *, replayed: bool):
    """201 with what was recorded; 200 and `Idempotent-Replayed: true` for a repeated key."""
    if replayed:
        response["Idempotent-Replayed"] = "true"
        return Status(200, body)
    return Status(201, body)


# --- Refunds -------------------------------------------------------------------------------------


@router.get(
    "/orders/{int:order_id}/refunds",
    response={200: Page[RefundOut], **error_responses(400, 404, 422)},
    tags=["payments"],
    description="The order's refunds. Sorts: -refunded_at (default), refunded_at.",
)
def order_refunds(request: HttpRequest, order_id: RecordId, query: Query[Listing]):
    order = selectors.get_order_for_user(request.auth, order_id)
    sort = checked_sort(query.sort, selectors.REFUND_SORTS, "-refunded_at")
    qs = selectors.refunds_list(request.auth, order_id=order.pk)
    return paginate(qs, sort=sort, cursor=query.cursor, limit=query.limit)


@router.post(
    "/orders/{int:order_id}/refunds",
    response={
        201: RefundsRecordedOut,
        200: RefundsRecordedOut,
        **error_responses(400, 404, 409, 422),
    },
    tags=["payments"],
    description="Pay money back to the customer: it reverses `payment_id`, or the payments "
    "newest first (one refund each), never more than the order holds (422 `amount`). On an "
    "open order a refund is a credit (the order is worth less; what is owed does not change) "
    "or, with `owed_again`, an undone payment (the amount is owed again and a paid order goes "
    "back to placed); on a cancelled or returned order it lowers what the order kept. Refunds "
    "cannot be changed or deleted. Answers the refunds and the order. "
    + IDEMPOTENCY_NOTE
    + " "
    + MONEY_NOTE,
)
def refund_record(
    request: HttpRequest,
    response: HttpResponse,
    order_id: RecordId,
    payload: RefundIn,
    idempotency_key: str | None = IdempotencyKey,
):
    order = selectors.get_order_for_user(request.auth, order_id)
    data = service_input(payload)
    payment = None
    if data.get("payment_id") is not None:
        payment = Payment.objects.filter(order=order, pk=data["payment_id"]).first()
        if payment is None:
            raise ValidationFailed(
                _("Please correct the errors below."),
                {"payment_id": [_("This payment was not made for this order.")]},
            )
    refunds = services.refund_record(
        actor=request.auth,
        order=order,
        amount=data["amount"],
        payment=payment,
        refunded_at=data.get("refunded_at"),
        method=data.get("method"),
        reason=data.get("reason") or RefundReason.OTHER,
        owed_again=data.get("owed_again", False),
        reference=data.get("reference") or "",
        notes=data.get("notes") or "",
        idempotency_key=idempotency_key,
    )
    body = {
        "refunds": selectors.refunds_list(request.auth, order_id=order.pk).filter(
            pk__in=[r.pk for r in refunds]
        ),
        "order": selectors.order_detail(request.auth, order.pk),
    }
    return _recorded(response, body, replayed=refunds[0].replayed)


@router.get(
    "/payments",
    response={200: Page[PaymentOut], **error_responses(400, 422)},
    tags=["payments"],
    description="Filters: `order_id`, `person_id`, `company_id`, `method`, `paid_from`/"
    "`paid_until` (dates, inclusive). Sorts: -paid_at (default), paid_at.",
)
def payments_list(request: HttpRequest, query: Query[PaymentListQuery]):
    sort = checked_sort(query.sort, selectors.PAYMENT_SORTS, "-paid_at")
    qs = selectors.payments_list(
        request.auth,
        order_id=query.order_id,
        person_id=query.person_id,
        company_id=query.company_id,
        method=query.method or "",
        paid_from=query.paid_from,
        paid_until=query.paid_until,
    )
    return paginate(qs, sort=sort, cursor=query.cursor, limit=query.limit)


@router.get(
    "/payments/{int:payment_id}",
    response={200: PaymentOut, **error_responses(404)},
    tags=["payments"],
)
def payment_detail(request: HttpRequest, payment_id: RecordId):
    return selectors.get_payment_for_user(request.auth, payment_id)


# --- Receivables ---------------------------------------------------------------------------------


@router.get(
    "/receivables",
    response={200: ReceivablesReportOut, **error_responses(422)},
    tags=["receivables"],
    description="How much is owed on the orders you can see, optionally one owner's or team's: "
    "outstanding (an open order owes its total less credits less what it holds), overdue "
    "(instalments past their due date), aging of the overdue part in "
    'days (1–30, 31–60, 61–90, 91+; `last_day` null means "and more"), per owner, the '
    "20 customers who owe most (ranked by what they owe converted at today's rates; those "
    "owing only in currencies without a rate come last), and the money still held on "
    "cancelled and returned orders." + MONEY_TOTALS_NOTE,
)
def receivables(request: HttpRequest, query: Query[ReceivablesQuery]):
    report = selectors.receivables_report(
        request.auth, owner_id=query.owner_id, team_id=query.team_id
    )
    return {
        "outstanding": report.totals.outstanding,
        "overdue": report.totals.overdue,
        "not_yet_due": report.not_yet_due,
        "open_orders": report.totals.open_orders,
        "aging": report.buckets,
        "by_owner": report.by_owner,
        "debtors": report.debtors,
        "held": report.held,
        "held_orders": report.held_orders,
    }


@router.get(
    "/persons/{int:person_id}/receivables",
    response={200: ReceivablesOut, **error_responses(404)},
    tags=["receivables"],
    description="What the person owes on the orders you can see, and the part past due."
    + MONEY_TOTALS_NOTE,
)
def person_receivables(request: HttpRequest, person_id: RecordId):
    person = get_person_for_user(request.auth, person_id)
    return selectors.customer_receivables(request.auth, person=person)


@router.get(
    "/companies/{int:company_id}/receivables",
    response={200: ReceivablesOut, **error_responses(404)},
    tags=["receivables"],
    description="What the company owes on the orders you can see, and the part past due."
    + MONEY_TOTALS_NOTE,
)
def company_receivables(request: HttpRequest, company_id: RecordId):
    company = get_company_for_user(request.auth, company_id)
    return selectors.customer_receivables(request.auth, company=company)


VALUE_NOTE = (
    "What the customer's orders that you can see are worth: their net value (an open order's "
    "total less credits, what a cancelled or returned order kept), the money received net of "
    "refunds, the refunds, and the number of orders. Each amount is a money total "
    "(`MoneyTotalOut`), per currency and converted at today's rates."
)


@router.get(
    "/persons/{int:person_id}/value",
    response={200: CustomerValueOut, **error_responses(404)},
    tags=["receivables"],
    description=VALUE_NOTE,
)
def person_value(request: HttpRequest, person_id: RecordId):
    person = get_person_for_user(request.auth, person_id)
    return selectors.customer_value(request.auth, person=person)


@router.get(
    "/companies/{int:company_id}/value",
    response={200: CustomerValueOut, **error_responses(404)},
    tags=["receivables"],
    description=VALUE_NOTE,
)
def company_value(request: HttpRequest, company_id: RecordId):
    company = get_company_for_user(request.auth, company_id)
    return selectors.customer_value(request.auth, company=company)
