"""Reading exchange rates for the administrators' rates page and the API.

Only listing lives here: which rate converts a total is decided in one place,
`sales.selectors.money.RateBook`, which this module asks for the rate in force today.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.errors import NotFound
from rapport.sales.models import Deal, ExchangeRate, Order
from rapport.sales.selectors.money import RateBook, RateUsed, reporting_currency

# Rates shown per currency on the overview; a currency's own page lists up to RATES_LISTED.
RATES_SHOWN = 10
RATES_LISTED = 1000


@dataclass
class CurrencyRates:
    currency: str
    # Newest first (by the day they are valid from).
    rates: list[ExchangeRate]
    count: int
    # The rate totals use today (the latest valid on or before today); None if there is none
    # yet, e.g. only rates valid from a later day.
    in_force: RateUsed | None

    def is_in_force(self, rate: ExchangeRate) -> bool:
        return self.in_force is not None and rate.valid_from == self.in_force.valid_from

    @property
    def more(self) -> int:
        return self.count - len(self.rates)


@dataclass
class RatesOverview:
    currency: str
    day: datetime.date
    currencies: list[CurrencyRates] = field(default_factory=list)
    # Currencies of orders or deals that no rate converts today: their amounts are left out of
    # converted totals (shown as missing).
    missing: list[str] = field(default_factory=list)


def exchange_rates_list(*, currency: str = "") -> QuerySet[ExchangeRate]:
    """The rates for the reporting currency, optionally one currency's."""
    qs = ExchangeRate.objects.filter(to_currency=reporting_currency()).select_related("entered_by")
    if currency:
        qs = qs.filter(currency=currency.strip().upper())
    return qs


def get_exchange_rate(pk: int) -> ExchangeRate:
    rate = ExchangeRate.objects.filter(pk=pk, to_currency=reporting_currency()).first()
    if rate is None:
        raise NotFound(_("Exchange rate not found."))
    return rate


def currencies_in_use() -> set[str]:
    """Every currency an order or a deal is in."""
    orders = Order.objects.order_by().values_list("currency", flat=True).distinct()
    deals = Deal.objects.order_by().values_list("currency", flat=True).distinct()
    return set(orders) | set(deals)


def exchange_rates_overview(
    *, currency: str = "", day: datetime.date | None = None
) -> RatesOverview:
    """Each currency's rates newest first (the latest RATES_SHOWN, or all of `currency`'s), the
    rate in force on `day` (today) marked, and the currencies in use that have none."""
    day = day or timezone.localdate()
    book = RateBook(day)
    qs = exchange_rates_list(currency=currency)
    counts = dict(qs.order_by().values_list("currency").annotate(n=Count("id")))
    if currency:
        rows = list(qs.order_by("-valid_from")[:RATES_LISTED])
    else:
        ranked = qs.annotate(
            rank=Window(RowNumber(), partition_by=[F("currency")], order_by=F("valid_from").desc())
        )
        rows = list(ranked.filter(rank__lte=RATES_SHOWN).order_by("currency", "-valid_from"))
    by_currency: dict[str, list[ExchangeRate]] = {}
    for rate in rows:
        by_currency.setdefault(rate.currency, []).append(rate)
    overview = RatesOverview(currency=book.currency, day=day)
    for code in sorted(by_currency):
        overview.currencies.append(
            CurrencyRates(code, by_currency[code], counts.get(code, 0), book.rate(code))
        )
    overview.missing = sorted(code for code in currencies_in_use() if not book.can_convert(code))
    return overview
