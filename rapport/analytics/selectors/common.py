"""What the sales, marketing and executive dashboards share: day bounds, links to the list pages
that show the records behind a number, and money totals made ready for a chart."""

import datetime
from collections.abc import Sequence
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Case, FloatField, Func, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone

from rapport.analytics.stats import Period
from rapport.sales.selectors.money import MoneyTotal


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def period_index(field: str, periods: Sequence[Period]) -> Case:
    """The index in `periods` of the period holding the moment `field`, in SQL: the moment is
    compared with each period's end (local midnight, computed here), so the rows of a range are
    counted per period by one GROUP BY, with no function called per row (SQLite's `Trunc` is a
    Python function) and no row read into Python. A moment after the last period's end counts
    in the last period, as `ServiceSource.period_of` does."""
    last = len(periods) - 1
    return Case(
        *(
            When(
                **{f"{field}__lt": day_start(period.last + datetime.timedelta(days=1))},
                then=Value(index),
            )
            for index, period in enumerate(periods[:last])
        ),
        default=Value(last),
        output_field=IntegerField(),
    )


def day_period_index(field: str, periods: Sequence[Period]) -> Case:
    """`period_index` of a date column (a fact's day): the index of the period holding it."""
    last = len(periods) - 1
    return Case(
        *(
            When(**{f"{field}__lte": period.last}, then=Value(index))
            for index, period in enumerate(periods[:last])
        ),
        default=Value(last),
        output_field=IntegerField(),
    )


class DaysBetween(Func):
    """`end` - `start` in days (a float), two datetime columns, computed by the database."""

    arity = 2
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s))",
            arg_joiner=") - julianday(",
            **extra_context,
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)",
            arg_joiner=" - ",
            **extra_context,
        )


def list_url(url_name: str, **params) -> str:
    """The list page `url_name` narrowed by `params` (None values left out)."""
    query = {name: value for name, value in params.items() if value is not None and value != ""}
    url = reverse(url_name)
    return f"{url}?{urlencode(query)}" if query else url


def chart_amount(total: MoneyTotal) -> str:
    """A money total's converted amount for a chart's axis, as its exact decimal text (the
    tables beside the chart show each currency)."""
    return str(total.converted)


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


ZERO = Decimal("0")
