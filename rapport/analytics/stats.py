"""Figures computed in Python over rows read in one query: medians and percentiles (the same on
SQLite and PostgreSQL, which has `percentile_cont` while SQLite has nothing) and the periods a
date range is cut into."""

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import date_format

WEEK = "week"
MONTH = "month"
PERIODS = (WEEK, MONTH)


def percentile(values: Sequence[float], share: float) -> float | None:
    """The `share` (0–1) percentile of `values` by linear interpolation between the closest
    ranks (what PostgreSQL's `percentile_cont` and numpy's default give); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 0.5)


def hours(start: datetime.datetime, end: datetime.datetime) -> float:
    return (end - start).total_seconds() / 3600


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class Period:
    """One bar of a trend: its first and last day, both inside the dashboard's range."""

    first: datetime.date
    last: datetime.date
    label: str


def period_start(day: datetime.date, period: str) -> datetime.date:
    if period == MONTH:
        return day.replace(day=1)
    return day - datetime.timedelta(days=day.weekday())


def periods(start: datetime.date, end: datetime.date, period: str) -> list[Period]:
    """The weeks (Monday first) or months that cover start..end, cut to that range; labelled by
    their first day (weeks) or month, in the reader's language's format."""
    found = []
    cursor = period_start(start, period)
    while cursor <= end:
        if period == MONTH:
            following = (cursor + datetime.timedelta(days=32)).replace(day=1)
            label = date_format(cursor, "YEAR_MONTH_FORMAT")
        else:
            following = cursor + datetime.timedelta(days=7)
            label = date_format(cursor, "SHORT_DATE_FORMAT")
        found.append(
            Period(
                first=max(cursor, start),
                last=min(following - datetime.timedelta(days=1), end),
                label=label,
            )
        )
        cursor = following
    return found


def days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    return [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
