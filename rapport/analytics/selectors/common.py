"""What the sales, marketing and executive dashboards share: day bounds, links to the list pages
that show the records behind a number, and money totals made ready for a chart."""

import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from rapport.sales.selectors.money import MoneyTotal


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


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
