"""Reads for lifetime value: the models' input from the orders, the runs, and a person's
prediction as a user may see it.

The input, per person, as Fader, Hardie and Lee define it for BG/NBD: a *purchase* is a day with
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
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from rapport.accounts.models import User
from rapport.analytics.lifetime.models import LifetimeModelRun, LifetimePrediction, RunStatus
from rapport.customers.models import Person
from rapport.sales.models import Order
from rapport.sales.selectors.money import RateBook, to_cents
from rapport.sales.selectors.orders import CLOSED_STATUSES

DAYS_PER_WEEK = 7.0
ACTIVE_RUN_STALE_AFTER = datetime.timedelta(hours=6)


@dataclass
class RepeatBuying:
    """The BG/NBD and Gamma-Gamma input of every person with a purchase up to `as_of`, as
    parallel arrays (one element per person, ordered by person id)."""

    as_of: datetime.date
    currency: str
    person_ids: np.ndarray
    frequency: np.ndarray
    recency: np.ndarray
    age: np.ndarray
    # Decimal in the reporting currency, or None (no repeat purchase, or none convertible).
    average_value: list[Decimal | None]
    # Currencies without a rate at `as_of`: those purchases count, their value does not.
    missing_currencies: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.person_ids)

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
    """Persons' orders that are revenue, placed on or before `until`."""
    return Order.objects.filter(person__isnull=False, placed_at__lt=_day_after(until)).exclude(
        status__in=CLOSED_STATUSES
    )


def repeat_buying(as_of: datetime.date) -> RepeatBuying:
    """Every person's input as of the end of `as_of`, in one grouped query (rows per person,
    day and currency, read in order and folded per person)."""
    book = RateBook(as_of)
    rows = (
        revenue_orders(as_of)
        .annotate(day=TruncDate("placed_at"))
        .order_by()
        .values("person_id", "day", "currency")
        .annotate(value=Sum(F("total") - F("credited_amount")))
        .order_by("person_id", "day")
        .values_list("person_id", "day", "currency", "value")
    )
    person_ids: list[int] = []
    frequency: list[int] = []
    recency: list[int] = []
    age: list[int] = []
    averages: list[Decimal | None] = []
    missing: set[str] = set()

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

    def close_person():
        close_day()
        person_ids.append(current)
        frequency.append(days - 1)
        recency.append((last - first).days)
        age.append((as_of - first).days)
        averages.append(to_cents(repeat_sum / repeat_known) if repeat_known else None)

    for person_id, day, currency, value in rows.iterator(chunk_size=5000):
        if person_id != current:
            if current is not None:
                close_person()
            current, first, last, days = person_id, day, None, 0
            repeat_sum, repeat_known = Decimal(0), 0
        if day != last:
            if last is not None:
                close_day()
            last, days, day_value = day, days + 1, Decimal(0)
        converted = book.convert(value, currency)
        if converted is None:
            missing.add(currency)
            day_value = None
        elif day_value is not None:
            day_value += converted
    if current is not None:
        close_person()

    return RepeatBuying(
        as_of=as_of,
        currency=book.currency,
        person_ids=np.array(person_ids, dtype=np.int64),
        frequency=np.array(frequency, dtype=float),
        recency=np.array(recency, dtype=float) / DAYS_PER_WEEK,
        age=np.array(age, dtype=float) / DAYS_PER_WEEK,
        average_value=averages,
        missing_currencies=missing,
    )


def purchases_between(after: datetime.date, until: datetime.date) -> dict[int, int]:
    """Purchase days per person after the end of `after` up to the end of `until` (the
    holdout's actual purchases), in one grouped query."""
    rows = (
        revenue_orders(until)
        .filter(placed_at__gte=_day_after(after))
        .order_by()
        .values("person_id")
        .annotate(days=Count(TruncDate("placed_at"), distinct=True))
        .values_list("person_id", "days")
    )
    return dict(rows)


# --- Runs ----------------------------------------------------------------------------------------


def lifetime_runs():
    return LifetimeModelRun.objects.select_related("started_by")


def current_run() -> LifetimeModelRun | None:
    """The latest run with predictions: what persons' pages and the API show."""
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


def person_prediction(
    user: User, person: Person, *, run: LifetimeModelRun | None = None
) -> LifetimePrediction | None:
    """`person`'s prediction from the current run (or `run`). The caller has checked that `user`
    may see the person; their orders follow them (order_create copies the person's owner and
    team), so what the prediction is made of is what the user may see too."""
    run = run or current_run()
    if run is None:
        return None
    prediction = LifetimePrediction.objects.filter(run=run, person=person).first()
    if prediction is not None:
        prediction.run = run
    return prediction
