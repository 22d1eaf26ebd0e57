"""Reads for lifetime value: the models' input from the orders, the runs, and a customer's
prediction as a user may see it.

The input, per customer (a person, or a company for its orders without a person), as Fader,
Hardie and Lee define it for BG/NBD: a *purchase* is a day with
at least one order that is revenue (neither cancelled nor returned), worth the day's orders'
`total - credited_amount`; `frequency` is the number of purchase days after the first, `recency`
the time from the first purchase day to the last, `age` (T) from the first purchase day to the
end of observation, all in **weeks** (days / 7, as in the papers, so that fitted parameters
compare with the published ones). `average_value` is the mean value of the repeat purchases in
the reporting currency, each order's currency converted at the rates in force at the end of
observation (`sales.selectors.money.RateBook`), exact Decimals; floats only go into the fit.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from rapport.accounts.models import User
from rapport.analytics.lifetime.models import LifetimeModelRun, LifetimePrediction, RunStatus
from rapport.customers.models import Company, Person
from rapport.sales.models import Order
from rapport.sales.selectors.money import RateBook, to_cents
from rapport.sales.selectors.orders import CLOSED_STATUSES

DAYS_PER_WEEK = 7.0
ACTIVE_RUN_STALE_AFTER = datetime.timedelta(hours=6)


@dataclass
class RepeatBuying:
    """The BG/NBD and Gamma-Gamma input of every customer with a purchase up to `as_of`, as
    parallel arrays (one element per customer). A customer is a person, or a company for its
    orders without a person (the rule of `accounts.access.linked_records_q`); `keys` holds a
    person's id, or minus a company's id (persons by id, then companies by id)."""

    as_of: datetime.date
    currency: str
    keys: np.ndarray
    frequency: np.ndarray
    recency: np.ndarray
    age: np.ndarray
    # Decimal in the reporting currency, or None (no repeat purchase, or none convertible).
    average_value: list[Decimal | None]
    # Currencies without a rate at `as_of`: those purchases count, their value does not.
    missing_currencies: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def repeat_customers(self) -> int:
        return int(np.count_nonzero(self.frequency > 0))

    def values_as_floats(self) -> np.ndarray:
        return np.array([float(v) if v is not None else 0.0 for v in self.average_value])


def _day_after(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` in the installation's time zone."""
    return timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )


def revenue_orders(until: datetime.date):
    """Customers' orders that are revenue, placed on or before `until`."""
    return Order.objects.filter(placed_at__lt=_day_after(until)).exclude(status__in=CLOSED_STATUSES)


# Whose an order is: its person's, else (no person) its company's.
CUSTOMER_KINDS = (
    ("person_id", Q(person__isnull=False), 1),
    ("company_id", Q(person__isnull=True, company__isnull=False), -1),
)


def _fold(rows, as_of: datetime.date, book: RateBook, sign: int, out: dict) -> None:
    """Fold (customer id, day, currency, value) rows, ordered by customer and day, into one
    input per customer, appended to `out`'s lists."""
    current = None
    first = last = None
    days = 0
    day_value: Decimal | None = Decimal(0)
    repeat_sum = Decimal(0)
    repeat_known = 0

    def close_day():
        nonlocal repeat_sum, repeat_known
        if days > 1 and day_value is not None:
            repeat_sum += day_value
            repeat_known += 1

    def close_customer():
        close_day()
        out["keys"].append(sign * current)
        out["frequency"].append(days - 1)
        out["recency"].append((last - first).days)
        out["age"].append((as_of - first).days)
        out["averages"].append(to_cents(repeat_sum / repeat_known) if repeat_known else None)

    for customer_id, day, currency, value in rows:
        if customer_id != current:
            if current is not None:
                close_customer()
            current, first, last, days = customer_id, day, None, 0
            repeat_sum, repeat_known = Decimal(0), 0
        if day != last:
            if last is not None:
                close_day()
            last, days, day_value = day, days + 1, Decimal(0)
        converted = book.convert(value, currency)
        if converted is None:
            out["missing"].add(currency)
            day_value = None
        elif day_value is not None:
            day_value += converted
    if current is not None:
        close_customer()


def repeat_buying(as_of: datetime.date) -> RepeatBuying:
    """Every customer's input as of the end of `as_of`, in one grouped query per kind (rows per
    customer, day and currency, read in order and folded per customer)."""
    book = RateBook(as_of)
    out: dict = {k: [] for k in ("keys", "frequency", "recency", "age", "averages")}
    out["missing"] = set()
    for column, whose, sign in CUSTOMER_KINDS:
        rows = (
            revenue_orders(as_of)
            .filter(whose)
            .annotate(day=TruncDate("placed_at"))
            .order_by()
            .values(column, "day", "currency")
            .annotate(value=Sum(F("total") - F("credited_amount")))
            .order_by(column, "day")
            .values_list(column, "day", "currency", "value")
        )
        _fold(rows.iterator(chunk_size=5000), as_of, book, sign, out)

    return RepeatBuying(
        as_of=as_of,
        currency=book.currency,
        keys=np.array(out["keys"], dtype=np.int64),
        frequency=np.array(out["frequency"], dtype=float),
        recency=np.array(out["recency"], dtype=float) / DAYS_PER_WEEK,
        age=np.array(out["age"], dtype=float) / DAYS_PER_WEEK,
        average_value=out["averages"],
        missing_currencies=out["missing"],
    )


def purchases_between(after: datetime.date, until: datetime.date) -> dict[int, int]:
    """Purchase days per customer key after the end of `after` up to the end of `until` (the
    holdout's actual purchases), in one grouped query per kind."""
    made: dict[int, int] = {}
    for column, whose, sign in CUSTOMER_KINDS:
        rows = (
            revenue_orders(until)
            .filter(whose, placed_at__gte=_day_after(after))
            .order_by()
            .values(column)
            .annotate(days=Count(TruncDate("placed_at"), distinct=True))
            .values_list(column, "days")
        )
        made.update((sign * pk, days) for pk, days in rows)
    return made


# --- Runs ----------------------------------------------------------------------------------------


def lifetime_runs():
    return LifetimeModelRun.objects.select_related("started_by")


def current_run() -> LifetimeModelRun | None:
    """The latest run with predictions: what customers' pages and the API show."""
    return (
        LifetimeModelRun.objects.filter(status__in=(RunStatus.FITTED, RunStatus.NO_SPEND_MODEL))
        .order_by("-finished_at", "-id")
        .first()
    )


def latest_run() -> LifetimeModelRun | None:
    """The latest run, whatever came of it (the model page says what)."""
    return lifetime_runs().order_by("-created_at", "-id").first()


def active_run() -> LifetimeModelRun | None:
    """A run queued or running that is not stale (a stopped worker's run is, after a while)."""
    since = timezone.now() - ACTIVE_RUN_STALE_AFTER
    return (
        LifetimeModelRun.objects.filter(
            status__in=(RunStatus.QUEUED, RunStatus.RUNNING), created_at__gte=since
        )
        .order_by("-created_at")
        .first()
    )


def customer_prediction(
    user: User, customer: Person | Company, *, run: LifetimeModelRun | None = None
) -> LifetimePrediction | None:
    """`customer`'s prediction from the current run (or `run`). The caller has checked that
    `user` may see the customer; their orders follow them (order_create copies the customer's
    owner and team), so what the prediction is made of is what the user may see too."""
    run = run or current_run()
    if run is None:
        return None
    field = "person" if isinstance(customer, Person) else "company"
    prediction = LifetimePrediction.objects.filter(run=run, **{field: customer}).first()
    if prediction is not None:
        prediction.run = run
    return prediction


def person_prediction(
    user: User, person: Person, *, run: LifetimeModelRun | None = None
) -> LifetimePrediction | None:
    return customer_prediction(user, person, run=run)
