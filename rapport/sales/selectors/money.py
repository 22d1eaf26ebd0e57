"""The one rule for adding up money in several currencies.

Amounts in different currencies are never added together as they are. Every money total
(receivables, ageing, debtors, forecasts, quotas, the leaderboard, the kanban, the home page,
customer value, exports and reports) is computed in two steps:

1. the database sums the amounts **per currency** (`sums_by_currency`, or a GROUP BY that
   includes the currency column);
2. `RateBook.total` turns those sums into a `MoneyTotal`: the amount in each currency, and their
   sum in the reporting currency (`settings.RAPPORT_REPORTING_CURRENCY`), each currency's sum
   converted once at the latest `ExchangeRate` valid on or before the report's day and rounded
   to the cent, half up. A currency without a rate is not converted: it is listed in
   `MoneyTotal.missing` and left out of `converted`, never counted as zero.

The report's day is today for what is owed or expected (receivables, open deals), and the last
day of the period for what happened in a period that has ended (`report_day`). docs/decisions.md
("Money") states the rule for users; templates show a total with `{% money_total %}`, the API
with `sales.api.money.MoneyTotalOut`.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Case, DecimalField, Q, QuerySet, Sum, Value, When
from django.db.models.expressions import Combinable
from django.utils import timezone

from rapport.sales.models import ExchangeRate

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CONVERTED = DecimalField(max_digits=30, decimal_places=10)


def reporting_currency() -> str:
    return settings.RAPPORT_REPORTING_CURRENCY


def report_day(period_end: datetime.date | None = None, today: datetime.date | None = None):
    """The day whose rates convert a report: today, or the last day of a period already over.

    `period_end` is the first day after the period (as `forecast.period_end` gives it).
    """
    today = today or timezone.localdate()
    if period_end is None:
        return today
    return min(today, period_end - datetime.timedelta(days=1))


def to_cents(amount: Decimal | None) -> Decimal:
    if amount is None:
        return ZERO
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RateUsed:
    currency: str
    rate: Decimal
    valid_from: datetime.date


@dataclass
class CurrencyAmount:
    currency: str
    amount: Decimal
    # In the reporting currency; None when no rate is known. The reporting currency's own
    # amount is its converted amount.
    converted: Decimal | None
    rate: RateUsed | None = None


@dataclass
class MoneyTotal:
    """A sum of money that may span currencies: each currency's amount and, in the reporting
    currency, the sum of those that could be converted."""

    currency: str
    day: datetime.date
    parts: list[CurrencyAmount] = field(default_factory=list)

    @property
    def amounts(self) -> dict[str, Decimal]:
        return {part.currency: part.amount for part in self.parts}

    @property
    def converted(self) -> Decimal:
        """The sum in the reporting currency of every part that has a rate."""
        return sum((p.converted for p in self.parts if p.converted is not None), ZERO)

    @property
    def missing(self) -> dict[str, Decimal]:
        """Amounts left out of `converted` because their currency has no rate."""
        return {p.currency: p.amount for p in self.parts if p.converted is None}

    @property
    def is_complete(self) -> bool:
        return all(part.converted is not None for part in self.parts)

    @property
    def is_single(self) -> bool:
        """All of it is in the reporting currency (or there is nothing): no conversion shown."""
        return all(part.currency == self.currency for part in self.parts)

    @property
    def rates(self) -> list[RateUsed]:
        return [part.rate for part in self.parts if part.rate is not None]

    def __bool__(self) -> bool:
        return any(part.amount for part in self.parts)

    def amount_in(self, currency: str) -> Decimal:
        return self.amounts.get(currency, ZERO)


class RateBook:
    """The exchange rates in force on one day, read once (one query) when first needed."""

    def __init__(self, day: datetime.date | None = None, *, currency: str | None = None):
        self.day = day or timezone.localdate()
        self.currency = currency or reporting_currency()
        self._rates: dict[str, RateUsed] | None = None

    def _load(self) -> dict[str, RateUsed]:
        if self._rates is None:
            rates: dict[str, RateUsed] = {}
            rows = (
                ExchangeRate.objects.filter(to_currency=self.currency, valid_from__lte=self.day)
                .order_by("currency", "-valid_from")
                .values_list("currency", "rate", "valid_from")
            )
            for currency, rate, valid_from in rows:
                rates.setdefault(currency, RateUsed(currency, rate, valid_from))
            self._rates = rates
        return self._rates

    def rate(self, currency: str) -> RateUsed | None:
        if currency == self.currency:
            return None
        return self._load().get(currency)

    def can_convert(self, currency: str) -> bool:
        return currency == self.currency or currency in self._load()

    def convert(self, amount: Decimal | None, currency: str) -> Decimal | None:
        """`amount` in the reporting currency, to the cent; None when `currency` has no rate."""
        amount = to_cents(amount)
        if currency == self.currency:
            return amount
        used = self._load().get(currency)
        if used is None:
            return None
        return to_cents(amount * used.rate)

    def total(self, amounts: Mapping[str, Decimal | None]) -> MoneyTotal:
        """A `MoneyTotal` of per-currency sums (currencies sorted, the reporting one first)."""
        result = MoneyTotal(currency=self.currency, day=self.day)
        for currency in sorted(amounts, key=lambda c: (c != self.currency, c)):
            amount = to_cents(amounts[currency])
            result.parts.append(
                CurrencyAmount(
                    currency=currency,
                    amount=amount,
                    converted=self.convert(amount, currency),
                    rate=self.rate(currency),
                )
            )
        return result

    def empty(self) -> MoneyTotal:
        return MoneyTotal(currency=self.currency, day=self.day)

    def converted_expression(self, amount: Combinable, currency_field: str = "currency") -> Case:
        """A database expression of `amount` in the reporting currency, NULL without a rate.

        For ordering rows of mixed currencies (the largest debtors first) in the database; the
        figures shown are still the per-currency sums converted by `total`.
        """
        whens = [When(Q(**{currency_field: self.currency}), then=amount)]
        for currency, used in sorted(self._load().items()):
            whens.append(When(Q(**{currency_field: currency}), then=amount * Value(used.rate)))
        return Case(*whens, default=Value(None), output_field=CONVERTED)


def add_amounts(*many: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Per-currency sums added currency by currency."""
    result: dict[str, Decimal] = {}
    for amounts in many:
        for currency, amount in amounts.items():
            if amount is None:
                continue
            result[currency] = result.get(currency, ZERO) + amount
    return result


def sums_by_currency(
    qs: QuerySet, amount: str | Combinable, *, currency_field: str = "currency"
) -> dict[str, Decimal]:
    """Σ `amount` over `qs` per currency, in one GROUP BY query."""
    rows = qs.order_by().values(currency_field).annotate(total=Sum(amount))
    return {row[currency_field]: to_cents(row["total"]) for row in rows if row["total"] is not None}


def grouped_sums(
    rows: Iterable[Mapping], key: str, amount: str, *, currency_field: str = "currency"
) -> dict:
    """Rows of a GROUP BY (key, currency) as {key value: {currency: amount}}."""
    result: dict = {}
    for row in rows:
        if row[amount] is None:
            continue
        into = result.setdefault(row[key], {})
        into[row[currency_field]] = into.get(row[currency_field], ZERO) + to_cents(row[amount])
    return result
