"""Reading order input into exact values: lines and their prices, totals, the payment plan,
the customer, times. Problems are collected in a `FieldErrors` and raised together.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.core.cleaning import (
    CENT,
    MONEY_LIMIT,
    FieldErrors,
    clean_currency,
    clean_date,
    clean_datetime,
    clean_id,
    clean_int,
    clean_money,
    reject_unknown,
)
from rapport.core.formats import format_money
from rapport.customers.models import Company, Person
from rapport.customers.selectors import get_company_for_user, get_person_for_user
from rapport.sales.models import PriceList, Product
from rapport.sales.selectors.catalog import (
    default_price_list,
    list_prices,
    price_list_is_valid_on,
)

LINE_FIELDS = (
    "product_id",
    "description",
    "quantity",
    "unit_price",
    "discount",
    "discount_percent",
)
INSTALMENT_FIELDS = ("due_date", "amount")
MAX_LINES = 200
MAX_INSTALMENTS = 60
MAX_QUANTITY = 1_000_000


def payment_terms_days() -> int:
    """Days until the one instalment of an order given without a payment plan falls due."""
    return settings.RAPPORT_PAYMENT_TERMS_DAYS


@dataclass
class CleanLine:
    product: Product | None
    description: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    # The percentage `discount` was worked out from, if it was given as one.
    discount_percent: Decimal | None = None

    @property
    def gross(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(CENT)

    @property
    def line_total(self) -> Decimal:
        return (self.gross - self.discount).quantize(CENT)


@dataclass
class Totals:
    subtotal: Decimal
    discount_total: Decimal
    total: Decimal
    # The order's own discount (part of `discount_total`) and the percentage it came from.
    order_discount: Decimal = Decimal("0.00")
    order_discount_percent: Decimal | None = None


def percent_of(base: Decimal, percent: Decimal) -> Decimal:
    """`percent` % of `base`, to the cent, half up: the one rounding of a percentage discount
    (docs/decisions.md, "Discounts")."""
    return (base * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def clean_percent(value: Any, field: str, errors: FieldErrors) -> Decimal | None:
    """An optional percentage from 0 to 100 with at most two decimals; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool | float):
        errors.add(field, _("Give the percentage as a decimal string, e.g. 12.5."))
        return None
    try:
        percent = Decimal(str(value).strip().rstrip("%").strip())
    except InvalidOperation:
        errors.add(field, _("Enter a percentage from 0 to 100, e.g. 12.5."))
        return None
    if not percent.is_finite() or not 0 <= percent <= 100:
        errors.add(field, _("Enter a percentage from 0 to 100, e.g. 12.5."))
        return None
    if percent != percent.quantize(CENT):
        errors.add(field, _("Use at most two decimal places."))
        return None
    return percent.quantize(CENT)


def _amount_or_percent(
    item: dict, prefix: str, errors: FieldErrors
) -> tuple[Decimal | None, Decimal | None, bool]:
    """A discount given as `discount` (an amount) or `discount_percent`, not both.

    Returns (amount, percentage, ok); an empty value counts as not given.
    """
    raw_amount, raw_percent = item.get("discount"), item.get("discount_percent")
    given = [
        raw not in (None, "") and not (isinstance(raw, str) and not raw.strip())
        for raw in (raw_amount, raw_percent)
    ]
    if all(given):
        errors.add(
            f"{prefix}discount_percent",
            _("Give the discount as an amount or as a percentage, not both."),
        )
        return None, None, False
    amount = clean_money(raw_amount, f"{prefix}discount", errors, required=False)
    percent = clean_percent(raw_percent, f"{prefix}discount_percent", errors)
    ok = f"{prefix}discount" not in errors and f"{prefix}discount_percent" not in errors
    return amount, percent, ok


def clean_when(value: Any, field: str, errors: FieldErrors) -> datetime.datetime | None:
    """When something happened: now if empty, and not in the future."""
    return clean_datetime(value, field, errors, now_if_empty=True, past_only=True)


def _clean_quantity(value: Any, field: str, errors: FieldErrors) -> int | None:
    quantity = clean_int(
        value, field, errors, min_value=1, message=_("Enter a whole number of at least 1.")
    )
    if quantity is not None and quantity > MAX_QUANTITY:
        errors.add(field, _("Enter at most %(limit)d.") % {"limit": MAX_QUANTITY})
        return None
    return quantity


def _clean_list(raw: Any, field: str, limit: int, errors: FieldErrors) -> list[dict] | None:
    if raw is None:
        return None
    if not isinstance(raw, list | tuple) or not all(isinstance(item, dict) for item in raw):
        errors.add(field, _("Give a list of objects."))
        return None
    if len(raw) > limit:
        errors.add(field, _("At most %(limit)d entries.") % {"limit": limit})
        return None
    return list(raw)


def _clean_lines(
    raw: Any,
    *,
    price_list: PriceList | None,
    currency: str | None,
    errors: FieldErrors,
) -> list[CleanLine]:
    items = _clean_list(raw, "lines", MAX_LINES, errors)
    if items is None:
        if raw is None:
            errors.add("lines", _("Add at least one line."))
        return []
    if not items:
        errors.add("lines", _("Add at least one line."))
        return []
    product_ids = {
        pid
        for item in items
        if isinstance(pid := item.get("product_id"), int) and not isinstance(pid, bool)
    }
    products = Product.objects.in_bulk(product_ids)
    listed = list_prices(price_list, list(product_ids))
    lines = []
    for i, item in enumerate(items):
        prefix = f"lines.{i}."
        reject_unknown(item, LINE_FIELDS, errors, prefix)
        product = None
        product_id = clean_id(item.get("product_id"), f"{prefix}product_id", errors)
        if product_id is not None:
            product = products.get(product_id)
            if product is None:
                errors.add(f"{prefix}product_id", _("There is no such product."))
                continue
            if not product.is_active:
                errors.add(f"{prefix}product_id", _("This product is no longer sold."))
                continue
        description = item.get("description")
        if description in (None, "") and product is not None:
            description = product.name
        if not isinstance(description, str) or not description.strip():
            errors.add(f"{prefix}description", _("Choose a product or describe the line."))
            continue
        description = description.strip()
        if len(description) > 200:
            errors.add(f"{prefix}description", _("Use at most 200 characters."))
            continue
        quantity = _clean_quantity(item.get("quantity"), f"{prefix}quantity", errors)
        raw_price = item.get("unit_price")
        if raw_price in (None, "") and product is not None:
            if product.pk in listed:
                unit_price = listed[product.pk]
            elif currency and product.currency != currency:
                errors.add(
                    f"{prefix}product_id",
                    _("This product is priced in %(product)s; the order is in %(order)s.")
                    % {"product": product.currency, "order": currency},
                )
                continue
            else:
                unit_price = product.unit_price
        else:
            unit_price = clean_money(raw_price, f"{prefix}unit_price", errors)
        discount, percent, discount_ok = _amount_or_percent(item, prefix, errors)
        if quantity is None or unit_price is None or not discount_ok:
            continue
        line = CleanLine(product, description, quantity, unit_price, discount or Decimal("0.00"))
        if line.gross > MONEY_LIMIT:
            errors.add(f"{prefix}quantity", _("This line's amount is too large."))
            continue
        if percent is not None:
            line.discount, line.discount_percent = percent_of(line.gross, percent), percent
        if line.discount > line.gross:
            errors.add(
                f"{prefix}discount",
                _("The discount cannot be more than the line's amount (%(amount)s).")
                % {"amount": format_money(line.gross)},
            )
            continue
        lines.append(line)
    return lines


def _totals(lines: list[CleanLine], order_discount: dict, errors: FieldErrors) -> Totals:
    """The order's sums; `order_discount` holds the order's own `discount` (an amount) or
    `discount_percent` of what the lines come to after their discounts."""
    subtotal = sum((line.gross for line in lines), Decimal("0.00"))
    lines_total = sum((line.line_total for line in lines), Decimal("0.00"))
    amount, percent, ok = _amount_or_percent(order_discount, "", errors)
    if percent is not None:
        amount = percent_of(lines_total, percent)
    amount = amount or Decimal("0.00")
    lines_ok = not any(key.startswith("lines") for key in errors)
    if ok and lines_ok and amount > lines_total:
        errors.add(
            "discount",
            _("The order's discount cannot be more than its lines come to (%(amount)s).")
            % {"amount": format_money(lines_total)},
        )
    discount_total = sum((line.discount for line in lines), Decimal("0.00")) + amount
    totals = Totals(
        subtotal,
        discount_total,
        (subtotal - discount_total).quantize(CENT),
        order_discount=amount,
        order_discount_percent=percent,
    )
    if subtotal > MONEY_LIMIT:
        errors.add("lines", _("The order's total is too large."))
    return totals


def _clean_instalments(
    raw: Any, *, total: Decimal, placed_at: datetime.datetime | None, errors: FieldErrors
) -> list[tuple[datetime.date, Decimal]]:
    """The payment plan as (due date, amount) pairs in due order; one of the total by default."""
    placed_on = timezone.localdate(placed_at) if placed_at else timezone.localdate()
    items: list[dict] = []
    if raw is not None:
        items = _clean_list(raw, "instalments", MAX_INSTALMENTS, errors)
        if items is None:
            return []
    if not items:
        if total == 0:
            return []
        return [(placed_on + datetime.timedelta(days=payment_terms_days()), total)]
    if total == 0:
        errors.add("instalments", _("An order with nothing to pay has no instalments."))
        return []
    plan = []
    for i, item in enumerate(items):
        prefix = f"instalments.{i}."
        reject_unknown(item, INSTALMENT_FIELDS, errors, prefix)
        due = clean_date(item.get("due_date"), f"{prefix}due_date", errors)
        if due is None and f"{prefix}due_date" not in errors:
            errors.add(f"{prefix}due_date", _("Enter a due date."))
        amount = clean_money(item.get("amount"), f"{prefix}amount", errors, positive=True)
        if due is not None and due < placed_on:
            errors.add(f"{prefix}due_date", _("A due date cannot be before the order date."))
            continue
        if due is not None and amount is not None:
            plan.append((due, amount))
    if len(plan) == len(items):
        planned = sum((amount for _due, amount in plan), Decimal("0.00"))
        if planned != total:
            errors.add(
                "instalments",
                _("The instalments add up to %(planned)s but the order's total is %(total)s.")
                % {"planned": format_money(planned), "total": format_money(total)},
            )
    # A stable sort keeps the caller's order for instalments due the same day.
    return sorted(plan, key=lambda pair: pair[0])


def _resolve_customer(actor: User, data: dict) -> tuple[Person | None, Company | None]:
    """The person and/or company the order is for; one the actor cannot see is a 404."""
    errors = FieldErrors()
    person_id = clean_id(data.get("person_id"), "person_id", errors)
    company_id = clean_id(data.get("company_id"), "company_id", errors)
    if not errors and person_id is None and company_id is None:
        errors.add("person_id", _("Choose a person or a company."))
    errors.raise_if_any()
    person = get_person_for_user(actor, person_id) if person_id is not None else None
    company = get_company_for_user(actor, company_id) if company_id is not None else None
    return person, company


def _clean_price_list(
    data: dict, placed_at: datetime.datetime | None, errors: FieldErrors
) -> PriceList | None:
    on = timezone.localdate(placed_at) if placed_at else timezone.localdate()
    if "price_list_id" not in data:
        return default_price_list(on)
    price_list_id = clean_id(data.get("price_list_id"), "price_list_id", errors)
    if price_list_id is None:
        return None
    price_list = PriceList.objects.filter(pk=price_list_id).first()
    if price_list is None:
        errors.add("price_list_id", _("There is no such price list."))
    elif not price_list_is_valid_on(price_list, on):
        errors.add("price_list_id", _("This price list is not in force on the order date."))
    return price_list


def _clean_content(
    data: dict, *, placed_at: datetime.datetime | None, errors: FieldErrors
) -> tuple[PriceList | None, str, list[CleanLine], Totals, list]:
    price_list = _clean_price_list(data, placed_at, errors)
    if data.get("currency") not in (None, ""):
        currency = clean_currency(data["currency"], "currency", errors)
        if price_list is not None and currency and currency != price_list.currency:
            errors.add(
                "currency",
                _("The price list is in %(currency)s.") % {"currency": price_list.currency},
            )
    else:
        currency = price_list.currency if price_list is not None else "CNY"
    lines = _clean_lines(data.get("lines"), price_list=price_list, currency=currency, errors=errors)
    order_discount = {key: data.get(key) for key in ("discount", "discount_percent")}
    totals = _totals(lines, order_discount, errors)
    plan = _clean_instalments(
        data.get("instalments"), total=totals.total, placed_at=placed_at, errors=errors
    )
    return price_list, currency or "CNY", lines, totals, plan
